"""What the Caseload page does to a case: refer, accept, decline, step down, close, review.

A controller beside the page (as Vorta's archive tab splits its actions): the page lays
the list and the buttons out; these methods ask, call the caseload service and refresh.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
)

from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..background import show_failure
from ..operations import run_change
from ..widgets.forms import ReasonDialog, date_edit, date_of
from .model import C, CaseloadModel, _day


class CaseloadActions:
    """Mixed into :class:`CaseloadPage`; uses its store, user, table, model and message."""

    store: Store
    user: User
    model: CaseloadModel

    def _run(self, title: str, change: Any, done: str) -> bool:
        if not run_change(self, title, change):
            return False
        self.message.setText(done)
        self.refresh()
        return True

    def ask_refer(self) -> None:
        from mdt_desktop.services.caseload import teams

        from .dialogs import ManualReferralDialog

        team_id = uuid.UUID(hex=self.team.currentData()) if self.team.currentData() else None
        dialog = ManualReferralDialog(
            self.store, teams(self.store), team_id or self.user.team_id, self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.refer(
            dialog.chosen(),
            dialog.reason.toPlainText(),
            dialog.team.currentData(),
            dialog.urgency.currentData(),
            dialog.referrer.text(),
        )

    def refer(
        self, patient_id: uuid.UUID, reason: str, team_id: uuid.UUID, urgency: str, referrer: str
    ) -> bool:
        from mdt_desktop.services.caseload import refer_person

        return self._run(
            "Refer to caseload",
            lambda: refer_person(
                self.store, patient_id, reason=reason, team_id=team_id, urgency=urgency,
                referred_by=referrer,
            ),
            "Referred: waiting in the inbox.",
        )  # fmt: skip

    def ask_accept(self) -> None:
        from mdt_desktop.services.staff import coordinators, staff_for_user

        from .dialogs import AcceptDialog

        row = self.selected_row()
        if row is None:
            return
        data = self.model.rows[row]
        team = uuid.UUID(hex=self.team.currentData()) if self.team.currentData() else None
        dialog = AcceptDialog(
            self._name(row),
            data[C["reason"]] or "",
            coordinators(self.store, team),
            # Most often the one accepting is the one who will coordinate: chosen already.
            preferred=staff_for_user(self.store, self.user).id,
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.accept(row, dialog.coordinator.currentData(), date_of(dialog.review))

    def accept(self, row: int, coordinator_id: uuid.UUID, review: date | None = None) -> bool:
        from mdt_desktop.services.caseload import accept_referral

        name = self._name(row)
        referral_id = self.model.row_id(row)
        return self._run(
            "Accept referral",
            lambda: accept_referral(
                self.store, referral_id, coordinator_id=coordinator_id, next_review_on=review
            ),
            f"{name} accepted onto the caseload.",
        )

    def ask_decline(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = ReasonDialog(
            "Decline referral",
            f"Decline the referral of <b>{self._name(row)}</b>. The reason is kept with the "
            "referral and written in their notes.",
            action="Decline",
            placeholder="e.g. Already under the community matron; needs are met",
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.decline(row, dialog.text())

    def decline(self, row: int, reason: str) -> bool:
        from mdt_desktop.services.caseload import decline_referral

        name = self._name(row)
        referral_id = self.model.row_id(row)
        return self._run(
            "Decline referral",
            lambda: decline_referral(self.store, referral_id, reason=reason),
            f"The referral of {name} was declined.",
        )

    def ask_end(self, outcome: str) -> None:
        row = self.selected_row()
        if row is None:
            return
        words = "Step down" if outcome == "stepped_down" else "Close the case of"
        dialog = ReasonDialog(
            "Step down" if outcome == "stepped_down" else "Close case",
            f"{words} <b>{self._name(row)}</b>. Say why; it is kept with the case and "
            "written in their notes.",
            action="Step down" if outcome == "stepped_down" else "Close case",
            placeholder="e.g. Goals met; stable for three months"
            if outcome == "stepped_down"
            else "e.g. Moved out of the area",
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.end(row, outcome, dialog.text())

    def end(self, row: int, outcome: str, reason: str) -> bool:
        from mdt_desktop.services.caseload import end_case

        name = self._name(row)
        entry_id = self.model.row_id(row)
        done = "stepped down" if outcome == "stepped_down" else "closed"
        return self._run(
            "Caseload",
            lambda: end_case(self.store, entry_id, outcome=outcome, reason=reason),
            f"{name}: {done}.",
        )

    def ask_review(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        current = _day(self.model.rows[row][C["next_review_on"]])
        dialog = ReasonDialog(
            "Next review", f"Next review of <b>{self._name(row)}</b>:", action="Set"
        )
        dialog.reason.hide()
        dialog.problem = lambda: None  # type: ignore[method-assign]
        edit = date_edit(max(current or date.today(), date.today()), minimum=date.today())
        dialog.form.addRow("Review by", edit)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_review(row, date_of(edit))

    def set_review(self, row: int, on: date) -> bool:
        from mdt_desktop.services.caseload import set_next_review

        name = self._name(row)
        entry_id = self.model.row_id(row)
        return self._run(
            "Next review",
            lambda: set_next_review(self.store, entry_id, on),
            f"{name}: next review {format_patient_date(on)}.",
        )

    def failed(self, exc: BaseException) -> None:
        show_failure(self, "Caseload", exc)


__all__ = ["CaseloadActions"]
