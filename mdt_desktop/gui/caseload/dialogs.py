"""Dialogs of the caseload: accept a referral, refer someone by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.caseload import DEFAULT_FIRST_REVIEW_DAYS, URGENCY_LABELS
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import display_name, format_born
from mdt_desktop.store.database import Store

from ..users import role_label
from ..widgets.access import named, search_box
from ..widgets.forms import date_edit, dialog_footer


class AcceptDialog(QDialog):
    """Accept onto the caseload: a named care coordinator and the first review date."""

    def __init__(
        self,
        name: str,
        reason: str,
        coordinators: list[Any],
        preferred: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accept referral")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        intro = QLabel(f"Accept <b>{name}</b> onto the team's caseload.<br>Referred for: {reason}")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        form = QFormLayout()
        self.coordinator = QComboBox()
        self.coordinator.setObjectName("coordinator")
        self.coordinator.addItem("Choose a care coordinator…", None)
        for st in coordinators:
            self.coordinator.addItem(f"{st.name} ({role_label(st.role)})", st.id)
            if preferred is not None and st.id == preferred:
                self.coordinator.setCurrentIndex(self.coordinator.count() - 1)
        today = date.today()
        self.review = date_edit(today + timedelta(days=DEFAULT_FIRST_REVIEW_DAYS), minimum=today)
        self.review.setObjectName("firstReview")
        form.addRow("Care coordinator", self.coordinator)
        form.addRow("First review by", self.review)
        layout.addLayout(form)
        self.error = dialog_footer(self, layout, "Accept", self._check)
        self.resize(520, self.sizeHint().height())

    def _check(self) -> None:
        if self.coordinator.currentData() is None:
            self.error.setText("An active case needs a named care coordinator.")
            return
        self.accept()


class ManualReferralDialog(QDialog):
    """Refer anyone on the registered list: find them, then reason, referrer, urgency."""

    def __init__(
        self, store: Store, teams: list[Any], team_id: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Refer someone to the caseload")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        find = QLabel("&Find on the registered list")
        layout.addWidget(find)
        self.search = search_box(
            "Find on the registered list", "FAMILY, Given or NHS No.", "referralSearch"
        )
        find.setBuddy(self.search)
        layout.addWidget(self.search)
        self.matches = named(QListWidget(), "People found")
        self.matches.setObjectName("referralMatches")
        self.matches.setFixedHeight(150)
        layout.addWidget(self.matches)
        form = QFormLayout()
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("referralReason")
        self.reason.setPlaceholderText("Why the team should see them")
        self.reason.setFixedHeight(80)
        self.referrer = QLineEdit()
        self.referrer.setObjectName("referrer")
        self.referrer.setPlaceholderText("Who is referring, e.g. Dr Hendry, Ward 12 discharge team")
        self.referrer.setText(store.actor.name)
        self.urgency = QComboBox()
        for key, label in URGENCY_LABELS.items():
            self.urgency.addItem(label, key)
        self.team = QComboBox()
        for team in teams:
            self.team.addItem(team.name, team.id)
            if team.id == team_id:
                self.team.setCurrentIndex(self.team.count() - 1)
        form.addRow("Reason", self.reason)
        form.addRow("Referred by", self.referrer)
        form.addRow("Urgency", self.urgency)
        if len(teams) > 1:
            form.addRow("Team", self.team)
        layout.addLayout(form)
        self.error = dialog_footer(self, layout, "Refer", self._check)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.find)
        self.search.textChanged.connect(self._debounce.start)
        self.resize(600, self.sizeHint().height())

    def find(self) -> None:
        from mdt_desktop.services.case_finding import find_people

        self._debounce.stop()
        self.matches.clear()
        text = self.search.text().strip()
        if len(text) < 2:
            return
        rows = find_people(self.store, text)
        today = date.today()
        for row in rows:
            pid, family, given, title, nhs, dob = row[:6]
            born = format_born(date.fromisoformat(dob) if dob else None, today)
            nhs_text = format_nhs_number(nhs) if nhs else "Not Known"
            item = QListWidgetItem(
                f"{display_name(family, given, title)}   {born}   NHS No. {nhs_text}"
            )
            item.setData(Qt.ItemDataRole.UserRole, pid)
            self.matches.addItem(item)
        if self.matches.count() == 1:
            self.matches.setCurrentRow(0)

    def chosen(self) -> Any:
        import uuid

        item = self.matches.currentItem()
        return uuid.UUID(hex=item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _check(self) -> None:
        if self.chosen() is None:
            self.error.setText("Find and choose the person to refer.")
        elif not self.reason.toPlainText().strip():
            self.error.setText("Give a reason for the referral.")
        elif self.team.currentData() is None:
            self.error.setText("There is no team in this store to refer to.")
        else:
            self.accept()
