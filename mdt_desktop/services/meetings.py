"""MDT meetings: scheduling, attendance and quorum, the agenda, outcomes, actions, minutes.

Every write is one transaction through the ORM, so each change gets its outbox and
audit entries from the flush hook. Recording a case's outcome writes the decision,
its actions, the agenda item and the caseload entry together, or nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.banner import Banner
from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.meetings import (
    ActionStatus,
    AgendaStatus,
    Attendance,
    DecisionOutcome,
    MeetingStatus,
)
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Action,
    AgendaItem,
    CaseloadEntry,
    Decision,
    Meeting,
    MeetingAttendance,
    Patient,
    Staff,
    Team,
    User,
)

from . import caseload
from .errors import InvalidInput
from .patients import patient_banner
from .staff import staff_for_user


class MeetingError(InvalidInput):
    """Something about a meeting that cannot be done, said in plain words."""


def _require(store: Store, permission: Permission) -> None:
    # The system actor (the CLI with nobody signed in, the demo) does housekeeping.
    if store.actor.role != "system":
        require(store.actor.role, permission)


def _meeting(s: Session, meeting_id: uuid.UUID) -> Meeting:
    meeting = s.get(Meeting, meeting_id)
    if meeting is None or meeting.deleted_at is not None:
        raise MeetingError("That meeting is not in this store.")
    return meeting


def _open_for_changes(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise MeetingError(
            f"This meeting is {rules.MEETING_STATUS_LABELS[meeting.status].lower()}: "
            "its record can no longer change."
        )


# --- scheduling and attendance ---------------------------------------------------------


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
        }


def schedule_meeting(
    store: Store,
    *,
    team_id: uuid.UUID,
    starts_at: datetime,
    location: str | None = None,
    video_link: str | None = None,
    chair_staff_id: uuid.UUID | None = None,
    note_taker_staff_id: uuid.UUID | None = None,
    invite_team: bool = True,
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
) -> None:
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
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
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    if ids:
        for mid, total, done in s.execute(
            select(
                AgendaItem.meeting_id,
                func.count(),
                func.sum(case((AgendaItem.status == AgendaStatus.DISCUSSED, 1), else_=0)),
            )
            .where(AgendaItem.meeting_id.in_(ids), AgendaItem.deleted_at.is_(None))
            .group_by(AgendaItem.meeting_id)
        ):
            counts[mid] = (int(total), int(done or 0))
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
            cases=counts.get(m.id, (0, 0))[0],
            discussed=counts.get(m.id, (0, 0))[1],
            quorum_met=m.quorum_met,
            quorum_detail=m.quorum_detail,
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


# --- the agenda -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaLine:
    id: uuid.UUID
    patient_id: uuid.UUID
    position: int
    name: str
    nhs_number: str | None
    reason_kind: str
    reason: str
    minutes: int
    status: str
    discussion: str | None
    decision: str | None = None

    @property
    def reason_label(self) -> str:
        return rules.REASON_LABELS.get(self.reason_kind, self.reason_kind)

    @property
    def reason_line(self) -> str:
        return rules.reason_line(self.reason_kind, self.reason)


def _name(p: Patient) -> str:
    from mdt_desktop.domain.people import display_name

    return display_name(p.family_name, p.given_name, p.title)


def agenda(store: Store, meeting_id: uuid.UUID) -> list[AgendaLine]:
    with store.session() as s:
        items = q.agenda_items(s, meeting_id)
        people = {
            p.id: p
            for p in s.scalars(select(Patient).where(Patient.id.in_([i.patient_id for i in items])))
        }
        decisions = _latest_decisions(s, [i.id for i in items])
        return [
            AgendaLine(
                i.id,
                i.patient_id,
                i.position,
                _name(people[i.patient_id]),
                people[i.patient_id].nhs_number,
                i.reason_kind,
                i.reason,
                i.minutes_allotted,
                i.status,
                i.discussion,
                rules.decision_words(decisions[i.id].outcome, decisions[i.id].referred_to)
                if i.id in decisions
                else None,
            )
            for i in items
        ]


def _latest_decisions(s: Session, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decision]:
    if not item_ids:
        return {}
    out: dict[uuid.UUID, Decision] = {}
    for d in s.scalars(
        select(Decision)
        .where(Decision.agenda_item_id.in_(item_ids), Decision.deleted_at.is_(None))
        .order_by(Decision.decided_at)
    ):
        assert d.agenda_item_id is not None
        out[d.agenda_item_id] = d
    return out


@dataclass(frozen=True)
class ProposedCase:
    patient_id: uuid.UUID
    name: str
    nhs_number: str | None
    reason_kind: str
    reason: str
    carried_from_id: uuid.UUID | None = None

    @property
    def reason_label(self) -> str:
        return rules.REASON_LABELS.get(self.reason_kind, self.reason_kind)

    @property
    def reason_line(self) -> str:
        return rules.reason_line(self.reason_kind, self.reason)


def _merge(proposals: Iterable[q.Proposal]) -> dict[uuid.UUID, tuple[str, list[str], Any]]:
    """One line per person: the most pressing reason names it, every reason is kept."""
    by_person: dict[uuid.UUID, list[q.Proposal]] = {}
    for p in proposals:
        by_person.setdefault(p.patient_id, []).append(p)
    merged = {}
    for pid, found in by_person.items():
        found.sort(key=lambda p: rules.REASON_PRIORITY.index(p.reason_kind))
        texts = list(dict.fromkeys(p.reason for p in found))
        carried = next((p.carried_from_id for p in found if p.carried_from_id), None)
        merged[pid] = (found[0].reason_kind, texts, carried)
    return merged


def propose_agenda(
    store: Store, meeting_id: uuid.UUID, today: date | None = None
) -> list[ProposedCase]:
    """Who the team should discuss, not yet on this agenda: most pressing reasons first."""
    today = today or date.today()
    with store.session() as s:
        meeting = _meeting(s, meeting_id)
        on_agenda = {i.patient_id for i in q.agenda_items(s, meeting_id)}
        merged = _merge(p for p in q.proposals(s, meeting, today) if p.patient_id not in on_agenda)
        people = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(list(merged))))}
    cases = [
        ProposedCase(
            pid, _name(people[pid]), people[pid].nhs_number, kind, "; ".join(texts), carried
        )
        for pid, (kind, texts, carried) in merged.items()
        if pid in people
    ]
    cases.sort(key=lambda c: (rules.REASON_PRIORITY.index(c.reason_kind), c.name))
    return cases


def _next_position(s: Session, meeting_id: uuid.UUID) -> int:
    top = s.scalar(
        select(func.max(AgendaItem.position)).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.deleted_at.is_(None)
        )
    )
    return (top or 0) + 1


def add_to_agenda(
    store: Store,
    meeting_id: uuid.UUID,
    cases: Sequence[ProposedCase],
    minutes: int = 5,
) -> list[uuid.UUID]:
    """Add proposed cases at the end of the agenda (people already on it are skipped)."""
    _require(store, Permission.RUN_MEETING)
    rules.check_minutes(minutes)
    added: list[uuid.UUID] = []
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        on_agenda = {i.patient_id for i in q.agenda_items(s, meeting_id)}
        position = _next_position(s, meeting_id)
        for case in cases:
            if case.patient_id in on_agenda:
                continue
            item = AgendaItem(
                team_id=meeting.team_id,
                meeting_id=meeting_id,
                patient_id=case.patient_id,
                position=position,
                reason_kind=case.reason_kind,
                reason=case.reason,
                minutes_allotted=minutes,
                status=AgendaStatus.PENDING,
                carried_from_id=case.carried_from_id,
            )
            s.add(item)
            s.flush()
            added.append(item.id)
            on_agenda.add(case.patient_id)
            position += 1
    return added


def build_agenda(store: Store, meeting_id: uuid.UUID, today: date | None = None) -> int:
    """Take every proposal onto the agenda, in the proposed order; returns how many."""
    return len(add_to_agenda(store, meeting_id, propose_agenda(store, meeting_id, today)))


def add_person(
    store: Store, meeting_id: uuid.UUID, patient_id: uuid.UUID, reason: str, minutes: int = 5
) -> uuid.UUID:
    """Anyone on the caseload, added by search with the chair's reason."""
    reason = reason.strip()
    if not reason:
        raise MeetingError("Say why this person is on the agenda.")
    with store.session() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise MeetingError("That person is not in this store.")
        on = {i.patient_id for i in q.agenda_items(s, meeting_id)}
    if patient_id in on:
        raise MeetingError(f"{_name(patient)} is already on this agenda.")
    added = add_to_agenda(
        store,
        meeting_id,
        [ProposedCase(patient_id, _name(patient), patient.nhs_number, "added", reason)],
        minutes,
    )
    return added[0]


def _carry_forward_into(s: Session, meeting: Meeting) -> int:
    """Put cases not reached at earlier meetings onto this agenda (in their old order)."""
    if meeting.status != MeetingStatus.PLANNED:
        return 0
    existing = q.agenda_items(s, meeting.id)
    on_agenda = {i.patient_id for i in existing}
    # The same person not reached twice is carried once (their latest item).
    items: dict[uuid.UUID, AgendaItem] = {}
    held: dict[uuid.UUID, datetime] = {}
    for old, when in q.uncarried_not_reached_with_date(s, meeting):
        if old.patient_id not in on_agenda:
            items[old.patient_id] = old
            held[old.id] = when
    if not items:
        return 0
    # Carried cases go first: they have already waited a meeting.
    for offset, item in enumerate(existing):
        item.position = len(items) + offset + 1
    position, carried = 1, 0
    for old in items.values():
        reason = rules.carried_reason(
            old.reason_kind, old.reason, format_patient_date(held[old.id].astimezone().date())
        )
        s.add(
            AgendaItem(
                team_id=meeting.team_id,
                meeting_id=meeting.id,
                patient_id=old.patient_id,
                position=position,
                reason_kind="carried_forward",
                reason=reason,
                minutes_allotted=old.minutes_allotted,
                status=AgendaStatus.PENDING,
                carried_from_id=old.id,
            )
        )
        on_agenda.add(old.patient_id)
        position += 1
        carried += 1
    s.flush()
    return carried


def reorder_agenda(store: Store, meeting_id: uuid.UUID, item_ids: Sequence[uuid.UUID]) -> None:
    """The agenda in this order (every item of the meeting, once)."""
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        items = {i.id: i for i in q.agenda_items(s, meeting_id)}
        if set(item_ids) != set(items) or len(item_ids) != len(items):
            raise MeetingError("The agenda changed meanwhile: reload it and try again.")
        for position, item_id in enumerate(item_ids, 1):
            if items[item_id].position != position:
                items[item_id].position = position


def _open_item(s: Any, item_id: uuid.UUID) -> AgendaItem:
    """An agenda item whose meeting may still be changed, or a MeetingError saying why not."""
    item = s.get(AgendaItem, item_id)
    if item is None:
        raise MeetingError("That agenda item is not in this store.")
    _open_for_changes(_meeting(s, item.meeting_id))
    return item


def set_minutes(store: Store, item_id: uuid.UUID, minutes: int) -> None:
    _require(store, Permission.RUN_MEETING)
    rules.check_minutes(minutes)
    with store.transaction() as s:
        item = _open_item(s, item_id)
        item.minutes_allotted = minutes


def remove_from_agenda(store: Store, item_id: uuid.UUID) -> None:
    """Only a case not yet discussed; the row is kept as a tombstone."""
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        item = _open_item(s, item_id)
        if item.status == AgendaStatus.DISCUSSED:
            raise MeetingError("A discussed case stays on the agenda and in the minutes.")
        item.deleted_at = datetime.now(UTC)


# --- outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAction:
    description: str
    owner_name: str
    owner_staff_id: uuid.UUID | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class Outcome:
    outcome: str
    text: str = ""
    referred_to: str | None = None
    next_review_on: date | None = None
    actions: tuple[NewAction, ...] = field(default_factory=tuple)


def record_outcome(store: Store, item_id: uuid.UUID, outcome: Outcome) -> uuid.UUID:
    """Decision, actions, discussion, the caseload entry: one transaction.

    A second outcome for the same case replaces the first in the minutes; the first is
    kept (tombstoned) with its audit trail, never overwritten in place.
    """
    _require(store, Permission.RECORD_DECISION)
    for action in outcome.actions:
        if not action.description.strip():
            raise MeetingError("An action needs to say what is to be done.")
        if not action.owner_name.strip():
            raise MeetingError(f"The action “{action.description.strip()}” needs an owner.")
    now = datetime.now(UTC)
    with store.transaction() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        meeting = _meeting(s, item.meeting_id)
        _open_for_changes(meeting)
        day = meeting.starts_at.astimezone().date()
        try:
            rules.check_decision(outcome.outcome, outcome.referred_to, outcome.next_review_on, day)
        except ValueError as exc:
            raise MeetingError(str(exc)) from None
        for action in outcome.actions:
            if action.due_on is not None and action.due_on < day:
                raise MeetingError(
                    f"The action “{action.description.strip()}” is due before the meeting."
                )
        for old in _latest_decisions(s, [item.id]).values():
            old.deleted_at = now
        decision = Decision(
            team_id=meeting.team_id,
            agenda_item_id=item.id,
            patient_id=item.patient_id,
            outcome=outcome.outcome,
            referred_to=(outcome.referred_to or "").strip() or None,
            text=outcome.text.strip() or None,
            next_review_on=outcome.next_review_on,
            decided_at=now,
            recorded_by=store.actor.name,
        )
        s.add(decision)
        for action in outcome.actions:
            s.add(
                Action(
                    team_id=meeting.team_id,
                    patient_id=item.patient_id,
                    meeting_id=meeting.id,
                    agenda_item_id=item.id,
                    description=action.description.strip(),
                    owner_staff_id=action.owner_staff_id,
                    owner_name=action.owner_name.strip(),
                    due_on=action.due_on,
                    status=ActionStatus.OPEN,
                )
            )
        item.status = AgendaStatus.DISCUSSED
        item.discussion = outcome.text.strip() or None
        _apply_to_caseload(s, store, meeting, item.patient_id, outcome, day)
        s.flush()
        return decision.id


def _apply_to_caseload(
    s: Session, store: Store, meeting: Meeting, patient_id: uuid.UUID, outcome: Outcome, day: date
) -> None:
    """What the decision means for the caseload, through the caseload's own rules."""
    entry = s.scalars(
        select(CaseloadEntry).where(
            CaseloadEntry.patient_id == patient_id,
            CaseloadEntry.team_id == meeting.team_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            CaseloadEntry.deleted_at.is_(None),
        )
    ).first()
    if entry is None:
        return
    caseload.escalation_discussed(s, store, entry, day)
    if outcome.next_review_on is not None:
        entry.next_review_on = outcome.next_review_on
    status = rules.OUTCOME_CASELOAD_STATUS.get(outcome.outcome)
    if status is not None:
        reason = f"MDT {format_patient_date(day)}: " + rules.decision_words(
            outcome.outcome, outcome.referred_to
        )
        if outcome.text.strip():
            reason += f" — {outcome.text.strip()}"
        caseload.finish_case(s, store, entry, outcome=status, reason=reason, on=day)


def mark_not_reached(store: Store, item_id: uuid.UUID) -> None:
    """The team ran out of time for this case: it goes on the next agenda."""
    _require(store, Permission.RUN_MEETING)
    with store.transaction() as s:
        item = _open_item(s, item_id)
        if item.status == AgendaStatus.DISCUSSED:
            raise MeetingError("This case has been discussed.")
        item.status = AgendaStatus.NOT_REACHED


def mark_discussed(store: Store, item_id: uuid.UUID, discussion: str = "") -> None:
    """Discussed with no change of plan: a "continue" decision with the discussion."""
    record_outcome(store, item_id, Outcome(DecisionOutcome.CONTINUE, discussion))


# --- the case on the shared screen -------------------------------------------------------


@dataclass(frozen=True)
class CaseEssentials:
    """Only this person's essentials, for meeting mode: nothing about anyone else."""

    item_id: uuid.UUID
    patient_id: uuid.UUID
    banner: Banner
    reason_label: str
    reason: str
    minutes: int
    status: str
    risk_score: float | None
    risk_segment: str | None
    efi: str | None
    risk_reasons: tuple[str, ...]
    goals: tuple[str, ...]
    plan_found: bool
    open_actions: tuple[str, ...]
    notes: tuple[str, ...]
    decision: str | None
    discussion: str | None


def _goal_text(goal: Any) -> str | None:
    """A goal as the care-plan work stores it: a string or a dict with words in it."""
    if isinstance(goal, str):
        return goal.strip() or None
    if isinstance(goal, dict):
        for key in ("goal", "text", "title", "description", "what", "outcome", "name"):
            value = goal.get(key)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                for extra in ("status", "progress"):
                    more = goal.get(extra)
                    if isinstance(more, str) and more.strip():
                        text += f" ({more.strip()})"
                        break
                return text
    return None


def case_essentials(store: Store, item_id: uuid.UUID, today: date | None = None) -> CaseEssentials:
    from mdt_desktop.domain.efi import CATEGORY_LABELS
    from mdt_desktop.domain.risk import SEGMENT_LABELS

    today = today or date.today()
    with store.session() as s:
        item = s.get(AgendaItem, item_id)
        if item is None:
            raise MeetingError("That agenda item is not in this store.")
        pid = item.patient_id
        risk = q.risk_of(s, pid)
        content = q.latest_plan_content(s, pid)
        raw_goals = content.get("goals") if content else None
        goals = tuple(
            g
            for g in (_goal_text(x) for x in (raw_goals if isinstance(raw_goals, list) else []))
            if g
        )
        actions = tuple(
            f"{a.description} — {a.owner_name or 'no owner'}, due "
            f"{format_patient_date(a.due_on) if a.due_on else 'no date'}"
            + (" (OVERDUE)" if a.due_on and a.due_on < today else "")
            for a in q.open_actions_of(s, pid)
        )
        notes = tuple(
            f"{format_patient_date(n.written_at.astimezone().date())} {n.author_name} "
            f"({rules.role_label(n.author_role)}): {_shorten(n.text, 200)}"
            for n in q.recent_notes(s, pid, limit=3)
        )
        decision = _latest_decisions(s, [item.id]).get(item.id)
        result = CaseEssentials(
            item_id=item.id,
            patient_id=pid,
            banner=patient_banner(store, pid, today),
            reason_label=rules.REASON_LABELS.get(item.reason_kind, item.reason_kind),
            reason=rules.reason_line(item.reason_kind, item.reason),
            minutes=item.minutes_allotted,
            status=item.status,
            risk_score=risk.risk_score if risk else None,
            risk_segment=SEGMENT_LABELS.get(risk.segment) if risk else None,
            efi=CATEGORY_LABELS.get(risk.efi_category) if risk else None,
            risk_reasons=tuple(str(r) for r in (risk.reasons or [])) if risk else (),
            goals=goals,
            plan_found=content is not None,
            open_actions=actions,
            notes=notes,
            decision=rules.decision_words(decision.outcome, decision.referred_to)
            if decision
            else None,
            discussion=item.discussion,
        )
    store.audit("view", "agenda_items", item_id, pid, "meeting mode")
    return result


def _shorten(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionLine:
    id: uuid.UUID
    description: str
    owner_name: str | None
    owner_staff_id: uuid.UUID | None
    due_on: date | None
    status: str
    patient_id: uuid.UUID | None
    patient: str | None
    nhs_number: str | None
    meeting: str | None
    completed_at: datetime | None
    completed_by: str | None

    def overdue(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on is not None and self.due_on < today


def actions(
    store: Store,
    *,
    status: str | None = ActionStatus.OPEN,
    owner_staff_id: uuid.UUID | None = None,
    owner_name: str | None = None,
    overdue_on: date | None = None,
    patient_id: uuid.UUID | None = None,
) -> list[ActionLine]:
    with store.session() as s:
        rows = q.action_rows(
            s,
            status=status,
            owner_staff_id=owner_staff_id,
            owner_name=owner_name,
            overdue_on=overdue_on,
        )
        return [
            ActionLine(
                a.id,
                a.description,
                a.owner_name,
                a.owner_staff_id,
                a.due_on,
                a.status,
                a.patient_id,
                _name(p) if p else None,
                p.nhs_number if p else None,
                format_patient_date(m.starts_at.astimezone().date()) if m else None,
                a.completed_at,
                a.completed_by,
            )
            for a, p, m in rows
            if patient_id is None or a.patient_id == patient_id
        ]


def my_actions(
    store: Store,
    user: User,
    *,
    status: str | None = ActionStatus.OPEN,
    overdue_on: date | None = None,
    patient_id: uuid.UUID | None = None,
) -> list[ActionLine]:
    """A user's actions, for their inbox and the tracker's "Mine": the one query for both.

    Theirs means owned by their staff record, or (for an owner typed as free text and
    never linked to the directory) owned in their name.
    """
    me = staff_for_user(store, user)
    return actions(
        store,
        status=status,
        owner_staff_id=me.id,
        owner_name=user.name,
        overdue_on=overdue_on,
        patient_id=patient_id,
    )


def complete_action(store: Store, action_id: uuid.UUID) -> None:
    """Done, recording who (the signed-in user) and when."""
    with store.transaction() as s:
        action = s.get(Action, action_id)
        if action is None or action.deleted_at is not None:
            raise MeetingError("That action is not in this store.")
        if action.status != ActionStatus.OPEN:
            raise MeetingError("This action is not open.")
        action.status = ActionStatus.DONE
        action.completed_at = datetime.now(UTC)
        action.completed_by = store.actor.name


def staff_choices(store: Store, team_id: uuid.UUID | None) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, role) of the staff who can own actions or chair a meeting."""
    with store.session() as s:
        return [(p.id, p.name, p.role) for p in q.staff_of_team(s, team_id)]


def search_caseload(
    store: Store, team_id: uuid.UUID | None, text: str, limit: int = 50
) -> list[tuple[uuid.UUID, str, str | None, date | None]]:
    """(id, name, NHS number, date of birth) of people on the team's caseload."""
    with store.session() as s:
        rows = q.caseload_search(s, team_id, text, limit)
    from mdt_desktop.domain.people import display_name

    return [(pid, display_name(f, g, t), nhs, dob) for pid, f, g, t, nhs, dob in rows]


# --- one person's meetings (for their record) ----------------------------------------------


@dataclass(frozen=True)
class PersonMeetingLine:
    meeting: str
    starts_at: datetime
    reason: str
    status: str
    decision: str | None
    next_review_on: date | None
    discussion: str | None


def person_meetings(store: Store, patient_id: uuid.UUID) -> list[PersonMeetingLine]:
    with store.session() as s:
        rows = s.execute(
            select(AgendaItem, Meeting)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.patient_id == patient_id,
                AgendaItem.deleted_at.is_(None),
                Meeting.deleted_at.is_(None),
            )
            .order_by(Meeting.starts_at.desc())
        ).all()
        decisions = _latest_decisions(s, [i.id for i, _ in rows])
        teams = {t.id: t.name for t in s.scalars(select(Team))}
        out = []
        for item, meeting in rows:
            d = decisions.get(item.id)
            out.append(
                PersonMeetingLine(
                    f"{teams.get(meeting.team_id, 'MDT') if meeting.team_id else 'MDT'} — "
                    f"{format_local_datetime(meeting.starts_at)}",
                    meeting.starts_at,
                    item.reason,
                    item.status,
                    rules.decision_words(d.outcome, d.referred_to) if d else None,
                    d.next_review_on if d else None,
                    item.discussion,
                )
            )
        return out


def add_actions(store: Store, item_id: uuid.UUID, new: Sequence[NewAction]) -> list[uuid.UUID]:
    """Actions agreed on a case before (or without) its decision."""
    _require(store, Permission.RECORD_DECISION)
    if not new:
        raise MeetingError("No action to add.")
    ids = []
    with store.transaction() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        meeting = _meeting(s, item.meeting_id)
        _open_for_changes(meeting)
        day = meeting.starts_at.astimezone().date()
        for action in new:
            what = action.description.strip()
            if not what:
                raise MeetingError("An action needs to say what is to be done.")
            if not action.owner_name.strip():
                raise MeetingError(f"The action “{what}” needs an owner.")
            if action.due_on is not None and action.due_on < day:
                raise MeetingError(f"The action “{what}” is due before the meeting.")
            row = Action(
                team_id=meeting.team_id,
                patient_id=item.patient_id,
                meeting_id=meeting.id,
                agenda_item_id=item.id,
                description=what,
                owner_staff_id=action.owner_staff_id,
                owner_name=action.owner_name.strip(),
                due_on=action.due_on,
                status=ActionStatus.OPEN,
            )
            s.add(row)
            s.flush()
            ids.append(row.id)
    return ids


# --- minutes ------------------------------------------------------------------------------


def minutes(store: Store, meeting_id: uuid.UUID, today: date | None = None) -> rules.Minutes:
    """Everything the minutes say, read in one session; words, not database rows."""
    from mdt_desktop.domain.nhs_number import format_nhs_number
    from mdt_desktop.domain.people import format_born

    today = today or date.today()
    summary = meeting_summary(store, meeting_id)
    lines = attendance(store, meeting_id)
    q_now = quorum(store, meeting_id)

    def who(a: AttendanceLine) -> str:
        return f"{a.name} ({a.role_label}{', guest' if a.is_guest else ''})"

    with store.session() as s:
        items = q.agenda_items(s, meeting_id)
        people = {
            p.id: p
            for p in s.scalars(select(Patient).where(Patient.id.in_([i.patient_id for i in items])))
        }
        decisions = _latest_decisions(s, [i.id for i in items])
        by_item: dict[uuid.UUID, list[Action]] = {}
        if items:
            for a in s.scalars(
                select(Action)
                .where(
                    Action.agenda_item_id.in_([i.id for i in items]), Action.deleted_at.is_(None)
                )
                .order_by(Action.due_on.asc().nulls_last(), Action.description)
            ):
                assert a.agenda_item_id is not None
                by_item.setdefault(a.agenda_item_id, []).append(a)
        cases = []
        for n, item in enumerate(items, 1):
            p = people[item.patient_id]
            nhs = format_nhs_number(p.nhs_number) if p.nhs_number else "Not Known"
            d = decisions.get(item.id)
            cases.append(
                rules.MinutesCase(
                    position=n,
                    banner_line=f"{_name(p)} — NHS No. {nhs}",
                    born=format_born(p.date_of_birth, today),
                    reason=rules.reason_line(item.reason_kind, item.reason),
                    status=rules.AGENDA_STATUS_LABELS.get(item.status, item.status),
                    discussion=item.discussion or "",
                    decision=rules.decision_words(d.outcome, d.referred_to) if d else "",
                    next_review=format_patient_date(d.next_review_on)
                    if d and d.next_review_on
                    else "",
                    actions=tuple(
                        rules.MinutesAction(
                            a.description,
                            a.owner_name or "No owner",
                            format_patient_date(a.due_on) if a.due_on else "No date",
                            ActionStatus.labels().get(a.status, a.status),
                        )
                        for a in by_item.get(item.id, [])
                    ),
                )
            )
    where = ", ".join(x for x in (summary.location, summary.video_link) if x) or "Not recorded"
    return rules.Minutes(
        meeting_id=meeting_id,
        team=summary.team,
        when=summary.when,
        where=where,
        chair=summary.chair or "Not recorded",
        note_taker=summary.note_taker or "Not recorded",
        status=rules.MEETING_STATUS_LABELS.get(summary.status, summary.status),
        present=tuple(who(a) for a in lines if a.attendance == Attendance.PRESENT),
        apologies=tuple(who(a) for a in lines if a.attendance == Attendance.APOLOGIES),
        absent=tuple(who(a) for a in lines if a.attendance == Attendance.ABSENT),
        # What was recorded when the meeting started; the attendance now if it has not.
        quorum=summary.quorum_detail or f"{q_now.detail} (as the attendance stands)",
        cases=tuple(cases),
    )
