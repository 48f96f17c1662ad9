"""Who came, quorum, and starting and closing the meeting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.meetings import (
    AgendaStatus,
    Attendance,
    MeetingStatus,
)
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    MeetingAttendance,
    Team,
)

from ._common import MeetingError, _meeting, _open_for_changes, _require
from .agenda import _carry_forward_into


@dataclass(frozen=True)
class AttendanceLine:
    id: uuid.UUID
    staff_id: uuid.UUID | None
    name: str
    role: str
    attendance: str
    is_guest: bool

    @property
    def role_label(self) -> str:
        return rules.role_label(self.role)


def attendance(store: Store, meeting_id: uuid.UUID) -> list[AttendanceLine]:
    with store.session() as s:
        rows = s.scalars(
            select(MeetingAttendance)
            .where(
                MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.deleted_at.is_(None)
            )
            .order_by(MeetingAttendance.is_guest, MeetingAttendance.name)
        )
        return [
            AttendanceLine(a.id, a.staff_id, a.name, a.role, a.attendance, a.is_guest) for a in rows
        ]


def set_attendance(store: Store, attendance_id: uuid.UUID, value: str) -> None:
    _require(store, Permission.RUN_MEETING)
    if value not in rules.ATTENDANCE_LABELS:
        raise MeetingError("Attendance is present, sent apologies or absent.")
    with store.transaction() as s:
        line = s.get(MeetingAttendance, attendance_id)
        if line is None:
            raise MeetingError("That attendance line is not in this store.")
        _open_for_changes(_meeting(s, line.meeting_id))
        line.attendance = value


def mark_everyone_present(store: Store, meeting_id: uuid.UUID) -> int:
    """Everyone on the list is present, in one change; the exceptions are marked after.

    Returns how many lines changed."""
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        _open_for_changes(_meeting(s, meeting_id))
        changed = 0
        for line in s.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.deleted_at.is_(None)
            )
        ):
            if line.attendance != Attendance.PRESENT:
                line.attendance = Attendance.PRESENT
                changed += 1
        return changed


def add_attendee(
    store: Store,
    meeting_id: uuid.UUID,
    *,
    name: str,
    role: str,
    staff_id: uuid.UUID | None = None,
    is_guest: bool = False,
    attendance_value: str = Attendance.PRESENT,
) -> uuid.UUID:
    """A member not yet listed, or a guest (a hospital consultant, a carer's advocate…)."""
    _require(store, Permission.RUN_MEETING)
    name = name.strip()
    if not name:
        raise MeetingError("An attendee needs a name.")
    if attendance_value not in rules.ATTENDANCE_LABELS:
        raise MeetingError("Attendance is present, sent apologies or absent.")
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        if staff_id is not None:
            already = s.scalars(
                select(MeetingAttendance.id).where(
                    MeetingAttendance.meeting_id == meeting_id,
                    MeetingAttendance.staff_id == staff_id,
                    MeetingAttendance.deleted_at.is_(None),
                )
            ).first()
            if already is not None:
                raise MeetingError(f"{name} is already on the attendance list.")
        line = MeetingAttendance(
            team_id=meeting.team_id,
            meeting_id=meeting_id,
            staff_id=staff_id,
            name=name,
            role=role,
            attendance=attendance_value,
            is_guest=is_guest,
        )
        s.add(line)
        s.flush()
        return line.id


def quorum(store: Store, meeting_id: uuid.UUID) -> rules.Quorum:
    """Quorum as the attendance stands now, by the team's rule."""
    with store.session() as s:
        meeting = _meeting(s, meeting_id)
        team = s.get(Team, meeting.team_id) if meeting.team_id else None
        lines = s.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.deleted_at.is_(None)
            )
        )
        people = [rules.Attendee(a.name, a.role, a.attendance, a.is_guest) for a in lines]
        return rules.evaluate_quorum(people, team.quorum_rule if team else None)


def start_meeting(store: Store, meeting_id: uuid.UUID) -> rules.Quorum:
    """In progress from now; the quorum at the start is recorded with the meeting."""
    _require(store, Permission.RUN_MEETING)
    result = quorum(store, meeting_id)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.quorum_met = result.met
        meeting.quorum_detail = result.detail
    return result


def close_meeting(store: Store, meeting_id: uuid.UUID) -> int:
    """Close the record: cases still waiting are "not reached" and go to the next agenda.

    Returns how many cases were carried forward (to the next planned meeting if there is
    one; otherwise the next meeting scheduled picks them up).
    """
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        if meeting.quorum_met is None:
            team = s.get(Team, meeting.team_id) if meeting.team_id else None
            people = [
                rules.Attendee(a.name, a.role, a.attendance, a.is_guest)
                for a in s.scalars(
                    select(MeetingAttendance).where(
                        MeetingAttendance.meeting_id == meeting_id,
                        MeetingAttendance.deleted_at.is_(None),
                    )
                )
            ]
            result = rules.evaluate_quorum(people, team.quorum_rule if team else None)
            meeting.quorum_met, meeting.quorum_detail = result.met, result.detail
        not_reached = 0
        for item in q.agenda_items(s, meeting_id):
            if item.status == AgendaStatus.PENDING:
                item.status = AgendaStatus.NOT_REACHED
                not_reached += 1
        meeting.status = MeetingStatus.CLOSED
        s.flush()
        following = q.next_planned_meeting(s, meeting.team_id, meeting.starts_at)
        if following is not None:
            _carry_forward_into(s, following)
        return not_reached
