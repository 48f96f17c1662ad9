"""The audit log viewer: who may open it, filters, CSV export, verifying the chain."""

from __future__ import annotations

import csv
from pathlib import Path

from support.neighbourhood import build_neighbourhood

from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.team.audit_viewer import AuditLogDialog
from mdt_desktop.services import record
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store


def test_filter_export_and_verify(qtbot, store: Store, tmp_path: Path) -> None:
    hood = build_neighbourhood(store)
    record.open_record(store, hood.patients[0])  # a view by the nurse
    sign_in(store, hood.admin)
    dialog = AuditLogDialog(store, hood.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.wait()
    assert dialog.model.rowCount() > 5

    dialog.action.setCurrentIndex(dialog.action.findData("view"))
    dialog.person.setText("ward")
    dialog._find_people()
    dialog.wait()
    assert dialog.person_match.currentText().startswith("WARD, Edith (Mrs) — 999 ")
    rows = dialog.model.rows
    assert [(r.user_name, r.action, r.patient_name) for r in rows] == [
        ("Sue Palmer", "view", "WARD, Edith (Mrs)")
    ]
    assert dialog.count_label.text() == "1 entry"
    assert dialog.model.data(dialog.model.index(0, 4)) == "Viewed · Patient record"

    out = tmp_path / "audit.csv"
    wait_for(dialog.export_to(out))
    qtbot.waitUntil(lambda: dialog.message.text().startswith("1 entries exported"))
    lines = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["user"], r["action"], r["patient"]) for r in lines] == [
        ("Sue Palmer", "view", "WARD, Edith (Mrs)")
    ]

    wait_for(dialog.verify())
    qtbot.waitUntil(lambda: dialog.message.text().startswith("✔ The chain is intact"))


def test_a_role_without_the_permission_sees_why(qtbot, store: Store) -> None:
    hood = build_neighbourhood(store)  # the nurse is signed in
    dialog = AuditLogDialog(store, hood.nurse)
    qtbot.addWidget(dialog)
    assert dialog.message.text() == "District nurses may not view the audit log."
    assert not dialog.export_button.isEnabled() and not dialog.verify_button.isEnabled()
    assert dialog.model.rowCount() == 0


def test_the_team_menu_guards_the_audit_log(window) -> None:
    assert not window.audit_action.isEnabled()
    assert window.audit_action.toolTip() == "District nurses may not view the audit log."
