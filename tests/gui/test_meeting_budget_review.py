"""The outcome dialog records the budget review of a person who has one due."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from support.budgets import agreed_budget

from mdt_desktop.domain.budgets import add_months
from mdt_desktop.gui.meetings.outcome import OutcomeDialog
from mdt_desktop.services import budgets
from mdt_desktop.services import meetings as m
from mdt_desktop.store.schema import BudgetReview, Decision, Team


def _meeting_with(store, *setups):
    with store.session() as s:
        team_id = s.scalars(select(Team.id)).one()
    meeting = m.schedule_meeting(
        store, team_id=team_id, starts_at=datetime.now(UTC), location="Room 2"
    )
    for setup in setups:
        m.add_person(store, meeting, setup.patient_id, "Budget and plan")
    return {i.patient_id: i.id for i in m.agenda(store, meeting)}


def test_a_budget_review_due_is_recorded_with_the_decision(qtbot, store) -> None:
    today = date.today()
    setup = agreed_budget(store, 1)
    # Paid four months ago: the first review (three months on) is overdue.
    first = add_months(today, -4)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, first, evidence="R1")
    items = _meeting_with(store, setup)
    dialog = OutcomeDialog(store, items[setup.patient_id], [], today)
    qtbot.addWidget(dialog)
    dialog.resize(1366 // 2, 700)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.budget_review.isVisible(), timeout=5000)
    dialog.choose("continue")  # a new decision has none chosen
    box = dialog.budget_review
    due_on = add_months(first, 3)
    assert box.title() == f"Budget review due {due_on:%d-%b-%Y} (overdue)"
    assert not box.details.isVisible()
    box.record.click()
    assert box.finding.isVisible()
    # Ticked with no finding: nothing is written, the dialog says why.
    dialog.discussion.setPlainText("Budget reviewed with her daughter.")
    dialog.save()
    assert "Say what the budget review found" in dialog.error.text()
    with store.session() as s:
        assert s.scalars(select(Decision)).first() is None
    box.answers["amount_sufficient"].setChecked(True)
    qtbot.keyClicks(box.finding, "Plan meets her needs; PA hours kept.")
    if os.environ.get("MDT_SCREENSHOTS"):
        dialog.grab().save(os.path.join(os.environ["MDT_SCREENSHOTS"], "budget_review.png"))
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.save()
    with store.session() as s:
        review = s.scalars(select(BudgetReview).where(BudgetReview.held_on.is_not(None))).one()
        assert review.budget_id == setup.budget_id and review.held_on == today
        assert review.outcome.endswith("Plan meets her needs; PA hours kept.")
        assert review.outcome.startswith("Reviewed at the MDT meeting of")
        assert s.scalars(select(Decision)).one().text == "Budget reviewed with her daughter."
    nxt = budgets.summary(store, setup.budget_id, today).next_review
    assert nxt is not None and nxt.due_on == add_months(today, 12)


def test_no_budget_review_due_shows_nothing(qtbot, store) -> None:
    today = date.today()
    setup = agreed_budget(store, 1)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, today - timedelta(days=3))
    items = _meeting_with(store, setup)
    dialog = OutcomeDialog(store, items[setup.patient_id], [], today)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.budget_review.loaded, timeout=5000)
    assert dialog.budget_review.due == [] and not dialog.budget_review.isVisible()
    dialog.choose("continue")
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.save()
    with store.session() as s:
        assert s.scalars(select(BudgetReview).where(BudgetReview.held_on.is_not(None))).all() == []
