"""Dialogs that set a budget up and keep its ledger: create, agree, a line, an entry, a
reversal. Each turns its fields into the service's arguments; the controller
(``actions.py``) gives it the service call to run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QListWidget, QListWidgetItem, QWidget

from mdt_desktop.domain.budgets import (
    BudgetKind,
    EntryKind,
    Frequency,
    FundingSource,
    HeldAs,
    LineCategory,
    format_pence,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.services.budgets.screens import Goal
from mdt_desktop.store.budgets import BudgetRow, EntryRow, LineRow

from ..widgets.forms import date_of
from .forms import BudgetForm, Submit, day_of, pence_of


def _choices(vocab: Any) -> list[tuple[str, Any]]:
    return [(m.label, m.value) for m in vocab]


class CreateBudgetDialog(BudgetForm):
    def __init__(self, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "New budget", "Create the budget", submit, parent,
            "The indicative amount tells the person how much money there is to plan with; "
            "it is agreed later, with the care plan.",
        )  # fmt: skip
        self.kind = self.combo("&Type:", _choices(BudgetKind))
        self.source = self.combo("Funding &source:", _choices(FundingSource))
        self.held_as = self.combo("&Held as:", _choices(HeldAs))
        today = date.today()
        self.start = self.day("&Period starts:", date(today.year, today.month, 1))
        self.end = self.day("Period &ends:", date(today.year + 1, today.month, 1))
        self.indicative = self.money("&Indicative amount:")
        self.holder = self.line("Budget hol&der:")
        self.representative = self.line("&Representative:")
        self.nominee = self.line("N&ominee:")
        self.managed = QCheckBox("The money is in a managed account")
        self.row("Managed account:", self.managed)
        self.risk = self.text(
            "Ris&k arrangements:", 72, "What was agreed to manage the risks (required to agree "
            "a direct payment)",
        )  # fmt: skip
        self.account = self.line("Account or card re&ference:")
        self.finish()

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.currentData(),
            "funding_source": self.source.currentData(),
            "held_as": self.held_as.currentData(),
            "period_start": date_of(self.start),
            "period_end": date_of(self.end),
            "indicative_pence": pence_of(self.indicative, "the indicative amount"),
            "holder": self.holder.text(),
            "representative": self.representative.text(),
            "nominee": self.nominee.text(),
            "managed_account": self.managed.isChecked(),
            "risk_arrangements": self.risk.toPlainText(),
            "account_reference": self.account.text(),
        }


class AgreeDialog(BudgetForm):
    def __init__(self, row: BudgetRow, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "Agree the budget", "Agree the allocation", submit, parent,
            "Agreeing sets the allocation and posts it to the ledger; the budget becomes "
            "agreed.",
        )  # fmt: skip
        self.allocation = self.money("&Allocation:", row.indicative_pence)
        self.on = self.day("Agreed &on:", max(row.period_start, min(date.today(), row.period_end)))
        self.reason = self.text("&Where or why:", 60, "For example: agreed at the MDT of …")
        self.finish()

    def values(self) -> dict[str, Any]:
        return {
            "allocation_pence": pence_of(self.allocation, "the allocation"),
            "reason": self.reason.toPlainText(),
            "agreed_on": date_of(self.on),
        }


class LineDialog(BudgetForm):
    """A budget line, choosing the care-plan goals it serves by their stable ids."""

    def __init__(
        self, row: BudgetRow, goals: list[Goal], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__("Add a budget line", "Add the line", submit, parent)
        self.description = self.line("&What it pays for:")
        self.category = self.combo("&Category:", _choices(LineCategory))
        self.provider = self.line("&Provider:")
        self.amount = self.money("Planned &amount:")
        self.frequency = self.combo("&Frequency:", _choices(Frequency))
        self.starts = self.day("&Starts:", max(row.period_start, min(date.today(), row.period_end)))
        self.ends_given, self.ends = self.optional_day("&Ends:", row.period_end)
        held = [(f"As the budget ({HeldAs(row.held_as).label})", None), *_choices(HeldAs)]
        self.held_as = self.combo("&Held as:", held)
        sources = [(f"As the budget ({FundingSource(row.funding_source).label})", None)]
        if row.kind == BudgetKind.INTEGRATED.value:
            sources += _choices(FundingSource)  # only an integrated budget mixes sources
        self.source = self.combo("Funding so&urce:", sources)
        self.goals = QListWidget()
        self.goals.setMaximumHeight(110)
        for goal in goals:
            item = QListWidgetItem(goal.label)
            item.setData(Qt.ItemDataRole.UserRole, goal.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.goals.addItem(item)
        self.row("Care-plan &goals served:", self.goals)
        if not goals:
            self.form.addRow("", QLabel("The person's care plan has no goals yet."))
        self.finish()

    def chosen_goals(self) -> list[str]:
        return [
            str(self.goals.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.goals.count())
            if self.goals.item(i).checkState() == Qt.CheckState.Checked
        ]

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description.text(),
            "category": self.category.currentData(),
            "provider": self.provider.text(),
            "amount_pence": pence_of(self.amount, "the planned amount"),
            "frequency": self.frequency.currentData(),
            "starts_on": date_of(self.starts),
            "ends_on": day_of(self.ends_given, self.ends),
            "held_as": self.held_as.currentData(),
            "funding_source": self.source.currentData(),
            "goal_ids": self.chosen_goals(),
        }


# The entries a person posts by hand (an allocation comes from agreeing the budget, a
# reversal from reversing, offsets and repayment demands from a decision).
POSTED_KINDS = (EntryKind.PAYMENT, EntryKind.COMMITMENT, EntryKind.REFUND, EntryKind.ADJUSTMENT)


class EntryDialog(BudgetForm):
    """Post a payment, commitment, refund or adjustment, with its evidence."""

    def __init__(
        self, row: BudgetRow, lines: list[LineRow], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Post to the ledger", "Post the entry", submit, parent,
            "Nothing in the ledger is edited: a mistake is put right by reversing the entry "
            "and posting a new one.",
        )  # fmt: skip
        self.row_ = row
        self.kind = self.combo("&Kind:", [(k.label, k.value) for k in POSTED_KINDS])
        self.amount = self.money("&Amount:")
        self.on = self.day("&Date:", max(row.period_start, min(date.today(), row.period_end)))
        self.line_ = self.combo(
            "Budget &line:",
            [("Not on a line", None)] + [(ln.description, ln.id) for ln in lines],
        )
        self.held = {ln.id: ln.held_as for ln in lines}
        self.payee = self.line("&Paid to:")
        self.reference = self.line("&Reference:")
        self.evidence = self.line("&Evidence:", placeholder="Receipt or invoice reference")
        self.note = self.text("N&ote:", 52)
        self.hint = QLabel("")
        self.hint.setObjectName("warningText")
        self.hint.setWordWrap(True)
        self.outer.addWidget(self.hint)
        for signal in (self.kind.currentIndexChanged, self.line_.currentIndexChanged):
            signal.connect(self._hint)
        self.evidence.textChanged.connect(self._hint)
        if lines:
            self.line_.setCurrentIndex(1)
        self.finish()
        self._hint()

    def _hint(self) -> None:
        """A direct payment without evidence is flagged on the budget: say so before."""
        line = self.line_.currentData()
        held = self.held.get(line) if line is not None else self.row_.held_as
        missing = (
            self.kind.currentData() == EntryKind.PAYMENT.value
            and held == HeldAs.DIRECT_PAYMENT.value
            and not self.evidence.text().strip()
        )
        self.hint.setText(
            "A direct payment without a receipt or invoice reference is flagged on the "
            "budget until the evidence is posted."
            if missing
            else ""
        )

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.currentData(),
            "amount_pence": pence_of(self.amount, "the amount"),
            "entry_on": date_of(self.on),
            "line_id": self.line_.currentData(),
            "payee": self.payee.text(),
            "reference": self.reference.text(),
            "evidence": self.evidence.text(),
            "note": self.note.toPlainText(),
        }


class ReverseDialog(BudgetForm):
    def __init__(self, entry: EntryRow, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "Reverse an entry", "Reverse the entry", submit, parent,
            f"{EntryKind(entry.kind).label} of {format_pence(entry.amount_pence)} on "
            f"{format_patient_date(entry.entry_on)}"
            f"{' to ' + entry.payee if entry.payee else ''}. The reversal is a new entry that "
            "undoes it exactly; the original stays in the ledger. Post a new entry afterwards "
            "if the amount should have been different.",
        )  # fmt: skip
        self.reason = self.text("&Why:", 60)
        self.finish()

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.toPlainText()}
