"""The personal inbox beside the caseload: referrals to look at, mentions, actions due."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.people import format_patient_date

from .model import ALERT


class InboxPanel(QWidget):
    """Referrals waiting, notes that mention me, and my open actions."""

    open_patient = Signal(object)
    counted = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        title = QLabel("Inbox")
        title.setObjectName("panelTitle")
        layout.addWidget(title)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("pageSubtitle")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("inboxList")
        self.list.setAccessibleName("Inbox")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.items: list[Any] = []

    def show_inbox(self, box: Any) -> None:
        from mdt_desktop.domain.people import format_local_datetime

        self.list.clear()
        self.items = []
        sections = (
            ("Referrals waiting", box.referrals),
            ("Notes mentioning you", box.mentions),
            ("Your actions", box.actions),
        )
        for heading, items in sections:
            head = QListWidgetItem(f"{heading} ({len(items)})")
            head.setFlags(Qt.ItemFlag.NoItemFlags)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            head.setForeground(QBrush(QColor("#005eb8")))
            self.list.addItem(head)
            for item in items[:50]:
                when = item.when
                if isinstance(when, datetime):
                    stamp = format_local_datetime(when)
                elif isinstance(when, date):
                    stamp = "due " + format_patient_date(when)
                else:
                    stamp = ""
                detail = " ".join(item.detail.split())
                if len(detail) > 110:
                    detail = detail[:107] + "…"
                entry = QListWidgetItem(
                    f"{'⚠ ' if item.urgent else ''}{item.title} · {stamp}\n{detail}"
                )
                entry.setData(Qt.ItemDataRole.UserRole, item)
                entry.setToolTip(item.detail)
                if item.urgent:
                    entry.setForeground(QBrush(ALERT))
                self.list.addItem(entry)
                self.items.append(item)
        self.counted.emit(box.total)
        self.summary.setText(
            "Nothing waiting for you."
            if box.total == 0
            else f"{len(box.referrals)} referrals, {len(box.mentions)} mentions, "
            f"{len(box.actions)} actions. Double-click to open the record."
        )

    def _activated(self, entry: QListWidgetItem) -> None:
        item = entry.data(Qt.ItemDataRole.UserRole)
        if item is not None and item.patient_id is not None:
            self.open_patient.emit(item)


__all__ = ["InboxPanel"]
