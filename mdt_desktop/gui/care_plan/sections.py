"""One editor widget per care plan section; each reads and writes its part of the content.

Widgets hold exactly what the clinician typed. Checking (a goal without an outcome, a date
that is not a date) happens when saving, in domain rules, and nothing typed is thrown away
when a save is refused.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.people import format_patient_date, parse_patient_date

from ..widgets.access import WrappingLine, named

HINTS = {
    "about_me": "In the person's own words: what matters to them, what a good day looks like, "
    "what they want the team to know.",
    "needs": "Needs and problems the plan responds to, one per line.",
    "goals": "Outcomes in plain words, how everyone will know they are met, by when, and "
    "where each stands now.",
    "actions": "Interventions and actions: what, who (a person, a role or an organisation), "
    "how often or by when, and the goal each one serves.",
    "contingency": "What the person, their carers and any professional should do if things "
    "get worse.",
    "future_care": "ReSPECT-style preferences. Record a preferred place of death only where "
    "it has been discussed with the person.",
    "support_network": "Carers, family, friends and services around the person, with how to "
    "reach them.",
    "medicines": "A summary in plain words (the GP record holds the prescriptions).",
    "budget": "How a personal health budget supports this plan.",
    "review": "When and how the plan was agreed with the person, whether they have a copy, "
    "and when it will be reviewed.",
}


DATE_HINT = "dd-Mmm-yyyy"


def _date_text(iso: str) -> str:
    return format_patient_date(cp.parse_date(iso)) if iso else ""


def _iso_or_typed(text: str) -> str:
    """dd-Mmm-yyyy as typed becomes ISO; anything else is kept for the save to refuse."""
    text = text.strip()
    if not text:
        return ""
    try:
        return parse_patient_date(text).isoformat()
    except ValueError:
        return text


class SectionEditor(QWidget):
    changed = Signal()

    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(8)
        title = QLabel(section.title)
        title.setObjectName("sectionTitle")
        self.layout_.addWidget(title)
        self.title_label = title  # a field that is the whole section takes it as its label
        hint = QLabel(HINTS.get(section.key, ""))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)

    def set_value(self, value: Any, content: dict[str, Any]) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        for w in self.findChildren(QPlainTextEdit) + self.findChildren(QLineEdit):
            w.setReadOnly(read_only)
        for w in self.findChildren(QComboBox) + self.findChildren(QCheckBox):
            w.setEnabled(not read_only)
        for w in self.findChildren(QPushButton):
            w.setEnabled(not read_only)


class TextEditor(SectionEditor):
    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        super().__init__(section, parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName(f"text_{section.key}")
        self.title_label.setBuddy(self.edit)
        self.edit.textChanged.connect(self.changed)
        self.layout_.addWidget(self.edit, 1)

    def set_value(self, value: Any, content: dict[str, Any]) -> None:
        self.edit.setPlainText(value or "")

    def value(self) -> str:
        return self.edit.toPlainText()


class FieldsEditor(SectionEditor):
    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        super().__init__(section, parent)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.edits: dict[str, QPlainTextEdit] = {}
        for key, label in section.fields:
            edit = QPlainTextEdit()
            edit.setObjectName(f"field_{key}")
            edit.setMinimumHeight(64)
            edit.setMaximumHeight(120)  # every field of the section in view at once
            edit.textChanged.connect(self.changed)
            form.addRow(label, edit)
            self.edits[key] = edit
        self.layout_.addLayout(form, 1)

    def set_value(self, value: Any, content: dict[str, Any]) -> None:
        for key, edit in self.edits.items():
            edit.setPlainText((value or {}).get(key) or "")

    def value(self) -> dict[str, str]:
        return {key: edit.toPlainText() for key, edit in self.edits.items()}


class _ItemsEditor(SectionEditor):
    """A table of items; each row keeps its item's id so budget lines stay linked."""

    HEADERS: list[str] = []
    ITEM = "item"  # what a row is, for the names a screen reader gives its cells
    ADD_LABEL = "Add"
    REMOVE_LABEL = "Remove"

    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        super().__init__(section, parent)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName(f"table_{section.key}")
        named(self.table, section.title)
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        # Free text columns share the width; short columns keep a width that fits them.
        for col, width in enumerate(self.FIXED):
            if width:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
                self.table.setColumnWidth(col, width)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(38)
        # Rows grow with the wrapped text of their cells (see _line), never cutting it.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.layout_.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.ADD_LABEL)
        self.add_button.clicked.connect(lambda: self.add_row({}))
        self.remove_button = QPushButton(self.REMOVE_LABEL)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.ids: list[str] = []

    def _line(self, text: str, placeholder: str = "") -> QLineEdit | WrappingLine:
        """A cell's field. Free text wraps in full ("Strength and balance exerc" told
        nobody what the action was); a date stays a one-line field."""
        edit: QLineEdit | WrappingLine
        if placeholder == DATE_HINT:
            edit = QLineEdit(text)
            edit.setCursorPosition(0)
        else:
            edit = WrappingLine(text)
        edit.setToolTip(text)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self.changed)
        return edit

    def _name_cells(self) -> None:
        for row in range(self.table.rowCount()):
            for col, header in enumerate(self.HEADERS):
                widget = self.table.cellWidget(row, col)
                if widget is not None:
                    named(widget, f"{header}, {self.ITEM} {row + 1}")

    def add_row(self, item: dict[str, Any]) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.ids.append(item.get("id") or cp.new_id())
        self._fill_row(row, item)
        self._name_cells()
        self.changed.emit()
        return row

    def _fill_row(self, row: int, item: dict[str, Any]) -> None:
        raise NotImplementedError

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        del self.ids[row]
        self._name_cells()
        self.changed.emit()

    def set_value(self, value: Any, content: dict[str, Any]) -> None:
        self.table.setRowCount(0)
        self.ids = []
        for item in value or []:
            self.add_row(item)

    def cell(self, row: int, col: int) -> QWidget:
        widget = self.table.cellWidget(row, col)
        assert widget is not None
        return widget

    def fit_columns(self, weights: list[float]) -> None:
        width = max(self.table.viewport().width(), 400)
        for col, weight in enumerate(weights):
            self.table.setColumnWidth(col, int(width * weight))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_columns(self.WEIGHTS)

    WEIGHTS: list[float] = []


class GoalsEditor(_ItemsEditor):
    HEADERS = ["Outcome, in plain words", "How we will know", "Target date", "Status"]
    FIXED = [0, 0, 130, 180]
    ITEM = "goal"
    ADD_LABEL = "Add a goal"
    REMOVE_LABEL = "Remove goal"
    goals_changed = Signal()

    def _fill_row(self, row: int, item: dict[str, Any]) -> None:
        outcome = self._line(item.get("outcome", ""), "e.g. Walk to the shop on my own")
        outcome.textChanged.connect(self.goals_changed)
        self.table.setCellWidget(row, 0, outcome)
        self.table.setCellWidget(row, 1, self._line(item.get("measure", "")))
        self.table.setCellWidget(
            row, 2, self._line(_date_text(item.get("target_date", "")), DATE_HINT)
        )
        status = QComboBox()
        for key, label in cp.GOAL_STATUSES.items():
            status.addItem(label, key)
        status.setCurrentIndex(max(0, status.findData(item.get("status") or "not_started")))
        status.currentIndexChanged.connect(self.changed)
        self.table.setCellWidget(row, 3, status)
        self.goals_changed.emit()

    def remove_selected(self) -> None:
        super().remove_selected()
        self.goals_changed.emit()

    def value(self) -> list[dict[str, Any]]:
        out = []
        for row in range(self.table.rowCount()):
            status = self.cell(row, 3)
            assert isinstance(status, QComboBox)
            out.append(
                {
                    "id": self.ids[row],
                    "outcome": self.cell(row, 0).text(),  # type: ignore[attr-defined]
                    "measure": self.cell(row, 1).text(),  # type: ignore[attr-defined]
                    "target_date": _iso_or_typed(self.cell(row, 2).text()),  # type: ignore[attr-defined]
                    "status": status.currentData(),
                }
            )
        return out

    def goal_choices(self) -> list[tuple[str, str]]:
        return [
            (gid, f"Goal {n}: {self.cell(row, 0).text()}")  # type: ignore[attr-defined]
            for n, (row, gid) in enumerate(enumerate(self.ids), start=1)
        ]


class ActionsEditor(_ItemsEditor):
    HEADERS = ["What", "Who", "How often / by when", "For goal"]
    FIXED = [0, 0, 170, 210]
    ITEM = "action"
    ADD_LABEL = "Add an action"
    REMOVE_LABEL = "Remove action"

    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        self.goal_choices: list[tuple[str, str]] = []
        self.people: list[str] = []
        super().__init__(section, parent)

    def _goal_combo(self, selected: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem("(no goal)", "")
        for gid, label in self.goal_choices:
            combo.addItem(label, gid)
        index = combo.findData(selected)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.currentIndexChanged.connect(self.changed)
        return combo

    def _fill_row(self, row: int, item: dict[str, Any]) -> None:
        self.table.setCellWidget(row, 0, self._line(item.get("what", "")))
        who = QComboBox()
        who.setEditable(True)
        who.addItems(["", *self.people])
        who.setCurrentText(item.get("who", ""))
        who.setToolTip(item.get("who", "") or "A person, a role or an organisation")
        line = who.lineEdit()
        if line is not None:
            line.setCursorPosition(0)  # the start of a long name, not its end
        who.currentTextChanged.connect(self.changed)
        self.table.setCellWidget(row, 1, who)
        self.table.setCellWidget(row, 2, self._line(item.get("when", "")))
        self.table.setCellWidget(row, 3, self._goal_combo(item.get("goal_id", "")))

    def set_goal_choices(self, choices: list[tuple[str, str]]) -> None:
        """Keep each action's goal when goals are renamed, added or removed."""
        self.goal_choices = choices
        for row in range(self.table.rowCount()):
            old = self.cell(row, 3)
            assert isinstance(old, QComboBox)
            selected = old.currentData()
            old.blockSignals(True)
            old.clear()
            old.addItem("(no goal)", "")
            for gid, label in choices:
                old.addItem(label, gid)
            index = old.findData(selected)
            old.setCurrentIndex(index if index >= 0 else 0)
            old.blockSignals(False)

    def value(self) -> list[dict[str, Any]]:
        out = []
        for row in range(self.table.rowCount()):
            who, goal = self.cell(row, 1), self.cell(row, 3)
            assert isinstance(who, QComboBox) and isinstance(goal, QComboBox)
            out.append(
                {
                    "id": self.ids[row],
                    "what": self.cell(row, 0).text(),  # type: ignore[attr-defined]
                    "who": who.currentText(),
                    "when": self.cell(row, 2).text(),  # type: ignore[attr-defined]
                    "goal_id": goal.currentData() or "",
                }
            )
        return out


class ReviewEditor(SectionEditor):
    def __init__(self, section: cp.Section, parent: QWidget | None = None) -> None:
        super().__init__(section, parent)
        self.review_days = cp.DEFAULT_REVIEW_DAYS
        form = QFormLayout()
        self.agreed_on = QLineEdit()
        self.agreed_on.setObjectName("agreedOn")
        self.agreed_on.setPlaceholderText("dd-Mmm-yyyy (empty while not yet agreed)")
        self.agreed_how = QComboBox()
        self.agreed_how.setObjectName("agreedHow")
        self.agreed_how.setEditable(True)
        self.agreed_how.addItems(["", *cp.AGREED_HOW])
        self.copy_given = QCheckBox("A copy of the plan was given to the person")
        self.copy_given.setObjectName("copyGiven")
        self.review_on = QLineEdit()
        self.review_on.setObjectName("reviewOn")
        self.review_on.setPlaceholderText("dd-Mmm-yyyy")
        self.review_hint = QLabel()
        self.review_hint.setObjectName("hint")
        self.review_hint.setWordWrap(True)
        form.addRow("Agreed with the person on", self.agreed_on)
        form.addRow("How it was agreed", self.agreed_how)
        form.addRow("", self.copy_given)
        form.addRow("Review date", self.review_on)
        form.addRow("", self.review_hint)
        for w in (self.agreed_on, self.review_on):
            w.textChanged.connect(self.changed)
        self.agreed_how.currentTextChanged.connect(self.changed)
        self.copy_given.toggled.connect(self.changed)
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
        self.set_review_days(self.review_days)

    def set_review_days(self, days: int) -> None:
        self.review_days = days
        self.review_hint.setText(
            f"Left empty, the review date is set {days} days after the plan is agreed."
        )

    def set_value(self, value: Any, content: dict[str, Any]) -> None:
        value = value or {}
        self.agreed_on.setText(_date_text(value.get("agreed_on") or ""))
        self.agreed_how.setCurrentText(value.get("agreed_how") or "")
        self.copy_given.setChecked(bool(value.get("copy_given")))
        self.review_on.setText(_date_text(value.get("review_on") or ""))

    def value(self) -> dict[str, Any]:
        return {
            "agreed_on": _iso_or_typed(self.agreed_on.text()),
            "agreed_how": self.agreed_how.currentText(),
            "copy_given": self.copy_given.isChecked(),
            "review_on": _iso_or_typed(self.review_on.text()),
        }


def make_editor(section: cp.Section) -> SectionEditor:
    if section.key == "goals":
        return GoalsEditor(section)
    if section.key == "actions":
        return ActionsEditor(section)
    if section.key == "review":
        return ReviewEditor(section)
    if section.kind is cp.Kind.FIELDS:
        return FieldsEditor(section)
    return TextEditor(section)


__all__ = ["SectionEditor", "make_editor"]
