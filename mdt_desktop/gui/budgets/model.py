"""The Budgets page's table: one row per budget, money as £1,234.56 from integer pence.

The rows are the team's budget summaries the page already holds (alerts and projections are
the domain's rules, worked out per budget), so sorting here reorders them in memory by a
key per column; the sort role keeps money and dates in their own order, not as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from mdt_desktop.domain.budgets import BudgetKind, BudgetStatus, FundingSource, format_pence
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.services.budgets import BudgetSummary

from ..widgets.table_model import Index, RowsTableModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT_TEXT = QColor("#9a2a16")  # the theme's warning red; passes AA on white and stripes


# The type in a narrow column; its full name is the cell's tooltip.
SHORT_KIND = {
    BudgetKind.HEALTH: "Health",
    BudgetKind.SOCIAL_CARE: "Social care",
    BudgetKind.INTEGRATED: "Integrated",
}


def person(b: BudgetSummary) -> str:
    r = b.row
    nhs = format_nhs_number(r.nhs_number) if r.nhs_number else "NHS number not known"
    return f"{r.person}   {nhs}"


def next_review_text(b: BudgetSummary) -> str:
    return format_patient_date(b.next_review.due_on) if b.next_review else ""


def alerts_text(b: BudgetSummary) -> str:
    """The alerts' names, counted first when there are several (the column is narrow; the
    tooltip reads each alert in full)."""
    names = "; ".join(a.kind.label for a in b.alerts)
    return f"({len(b.alerts)}) {names}" if len(b.alerts) > 1 else names


class BudgetsModel(RowsTableModel):
    COL_PERSON, COL_TYPE, COL_SOURCE, COL_STATUS = range(4)
    COL_ALLOCATION, COL_SPENT, COL_AVAILABLE, COL_PROJECTED = range(4, 8)
    COL_REVIEW, COL_ALERTS = 8, 9
    HEADERS = (
        "Person", "Type", "Funding source", "Status", "Allocation", "Spent", "Available",
        "Projected", "Next review", "Alerts",
    )  # fmt: skip
    TIPS = {
        COL_AVAILABLE: "The balance less what is committed but not yet paid",
        COL_PROJECTED: "The balance projected at the period's end, at the rate spent so far",
        COL_ALERTS: "Hover over a budget's alerts to read them in full",
    }
    MONEY = frozenset({COL_ALLOCATION, COL_SPENT, COL_AVAILABLE, COL_PROJECTED})

    def __init__(self, parent: Any = None, *, without_person: bool = False) -> None:
        super().__init__(parent)
        self.rows: list[BudgetSummary] = []
        # The record's tab leaves the person out (the record says whose budgets they are).
        self.columns = tuple(range(1 if without_person else 0, len(self.HEADERS)))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def set_rows(self, rows: list[BudgetSummary]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def _display(self, b: BudgetSummary, column: int) -> str:
        r, f = b.row, b.row.figures
        if column == self.COL_PERSON:
            return person(b)
        if column == self.COL_TYPE:
            return SHORT_KIND[BudgetKind(r.kind)]
        if column == self.COL_SOURCE:
            return FundingSource(r.funding_source).label
        if column == self.COL_STATUS:
            return BudgetStatus(r.status).label
        if column == self.COL_ALLOCATION:
            return format_pence(f.allocated)
        if column == self.COL_SPENT:
            return format_pence(f.spent)
        if column == self.COL_AVAILABLE:
            return format_pence(f.available)
        if column == self.COL_PROJECTED:
            return format_pence(b.projection.projected_balance)
        if column == self.COL_REVIEW:
            return next_review_text(b)
        return alerts_text(b)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS.get(self.columns[section])
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[self.columns[section]]
        return None

    def sort_value(self, b: BudgetSummary, column: int) -> Any:
        r, f = b.row, b.row.figures
        keys: dict[int, Callable[[], Any]] = {
            self.COL_PERSON: lambda: (r.family_name.lower(), (r.given_name or "").lower()),
            self.COL_ALLOCATION: lambda: f.allocated,
            self.COL_SPENT: lambda: f.spent,
            self.COL_AVAILABLE: lambda: f.available,
            self.COL_PROJECTED: lambda: b.projection.projected_balance,
            self.COL_REVIEW: lambda: b.next_review.due_on if b.next_review else date.max,
            self.COL_ALERTS: lambda: -len(b.alerts),
        }
        key = keys.get(column)
        return key() if key else self._display(b, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        b, column = self.rows[index.row()], self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(b, column)
        if role == SORT_ROLE:
            return self.sort_value(b, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.MONEY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            negative = column == self.COL_PROJECTED and b.projection.projected_balance < 0
            if (column == self.COL_ALERTS and b.alerts) or negative:
                return QBrush(ALERT_TEXT)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.COL_ALERTS and b.alerts:
                return "\n".join(a.message for a in b.alerts)
            if column == self.COL_TYPE:
                return BudgetKind(b.row.kind).label
            if column == self.COL_SOURCE:
                return FundingSource(b.row.funding_source).label
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        column = self.columns[column]
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(
            key=lambda b: self.sort_value(b, column),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self.layoutChanged.emit()

    def budget_at(self, index: QModelIndex) -> BudgetSummary | None:
        return self.rows[index.row()] if index.isValid() else None
