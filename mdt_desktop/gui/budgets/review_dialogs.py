"""Dialogs of the statutory side: a review, a decision with its notice letter, a request for
reconsideration and its outcome, and the holder's statement."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from mdt_desktop.domain.budgets import (
    GROUNDS,
    DecisionKind,
    ReconsiderationOutcome,
    ReviewKind,
    ReviewReason,
)
from mdt_desktop.domain.budgets.decisions import DEFAULT_RECONSIDERATION_DAYS
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.services.budgets.screens import DecisionRow, ReviewRow

from ..widgets.forms import date_of
from .forms import BudgetForm, Submit, day_of, pence_of

ROUTE = (
    "Write to the team, or ask your care coordinator, saying why you think the decision "
    "should be looked at again; someone who was not part of it will reconsider it"
)


def documents_folder() -> Path:
    where = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(where or Path.home())


class _SavesFile(BudgetForm):
    """A form that also writes a PDF: where to, and whether in large print."""

    def save_to(self, label: str, suggested: Path) -> None:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(str(suggested))
        self.path.setAccessibleName(label.rstrip(":").replace("&", ""))
        browse = QPushButton("Choose &file…")
        browse.setAccessibleName("Choose where to save")
        browse.clicked.connect(self._browse)
        layout.addWidget(self.path, 1)
        layout.addWidget(browse)
        self.form.addRow(label, box)
        self.large = QCheckBox("Large print (for people who need bigger type)")
        self.row("Print:", self.large)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save as", self.path.text(), "PDF (*.pdf)")
        if chosen:
            self.path.setText(chosen)

    def file(self) -> Path:
        text = self.path.text().strip()
        if not text:
            raise ValueError("Say where to save the letter or statement.")
        path = Path(text)
        if not path.parent.is_dir():
            # Checked before anything is recorded: a decision without its letter is no notice.
            raise ValueError(f"The folder {path.parent} does not exist; choose another.")
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


class ReviewDialog(BudgetForm):
    """A review held: on the clock (scheduled) or prompted by an event, with its reason."""

    def __init__(
        self, waiting: list[ReviewRow], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Record a review", "Record the review", submit, parent,
            "A review asks whether the care plan still meets the person's needs, the money "
            "is used well and is enough, and the conditions are kept.",
        )  # fmt: skip
        asked = [
            (f"The review asked for on {format_patient_date(r.requested_on)}: "
             f"{ReviewReason(r.reason).label}", r.id)
            for r in waiting
        ]  # fmt: skip
        self.which = self.combo("&Review:", [("A new review", None), *asked])
        self.kind = self.combo("&Kind:", [(k.label, k.value) for k in ReviewKind])
        self.reason = self.combo("Rea&son:", [(r.label, r.value) for r in ReviewReason])
        self.held = self.day("&Held on:", date.today())
        self.meets = QCheckBox("The care plan still meets the person's needs")
        self.effective = QCheckBox("The money is being used effectively")
        self.enough = QCheckBox("The amount is enough for the care plan")
        self.kept = QCheckBox("The conditions of the payment are being kept")
        for box in (self.meets, self.effective, self.enough, self.kept):
            box.setChecked(True)
            self.row("", box)
            box.setAccessibleName(box.text())
        self.outcome = self.text("&What it found:", 72)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.which.currentIndexChanged.connect(self._which_changed)
        self._kind_changed()
        self.finish()

    def _kind_changed(self) -> None:
        scheduled = self.kind.currentData() == ReviewKind.SCHEDULED.value
        if scheduled:
            self.reason.setCurrentIndex(self.reason.findData(ReviewReason.STATUTORY.value))
        elif self.reason.currentData() == ReviewReason.STATUTORY.value:
            self.reason.setCurrentIndex(self.reason.findData(ReviewReason.HEALTH_CHANGE.value))
        self.reason.setEnabled(not scheduled)

    def _which_changed(self) -> None:
        new = self.which.currentData() is None
        self.kind.setEnabled(new)
        self.reason.setEnabled(new and self.kind.currentData() != ReviewKind.SCHEDULED.value)

    def values(self) -> dict[str, Any]:
        if (
            self.kind.currentData() == ReviewKind.EVENT.value
            and self.reason.currentData() == ReviewReason.STATUTORY.value
        ):
            raise ValueError("A review prompted by an event needs the event as its reason.")
        return {
            "held_on": date_of(self.held),
            "outcome": self.outcome.toPlainText(),
            "plan_meets_needs": self.meets.isChecked(),
            "used_effectively": self.effective.isChecked(),
            "amount_sufficient": self.enough.isChecked(),
            "obligations_met": self.kept.isChecked(),
            "kind": self.kind.currentData(),
            "reason": self.reason.currentData(),
            "review_id": self.which.currentData(),
        }


class DecisionDialog(_SavesFile):
    """Reduce, repay or stop a direct payment; OK records it and writes the notice letter."""

    def __init__(self, suggested: Path, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "Decision on a direct payment", "Record and write the letter", submit, parent,
            "The letter says what the regulations require of the notice.",
        )  # fmt: skip
        self.kind = self.combo("&Decision:", [(k.label, k.value) for k in DecisionKind])
        self.grounds = QListWidget()
        self.grounds.setMaximumHeight(104)  # the longest list (stop: 9) scrolls
        self.row("&Grounds:", self.grounds)
        self.reasons = self.text("&Reasons:", 52)
        today = date.today()
        self.decided = self.day("Decided &on:", today)
        self.effective_given, self.effective = self.optional_day("Takes &effect on:", today)
        self.amount = self.money("&Amount:")
        self.repay_given, self.repay_by = self.optional_day(
            "Repay &by:", today + timedelta(days=DEFAULT_RECONSIDERATION_DAYS)
        )
        self.repayer = self.line("&Who must repay:")
        self.route = self.text("Re&consideration route:", 60)
        self.route.setPlainText(ROUTE)
        self.reconsider_given, self.reconsider_by = self.optional_day(
            "As&k by:", today + timedelta(days=DEFAULT_RECONSIDERATION_DAYS)
        )
        self.reconsider_given.setChecked(True)
        self.save_to("&Letter to:", suggested)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.finish(620)

    def _kind_changed(self) -> None:
        kind = DecisionKind(self.kind.currentData())
        self.grounds.clear()
        for ground in sorted(GROUNDS[kind], key=lambda g: g.label):
            item = QListWidgetItem(ground.label)
            item.setData(Qt.ItemDataRole.UserRole, ground.value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.grounds.addItem(item)
        repay = kind is DecisionKind.REPAY
        self.amount.setEnabled(kind is not DecisionKind.STOP)
        self.effective_given.setChecked(not repay)
        for widget in (self.repay_given, self.repayer):
            widget.setEnabled(repay)
        self.repay_given.setChecked(repay)

    def chosen_grounds(self) -> list[str]:
        return [
            str(self.grounds.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.grounds.count())
            if self.grounds.item(i).checkState() == Qt.CheckState.Checked
        ]

    def values(self) -> dict[str, Any]:
        kind = DecisionKind(self.kind.currentData())
        return {
            "kind": kind.value,
            "grounds": self.chosen_grounds(),
            "reasons": self.reasons.toPlainText(),
            "decided_on": date_of(self.decided),
            "effective_on": day_of(self.effective_given, self.effective),
            "amount_pence": (
                None
                if kind is DecisionKind.STOP
                else pence_of(self.amount, "the amount", required=False)
            ),
            "repay_by": day_of(self.repay_given, self.repay_by),
            "repayer": self.repayer.text() if kind is DecisionKind.REPAY else None,
            "reconsideration_route": self.route.toPlainText(),
            "reconsider_by": day_of(self.reconsider_given, self.reconsider_by),
            "letter": self.file(),
            "large_print": self.large.isChecked(),
        }


def _decision_label(d: DecisionRow) -> str:
    return f"{DecisionKind(d.kind).label}, {format_patient_date(d.decided_on)}"


class ReconsiderationRequestDialog(BudgetForm):
    def __init__(
        self, decisions: list[DecisionRow], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__("Ask for reconsideration", "Record the request", submit, parent)
        self.decision = self.combo("&Decision:", [(_decision_label(d), d.id) for d in decisions])
        self.on = self.day("Asked &on:", date.today())
        self.by = self.line("Asked &by:", placeholder="The person or their representative")
        self.grounds = self.text("&Why:", 72)
        self.finish()

    def values(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision.currentData(),
            "requested_on": date_of(self.on),
            "requested_by": self.by.text(),
            "grounds": self.grounds.toPlainText(),
        }


class ReconsiderationOutcomeDialog(BudgetForm):
    def __init__(
        self, decisions: list[DecisionRow], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__("Decide a reconsideration", "Record the outcome", submit, parent)
        open_ = [
            (f"{r.requested_by}, {format_patient_date(r.requested_on)} — {_decision_label(d)}",
             r.id)
            for d in decisions for r in d.reconsiderations if r.outcome is None
        ]  # fmt: skip
        self.request = self.combo("&Request:", open_)
        self.outcome = self.combo("&Outcome:", [(o.label, o.value) for o in ReconsiderationOutcome])
        self.on = self.day("Decided o&n:", date.today())
        self.reasons = self.text("Reason&s:", 72)
        self.finish()

    def values(self) -> dict[str, Any]:
        if self.request.currentData() is None:
            raise ValueError("No request for reconsideration is waiting for an outcome.")
        return {
            "request_id": self.request.currentData(),
            "outcome": self.outcome.currentData(),
            "reasons": self.reasons.toPlainText(),
            "decided_on": date_of(self.on),
        }


class StatementDialog(_SavesFile):
    def __init__(self, suggested: Path, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "Budget statement", "Write the statement", submit, parent,
            "A statement for the budget holder: the period, the lines, what was spent and "
            "the balance, with the person's banner on every page.",
        )  # fmt: skip
        self.save_to("&Save to:", suggested)
        self.finish()

    def values(self) -> dict[str, Any]:
        return {"out": self.file(), "large_print": self.large.isChecked()}
