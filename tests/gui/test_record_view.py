"""The patient record: banner, tabs, notes and corrections, escalation, consent and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, build_neighbourhood

from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.record import (
    RecordView,
    RecordWindow,
    register_record_tab,
    tab_factory,
    unregister_record_tab,
)
from mdt_desktop.gui.record.view import NotBuiltTab
from mdt_desktop.services import caseload
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CaseloadEntry, Note, User


@pytest.fixture
def hood(store: Store, user: User) -> Neighbourhood:
    built = build_neighbourhood(store)
    stratify_store(store)
    sign_in(store, user)
    return built


def _view(qtbot, store: Store, user: User, patient_id, **kw: Any) -> RecordView:
    view = RecordView(store, user, patient_id, **kw)
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    return view


def _audit(store: Store, action: str, patient_id) -> list[AuditEntry]:
    with store.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.patient_id == patient_id
                )
            )
        )


def test_banner_tabs_and_the_view_is_audited(qtbot, store: Store, user: User, hood) -> None:
    pid = hood.patients[0]
    view = _view(qtbot, store, user, pid)
    assert view.banner.name.text() == "WARD, Edith (Mrs)"
    assert view.banner.born.text().startswith("Born 14-Jul-1935 (")
    assert view.banner.nhs_number.text().startswith("NHS No. 999 ")
    assert view.banner.practice.text() == "GP Meadowbank Surgery (B99001)"
    assert view.banner.consent.text() == "Consent to share: Not Known"
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert tabs == [
        "Summary",
        "Care team",
        "Notes",
        "Care plan",
        "Meetings",
        "Discharges",
        "Budget",
    ]
    from mdt_desktop.gui.discharges.person_tab import PersonStaysTab

    assert isinstance(view.show_tab("Discharges"), PersonStaysTab)
    from mdt_desktop.gui.budgets.person_tab import PersonBudgetsTab

    assert isinstance(view.show_tab("Budget"), PersonBudgetsTab)
    unbuilt = NotBuiltTab("Budget")  # what a tab of a feature not built yet shows
    assert "not built yet" in unbuilt.findChild(QLabel).text()
    unbuilt.deleteLater()
    from mdt_desktop.gui.care_plan.editor import CarePlanEditor
    from mdt_desktop.gui.meetings.person_tab import PersonMeetingsTab

    plan = view.show_tab("Care plan")
    assert isinstance(plan, CarePlanEditor) and plan.patient_id == pid
    assert not plan.banner.isVisible()  # the record's own banner is enough
    assert isinstance(view.show_tab("Meetings"), PersonMeetingsTab)
    summary = view.show_tab("Summary")
    assert "Not on the team's caseload." in summary.case_text.text()
    assert not view.escalate_button.isEnabled()
    assert "refer them first" in view.escalate_button.toolTip()
    (seen,) = _audit(store, "view", pid)
    assert (seen.user_name, seen.role) == ("Sam Carter", "district_nurse")


def test_a_feature_can_plug_in_its_tab(qtbot, store: Store, user: User, hood) -> None:
    made = []

    def care_plan_tab(s: Store, u: User, patient_id) -> QLabel:
        made.append(patient_id)
        return QLabel("The care plan editor")

    built_in = tab_factory("Care plan")
    register_record_tab("Care plan", care_plan_tab)
    try:
        view = _view(qtbot, store, user, hood.patients[0])
        assert view.show_tab("Care plan").text() == "The care plan editor"
        assert made == [hood.patients[0]]
    finally:
        unregister_record_tab("Care plan")
        assert built_in is not None
        register_record_tab("Care plan", built_in)


def test_note_correction_and_escalation(qtbot, store: Store, user: User, hood, on_modal) -> None:
    pid = hood.patients[1]
    ref = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    entry_id = caseload.accept_referral(store, ref, coordinator_id=hood.coordinator.id)
    view = _view(qtbot, store, user, pid, initial_tab="Notes")
    notes = view.tab("Notes")
    notes.text.setPlainText("Visited: furosemide 80 mg. @Mark Fletcher please review the package")
    notes.category.setCurrentIndex(notes.category.findData("visit"))
    notes.add_button.click()
    assert notes.text.toPlainText() == ""
    html = notes.list.toPlainText()
    assert "Visited: furosemide 80 mg." in html and "Mentioned: Mark Fletcher" in html
    notes.add_button.click()  # empty: refused with a message, nothing written
    assert notes.error.text() == "A note cannot be empty."

    original = notes.shown[0]

    def correct(dialog: Any) -> None:
        assert "stays in the record as written" in dialog.findChild(QLabel).text()
        dialog.reason.setPlainText("Furosemide is 40 mg, not 80 mg.")
        dialog._check()

    on_modal(correct)
    notes.list.anchorClicked.emit(QUrl(f"correct:{original.id}"))
    texts = [n.text for n in notes.shown]
    assert texts[:2] == ["Furosemide is 40 mg, not 80 mg.", original.text]
    assert notes.shown[1].corrected_by == (notes.shown[0].id,)
    assert "Corrected later" in notes.list.toPlainText()

    def escalate(dialog: Any) -> None:
        dialog.reason.setPlainText("Wife admitted; he is alone at home")
        dialog._check()

    on_modal(escalate)
    view.ask_escalate()
    assert view.message.text() == (
        "Escalated: no MDT meeting is scheduled — it will be proposed for the next one scheduled."
    )
    assert "Escalated to the next MDT meeting: Wife admitted" in notes.list.toPlainText()
    with store.session() as s:
        entry = s.get(CaseloadEntry, entry_id)
        assert entry.escalation_reason == "Wife admitted; he is alone at home"
        assert (
            s.scalars(select(Note.category).order_by(Note.written_at.desc())).first()
            == "escalation"
        )
    assert [e.id for e in caseload.escalated_since(store, hood.team.id, None)] == [entry_id]
    summary = view.show_tab("Summary")
    assert "Escalated" in summary.case_text.text()


def test_consent_declined_export_asks_first(
    qtbot, store: Store, user: User, hood, on_modal, tmp_path: Path
) -> None:
    pid = hood.patients[0]
    view = _view(qtbot, store, user, pid)

    def record(dialog: Any) -> None:
        dialog.status.setCurrentIndex(dialog.status.findData("declined"))
        dialog._check()  # no method yet
        assert dialog.error.text() == "Say how consent was asked."
        dialog.method.setCurrentText("In person")
        dialog._check()

    on_modal(record)
    view.ask_consent()
    assert view.banner.consent.text().startswith("Consent to share: DECLINED")
    assert view.banner.consent.property("declined") is True

    target = tmp_path / "edith.pdf"
    on_modal(lambda dialog: dialog.reject())
    assert view.export_to(target) is False
    assert view.message.text() == "Not exported."
    assert not target.exists() and _audit(store, "export", pid) == []

    asked = []

    def confirm(dialog: Any) -> None:
        asked.append(dialog.windowTitle())
        dialog.reason.setPlainText("Safeguarding referral to the local authority")
        dialog._check()

    on_modal(confirm)
    assert view.export_to(target) is True
    wait_for(view.export_op)
    qtbot.waitUntil(lambda: view.message.text().startswith("Exported to"))
    assert asked == ["Consent to share was declined"]
    assert target.read_bytes().startswith(b"%PDF")
    (export,) = _audit(store, "export", pid)
    assert "Safeguarding referral" in export.detail and export.user_name == "Sam Carter"


def test_care_team_tab(qtbot, store: Store, user: User, hood) -> None:
    from mdt_desktop.services.care_team import MemberInput

    view = _view(qtbot, store, user, hood.patients[2], initial_tab="Care team")
    tab = view.tab("Care team")
    assert tab.empty.text() == "No one in the care team yet."
    assert tab.add(MemberInput(staff_id=hood.social_worker.id))
    assert tab.add(
        MemberInput(relationship="carer", name="Tom Nowak (son)", contact="07700 900123")
    )
    assert tab.table.item(0, 0).text() == "Mark Fletcher"
    tab.table.selectRow(0)
    assert tab.lead_button.isEnabled()
    tab.make_lead()
    assert tab.table.item(0, 1).text() == "Lead professional"


def test_case_finding_double_click_opens_the_record(qtbot, window, hood) -> None:
    page = window.show_area("Case finding")
    page.wait_until_loaded()
    index = page.model.index(0, 0)
    page.table.activated.emit(index)
    records = [w for w in QApplication.topLevelWidgets() if isinstance(w, RecordWindow)]
    assert len(records) == 1
    assert records[0].view.patient_id == page.model.patient_id(0)
    records[0].close()


def test_audit_entries_for_view_edit_and_export(
    qtbot, store: Store, user: User, hood, tmp_path: Path
) -> None:
    """Opening the record, changing it and exporting it each leave an entry naming the user."""
    pid = hood.patients[3]
    ref = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    entry_id = caseload.accept_referral(store, ref, coordinator_id=hood.coordinator.id)
    view = _view(qtbot, store, user, pid)
    assert view.escalate("Daughter unable to visit for two weeks")
    assert view.export_to(tmp_path / "alan.pdf")
    wait_for(view.export_op)
    with store.session() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.patient_id == pid).order_by(AuditEntry.seq)
        ).all()
    kinds = [(e.action, e.entity) for e in entries if e.user_name == "Sam Carter"]
    assert ("view", "patients") in kinds
    assert ("update", "caseload_entries") in kinds  # the escalation changed the case
    assert ("create", "notes") in kinds
    assert ("export", "patients") in kinds
    update = next(e for e in entries if e.action == "update" and e.entity == "caseload_entries")
    assert update.entity_id == str(entry_id)
    assert update.detail == "escalated_at, escalation_reason"
    assert update.role == "district_nurse"


def test_locking_closes_open_records(qtbot, window, hood) -> None:
    record = window.open_record(hood.patients[0])
    assert record.isVisible()
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        window.lock()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, RecordWindow)]


def test_care_team_refusal_keeps_the_names_capitals(
    qtbot, store: Store, user: User, hood, on_modal
) -> None:
    """Bug: "Mark Fletcher is already in the care team" was shown as "Mark fletcher …"."""
    from mdt_desktop.services.care_team import MemberInput

    view = _view(qtbot, store, user, hood.patients[2], initial_tab="Care team")
    tab = view.tab("Care team")
    assert tab.add(MemberInput(staff_id=hood.social_worker.id))
    shown: list[str] = []

    def read(box: Any) -> None:
        shown.append(box.text())
        box.accept()

    on_modal(read)
    assert not tab.add(MemberInput(staff_id=hood.social_worker.id))
    assert shown == ["Mark Fletcher is already in the care team."]
