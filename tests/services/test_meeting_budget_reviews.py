"""Budget reviews at the MDT: proposed for the agenda with the other reviews, recorded there."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.budgets import agreed_budget

from mdt_desktop.services import budgets
from mdt_desktop.services import meetings as m
from mdt_desktop.services.meetings.budget_reviews import (
    BudgetReviewAnswers,
    budget_reviews_due,
    record_budget_review,
)
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import BudgetReview, CaseloadEntry, Team

MEETING_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
ANSWERS = BudgetReviewAnswers("The plan still meets her needs.", True, True, True, True)


def _team_id(store: Store):
    with store.session() as s:
        return s.scalars(select(Team.id)).one()


def _meeting(store: Store):
    return m.schedule_meeting(
        store, team_id=_team_id(store), starts_at=MEETING_AT, location="Room 2"
    )


def _paid(store: Store, budget_id, on: date) -> None:
    budgets.post_entry(store, budget_id, "payment", 45_000, on, evidence="Receipt 1")


@pytest.fixture
def two_budgets(store: Store):
    """One NHS direct payment whose first review is overdue, one due in the weeks ahead."""
    late = agreed_budget(store, 1)
    soon = agreed_budget(store, 2)
    _paid(store, late.budget_id, date(2026, 8, 10))  # first review due 10-Nov-2026
    _paid(store, soon.budget_id, date(2026, 9, 12))  # first review due 12-Dec-2026
    return late, soon


def test_budget_reviews_due_and_overdue_are_proposed_with_the_reviews(store, two_budgets) -> None:
    late, soon = two_budgets
    meeting = _meeting(store)
    proposed = {c.patient_id: c for c in m.propose_agenda(store, meeting, today=TODAY)}
    assert proposed[late.patient_id].reason_kind == "review_due"
    assert proposed[late.patient_id].reason == "Budget review due 10-Nov-2026 (overdue)"
    assert proposed[soon.patient_id].reason == "Budget review due 12-Dec-2026"
    # A third person whose care-plan review is due (not overdue) ranks after the overdue one.
    third = agreed_budget(store, 3, held_as="notional").patient_id
    with store.transaction() as s:
        entry = s.scalars(select(CaseloadEntry).where(CaseloadEntry.patient_id == third)).one()
        entry.next_review_on = date(2026, 11, 24)
    order = [c.patient_id for c in m.propose_agenda(store, meeting, today=TODAY)]
    assert order.index(late.patient_id) < order.index(third)
    assert order.index(late.patient_id) < order.index(soon.patient_id)


def test_a_review_beyond_the_warning_weeks_is_not_proposed(store) -> None:
    far = agreed_budget(store, 1)
    _paid(store, far.budget_id, date(2026, 11, 1))  # first review due 01-Feb-2027
    meeting = _meeting(store)
    assert far.patient_id not in {c.patient_id for c in m.propose_agenda(store, meeting, TODAY)}


def test_the_budget_review_is_recorded_with_the_meeting_as_its_occasion(store, two_budgets) -> None:
    late, soon = two_budgets
    meeting = _meeting(store)
    m.build_agenda(store, meeting, today=TODAY)
    item = next(i for i in m.agenda(store, meeting) if i.patient_id == late.patient_id)
    due = budget_reviews_due(store, item.id, TODAY)
    assert [(d.budget_id, d.overdue) for d in due] == [(late.budget_id, True)]
    assert due[0].words == "Budget review due 10-Nov-2026 (overdue)"
    with pytest.raises(m.MeetingError, match="no review due for the person"):
        record_budget_review(store, item.id, soon.budget_id, ANSWERS, TODAY)
    with pytest.raises(m.MeetingError, match="Say what the budget review found"):
        record_budget_review(store, item.id, late.budget_id, BudgetReviewAnswers(" ", *[True] * 4))
    review_id = record_budget_review(store, item.id, late.budget_id, ANSWERS, TODAY)
    with store.session() as s:
        review = s.get(BudgetReview, review_id)
        assert review.held_on == date(2026, 11, 25) and review.kind == "scheduled"
        assert review.outcome == (
            "Reviewed at the MDT meeting of 25-Nov-2026: The plan still meets her needs."
        )
    # Held: the clock moves on twelve months, and the case has no budget review due now.
    assert budget_reviews_due(store, item.id, TODAY) == []
    assert budgets.summary(store, late.budget_id, TODAY).next_review.due_on == date(2027, 11, 25)


def test_an_event_review_waiting_is_the_one_completed(store) -> None:
    setup = agreed_budget(store, 1)
    _paid(store, setup.budget_id, date(2026, 10, 1))  # statutory one not due till January
    asked = budgets.request_review(store, setup.budget_id, "health_change", date(2026, 11, 20))
    meeting = _meeting(store)
    proposed = {c.patient_id: c for c in m.propose_agenda(store, meeting, TODAY)}
    assert proposed[setup.patient_id].reason == (
        "Budget review due 04-Dec-2026 (significant change in health)"
    )
    m.build_agenda(store, meeting, today=TODAY)
    (item,) = m.agenda(store, meeting)
    assert record_budget_review(store, item.id, setup.budget_id, ANSWERS, TODAY) == asked
    with store.session() as s:
        assert s.get(BudgetReview, asked).held_on == date(2026, 11, 25)


def test_a_closed_meeting_records_no_budget_review(store, two_budgets) -> None:
    late, _ = two_budgets
    meeting = _meeting(store)
    m.build_agenda(store, meeting, today=TODAY)
    item = next(i for i in m.agenda(store, meeting) if i.patient_id == late.patient_id)
    m.close_meeting(store, meeting)
    with pytest.raises(m.MeetingError, match="closed"):
        record_budget_review(store, item.id, late.budget_id, ANSWERS, TODAY)
