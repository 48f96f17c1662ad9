"""The budget window's and the record tab's actions: each opens its dialog with the service
call to run, and writes documents off the GUI thread. Permission-less people see the
action disabled with the reason (``guard``); the service checks again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from mdt_desktop.domain.permissions import Permission
from mdt_desktop.services import budgets as svc
from mdt_desktop.services.budgets import screens
from mdt_desktop.store.budgets import EntryRow
from mdt_desktop.store.database import Store

from ..background import Operation, Progress
from ..operations import run_operation
from . import dialogs, review_dialogs

# What each action needs of the signed-in person's role.
NEEDS: dict[str, Permission] = {
    "agree": Permission.AGREE_BUDGET,
    "line": Permission.MANAGE_BUDGET,
    "post": Permission.RECORD_BUDGET_SPEND,
    "reverse": Permission.RECORD_BUDGET_SPEND,
    "review": Permission.MANAGE_BUDGET,
    "decide": Permission.MAKE_BUDGET_DECISION,
    "ask_reconsider": Permission.MANAGE_BUDGET,
    "reconsider": Permission.MAKE_BUDGET_DECISION,
    "statement": Permission.EXPORT_RECORD,
}


def _file_name(page: screens.BudgetPage, what: str) -> str:
    r = page.row
    return f"{what} {r.family_name} {page.today:%Y-%m-%d}.pdf".replace("/", "-")


def create_budget(parent: QWidget, store: Store, patient_id: uuid.UUID) -> uuid.UUID | None:
    dialog = dialogs.CreateBudgetDialog(lambda v: svc.create_budget(store, patient_id, **v), parent)
    return dialog.made if dialog.exec() == QDialog.DialogCode.Accepted else None


class BudgetActions:
    """The actions on one budget; ``page`` is what the window shows now, ``done`` is called
    after a change was made (the window reads itself again)."""

    def __init__(self, parent: QWidget, store: Store, done: Callable[[], None]) -> None:
        self.parent, self.store, self.done = parent, store, done
        self.page: screens.BudgetPage | None = None
        self.writing: Operation | None = None  # a document being written, for tests

    def _run(self, dialog: QDialog) -> Any:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        self.done()
        return getattr(dialog, "made", None)

    def agree(self) -> Any:
        assert self.page is not None
        bid = self.page.row.id
        return self._run(
            dialogs.AgreeDialog(
                self.page.row, lambda v: svc.agree_budget(self.store, bid, **v), self.parent
            )
        )

    def add_line(self) -> Any:
        assert self.page is not None
        bid, pid = self.page.row.id, self.page.row.patient_id
        goals = screens.plan_goals(self.store, pid)
        return self._run(
            dialogs.LineDialog(
                self.page.row, goals, lambda v: svc.add_line(self.store, bid, **v), self.parent
            )
        )

    def post(self) -> Any:
        assert self.page is not None
        bid = self.page.row.id
        return self._run(
            dialogs.EntryDialog(
                self.page.row,
                self.page.lines,
                lambda v: svc.post_entry(self.store, bid, **v),
                self.parent,
            )
        )

    def reverse(self, entry: EntryRow) -> Any:
        return self._run(
            dialogs.ReverseDialog(
                entry, lambda v: svc.reverse_entry(self.store, entry.id, **v), self.parent
            )
        )

    def review(self) -> Any:
        assert self.page is not None
        bid = self.page.row.id
        waiting = [r for r in self.page.reviews if r.waiting]
        return self._run(
            review_dialogs.ReviewDialog(
                waiting, lambda v: svc.record_review(self.store, bid, **v), self.parent
            )
        )

    def decide(self) -> Any:
        """Record the decision (a short write), then write its notice letter off the GUI
        thread to the file chosen in the dialog."""
        assert self.page is not None
        bid = self.page.row.id
        chosen: dict[str, Any] = {}

        def submit(v: dict[str, Any]) -> uuid.UUID:
            letter, large = v.pop("letter"), v.pop("large_print")
            made = svc.make_decision(self.store, bid, **v)
            chosen.update(letter=letter, large=large)
            return made

        suggested = review_dialogs.documents_folder() / _file_name(self.page, "Decision letter")
        decision = self._run(review_dialogs.DecisionDialog(suggested, submit, self.parent))
        if decision is not None:
            self.write_letter(decision, chosen["letter"], chosen["large"])
        return decision

    def write_letter(self, decision_id: uuid.UUID, out: Path, large: bool) -> Operation:
        def work(_: Progress) -> Path:
            path = svc.export_decision_letter(self.store, decision_id, out, large_print=large)
            svc.mark_notice_sent(self.store, decision_id, date.today())
            return path

        self.writing = run_operation(
            self.parent, "Decision letter", work, success=self._written("The notice letter")
        )
        return self.writing

    def ask_reconsideration(self) -> Any:
        assert self.page is not None

        def submit(v: dict[str, Any]) -> uuid.UUID:
            return svc.request_reconsideration(self.store, v.pop("decision_id"), **v)

        return self._run(
            review_dialogs.ReconsiderationRequestDialog(self.page.decisions, submit, self.parent)
        )

    def decide_reconsideration(self) -> Any:
        assert self.page is not None

        def submit(v: dict[str, Any]) -> None:
            svc.decide_reconsideration(self.store, v.pop("request_id"), **v)

        return self._run(
            review_dialogs.ReconsiderationOutcomeDialog(self.page.decisions, submit, self.parent)
        )

    def statement(self) -> Operation | None:
        assert self.page is not None
        bid = self.page.row.id
        suggested = review_dialogs.documents_folder() / _file_name(self.page, "Budget statement")
        dialog = review_dialogs.StatementDialog(suggested, lambda v: v, self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.made

        def work(_: Progress) -> Path:
            return svc.export_statement(
                self.store, bid, chosen["out"], large_print=chosen["large_print"]
            )

        self.writing = run_operation(
            self.parent, "Budget statement", work, success=self._written("The statement")
        )
        return self.writing

    def _written(self, what: str) -> Callable[[Path], None]:
        def tell(path: Path) -> None:
            box = QMessageBox(
                QMessageBox.Icon.Information, what, f"{what} was saved to {path}.",
                QMessageBox.StandardButton.Ok, self.parent,
            )  # fmt: skip
            box.setModal(False)  # says where it went without stopping the work
            box.show()

        return tell
