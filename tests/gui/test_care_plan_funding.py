"""The care-plan editor shows, per goal, what the budget funds, and the budget's real lines."""

from __future__ import annotations

import os
from datetime import date

from sqlalchemy import select
from support.budgets import agreed_budget

from mdt_desktop.gui.care_plan.editor import CarePlanEditor, care_plan_tab
from mdt_desktop.services import budgets
from mdt_desktop.store.schema import User


def _cells(table) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_a_goal_funded_by_a_line_shows_it_with_its_spend(qtbot, store) -> None:
    setup = agreed_budget(store, 1)
    budgets.post_entry(store, setup.budget_id, "payment", 45_050, date(2026, 4, 8),
                       line_id=setup.pa_line, evidence="Timesheet 1")  # fmt: skip
    with store.session() as s:
        user = s.scalars(select(User).where(User.name == "Pat Holder")).one()
    editor = care_plan_tab(store, user, setup.patient_id)
    assert isinstance(editor, CarePlanEditor)
    qtbot.addWidget(editor)
    editor.resize(1366, 768)
    editor.show()
    goals = editor.funding.by_goal.table
    qtbot.waitUntil(lambda: goals.rowCount() > 0, timeout=5000)
    assert _cells(goals) == [
        ["Goal 1: Stay living at home", "Personal assistant, 10 hours", "Personal assistants",
         "Own PA", "£450.00 weekly", "£450.50"],
        ["Goal 2: Get out to the shops", "Riser recliner chair", "Equipment", "Not named",
         "£800.00 one-off", "£0.00"],
    ]  # fmt: skip
    assert not editor.budget_button.isHidden()
    editor.show_section("goals")
    if os.environ.get("MDT_SCREENSHOTS"):
        editor.grab().save(os.path.join(os.environ["MDT_SCREENSHOTS"], "plan_goals.png"))
    # The goal renamed in the editor is named the new way at once: the line follows its id.
    outcome = editor.editors["goals"].cell(0, 0)
    outcome.setText("Stay at home with help in the mornings")
    assert goals.item(0, 0).text() == "Goal 1: Stay at home with help in the mornings"
    # The budget section: the budget with its totals, and every line with its spend.
    editor.show_section("budget")
    lines = editor.funding.lines
    (heading, table) = lines.parts
    assert heading.text().startswith("Personal health budget (NHS Continuing Healthcare)")
    assert "£26,000.00 allocated, £450.50 spent, £25,549.50 left" in heading.text()
    rows = _cells(table)
    assert rows[0][:5] == ["Goal 1", "Personal assistant, 10 hours", "Personal assistants",
                           "Own PA", "£450.00 weekly"]  # fmt: skip
    assert rows[0][6] == "£450.50" and rows[1][0] == "Goal 2"
    if os.environ.get("MDT_SCREENSHOTS"):
        editor.grab().save(os.path.join(os.environ["MDT_SCREENSHOTS"], "plan_budget.png"))


def test_a_person_without_a_budget_is_told_so(qtbot, store) -> None:
    from support.care_plans import clinician, person_on_caseload

    user = clinician(store)
    pid = person_on_caseload(store, 4)
    editor = care_plan_tab(store, user, pid)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.funding.funding is not None, timeout=5000)
    assert editor.funding.by_goal.empty.text() == "The person has no personal health budget."
    assert editor.funding.by_goal.table.isHidden()
    assert editor.budget_button.isHidden()
