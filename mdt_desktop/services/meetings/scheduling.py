"""Scheduling a meeting: plan, change, cancel, list and summarise."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.meetings import (
    AgendaStatus,
    Attendance,
    MeetingStatus,
)
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AgendaItem,
    Meeting,
    MeetingAttendance,
    Staff,
    Team,
)

from ._common import MeetingError, _meeting, _open_for_changes, _require
from .agenda import _carry_forward_into
from .order import DEFAULT_LENGTH, meeting_length

# --- scheduling and attendance ---------------------------------------------------------

MIN_LENGTH, MAX_LENGTH = 15, 480


def check_length(minutes: int) -> int:
    if not MIN_LENGTH <= minutes <= MAX_LENGTH:
        raise MeetingError(f"A meeting lasts {MIN_LENGTH} to {MAX_LENGTH} minutes.")
    return minutes


@dataclass(frozen=True)
class MeetingSummary:
    id: uuid.UUID
    team_id: uuid.UUID | None
    team: str
    starts_at: datetime
    location: str | None
    video_link: str | None
    chair: str | None
    note_taker: str | None
    status: str
    cases: int
    discussed: int
    quorum_met: bool | None
    quorum_detail: str | None
    length_minutes: int = DEFAULT_LENGTH
    agenda_minutes: int = 0

    @property
    def over_time(self) -> bool:
        return self.agenda_minutes > self.length_minutes

    @property
    def time_line(self) -> str:
        """ "165 of 90 minutes — 75 over": the agenda against the meeting's length."""
        text = f"{self.agenda_minutes} of {self.length_minutes} minutes"
        if self.over_time:
            text += f" — {self.agenda_minutes - self.length_minutes} over"
        return text

    @property
    def when(self) -> str:
        return format_local_datetime(self.starts_at)

    @property
    def title(self) -> str:
        return f"{self.team} — {self.when}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "team": self.team,
            "starts_at": self.starts_at.isoformat(),
            "location": self.location,
            "video_link": self.video_link,
            "chair": self.chair,
            "note_taker": self.note_taker,
            "status": self.status,
            "cases": self.cases,
            "discussed": self.discussed,
            "quorum_met": self.quorum_met,
            "quorum": self.quorum_detail,
            "length_minutes": self.length_minutes,
            "agenda_minutes": self.agenda_minutes,
        }


def schedule_meeting(  # noqa: PLR0913 - one keyword per fact of the meeting
    store: Store,
    *,
    team_id: uuid.UUID,
    starts_at: datetime,
    location: str | None = None,
    video_link: str | None = None,
    chair_staff_id: uuid.UUID | None = None,
    note_taker_staff_id: uuid.UUID | None = None,
    invite_team: bool = True,
    length_minutes: int = DEFAULT_LENGTH,
) -> uuid.UUID:
    """A planned meeting; the team's staff are listed as expected (absent until marked),
    and cases not reached last time are carried onto its agenda straight away."""
    _require(store, Permission.RUN_MEETING)
    if starts_at.tzinfo is None:
        raise MeetingError("A meeting time needs a time zone.")
    location = (location or "").strip() or None
    video_link = (video_link or "").strip() or None
    if location is None and video_link is None:
        raise MeetingError("Give a place or a video link for the meeting.")
    check_length(length_minutes)
    with store.transaction() as s:
        if s.get(Team, team_id) is None:
            raise MeetingError("That team is not in this store.")
        meeting = Meeting(
            team_id=team_id,
            starts_at=starts_at,
            location=location,
            video_link=video_link,
            chair_staff_id=chair_staff_id,
            note_taker_staff_id=note_taker_staff_id,
            status=MeetingStatus.PLANNED,
            length_minutes=length_minutes,
        )
        s.add(meeting)
        s.flush()
        if invite_team:
            for person in q.staff_of_team(s, team_id):
                if person.team_id != team_id:
                    continue
                s.add(
                    MeetingAttendance(
                        team_id=team_id,
                        meeting_id=meeting.id,
                        staff_id=person.id,
                        name=person.name,
                        role=person.role,
                        attendance=Attendance.ABSENT,
                    )
                )
        _carry_forward_into(s, meeting)
        return meeting.id


def update_meeting(
    store: Store,
    meeting_id: uuid.UUID,
    *,
    starts_at: datetime | None = None,
    location: str | None = None,
    video_link: str | None = None,
    chair_staff_id: uuid.UUID | None = None,
    note_taker_staff_id: uuid.UUID | None = None,
    length_minutes: int | None = None,
) -> None:
    _require(store, Permission.RUN_MEETING)
    if length_minutes is not None:
        check_length(length_minutes)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        if length_minutes is not None:
            meeting.length_minutes = length_minutes
        if starts_at is not None:
            if starts_at.tzinfo is None:
                raise MeetingError("A meeting time needs a time zone.")
            meeting.starts_at = starts_at
        meeting.location = (location or "").strip() or None
        meeting.video_link = (video_link or "").strip() or None
        if meeting.location is None and meeting.video_link is None:
            raise MeetingError("Give a place or a video link for the meeting.")
        meeting.chair_staff_id = chair_staff_id
        meeting.note_taker_staff_id = note_taker_staff_id


def cancel_meeting(store: Store, meeting_id: uuid.UUID) -> None:
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        if meeting.status != MeetingStatus.PLANNED:
            raise MeetingError("Only a planned meeting can be cancelled.")
        meeting.status = MeetingStatus.CANCELLED


def _summaries(s: Session, meetings: Sequence[Meeting]) -> list[MeetingSummary]:
    ids = [m.id for m in meetings]
    counts: dict[uuid.UUID, tuple[int, int, int]] = {}
    if ids:
        for mid, total, done, minutes in s.execute(
            select(
                AgendaItem.meeting_id,
                func.count(),
                func.sum(case((AgendaItem.status == AgendaStatus.DISCUSSED, 1), else_=0)),
                func.sum(AgendaItem.minutes_allotted),
            )
            .where(AgendaItem.meeting_id.in_(ids), AgendaItem.deleted_at.is_(None))
            .group_by(AgendaItem.meeting_id)
        ):
            counts[mid] = (int(total), int(done or 0), int(minutes or 0))
    teams = {t.id: t.name for t in s.scalars(select(Team))}
    staff_ids = {m.chair_staff_id for m in meetings} | {m.note_taker_staff_id for m in meetings}
    staff_ids.discard(None)
    names = (
        {p.id: p.name for p in s.scalars(select(Staff).where(Staff.id.in_(staff_ids)))}
        if staff_ids
        else {}
    )
    return [
        MeetingSummary(
            id=m.id,
            team_id=m.team_id,
            team=teams.get(m.team_id, "Team not known") if m.team_id else "No team",
            starts_at=m.starts_at,
            location=m.location,
            video_link=m.video_link,
            chair=names.get(m.chair_staff_id) if m.chair_staff_id else None,
            note_taker=names.get(m.note_taker_staff_id) if m.note_taker_staff_id else None,
            status=m.status,
            cases=counts.get(m.id, (0, 0, 0))[0],
            discussed=counts.get(m.id, (0, 0, 0))[1],
            quorum_met=m.quorum_met,
            quorum_detail=m.quorum_detail,
            length_minutes=meeting_length(m.length_minutes),
            agenda_minutes=counts.get(m.id, (0, 0, 0))[2],
        )
        for m in meetings
    ]


def list_meetings(store: Store, team_id: uuid.UUID | None = None) -> list[MeetingSummary]:
    """Every meeting, newest first."""
    with store.session() as s:
        query = select(Meeting).where(Meeting.deleted_at.is_(None))
        if team_id is not None:
            query = query.where(Meeting.team_id == team_id)
        return _summaries(s, list(s.scalars(query.order_by(Meeting.starts_at.desc()))))


def meeting_summary(store: Store, meeting_id: uuid.UUID) -> MeetingSummary:
    with store.session() as s:
        return _summaries(s, [_meeting(s, meeting_id)])[0]
