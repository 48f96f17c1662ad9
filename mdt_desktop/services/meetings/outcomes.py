"""Outcomes: a case's decision, its actions and what it means for the caseload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.meetings import (
    ActionStatus,
    AgendaStatus,
    DecisionOutcome,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Action,
    AgendaItem,
    CaseloadEntry,
    Decision,
    Meeting,
)

from .. import caseload
from ._common import MeetingError, _meeting, _open_for_changes, _require
from .agenda import _latest_decisions, _open_item

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


def recorded_outcome(store: Store, item_id: uuid.UUID) -> Outcome | None:
    """The case's decision as it stands (None before one is recorded), for reopening it.

    Actions are not repeated here: they are their own records, and reopening adds to them.
    """
    with store.session() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        decision = _latest_decisions(s, [item.id]).get(item.id)
        if decision is None:
            return None
        return Outcome(
            outcome=decision.outcome,
            text=item.discussion or decision.text or "",
            referred_to=decision.referred_to,
            next_review_on=decision.next_review_on,
        )


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
