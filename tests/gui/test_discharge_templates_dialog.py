"""The team's task templates, edited from the Discharges page and proposed by the pathway."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.discharges import DischargesPage
from mdt_desktop.gui.discharges.templates import TemplatesDialog
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.services import caseload
from mdt_desktop.services import discharges as svc
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient, Staff

NEW_TASK = "Pharmacy delivery of the new medicines arranged"


def _in_hospital(store: Store, user: Any) -> None:
    with store.transaction() as s:
        staff = Staff(team_id=user.team_id, name=user.name, role=user.role, active=True)
        patient = Patient(
            team_id=user.team_id, nhs_number=next(iter_test_numbers(710)), family_name="Okafor",
            given_name="Ada", date_of_birth=date(1940, 5, 2), sex="female",
        )  # fmt: skip
        s.add_all([staff, patient])
    ref = caseload.refer_person(store, patient.id, reason="Falls", team_id=user.team_id)
    caseload.accept_referral(store, ref, coordinator_id=staff.id)
    svc.record_admission(
        store, patient.id, admitted_at=datetime(2026, 11, 20, 9, tzinfo=UTC), hospital="LGI"
    )


def _listed(dialog: TemplatesDialog) -> list[str]:
    return [dialog.tasks[i].title for i in range(dialog.list.count())]


def test_an_edited_template_is_what_choosing_the_pathway_proposes(
    qtbot, window: MainWindow, store: Store, user, on_modal
) -> None:
    _in_hospital(store, user)
    page = window.show_area("Discharges")
    assert isinstance(page, DischargesPage)
    wait_for(page.loading)
    dialog = page.edit_templates()
    assert isinstance(dialog, TemplatesDialog)
    wait_for(dialog.operation)
    dialog.pathway.setCurrentIndex(dialog.pathway.findData(1))
    wait_for(dialog.operation)
    national = [t.title for t in svc.national_tasks(1)]
    assert _listed(dialog) == national
    assert "national default" in dialog.source.text()

    # By keyboard: the first task removed (Delete), the new first one moved down
    # (Ctrl+Down), a task of the team's own added (Insert) and typed into the form below.
    dialog.list.setFocus()
    dialog.list.setCurrentRow(0)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Delete)
    assert _listed(dialog) == national[1:]
    qtbot.keyClick(dialog.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert _listed(dialog)[:2] == [national[2], national[1]]
    qtbot.keyClick(dialog.list, Qt.Key.Key_Insert)
    qtbot.waitUntil(dialog.title.hasFocus)
    qtbot.keyClicks(dialog.title, NEW_TASK)
    qtbot.keyClick(dialog.title, Qt.Key.Key_Tab)
    assert dialog.organisation.hasFocus()
    qtbot.keyClicks(dialog.organisation, "Community pharmacy")
    dialog.days.setValue(3)
    assert NEW_TASK in _listed(dialog)
    wait_for(dialog.save())
    wait_for(dialog.operation)
    assert dialog.error.text() == ""
    assert "team's own version" in dialog.source.text()
    mine = svc.pathway_template(store, user.team_id, 1)
    assert [t.title for t in mine.tasks] == _listed(dialog)
    dialog.close()

    page.table.selectRow(0)
    on_modal(lambda d: (d.pathway.setCurrentIndex(d.pathway.findData(1)), d._check()))
    wait_for(page.choose_pathway())
    wait_for(page.loading)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.tasks.count() > 0)
    shown = [page.tasks.item(i).text() for i in range(page.tasks.count())]
    assert any(NEW_TASK in text and "Community pharmacy" in text for text in shown)
    assert not any(national[0] in text for text in shown)  # removed from the team's version

    # Reset: the national default is what the next stay would be offered.
    again = page.edit_templates()
    wait_for(again.operation)
    again.pathway.setCurrentIndex(again.pathway.findData(1))
    wait_for(again.operation)
    wait_for(again.reset())
    wait_for(again.operation)
    assert _listed(again) == national
    assert again.result() != QDialog.DialogCode.Accepted
    again.close()


def test_a_role_that_cannot_plan_discharges_may_read_but_not_edit(
    qtbot, store: Store, user
) -> None:
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.users import create_user, ensure_team, sign_in

    admin = create_user(store, "Pat Admin", Role.ADMINISTRATOR, ensure_team(store, "Test"))
    sign_in(store, admin)
    dialog = TemplatesDialog(store, admin)
    qtbot.addWidget(dialog)
    wait_for(dialog.operation)
    assert dialog.list.count() > 0
    assert not dialog.buttons["save"].isEnabled()
    assert "manage discharge plans" in dialog.buttons["save"].toolTip()
    assert not dialog.title.isEnabled()
