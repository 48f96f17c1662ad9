"""Small dialogs shared by the caseload and the record: a reason, a date, a consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

ENGLISH_UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def date_edit(value: date | None = None, *, minimum: date | None = None) -> QDateEdit:
    """A calendar date field shown dd-Mmm-yyyy, whatever the computer's language."""
    edit = QDateEdit()
    edit.setLocale(ENGLISH_UK)
    edit.setDisplayFormat("dd-MMM-yyyy")
    edit.setCalendarPopup(True)
    if minimum is not None:
        edit.setMinimumDate(QDate(minimum.year, minimum.month, minimum.day))
    v = value or date.today()
    edit.setDate(QDate(v.year, v.month, v.day))
    return edit


def dialog_footer(
    dialog: QDialog, layout: QBoxLayout, ok_text: str, on_ok: Callable[[], None]
) -> QLabel:
    """The end of every form dialog: a line for what is wrong, then OK (named) and Cancel.

    ``on_ok`` checks the form and accepts the dialog itself; the label it writes its
    complaint to is returned.
    """
    error = QLabel("")
    error.setObjectName("error")
    layout.addWidget(error)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return error


def date_of(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class ReasonDialog(QDialog):
    """Asks for a reason in words; the button stays put until one is given."""

    def __init__(
        self,
        title: str,
        intro: str,
        *,
        action: str = "OK",
        placeholder: str = "",
        warning: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reasonDialog")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        label = QLabel(intro)
        label.setWordWrap(True)
        if warning:
            label.setObjectName("warningText")
        layout.addWidget(label)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName(title)
        self.reason.setAccessibleDescription(intro)
        self.reason.setPlaceholderText(placeholder)
        self.reason.setFixedHeight(96)
        layout.addWidget(self.reason)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(action)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def problem(self) -> str | None:
        return None if self.text() else "Give a reason."

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.accept()


class ConsentDialog(QDialog):
    """Given / declined / not asked, the date, by whom and how."""

    def __init__(self, default_by: str, parent: QWidget | None = None) -> None:
        from mdt_desktop.services.consent import METHODS, STATUSES

        super().__init__(parent)
        self.setWindowTitle("Consent to share")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        intro = QLabel(
            "Has the person agreed that the MDT's organisations may share their record? "
            "Record what they said; a new record replaces the old one in the banner, and "
            "both are kept."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.status = QComboBox()
        self.status.setObjectName("consentStatus")
        for key, label in STATUSES.items():
            self.status.addItem(label, key)
        self.on = date_edit()
        self.on.setMaximumDate(QDate.currentDate())
        self.by = QComboBox()
        self.by.setEditable(True)
        self.by.addItem(default_by)
        self.method = QComboBox()
        self.method.setObjectName("consentMethod")
        self.method.setEditable(True)
        self.method.addItem("")
        self.method.addItems(list(METHODS))
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(64)
        self.note.setPlaceholderText("Optional: anything the team should know")
        form.addRow("Consent", self.status)
        form.addRow("Date", self.on)
        form.addRow("Recorded by", self.by)
        form.addRow("How", self.method)
        form.addRow("Note", self.note)
        layout.addLayout(form)
        self.error = dialog_footer(self, layout, "Record", self._check)
        self.resize(520, self.sizeHint().height())

    def _check(self) -> None:
        if self.status.currentData() != "not_asked" and not self.method.currentText().strip():
            self.error.setText("Say how consent was asked.")
            return
        self.accept()
