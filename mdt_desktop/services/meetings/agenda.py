"""The agenda: proposals, building, adding, carrying forward, ordering."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.meetings import (
    AgendaStatus,
    MeetingStatus,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AgendaItem,
    Decision,
    Meeting,
    Patient,
)

from . import order
from ._common import MeetingError, _meeting, _open_for_changes, _require
from .budget_reviews import budget_review_proposals

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
    carried: bool = False
    pressing: bool = False

    @property
    def reason_label(self) -> str:
        return rules.REASON_LABELS.get(self.reason_kind, self.reason_kind)

    @property
    def reason_line(self) -> str:
        # A carried case's reason already reads "Not reached on … — <its first reason>".
        return self.reason if self.carried else rules.reason_line(self.reason_kind, self.reason)


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
                carried=i.carried_from_id is not None,
                pressing=bool(i.pressing),
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
    pressing: bool = False
    minutes: int = order.DEFAULT_MINUTES
    # Within the time the meeting has left (escalations always are): ticked to add.
    fits: bool = True

    @property
    def reason_label(self) -> str:
        return rules.REASON_LABELS.get(self.reason_kind, self.reason_kind)

    @property
    def reason_line(self) -> str:
        if self.carried_from_id is not None:
            return self.reason
        return rules.reason_line(self.reason_kind, self.reason)

    @property
    def rank(self) -> tuple[int, int]:
        return order.agenda_rank(
            self.reason_kind, self.pressing, carried=self.carried_from_id is not None
        )


@dataclass(frozen=True)
class _Merged:
    reason_kind: str
    texts: list[str]
    carried_from_id: uuid.UUID | None
    pressing: bool


def _merge(proposals: Iterable[q.Proposal]) -> dict[uuid.UUID, _Merged]:
    """One line per person: the most pressing reason names it and places it, every reason
    is kept."""
    by_person: dict[uuid.UUID, list[q.Proposal]] = {}
    for p in proposals:
        by_person.setdefault(p.patient_id, []).append(p)
    merged = {}
    for pid, found in by_person.items():
        found.sort(
            key=lambda p: order.agenda_rank(
                p.reason_kind, p.pressing, p.carried_from_id is not None
            )
        )
        texts = list(dict.fromkeys(p.reason for p in found))
        # "Not reached on … — Review due …" already says "Review due …".
        texts = [t for t in texts if not any(o.endswith(f" — {t}") for o in texts)]
        carried = next((p.carried_from_id for p in found if p.carried_from_id), None)
        merged[pid] = _Merged(found[0].reason_kind, texts, carried, found[0].pressing)
    return merged


def minutes_planned(items: Iterable[AgendaItem]) -> int:
    return sum(i.minutes_allotted for i in items)


def _within_time(cases: list[ProposedCase], available: int) -> list[ProposedCase]:
    """Tick cases in agenda order while the time left holds them (a case too long for
    what is left is passed over for shorter ones after it). Escalations are always
    ticked: the team promised to discuss them."""
    out, used = [], 0
    for case in cases:
        fits = case.reason_kind == "escalation" or used + case.minutes <= available
        if fits:
            used += case.minutes
        out.append(replace(case, fits=fits))
    return out


def propose_agenda(
    store: Store, meeting_id: uuid.UUID, today: date | None = None
) -> list[ProposedCase]:
    """Who the team should discuss, not yet on this agenda, in the agenda order; those that
    fit the time the meeting has left are marked ``fits``."""
    today = today or date.today()
    with store.session() as s:
        meeting = _meeting(s, meeting_id)
        items = q.agenda_items(s, meeting_id)
        on_agenda = {i.patient_id for i in items}
        available = order.meeting_length(meeting.length_minutes) - minutes_planned(items)
        found = [*q.proposals(s, meeting, today), *budget_review_proposals(s, meeting, today)]
        merged = _merge(p for p in found if p.patient_id not in on_agenda)
        people = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(list(merged))))}
    cases = [
        ProposedCase(
            pid,
            _name(people[pid]),
            people[pid].nhs_number,
            m.reason_kind,
            "; ".join(m.texts),
            m.carried_from_id,
            m.pressing,
            order.default_minutes(m.reason_kind, m.pressing),
        )
        for pid, m in merged.items()
        if pid in people
    ]
    ranked = order.in_agenda_order(cases, lambda c: c.rank, lambda c: c.name)
    return _within_time(ranked, available)


def _item_rank(item: AgendaItem) -> tuple[int, int]:
    return order.agenda_rank(
        item.reason_kind, bool(item.pressing), item.carried_from_id is not None
    )


def _place(existing: list[AgendaItem], item: AgendaItem) -> None:
    """Put a new item after every item that ranks with or before it (the chair's own order
    of those is kept), and move the rest down one. Never above a case already taken in a
    running meeting: the meeting goes on from where it is."""
    rank = _item_rank(item)
    after = [
        n
        for n, old in enumerate(existing)
        if _item_rank(old) <= rank or old.status != AgendaStatus.PENDING
    ]
    at = (after[-1] + 1) if after else 0
    existing.insert(at, item)
    for position, each in enumerate(existing, 1):
        if each.position != position:
            each.position = position


def add_to_agenda(
    store: Store,
    meeting_id: uuid.UUID,
    cases: Sequence[ProposedCase],
    minutes: int | None = None,
) -> list[uuid.UUID]:
    """Add proposed cases at their place in the agenda order (people already on it are
    skipped); each gets its reason's usual minutes unless ``minutes`` says otherwise."""
    _require(store, Permission.RUN_MEETING)
    if minutes is not None:
        rules.check_minutes(minutes)
    added: list[uuid.UUID] = []
    with store.transaction() as s:
        meeting = _meeting(s, meeting_id)
        _open_for_changes(meeting)
        existing = q.agenda_items(s, meeting_id)
        on_agenda = {i.patient_id for i in existing}
        for case in cases:
            if case.patient_id in on_agenda:
                continue
            item = AgendaItem(
                team_id=meeting.team_id,
                meeting_id=meeting_id,
                patient_id=case.patient_id,
                position=len(existing) + 1,
                reason_kind=case.reason_kind,
                reason=case.reason,
                minutes_allotted=minutes if minutes is not None else case.minutes,
                status=AgendaStatus.PENDING,
                carried_from_id=case.carried_from_id,
                pressing=case.pressing,
            )
            s.add(item)
            _place(existing, item)
            s.flush()
            added.append(item.id)
            on_agenda.add(case.patient_id)
    return added


def build_agenda(store: Store, meeting_id: uuid.UUID, today: date | None = None) -> int:
    """Take the proposals that fit the meeting's time onto the agenda (every escalation
    among them), in the agenda order; returns how many."""
    fitting = [c for c in propose_agenda(store, meeting_id, today) if c.fits]
    return len(add_to_agenda(store, meeting_id, fitting))


def add_person(
    store: Store,
    meeting_id: uuid.UUID,
    patient_id: uuid.UUID,
    reason: str,
    minutes: int = order.DEFAULT_MINUTES,
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
    """Put cases not reached at earlier meetings onto this agenda, each with its reason,
    its priority and its minutes, at its place in the agenda order, while there is time."""
    if meeting.status != MeetingStatus.PLANNED:
        return 0
    existing = q.agenda_items(s, meeting.id)
    on_agenda = {i.patient_id for i in existing}
    # The same person not reached twice is carried once (their latest item).
    items: dict[uuid.UUID, tuple[AgendaItem, datetime]] = {}
    for old, when in q.uncarried_not_reached_with_date(s, meeting):
        if old.patient_id not in on_agenda:
            items[old.patient_id] = (old, when)
    # As many as the meeting has time for (escalations always), most pressing first; the
    # rest stay proposed, still carrying their reason, so they do not pile onto the agenda.
    waiting = sorted(items.values(), key=lambda pair: _item_rank(pair[0]))
    available = order.meeting_length(meeting.length_minutes) - minutes_planned(existing)
    carried, used = 0, 0
    for old, when in waiting:
        if old.reason_kind != "escalation" and used + old.minutes_allotted > available:
            continue
        used += old.minutes_allotted
        carried += 1
        item = AgendaItem(
            team_id=meeting.team_id,
            meeting_id=meeting.id,
            patient_id=old.patient_id,
            position=len(existing) + 1,
            reason_kind=old.reason_kind,
            reason=q.carried_item_reason(old, format_patient_date(when.astimezone().date())),
            minutes_allotted=old.minutes_allotted,
            status=AgendaStatus.PENDING,
            carried_from_id=old.id,
            pressing=bool(old.pressing),
        )
        s.add(item)
        _place(existing, item)
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
