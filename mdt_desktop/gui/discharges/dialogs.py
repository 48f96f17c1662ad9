"""The discharge dialogs: a stay, a date with its reason, a pathway, a delay, the discharge.

Each dialog only lays out and checks its fields; the page calls the service with what was
chosen, and the service's refusal (a sentence) is shown as it is.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import Pathway

from ..widgets.forms import date_edit, date_of, dialog_footer


def _local_instant(day: date, at: QTime) -> datetime:
    local = datetime.combine(day, time(at.hour(), at.minute()), tzinfo=rules.LONDON)
    return local.astimezone(UTC)


class _Form(QDialog):
    def __init__(self, title: str, ok: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.outer = QVBoxLayout(self)
        self.form = QFormLayout()
        self.outer.addLayout(self.form)
        self._ok_text = ok

    def finish(self) -> None:
        self.error = dialog_footer(self, self.outer, self._ok_text, self._check)

    def problem(self) -> str | None:
        return None

    def _check(self) -> None:
        why = self.problem()
        if why:
            self.error.setText(why)
            return
        self.accept()


class AdmissionDialog(_Form):
    """A stay recorded by hand for someone on the caseload."""

    def __init__(
        self, people: list[tuple[uuid.UUID, str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__("Record a hospital stay", "Record the stay", parent)
        self.person = QComboBox()
        self.person.setAccessibleName("Person")
        for pid, name, nhs in people:
            self.person.addItem(f"{name}   {nhs}", pid)
        self.hospital = QLineEdit()
        self.hospital.setAccessibleName("Hospital")
        self.ward = QLineEdit()
        self.ward.setAccessibleName("Ward")
        self.day = date_edit()
        self.at = QTimeEdit(QTime(12, 0))
        self.method = QComboBox()
        self.method.setAccessibleName("Admission method")
        for code in rules.nhs_dd_table("admission_method").codes:
            self.method.addItem(code.label, code.code)
        self.method.setCurrentIndex(self.method.findData("21"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for admission")
        self.contact = QLineEdit()
        self.contact.setAccessibleName("Hospital contact")
        for label, w in (
            ("Person", self.person), ("Hospital", self.hospital), ("Ward", self.ward),
            ("Admitted on", self.day), ("at", self.at), ("Admission method", self.method),
            ("Reason", self.reason), ("Hospital contact", self.contact),
        ):  # fmt: skip
            self.form.addRow(label, w)
        self.finish()

    def problem(self) -> str | None:
        if self.person.currentData() is None:
            return "Choose the person (only people on the caseload are listed)."
        if not self.hospital.text().strip():
            return "Name the hospital."
        return None

    def admitted_at(self) -> datetime:
        return _local_instant(date_of(self.day), self.at.time())


class DateReasonDialog(_Form):
    """The expected date of discharge, with why it changed."""

    def __init__(self, title: str, current: date | None, parent: QWidget | None = None) -> None:
        super().__init__(title, "Save", parent)
        self.day = date_edit(current)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why it changed")
        self.needs_reason = current is not None
        self.form.addRow("Date", self.day)
        self.form.addRow("Why it changed" if current else "Note (optional)", self.reason)
        self.finish()

    def problem(self) -> str | None:
        if self.needs_reason and not self.reason.text().strip():
            return "Say why the expected date changed."
        return None


class CriteriaDialog(_Form):
    """A ward-round assessment against the criteria to reside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Criteria to reside", "Record", parent)
        self.day = date_edit()
        self.meets = QCheckBox("Still meets the criteria to reside (not ready)")
        self.form.addRow("Assessed on", self.day)
        self.form.addRow("", self.meets)
        self.finish()


class PathwayDialog(_Form):
    def __init__(self, current: int | None, parent: QWidget | None = None) -> None:
        super().__init__("Discharge pathway", "Choose the pathway", parent)
        self.pathway = QComboBox()
        self.pathway.setAccessibleName("Pathway")
        for p in Pathway:
            self.pathway.addItem(p.label, int(p))
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why the pathway changed")
        self.current = current
        self.pathway.currentIndexChanged.connect(self._destinations)
        if current is not None:
            self.pathway.setCurrentIndex(self.pathway.findData(current))
        self._destinations()
        self.form.addRow("Pathway", self.pathway)
        self.form.addRow("Destination", self.destination)
        self.form.addRow("Why it changed" if current is not None else "Note", self.reason)
        self.finish()

    def _destinations(self) -> None:
        self.destination.clear()
        self.destination.addItem("Not known yet", None)
        for code in rules.destinations_for(Pathway(self.pathway.currentData())):
            self.destination.addItem(code.label, code.code)

    def problem(self) -> str | None:
        changed = self.current is not None and self.pathway.currentData() != self.current
        if changed and not self.reason.text().strip():
            return "Say why the pathway changed."
        return None


class DelayDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Delay reason", "Save", parent)
        scheme = rules.delay_scheme()
        self.scheme = scheme.scheme
        self.reason = QComboBox()
        self.reason.setAccessibleName("Delay reason")
        self.reason.addItem("No longer delayed", None)
        for code in scheme.codes:
            self.reason.addItem(f"{code.family} – {code.label}", code.code)
        self.day = date_edit()
        self.detail = QPlainTextEdit()
        self.detail.setAccessibleName("Detail")
        self.detail.setTabChangesFocus(True)
        self.detail.setMaximumHeight(80)
        self.form.addRow("Reason", self.reason)
        self.form.addRow("From", self.day)
        self.form.addRow("Detail", self.detail)
        self.finish()


class DischargeDialog(_Form):
    def __init__(self, pathway: int | None, parent: QWidget | None = None) -> None:
        super().__init__("Record the discharge", "Record the discharge", parent)
        self.day = date_edit()
        self.at = QTimeEdit(QTime(12, 0))
        self.pathway = QComboBox()
        self.pathway.setAccessibleName("Pathway")
        for p in Pathway:
            self.pathway.addItem(p.label, int(p))
        if pathway is not None:
            self.pathway.setCurrentIndex(self.pathway.findData(pathway))
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination of discharge")
        for code in rules.nhs_dd_table("discharge_destination").codes:
            self.destination.addItem(f"{code.label} ({code.code})", code.code)
        self.method = QComboBox()
        self.method.setAccessibleName("Discharge method")
        for code in rules.nhs_dd_table("discharge_method").codes:
            self.method.addItem(code.label, code.code)
        for label, w in (
            ("Discharged on", self.day), ("at", self.at), ("Pathway", self.pathway),
            ("Destination", self.destination), ("Method", self.method),
        ):  # fmt: skip
            self.form.addRow(label, w)
        self.finish()

    def discharged_at(self) -> datetime:
        return _local_instant(date_of(self.day), self.at.time())


class OwnerDialog(_Form):
    def __init__(
        self, staff: list[tuple[uuid.UUID, str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__("Task owner", "Set the owner", parent)
        self.staff = QComboBox()
        self.staff.setAccessibleName("Owner from the staff directory")
        self.staff.addItem("Someone not in the directory…", None)
        for sid, name, _role in staff:
            self.staff.addItem(name, sid)
        self.name = QLineEdit()
        self.name.setAccessibleName("Owner's name")
        self.form.addRow("Owner", self.staff)
        self.form.addRow("or name", self.name)
        self.finish()

    def problem(self) -> str | None:
        if self.staff.currentData() is None and not self.name.text().strip():
            return "Choose someone, or write the owner's name."
        return None


class FollowUpDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Community follow-up", "Record the follow-up", parent)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("What the follow-up found")
        self.note.setTabChangesFocus(True)
        self.form.addRow("What was found", self.note)
        self.finish()

    def problem(self) -> str | None:
        return None if self.note.toPlainText().strip() else "Say what the follow-up found."
