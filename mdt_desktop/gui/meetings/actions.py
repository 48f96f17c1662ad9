"""The actions tracker: every open action across meetings, by owner and due date."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..operations import show_people_error
from ..widgets.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex
OVERDUE_BACKGROUND = QColor("#fbe9e7")


class ActionsModel(RowsTableModel):
    """Rows are read with the filter applied in SQL; this model only shows them."""

    COL_DUE, COL_WHAT, COL_OWNER, COL_PERSON, COL_NHS, COL_MEETING, COL_STATUS = range(7)
    HEADERS = ["Due", "Action", "Owner", "Person", "NHS No.", "Meeting", "Status"]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[svc.ActionLine] = []
        self.today = date.today()

    def set_rows(self, rows: list[svc.ActionLine], today: date) -> None:
        self.beginResetModel()
        self.rows = rows
        self.today = today
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.rows[index.row()]
        overdue = line.overdue(self.today)
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and overdue and index.column() == self.COL_DUE:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COL_STATUS:
            if line.completed_at:
                return (
                    f"Completed by {line.completed_by or 'Not Known'} on "
                    f"{format_local_datetime(line.completed_at)}"
                )
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == self.COL_DUE:
            due = format_patient_date(line.due_on) if line.due_on else "No date"
            return f"{due} — overdue" if overdue else due
        if column == self.COL_WHAT:
            return line.description
        if column == self.COL_OWNER:
            return line.owner_name or "No owner"
        if column == self.COL_PERSON:
            return line.patient or ""
        if column == self.COL_NHS:
            return format_nhs_number(line.nhs_number) if line.nhs_number else ""
        if column == self.COL_MEETING:
            return line.meeting or ""
        if line.status == "done" and line.completed_at:
            return f"Done {format_patient_date(line.completed_at.astimezone().date())}" + (
                f" by {line.completed_by}" if line.completed_by else ""
            )
        return {"open": "Open", "done": "Done", "cancelled": "Cancelled"}.get(line.status, "")


class ActionsTracker(QWidget):
    """Filter by owner (or just mine), overdue only, open or done; complete the selected."""

    def __init__(
        self,
        store: Store,
        user: Any,
        team_id: uuid.UUID | None,
        parent: QWidget | None = None,
        *,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.team_id = team_id
        self.patient_id = patient_id
        self.today = date.today()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        filters = QHBoxLayout()
        self.owner = QComboBox()
        self.owner.setObjectName("actionOwnerFilter")
        self.status = QComboBox()
        self.status.setObjectName("actionStatusFilter")
        for label, value in (("Open", "open"), ("Done", "done"), ("All", None)):
            self.status.addItem(label, value)
        self.overdue_only = QCheckBox("Overdue only")
        self.overdue_only.setObjectName("overdueOnly")
        self.complete = QPushButton("Mark done")
        self.complete.setObjectName("completeAction")
        self.complete.setEnabled(False)
        self.complete.clicked.connect(self.complete_selected)
        filters.addWidget(QLabel("Owner"))
        filters.addWidget(self.owner)
        filters.addWidget(QLabel("Show"))
        filters.addWidget(self.status)
        filters.addWidget(self.overdue_only)
        filters.addStretch(1)
        filters.addWidget(self.complete)
        layout.addLayout(filters)
        self.model = ActionsModel(self)
        self.table = QTableView()
        self.table.setObjectName("actionsTable")
        self.table.setAccessibleName("Actions")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ActionsModel.COL_WHAT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *a: self._selection())
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setObjectName("actionsCount")
        layout.addWidget(self.count)
        self._fill_owners()
        self.owner.currentIndexChanged.connect(lambda *a: self.reload())
        self.status.currentIndexChanged.connect(lambda *a: self.reload())
        self.overdue_only.toggled.connect(lambda *a: self.reload())
        self.reload()

    def _fill_owners(self) -> None:
        self.owner.addItem("Everyone", ("all", None))
        self.owner.addItem(f"Mine ({self.user.name})", ("mine", None))
        for staff_id, name, _role in svc.staff_choices(self.store, self.team_id):
            self.owner.addItem(name, ("staff", staff_id))

    def show_mine(self) -> None:
        self.owner.setCurrentIndex(1)

    def reload(self) -> None:
        kind, staff_id = self.owner.currentData() or ("all", None)
        status = self.status.currentData()
        overdue = self.today if self.overdue_only.isChecked() else None
        if kind == "mine":
            rows = svc.my_actions(
                self.store,
                self.user,
                status=status,
                overdue_on=overdue,
                patient_id=self.patient_id,
            )
        else:
            rows = svc.actions(
                self.store,
                status=status,
                owner_staff_id=staff_id,
                overdue_on=overdue,
                patient_id=self.patient_id,
            )
        self.model.set_rows(rows, self.today)
        late = sum(1 for r in rows if r.overdue(self.today))
        self.count.setText(f"{len(rows)} actions, {late} overdue")
        self._selection()

    def selected(self) -> svc.ActionLine | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _selection(self) -> None:
        line = self.selected()
        self.complete.setEnabled(line is not None and line.status == "open")

    def complete_selected(self) -> None:
        line = self.selected()
        if line is None:
            return
        try:
            svc.complete_action(self.store, line.id)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Mark done", exc)
        self.reload()
