"""The budget review, recorded with a case's outcome when the person has one due.

Shown inside the outcome dialog only once the reviews due have been read (off the GUI
thread); a person with no budget review due never sees it. It names the budget by its kind,
funding and period, never by the holder, since the dialog opens over the shared screen.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.services.meetings import budget_reviews as svc
from mdt_desktop.store.database import Store

from ..operations import run_operation

QUESTIONS = (
    ("plan_meets_needs", "The care plan still meets the person's needs"),
    ("used_effectively", "The money is being used effectively"),
    ("amount_sufficient", "The amount is enough to meet the needs"),
    ("obligations_met", "The conditions of the direct payment are being met"),
)


class BudgetReviewBox(QGroupBox):
    """A budget review due: tick to record it at this meeting, answer what it must cover."""

    def __init__(
        self,
        store: Store,
        item_id: uuid.UUID,
        *,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Budget review", parent)
        self.setObjectName("budgetReviewBox")
        self.store = store
        self.item_id = item_id
        self.today = today
        self.due: list[svc.BudgetReviewDue] = []
        self.loaded = False  # the reviews due have been read
        self.recorded: set[uuid.UUID] = set()
        layout = QVBoxLayout(self)
        self.record = QCheckBox("Record the budget review at this meeting")
        self.record.setObjectName("recordBudgetReview")
        layout.addWidget(self.record)
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        self.budget = QComboBox()
        self.budget.setObjectName("reviewBudget")
        self.budget.setAccessibleName("Budget reviewed")
        self.budget_label = QLabel("")
        self.budget_label.setWordWrap(True)
        form.addRow("Budget", self.budget)
        self.answers: dict[str, QCheckBox] = {}
        for key, words in QUESTIONS:
            box = QCheckBox(words)
            box.setObjectName(key)
            box.setChecked(True)
            self.answers[key] = box
            form.addRow(box)
        self.finding = QPlainTextEdit()
        self.finding.setObjectName("budgetReviewFinding")
        self.finding.setPlaceholderText("What the review found and anything to change")
        self.finding.setTabChangesFocus(True)
        self.finding.setMaximumHeight(70)
        form.addRow("Finding", self.finding)
        layout.addWidget(self.details)
        self.record.toggled.connect(self.details.setVisible)
        self.details.setVisible(False)
        self.hide()
        self.operation = run_operation(
            self,
            "Read the budget reviews due",
            lambda _progress: svc.budget_reviews_due(store, item_id, today),
            success=self._loaded,
        )

    def _loaded(self, due: list[svc.BudgetReviewDue]) -> None:
        self.due, self.loaded = due, True
        if not due:
            return
        self.budget.clear()
        for d in due:
            self.budget.addItem(
                d.budget if len(due) == 1 else f"{d.words}: {d.budget}", d.budget_id
            )
        self.setTitle(due[0].words)
        self.show()

    def wanted(self) -> bool:
        """A review is to be recorded with this outcome (and has not been already)."""
        return (
            bool(self.due)
            and self.record.isChecked()
            and self.budget.currentData() not in self.recorded
        )

    def problem(self) -> str | None:
        """What stops the review being recorded, checked before the decision is written."""
        if self.wanted() and not self.finding.toPlainText().strip():
            return "Say what the budget review found, or untick “Record the budget review”."
        return None

    def save(self) -> uuid.UUID | None:
        """Record the review; people errors propagate for the dialog to show."""
        if not self.wanted():
            return None
        budget_id = self.budget.currentData()
        answers = svc.BudgetReviewAnswers(
            self.finding.toPlainText(),
            **{key: box.isChecked() for key, box in self.answers.items()},
        )
        review_id = svc.record_budget_review(
            self.store, self.item_id, budget_id, answers, self.today
        )
        # Saving the dialog again (after a later error) must not record a second review.
        self.recorded.add(budget_id)
        return review_id
