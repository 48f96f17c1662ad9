"""The Budgets page: every budget of the team, filtered by status, type, source and alert,
with the totals of what is shown. Opening a row opens the budget's own window.

The team's summaries are read once off the GUI thread (and again when a write touches a
budget table); a filter change only re-filters the rows held, so it costs no read.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.budgets import AlertKind, BudgetKind, BudgetStatus, FundingSource
from mdt_desktop.domain.budgets import format_pence as money
from mdt_desktop.services.budgets import screens
from mdt_desktop.services.budgets.overview import BudgetSummary
from mdt_desktop.store.database import Store

from ..background import Operation, Progress, run_in_background, wait_for
from ..features import Page
from ..pages import page_header
from ..widgets.table_model import show_as_list
from .model import BudgetsModel

# The tables whose changes the page shows (a write to any reloads it in place).
BUDGET_TABLES = frozenset(
    {
        "budgets", "budget_lines", "budget_ledger_entries", "budget_status_changes",
        "budget_reviews", "budget_decisions", "budget_reconsiderations", "patients",
    }
)  # fmt: skip

# Widths that fit the ten columns beside the navigation on a 1366-pixel screen; a cut
# funding source or alert reads in full in its tooltip.
WIDTHS = (250, 75, 125, 80, 92, 80, 92, 92, 100)


class BudgetsPage(Page):
    title = "Budgets"
    shows = BUDGET_TABLES

    def __init__(self, store: Store, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.user = store, user
        self.everyone: list[BudgetSummary] = []
        self.shown: list[BudgetSummary] = []
        self.loading: Operation | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.addWidget(
            page_header(
                "Budgets",
                "The team's personal health budgets: what was allocated, what is spent, "
                "where the money is heading and what needs attention.",
            )
        )
        filters = QHBoxLayout()
        self.status = self._combo("&Status", filters, [("All but closed", screens.NOT_CLOSED),
                                                     ("All", None)], BudgetStatus)  # fmt: skip
        self.kind = self._combo("Ty&pe", filters, [("All", None)], BudgetKind)
        self.source = self._combo("So&urce", filters, [("All", None)], FundingSource)
        self.alert = self._combo("A&lert", filters, [("All", None), ("Any alert", "any")],
                                 AlertKind)  # fmt: skip
        filters.addStretch(1)
        self.open_button = QPushButton("&Open budget")
        self.open_button.setToolTip("Open the chosen budget (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        filters.addWidget(self.open_button)
        outer.addLayout(filters)

        self.model = BudgetsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Budgets")
        show_as_list(self.table, self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        outer.addWidget(self.table, 1)
        self.totals = QLabel("Reading the team's budgets…")
        self.totals.setObjectName("budgetTotals")
        self.totals.setAccessibleName("Totals of the budgets shown")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.totals)
        to_filters = QShortcut(QKeySequence("Ctrl+F"), self, self.status.setFocus)
        to_filters.setWhatsThis("Go to the filters (Budgets)")  # the shortcut sheet reads it
        self._selection_changed()

    def _combo(
        self, label: str, row: QHBoxLayout, first: list[tuple[str, Any]], vocab: Any
    ) -> QComboBox:
        caption = QLabel(f"{label}:")  # with its Alt+letter; the buddy takes the focus
        combo = QComboBox()
        combo.setAccessibleName(label.replace("&", ""))
        caption.setBuddy(combo)
        for text, value in first:
            combo.addItem(text, value)
        for member in vocab:
            combo.addItem(member.label, member.value)
        combo.currentIndexChanged.connect(self._refilter)
        row.addWidget(caption)
        row.addWidget(combo)
        return combo

    # --- Page ---------------------------------------------------------------------------

    def activated(self) -> None:
        self.reload()

    def set_user(self, user: Any) -> None:
        self.user = user
        self.reload()

    def wait_until_loaded(self) -> None:
        wait_for(self.loading)

    def reload(self) -> None:
        team, today = self.user.team_id, date.today()

        def work(_: Progress) -> list[BudgetSummary]:
            return screens.team_budgets(self.store, team, today)

        self.loading = run_in_background(
            self, work, on_success=self._loaded, label="Reading the team's budgets"
        )

    def _loaded(self, rows: list[BudgetSummary]) -> None:
        self.everyone = rows
        self._refilter()

    # --- filters, totals, selection -------------------------------------------------------

    def where(self) -> screens.BudgetFilter:
        return screens.BudgetFilter(
            status=self.status.currentData(),
            kind=self.kind.currentData(),
            funding_source=self.source.currentData(),
            alert=self.alert.currentData(),
        )

    def _refilter(self) -> None:
        chosen = self.selected_budget()
        self.shown = screens.filtered(self.everyone, self.where())
        self.model.set_rows(self.shown)
        t = screens.totals(self.shown)
        self.totals.setText(
            f"{t.budgets} of {len(self.everyone)} budgets shown.   Allocated "
            f"{money(t.allocated)}   Spent {money(t.spent)}   Available {money(t.available)}"
            f"   Projected at period end {money(t.projected_end_balance)}"
        )
        if chosen is not None:
            for row, b in enumerate(self.model.rows):
                if b.row.id == chosen:
                    self.table.selectRow(row)
        self._selection_changed()

    def selected_budget(self) -> uuid.UUID | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[rows[0].row()].row.id

    def _selection_changed(self) -> None:
        chosen = self.selected_budget() is not None
        self.open_button.setEnabled(chosen)
        self.open_button.setToolTip(
            "Open the chosen budget (Enter)" if chosen else "Choose a budget in the list first."
        )

    # --- opening a budget -------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        b = self.model.budget_at(index)
        if b is not None:
            self.open_budget(b.row.id)

    def open_selected(self) -> None:
        chosen = self.selected_budget()
        if chosen is not None:
            self.open_budget(chosen)

    def open_budget(self, budget_id: uuid.UUID) -> QWidget:
        from .budget_window import open_budget_window

        return open_budget_window(self.store, self.user, budget_id, self)
