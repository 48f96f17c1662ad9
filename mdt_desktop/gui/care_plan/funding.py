"""What the person's budget funds, shown in the care-plan editor.

Beside the goals: per goal, the budget lines serving it (category, provider, planned,
spent). In the budget section: each budget with its real lines and their spend. Read off the
GUI thread whenever the editor loads a plan; goal names follow the goals as they are typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.budgets import format_pence
from mdt_desktop.services.budgets.plan_funding import FundedLine, PlanFunding, plan_funding
from mdt_desktop.store.database import Store

from ..operations import run_operation
from .sections import GoalsEditor, SectionEditor


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(text))
    # Short tables: as tall as their rows, so the section scrolls rather than the table.
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(rows)))
    table.setFixedHeight(height + 2 * table.frameWidth() + 2)


def _spent(line: FundedLine) -> str:
    paused = " (paused in hospital)" if line.paused else ""
    return f"{line.spent}{paused}"


class GoalFunding(QWidget):
    """Under the goals: what each goal has funding for."""

    HEADERS = ["Goal", "Budget line", "Category", "Provider", "Planned", "Spent"]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.title = QLabel("<b>What the personal health budget funds</b>")
        layout.addWidget(self.title)
        self.empty = QLabel("")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.table = _table("goalFunding", self.HEADERS)
        self.table.setAccessibleName("Budget lines funding each goal")
        layout.addWidget(self.table)
        layout.addStretch(1)  # any spare height goes below the table, not between its parts

    def show_funding(self, funding: PlanFunding, goals: list[dict[str, Any]]) -> None:
        rows = []
        for n, goal in enumerate(goals, start=1):
            name = f"Goal {n}: {goal.get('outcome') or '(no outcome yet)'}"
            lines = funding.for_goal(str(goal.get("id")))
            for ln in lines:
                rows.append(
                    [name, ln.description, ln.category, ln.provider, ln.planned, _spent(ln)]
                )
            if not lines and funding.budgets:
                rows.append([name, "Not funded by the budget", "", "", "", ""])
        for ln in funding.unlinked():
            rows.append(
                ["No goal", ln.description, ln.category, ln.provider, ln.planned, _spent(ln)]
            )
        _fill(self.table, rows)
        self.table.setVisible(bool(funding.budgets))
        self.empty.setVisible(not funding.budgets)
        self.empty.setText("" if funding.budgets else "The person has no personal health budget.")


class BudgetLines(QWidget):
    """In the budget section: each budget, its real lines and what they have spent."""

    HEADERS = [
        "Goals",
        "Budget line",
        "Category",
        "Provider",
        "Planned",
        "Planned to date",
        "Spent",
    ]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 8, 0, 0)
        self.title = QLabel("<b>The budget's lines and their spend</b>")
        self.layout_.addWidget(self.title)
        self.parts: list[QWidget] = []

    def show_funding(self, funding: PlanFunding, goals: list[dict[str, Any]]) -> None:
        for old in self.parts:
            old.setParent(None)  # gone at once, not at the next turn of the event loop
            old.deleteLater()
        self.parts = []
        number = {str(g.get("id")): n for n, g in enumerate(goals, start=1)}
        if not funding.budgets:
            note = QLabel("The person has no personal health budget.")
            note.setObjectName("hint")
            self.parts.append(note)
        for b in funding.budgets:
            heading = QLabel(f"{b.heading}: {b.totals}.")
            heading.setObjectName("budgetHeading")
            heading.setWordWrap(True)
            table = _table("budgetLines", self.HEADERS)
            table.setAccessibleName(f"Lines of the budget {b.heading}")
            rows = []
            for ln in b.lines:
                served = ", ".join(
                    f"Goal {number[g]}" if g in number else "a goal no longer in the plan"
                    for g in ln.goal_ids
                )
                rows.append([
                    served or "None", ln.description, ln.category, ln.provider, ln.planned,
                    format_pence(ln.planned_to_date_pence), _spent(ln),
                ])  # fmt: skip
            _fill(table, rows)
            self.parts += [heading, table]
        for part in self.parts:
            self.layout_.addWidget(part)


class PlanFundingView:
    """Loads the person's budget lines and shows them in the goals and budget sections."""

    def __init__(
        self,
        store: Store,
        patient_id: uuid.UUID,
        goals: SectionEditor,
        budget: SectionEditor,
        *,
        on_loaded: Callable[[PlanFunding], None] | None = None,
    ) -> None:
        assert isinstance(goals, GoalsEditor)
        self.store = store
        self.patient_id = patient_id
        self.goals_editor = goals
        self.on_loaded = on_loaded
        self.by_goal = GoalFunding()
        goals.layout_.addWidget(self.by_goal)
        self.lines = BudgetLines()
        budget.layout_.addWidget(self.lines)
        self.funding: PlanFunding | None = None
        goals.goals_changed.connect(self._show)

    def load(self) -> None:
        """Read the lines in the background; the sections fill in when they arrive."""
        run_operation(
            self.by_goal,
            "Read the person's budget",
            lambda _progress: plan_funding(self.store, self.patient_id),
            success=self._loaded,
        )

    def _loaded(self, funding: PlanFunding) -> None:
        self.funding = funding
        self._show()
        if self.on_loaded is not None:
            self.on_loaded(funding)

    def _show(self) -> None:
        if self.funding is None:
            return
        goals = self.goals_editor.value()
        self.by_goal.show_funding(self.funding, goals)
        self.lines.show_funding(self.funding, goals)
