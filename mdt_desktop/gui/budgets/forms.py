"""The budget dialogs' shared part: a form whose OK runs the change it was given.

A dialog lays out its fields and turns them into the service's arguments (``values``);
OK runs ``submit(values)`` through :func:`run_change`. A refusal stays in the dialog, in the
service's own sentence, so nothing typed is lost; the dialog closes only once the change is
made, with its result in ``made``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.budgets import format_pence, parse_pence

from ..operations import PEOPLE_ERRORS, run_change, sentence
from ..widgets.forms import date_edit, date_of, dialog_footer

Submit = Callable[[dict[str, Any]], Any]


class BudgetForm(QDialog):
    def __init__(
        self, title: str, ok: str, submit: Submit, parent: QWidget | None, intro: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._title, self._submit = title, submit
        self.made: Any = None
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(20, 16, 20, 16)
        if intro:
            words = QLabel(intro)
            words.setWordWrap(True)
            self.outer.addWidget(words)
        self.form = QFormLayout()
        self.outer.addLayout(self.form)
        self._ok_text = ok

    def finish(self, width: int = 560) -> None:
        self.error = dialog_footer(self, self.outer, self._ok_text, self._check)
        self.error.setWordWrap(True)
        self.resize(width, self.sizeHint().height())

    # --- fields: each labelled in the form, so the label is its accessible name --------

    def row(self, label: str, widget: QWidget) -> QWidget:
        widget.setAccessibleName(label.rstrip(":").replace("&", ""))
        self.form.addRow(label, widget)
        return widget

    def line(self, label: str, text: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setPlaceholderText(placeholder)
        self.row(label, edit)
        return edit

    def money(self, label: str, pence: int | None = None) -> QLineEdit:
        edit = self.line(label, format_pence(pence) if pence else "", "£0.00")
        return edit

    def text(self, label: str, height: int = 72, placeholder: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setFixedHeight(height)
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it wraps
        self.row(label, edit)
        return edit

    def combo(self, label: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox()
        for text, value in items:
            combo.addItem(text, value)
        self.row(label, combo)
        return combo

    def day(self, label: str, value: date | None = None) -> QDateEdit:
        edit = date_edit(value)
        self.row(label, edit)
        return edit

    def optional_day(self, label: str, value: date | None = None) -> tuple[QCheckBox, QDateEdit]:
        """A date that may be left out: a tick box beside the date field."""
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        given = QCheckBox("Set")
        given.setAccessibleName(f"{label.rstrip(':')} given")
        edit = date_edit(value)
        edit.setAccessibleName(label.rstrip(":"))
        edit.setEnabled(False)
        given.toggled.connect(edit.setEnabled)
        layout.addWidget(given)
        layout.addWidget(edit, 1)
        self.form.addRow(label, box)
        return given, edit

    # --- OK -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {}

    def _check(self) -> None:
        try:
            values = self.values()
        except PEOPLE_ERRORS as exc:  # a field that does not read (an amount in words)
            self.error.setText(sentence(exc))
            return
        run_change(
            self,
            self._title,
            lambda: self._submit(values),
            success=self._done,
            failure=lambda exc: self.error.setText(sentence(exc)),
        )

    def _done(self, result: Any) -> None:
        self.made = result
        self.accept()


def pence_of(edit: QLineEdit, what: str, *, required: bool = True) -> int | None:
    """The amount typed, in pence; a sentence saying what is wrong otherwise."""
    text = edit.text().strip()
    if not text:
        if required:
            raise ValueError(f"Give {what} in pounds and pence, for example £1,234.56.")
        return None
    try:
        return parse_pence(text)
    except ValueError:
        raise ValueError(
            f"“{text}” is not an amount of money; write {what} as £1,234.56."
        ) from None


def day_of(given: QCheckBox, edit: QDateEdit) -> date | None:
    return date_of(edit) if given.isChecked() else None


def set_day(edit: QDateEdit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


__all__ = ["BudgetForm", "Submit", "day_of", "pence_of", "set_day"]
