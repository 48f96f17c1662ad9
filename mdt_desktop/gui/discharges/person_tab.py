"""One person's hospital stays and each stay's history: the Discharges tab of their record."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.discharges import DischargeEventKind, DischargeStatus
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import Permission, allowed, why_not
from mdt_desktop.services import discharges as svc
from mdt_desktop.store.database import Store

from ..features import RecordTab
from .dialogs import FollowUpDialog

HEADERS = ["Hospital", "Admitted", "Discharged", "Pathway", "Ready since", "Follow-up", "Notes"]


class PersonStaysTab(RecordTab):
    def __init__(
        self, store: Store, user: Any, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.patient_id = store, patient_id
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Hospital stays</b>"))
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName("Hospital stays")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_history)
        layout.addWidget(self.table, 2)
        self.follow_up = QPushButton("Follow-up done…")
        self.follow_up.setToolTip(
            why_not(user.role, Permission.MANAGE_DISCHARGE) or "Record the community follow-up"
        )
        self.can_manage = allowed(user.role, Permission.MANAGE_DISCHARGE)
        self.follow_up.clicked.connect(self.record_follow_up)
        layout.addWidget(self.follow_up, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("<b>What changed during the stay</b>"))
        self.history = QListWidget()
        self.history.setAccessibleName("The stay's history")
        layout.addWidget(self.history, 1)
        self.reload()

    def reload(self) -> None:
        self.stays = svc.person_stays(self.store, self.patient_id)
        self.table.setRowCount(len(self.stays))
        for row, stay in enumerate(self.stays):
            pathway = (
                stay.discharged_pathway if stay.discharged_pathway is not None else stay.pathway
            )
            follow = (
                "Done"
                if stay.follow_up_done_at
                else f"Due {format_patient_date(stay.follow_up_due_on)}"
                if stay.follow_up_due_on
                else ""
            )
            notes = []
            if stay.readmission:
                notes.append("Readmitted within 30 days (crude)")
            if not stay.emergency:
                notes.append("Not an emergency admission")
            if stay.status == DischargeStatus.IN_HOSPITAL:
                notes.append("In hospital now")
            cells = [
                ", ".join(x for x in (stay.hospital, stay.ward) if x),
                format_local_datetime(stay.admitted_at),
                format_local_datetime(stay.discharged_at) if stay.discharged_at else "",
                f"P{pathway}" if pathway is not None else "",
                format_patient_date(stay.ready_on) if stay.ready_on else "",
                follow,
                "; ".join(notes),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, stay.plan_id)
                self.table.setItem(row, column, item)
        if self.stays:
            self.table.selectRow(0)
        self._show_history()  # the same row selected again emits no change

    def _selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.stays[rows[0].row()] if rows else None

    def record_follow_up(self) -> None:
        stay = self._selected()
        if stay is None:
            return
        dialog = FollowUpDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            svc.complete_follow_up(self.store, stay.plan_id, dialog.note.toPlainText())
        except (ValueError, PermissionError) as exc:
            QMessageBox.warning(self, "Follow-up", str(exc))
            return
        self.reload()

    def _show_history(self) -> None:
        self.history.clear()
        stay = self._selected()
        waiting = (
            stay is not None
            and stay.status == DischargeStatus.DISCHARGED
            and stay.follow_up_done_at is None
        )
        self.follow_up.setEnabled(self.can_manage and waiting)
        if stay is None:
            return
        plan_id = stay.plan_id
        for e in svc.stay_history(self.store, plan_id):
            what = DischargeEventKind(e.kind).label
            detail = e.label or (f"pathway {e.pathway}" if e.pathway is not None else "")
            if e.kind == DischargeEventKind.CRITERIA:
                detail = "meets the criteria to reside" if e.meets_criteria else "ready"
            when = format_patient_date(e.on) if e.on else ""
            why = f" — {e.reason}" if e.reason else ""
            self.history.addItem(
                f"{format_local_datetime(e.recorded_at)}  {what}: {when} {detail}{why}"
                f"  ({e.recorded_by})"
            )


def discharges_tab(store: Store, user: Any, patient_id: uuid.UUID) -> QWidget:
    return PersonStaysTab(store, user, patient_id)
