"""The in-reach board as a table: one row per person in hospital.

The board holds one team's people in hospital (hundreds, not thousands), read in one SQL
statement by the service; sorting the rows already read is done here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.services.discharges import BoardLine

from ..widgets.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex
FLAGGED = QColor("#fff4e5")


class BoardModel(RowsTableModel):
    (
        COL_NAME, COL_NHS, COL_WHERE, COL_DAYS_IN, COL_EDD, COL_READY, COL_SINCE,
        COL_PATHWAY, COL_DELAY, COL_TASKS, COL_FLAGS,
    ) = range(11)  # fmt: skip
    HEADERS = (
        "Name", "NHS No.", "Where", "Days in", "EDD", "Ready since", "Days ready",
        "Pathway", "Delay", "Tasks", "Flags",
    )  # fmt: skip
    TOOLTIPS = (
        "", "", "Hospital and ward", "Calendar days since admission",
        "Expected date of discharge",
        "Discharge ready date: no longer meets the criteria to reside",
        "Calendar days since the discharge ready date (working days in brackets)",
        "Planned discharge pathway 0-3", "The delay reason in force", "Open and overdue tasks",
        "",
    )  # fmt: skip

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and self.TOOLTIPS[section]
        ):
            return self.TOOLTIPS[section]
        return super().headerData(section, orientation, role)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[BoardLine] = []

    def set_rows(self, rows: list[BoardLine]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def line(self, row: int) -> BoardLine:
        return self.rows[row]

    def _value(self, line: BoardLine, column: int) -> Any:
        r = line.row
        since = line.since_ready
        return {
            self.COL_NAME: f"{r.family_name.upper()}, {r.given_name}",
            self.COL_NHS: format_nhs_number(r.nhs_number),
            self.COL_WHERE: ", ".join(x for x in (r.hospital, r.ward) if x),
            self.COL_DAYS_IN: line.days_in,
            self.COL_EDD: r.expected_discharge_on,
            self.COL_READY: r.ready_on,
            self.COL_SINCE: since.calendar if since else None,
            self.COL_PATHWAY: r.pathway,
            self.COL_DELAY: line.delay_label or "",
            self.COL_TASKS: (r.open_tasks, r.overdue_tasks),
            self.COL_FLAGS: ", ".join(f.label for f in line.flags),
        }[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.rows[index.row()]
        column = index.column()
        value = self._value(line, column)
        if role == Qt.ItemDataRole.BackgroundRole and line.flags:
            return QBrush(FLAGGED)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_SINCE and line.since_ready:
            return f"{line.since_ready.working} working days (weekends and bank holidays out)"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if isinstance(value, date):
            return format_patient_date(value)
        if column == self.COL_TASKS:
            open_, overdue = value
            return f"{open_} open, {overdue} overdue" if overdue else f"{open_} open"
        if column == self.COL_PATHWAY:
            return "Not chosen" if value is None else f"P{value}"
        if column == self.COL_SINCE and value is not None:
            return f"{value} ({line.since_ready.working} working)" if line.since_ready else value
        return "" if value is None else value

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()

        def key(line: BoardLine) -> Any:
            value = self._value(line, column)
            if column == self.COL_TASKS:
                return (value[1], value[0])
            return (value is None, value if value is not None else 0)

        self.rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
