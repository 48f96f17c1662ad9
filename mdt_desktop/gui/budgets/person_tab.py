"""The Budget tab of a person's record: their budgets with balance and alerts; open one, or
create one."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.permissions import Permission
from mdt_desktop.services.budgets import summaries
from mdt_desktop.services.budgets.overview import BudgetSummary
from mdt_desktop.store.database import Store

from ..background import Operation, run_in_background, wait_for
from ..features import RecordTab
from ..widgets.guard import guard
from ..widgets.table_model import show_as_list
from . import actions
from .model import BudgetsModel


class PersonBudgetsTab(RecordTab):
    def __init__(
        self, store: Store, user: Any, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.user, self.patient_id = store, user, patient_id
        self.loading: Operation | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Personal health budgets</b>"))
        self.model = BudgetsModel(self, without_person=True)
        self.table = QTableView()
        self.table.setAccessibleName("This person's budgets")
        show_as_list(self.table, self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((75, 170, 80, 92, 80, 92, 92, 100)):
            self.table.setColumnWidth(column, width)
        self.table.activated.connect(lambda index: self.open_budget(index.row()))
        self.table.doubleClicked.connect(lambda index: self.open_budget(index.row()))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.empty = QLabel("")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.open_button = QPushButton("&Open budget")
        self.open_button.clicked.connect(lambda: self.open_budget(self._row()))
        self.create_button = QPushButton("&New budget…")
        self.create_button.clicked.connect(self.create_budget)
        row.addWidget(self.open_button)
        row.addWidget(self.create_button)
        row.addStretch(1)
        layout.addLayout(row)
        guard(self.create_button, user.role, Permission.MANAGE_BUDGET,
                                "Set up a budget at its indicative amount")  # fmt: skip
        self.setTabOrder(self.table, self.open_button)
        self.setTabOrder(self.open_button, self.create_button)
        self.reload()

    def reload(self) -> None:
        pid, today = self.patient_id, date.today()
        self.loading = run_in_background(
            self, lambda _p: summaries(self.store, today, patient_id=pid),
            on_success=self._loaded, label="Reading the person's budgets",
        )  # fmt: skip

    def wait_until_loaded(self) -> None:
        wait_for(self.loading)

    def _loaded(self, rows: list[BudgetSummary]) -> None:
        self.model.set_rows(rows)
        self.empty.setText(
            ""
            if rows
            else "No budget yet. A budget is set up at its indicative amount, so "
            "the person knows how much money there is to plan their care with."
        )
        if rows:
            self.table.selectRow(0)
        self._selection_changed()

    def _row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _selection_changed(self) -> None:
        chosen = self._row() >= 0
        self.open_button.setEnabled(chosen)
        self.open_button.setToolTip("" if chosen else "Choose a budget in the list first.")

    def open_budget(self, row: int) -> QWidget | None:
        if not 0 <= row < len(self.model.rows):
            return None
        from .budget_window import open_budget_window

        return open_budget_window(self.store, self.user, self.model.rows[row].row.id, self)

    def create_budget(self) -> uuid.UUID | None:
        made = actions.create_budget(self, self.store, self.patient_id)
        if made is not None:
            self.reload()
            self.changed.emit()
        return made


def budget_tab(store: Store, user: Any, patient_id: uuid.UUID) -> QWidget:
    return PersonBudgetsTab(store, user, patient_id)
