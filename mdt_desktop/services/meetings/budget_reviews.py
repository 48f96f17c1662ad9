"""Budget reviews at the MDT: proposed for the agenda like a care-plan review, recorded there.

A personal health budget's review falls due on its statutory clock (or soon after an event);
the budgets feature owns that rule (``services.budgets.overview`` over
``domain.budgets.reviews``). This module only asks it, for the meeting's team and day, and
turns the answer into agenda proposals and a review recorded with the meeting as its occasion.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.budgets import BudgetKind, FundingSource, ReviewKind, ReviewReason
from mdt_desktop.domain.budgets.reviews import REVIEW_DUE_WARNING_DAYS
from mdt_desktop.domain.people import format_patient_date as fmt
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AgendaItem, BudgetReview, Meeting

from ..budgets import overview
from ..budgets import reviews as budget_reviews
from ._common import MeetingError, _meeting, _open_for_changes, _require

# Care-plan reviews and budget reviews both say so in their reason when they are late.
OVERDUE = " (overdue)"


@dataclass(frozen=True)
class BudgetReviewDue:
    """A review one of the person's budgets owes by the meeting (or already owed)."""

    budget_id: uuid.UUID
    patient_id: uuid.UUID
    budget: str  # "Personal health budget (NHS Continuing Healthcare), 01-Apr-2026 to …"
    due_on: date
    overdue: bool
    reason: ReviewReason
    review_id: uuid.UUID | None  # the event review waiting, when that is what is due

    @property
    def words(self) -> str:
        """ "Budget review due 12-Jan-2027", "… (overdue)", with the event that prompted it."""
        why = "" if self.reason is ReviewReason.STATUTORY else f" ({self.reason.label.lower()})"
        return f"Budget review due {fmt(self.due_on)}{why}{OVERDUE if self.overdue else ''}"


def _meeting_day(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone().date()


def _due(
    s: Session,
    meeting: Meeting,
    today: date,
    patient_id: uuid.UUID | None = None,
) -> list[BudgetReviewDue]:
    """Reviews owed by the meeting day or within the warning weeks after it."""
    day = _meeting_day(meeting)
    horizon = day + timedelta(days=REVIEW_DUE_WARNING_DAYS)
    found = overview.summaries_in(s, today, team_id=meeting.team_id, patient_id=patient_id)
    out: list[BudgetReviewDue] = []
    for b in found:
        nxt = b.next_review
        if nxt is None or nxt.due_on > horizon:
            continue
        r = b.row
        waiting = None
        if nxt.reason is not ReviewReason.STATUTORY:
            waiting = s.scalars(
                select(BudgetReview.id)
                .where(
                    BudgetReview.budget_id == r.id,
                    BudgetReview.kind == ReviewKind.EVENT.value,
                    BudgetReview.reason == nxt.reason.value,
                    BudgetReview.held_on.is_(None),
                    BudgetReview.deleted_at.is_(None),
                )
                .order_by(BudgetReview.requested_on)
            ).first()
        kind = BudgetKind(r.kind).label
        source = FundingSource(r.funding_source).label
        out.append(
            BudgetReviewDue(
                r.id,
                r.patient_id,
                f"{kind} ({source}), {fmt(r.period_start)} to {fmt(r.period_end)}",
                nxt.due_on,
                nxt.due_on < today,
                nxt.reason,
                waiting,
            )
        )
    out.sort(key=lambda d: d.due_on)
    return out


def budget_review_proposals(s: Session, meeting: Meeting, today: date) -> list[q.Proposal]:
    """Agenda proposals: a budget review due or overdue ranks with the care-plan reviews."""
    return [
        q.Proposal(d.patient_id, "review_due", d.words, d.due_on, pressing=d.overdue)
        for d in _due(s, meeting, today)
    ]


def budget_reviews_due(
    store: Store, item_id: uuid.UUID, today: date | None = None
) -> list[BudgetReviewDue]:
    """The budget reviews the person on this agenda item owes, for the outcome dialog."""
    today = today or date.today()
    with store.session() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        return _due(s, _meeting(s, item.meeting_id), today, item.patient_id)


@dataclass(frozen=True)
class BudgetReviewAnswers:
    """What a review must cover (NHS (Direct Payments) Regulations 2013 reg 14), and its finding."""

    outcome: str
    plan_meets_needs: bool
    used_effectively: bool
    amount_sufficient: bool
    obligations_met: bool


def record_budget_review(
    store: Store,
    item_id: uuid.UUID,
    budget_id: uuid.UUID,
    answers: BudgetReviewAnswers,
    today: date | None = None,
) -> uuid.UUID:
    """Record the budget review the team held on this case, the meeting as its occasion.

    The review is held on the meeting's day and its finding names the meeting. An event
    review waiting on the budget is the one completed; otherwise it is the statutory one.
    """
    _require(store, Permission.RECORD_DECISION)
    if not answers.outcome.strip():
        raise MeetingError("Say what the budget review found.")
    today = today or date.today()
    with store.session() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        meeting = _meeting(s, item.meeting_id)
        _open_for_changes(meeting)
        due = {d.budget_id: d for d in _due(s, meeting, today, item.patient_id)}
        day = _meeting_day(meeting)
    if budget_id not in due:
        raise MeetingError("That budget has no review due for the person on this agenda item.")
    wanted = due[budget_id]
    event = wanted.review_id is not None
    return budget_reviews.record_review(
        store,
        budget_id,
        day,
        outcome=f"Reviewed at the MDT meeting of {fmt(day)}: {answers.outcome.strip()}",
        plan_meets_needs=answers.plan_meets_needs,
        used_effectively=answers.used_effectively,
        amount_sufficient=answers.amount_sufficient,
        obligations_met=answers.obligations_met,
        kind=(ReviewKind.EVENT if event else ReviewKind.SCHEDULED).value,
        reason=wanted.reason.value,
        review_id=wanted.review_id,
    )
