"""Capturing a case's outcome quickly, from the keyboard: decision, discussion, actions.

The dialogs show staff names only, never another patient: they open over the shared
screen in meeting mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..operations import sentence
from .budget_review import BudgetReviewBox

DATE_FORMAT = "dd-MMM-yyyy"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def scaled_style(scale: float) -> str:
    """Type large enough to read across the room, for dialogs over meeting mode."""
    return f"QWidget {{ font-size: {11 * scale:.0f}pt; }}"


def _save_footer(
    dialog: QDialog, layout: QVBoxLayout, save: Callable[[], None]
) -> tuple[QLabel, QPushButton]:
    """What is wrong, then Save and Cancel; Ctrl+Enter saves from anywhere in the dialog,
    so the note-taker never leaves the keyboard."""
    error = QLabel("")
    error.setObjectName("error")
    error.setWordWrap(True)
    layout.addWidget(error)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save (Ctrl+Enter)")
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), dialog, activated=save)
    return error, buttons.button(QDialogButtonBox.StandardButton.Cancel)


def confirm_discard(parent: QWidget, what: str) -> bool:
    """Esc, Cancel or the close box with words typed: ask before they are thrown away.

    "Keep writing" is the default and what Esc answers, so a second Esc by habit loses
    nothing."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Discard what you typed?",
        f"Discard {what}? It has not been saved.",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Discard).setText("Discard")
    box.button(QMessageBox.StandardButton.Cancel).setText("Keep writing")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    if parent.styleSheet():
        box.setStyleSheet(parent.styleSheet())
    return box.exec() == QMessageBox.StandardButton.Discard


class ActionRow(QWidget):
    """What, who (attendees first, then staff; any other name may be typed) and when."""

    def __init__(
        self,
        owners: list[tuple[uuid.UUID | None, str]],
        meeting_day: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.what = QLineEdit()
        self.what.setObjectName("actionWhat")
        self.what.setAccessibleName("Action: what is to be done")
        self.what.setPlaceholderText("What is to be done")
        self.owner = QComboBox()
        self.owner.setObjectName("actionOwner")
        self.owner.setAccessibleName("Action: owner")
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner.addItem("", None)
        for staff_id, name in owners:
            self.owner.addItem(name, staff_id)
        self.owner.setCurrentIndex(0)
        self.owner.lineEdit().setPlaceholderText("Owner")
        self.due = QDateEdit(_qdate(meeting_day + timedelta(days=14)))
        self.due.setObjectName("actionDue")
        self.due.setAccessibleName("Action: due by")
        self.due.setDisplayFormat(DATE_FORMAT)
        self.due.setCalendarPopup(True)
        self.due.setMinimumDate(_qdate(meeting_day))
        row.addWidget(self.what, 3)
        row.addWidget(self.owner, 2)
        row.addWidget(self.due, 1)

    def is_empty(self) -> bool:
        return not self.what.text().strip() and not self.owner.currentText().strip()

    def value(self) -> svc.NewAction:
        name = self.owner.currentText().strip()
        index = self.owner.findText(name, Qt.MatchFlag.MatchFixedString)
        staff_id = self.owner.itemData(index) if index > 0 else None
        return svc.NewAction(self.what.text(), name, staff_id, _pydate(self.due.date()))


class ActionsEditor(QWidget):
    """A list of action rows; "Another action" (Ctrl+N) adds one."""

    def __init__(
        self,
        owners: list[tuple[uuid.UUID | None, str]],
        meeting_day: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._owners = owners
        self._day = meeting_day
        self.rows: list[ActionRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.more = QPushButton("Another action (Ctrl+N)")
        self.more.setObjectName("addActionRow")
        self.more.clicked.connect(self.add_row)
        self._layout.addWidget(self.more)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add_row)
        self.add_row()

    def add_row(self) -> ActionRow:
        row = ActionRow(self._owners, self._day)
        self.rows.append(row)
        self._layout.insertWidget(len(self.rows) - 1, row)
        # Tab goes what → owner → due, row by row, and only then to "Another action".
        QWidget.setTabOrder(row.due, self.more)
        row.what.setFocus()
        return row

    def values(self) -> list[svc.NewAction]:
        return [r.value() for r in self.rows if not r.is_empty()]

    def typed(self) -> bool:
        return any(r.what.text().strip() for r in self.rows)


class OutcomeDialog(QDialog):
    """Decision (1–5), referred to, discussion, next review, actions; Ctrl+Enter saves.

    A case decided before opens with that decision, referral and review as recorded, so
    saving a corrected discussion never changes the decision (or the caseload) unseen; a
    new decision starts with none chosen."""

    def __init__(
        self,
        store: Store,
        item_id: uuid.UUID,
        owners: list[tuple[uuid.UUID | None, str]],
        meeting_day: date,
        *,
        recorded: svc.Outcome | None = None,
        discussion: str = "",
        scale: float = 1.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeDialog")
        self.setWindowTitle("Record the decision")
        self.store = store
        self.item_id = item_id
        self.meeting_day = meeting_day
        if scale != 1.0:
            self.setStyleSheet(scaled_style(scale))
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.outcomes = QButtonGroup(self)
        for n, key in enumerate(rules.OUTCOMES, 1):
            button = QRadioButton(f"&{n}  {rules.OUTCOME_LABELS[key]}")
            button.setObjectName(f"outcome_{key}")
            button.setProperty("outcome", key)
            self.outcomes.addButton(button, n)
            grid.addWidget(button, (n - 1) // 3, (n - 1) % 3)
            QShortcut(
                QKeySequence(str(n)), self, activated=lambda b=button: self._pick(b)
            ).setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        layout.addWidget(QLabel("<b>Decision</b> (press 1–5)"))
        if recorded is not None:
            # Said in words, so a correction to the discussion is saved knowingly.
            self.recorded_note = QLabel(
                "Already decided: "
                f"{rules.decision_words(recorded.outcome, recorded.referred_to)}. "
                "Saving keeps this decision unless you choose another."
            )
            self.recorded_note.setObjectName("recordedDecision")
            self.recorded_note.setWordWrap(True)
            layout.addWidget(self.recorded_note)
        layout.addLayout(grid)
        form = QFormLayout()
        self.referred_to = QLineEdit()
        self.referred_to.setObjectName("referredTo")
        self.referred_to.setPlaceholderText("e.g. Memory assessment service")
        form.addRow("Refer to (service)", self.referred_to)
        self.discussion = QPlainTextEdit(discussion)
        self.discussion.setObjectName("discussion")
        self.discussion.setPlaceholderText("What the team discussed and why it decided this")
        self.discussion.setTabChangesFocus(True)
        form.addRow("Discussion", self.discussion)
        review_row = QHBoxLayout()
        self.next_review = QDateEdit(_qdate(meeting_day + timedelta(days=42)))
        self.next_review.setObjectName("nextReview")
        self.next_review.setAccessibleName("Next review")
        self.next_review.setDisplayFormat(DATE_FORMAT)
        self.next_review.setCalendarPopup(True)
        self.next_review.setMinimumDate(_qdate(meeting_day))
        self.no_review = QCheckBox("No review date")
        self.no_review.setObjectName("noReview")
        self.no_review.toggled.connect(lambda on: self.next_review.setEnabled(not on))
        review_row.addWidget(self.next_review)
        review_row.addWidget(self.no_review)
        review_row.addStretch(1)
        form.addRow("Next review", review_row)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Actions</b> (what, owner, due date)"))
        self.action_rows = ActionsEditor(owners, meeting_day)
        layout.addWidget(self.action_rows)
        self.budget_review = BudgetReviewBox(store, item_id)  # shows itself if one is due
        layout.addWidget(self.budget_review)
        self.error, self.cancel_button = _save_footer(self, layout, self.save)
        self.outcomes.idToggled.connect(self._outcome_changed)
        if recorded is not None:
            self._show_recorded(recorded)
        self._outcome_changed()
        self._opened_with = (self.discussion.toPlainText(), self.referred_to.text())
        self.resize(int(760 * max(1.0, scale * 0.8)), self.sizeHint().height())
        # Keyboard first: 1–5 picks the decision at once, Tab goes on to the discussion.
        (self.outcomes.checkedButton() or self.outcomes.button(1)).setFocus()

    def _show_recorded(self, recorded: svc.Outcome) -> None:
        if recorded.outcome in rules.OUTCOMES:
            self.choose(recorded.outcome)
        self.referred_to.setText(recorded.referred_to or "")
        if recorded.text and not self.discussion.toPlainText():
            self.discussion.setPlainText(recorded.text)
        if recorded.next_review_on is None:
            self.no_review.setChecked(True)
        else:
            self.next_review.setDate(_qdate(recorded.next_review_on))

    def _pick(self, button: QAbstractButton) -> None:
        button.click()
        button.setFocus()  # Tab goes on from the decision chosen

    def outcome(self) -> str | None:
        """The decision chosen, or None while none is."""
        button = self.outcomes.checkedButton()
        return str(button.property("outcome")) if button else None

    def choose(self, outcome: str) -> None:
        self.outcomes.button(rules.OUTCOMES.index(outcome) + 1).setChecked(True)

    def _outcome_changed(self, *args: object) -> None:
        outcome = self.outcome()
        self.referred_to.setEnabled(outcome == "refer")
        if outcome == "close":
            self.no_review.setChecked(True)

    def typed(self) -> bool:
        """Words here that saving would keep and closing would lose."""
        now = (self.discussion.toPlainText(), self.referred_to.text())
        return now != self._opened_with or self.action_rows.typed()

    def reject(self) -> None:
        if self.typed() and not confirm_discard(self, "the discussion and actions you typed"):
            return
        super().reject()

    def value(self) -> svc.Outcome:
        outcome = self.outcome()
        if outcome is None:
            raise svc.MeetingError("Choose the decision first: press 1 to 5.")
        return svc.Outcome(
            outcome=outcome,
            text=self.discussion.toPlainText(),
            referred_to=self.referred_to.text() if outcome == "refer" else None,
            next_review_on=None if self.no_review.isChecked() else _pydate(self.next_review.date()),
            actions=tuple(self.action_rows.values()),
        )

    def save(self) -> None:
        if problem := self.budget_review.problem():
            self.error.setText(problem)
            return
        try:
            svc.record_outcome(self.store, self.item_id, self.value())
            self.budget_review.save()
        except (ValueError, LookupError, PermissionError) as exc:
            # Everything typed stays in the dialog; saving again replaces the decision.
            self.error.setText(sentence(exc))
            return
        self.accept()


class ActionDialog(QDialog):
    """Add actions to the case on screen without deciding it yet."""

    def __init__(
        self,
        store: Store,
        item_id: uuid.UUID,
        owners: list[tuple[uuid.UUID | None, str]],
        meeting_day: date,
        *,
        scale: float = 1.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("actionDialog")
        self.setWindowTitle("Add actions")
        self.store = store
        self.item_id = item_id
        if scale != 1.0:
            self.setStyleSheet(scaled_style(scale))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Actions</b> (what, owner, due date)"))
        self.action_rows = ActionsEditor(owners, meeting_day)
        layout.addWidget(self.action_rows)
        self.error, self.cancel_button = _save_footer(self, layout, self.save)
        self.resize(int(760 * max(1.0, scale * 0.8)), self.sizeHint().height())
        self.action_rows.rows[0].what.setFocus()

    def reject(self) -> None:
        if self.action_rows.typed() and not confirm_discard(self, "the actions you typed"):
            return
        super().reject()

    def save(self) -> None:
        try:
            svc.add_actions(self.store, self.item_id, self.action_rows.values())
        except (ValueError, PermissionError) as exc:
            self.error.setText(sentence(exc))
            return
        self.accept()
