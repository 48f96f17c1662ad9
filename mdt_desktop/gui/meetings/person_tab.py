"""One person's meetings, decisions and actions: a tab for their record."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..features import RecordTab
from .actions import ActionsTracker


class PersonMeetingsTab(RecordTab):
    """Every meeting this person was on the agenda of (newest first), then their actions."""

    def __init__(
        self, store: Store, user: Any, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("personMeetings")
        self.store = store
        self.patient_id = patient_id
        layout = QVBoxLayout(self)
        title = QLabel("<b>MDT meetings and decisions</b>")
        layout.addWidget(title)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("personMeetingsTable")
        self.table.setAccessibleName("Meetings that discussed this person")
        self.table.setHorizontalHeaderLabels(
            ["Meeting", "Why on the agenda", "Status", "Decision", "Next review", "Discussion"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 2)
        layout.addWidget(QLabel("<b>Actions</b>"))
        team_id = getattr(user, "team_id", None)
        self.action_list = ActionsTracker(store, user, team_id, patient_id=patient_id)
        self.action_list.status.setCurrentIndex(2)  # all: open and done
        layout.addWidget(self.action_list, 1)
        self.reload()

    def reload(self) -> None:
        lines = svc.person_meetings(self.store, self.patient_id)
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            values = [
                line.meeting,
                line.reason,
                rules.AGENDA_STATUS_LABELS.get(line.status, line.status),
                line.decision or "",
                format_patient_date(line.next_review_on) if line.next_review_on else "",
                line.discussion or "",
            ]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeRowsToContents()
        self.action_list.reload()
