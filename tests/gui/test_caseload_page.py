"""The Caseload page: referral → accept → active → stepped down; decline; permissions."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, build_neighbourhood

from mdt_desktop.gui.caseload import CaseloadModel, CaseloadPage
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.record import RecordWindow
from mdt_desktop.services import caseload
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CaseloadEntry, Referral, User

M = CaseloadModel


@pytest.fixture
def hood(store: Store, user: User) -> Neighbourhood:
    built = build_neighbourhood(store)
    stratify_store(store)
    sign_in(store, user)  # the window's user (a district nurse) acts
    return built


def _page(window: MainWindow) -> CaseloadPage:
    page = window.show_area("Caseload")
    assert isinstance(page, CaseloadPage)
    page.wait_until_loaded()
    return page


def _names(page: CaseloadPage) -> list[str]:
    model = page.model
    return [model.data(model.index(r, M.COL_NAME)) for r in range(model.rowCount())]


def _tab(page: CaseloadPage, status: str) -> None:
    page.tabs.setCurrentIndex(
        ["waiting", "active", "stepped_down", "closed", "declined"].index(status)
    )
    page.wait_until_loaded()


def test_refer_accept_active_then_step_down(qtbot, window: MainWindow, hood, on_modal) -> None:
    store = window.store
    page = _page(window)
    assert _names(page) == []

    # A manual referral of someone on the registered list, through the dialog.
    def fill_referral(dialog: Any) -> None:
        dialog.search.setText("okafor")
        dialog.find()
        dialog.reason.setPlainText("Two falls in a month; lives alone")
        dialog.urgency.setCurrentIndex(2)
        dialog.referrer.setText("Dr Tom Hendry")
        dialog._check()

    on_modal(fill_referral)
    page.ask_refer()
    assert page.message.text() == "Referred: waiting in the inbox."
    _tab(page, "waiting")
    assert page.tabs.tabText(0) == "Referrals waiting (1)"
    assert _names(page) == ["OKAFOR, Joseph (Mr)"]
    row = page.model.rows[0]
    assert page.model.display(row, M.COL_WHO) == "Dr Tom Hendry"
    assert page.model.display(row, M.COL_WHEN) == "Urgent"
    assert page.model.headerData(M.COL_WHO, Qt.Orientation.Horizontal) == "Referred by"
    qtbot.waitUntil(lambda: page.inbox.items and page.inbox.items[0].kind == "referral")

    # Accept: the button needs a selection; the dialog needs a coordinator.
    assert not page.accept_button.isEnabled()
    page.select_row(0)
    assert page.accept_button.isEnabled() and page.decline_button.isVisible()
    seen = []

    def accept(dialog: Any) -> None:
        # The signed-in nurse is chosen for a start; with nobody chosen it stays open.
        assert dialog.coordinator.currentText() == "Sam Carter (District nurse)"
        dialog.coordinator.setCurrentIndex(0)
        dialog._check()
        seen.append(dialog.error.text())
        dialog.coordinator.setCurrentIndex(
            dialog.coordinator.findText("Carol Hughes (Care coordinator)")
        )
        dialog._check()

    on_modal(accept)
    page.ask_accept()
    assert seen == ["An active case needs a named care coordinator."]
    assert page.message.text() == "OKAFOR, Joseph (Mr) accepted onto the caseload."
    _tab(page, "active")
    assert _names(page) == ["OKAFOR, Joseph (Mr)"]
    row = page.model.rows[0]
    assert page.model.display(row, M.COL_WHO) == "Carol Hughes"
    assert page.model.display(row, M.COL_FLAGS) == "No care plan"
    assert page.tabs.tabText(1) == "Active (1)" and page.tabs.tabText(0) == "Referrals waiting (0)"

    # Step down with a reason.
    page.select_row(0)
    assert page.step_down_button.isEnabled()

    def step_down(dialog: Any) -> None:
        dialog.reason.setPlainText("Stable; back to the practice team")
        dialog._check()

    on_modal(step_down)
    page.ask_end("stepped_down")
    assert _names(page) == []
    _tab(page, "stepped_down")
    assert _names(page) == ["OKAFOR, Joseph (Mr)"]
    assert (
        page.model.display(page.model.rows[0], M.COL_FLAGS) == "Stable; back to the practice team"
    )
    with store.session() as s:
        entry = s.scalars(select(CaseloadEntry)).one()
        assert (entry.status, entry.end_reason) == (
            "stepped_down",
            "Stable; back to the practice team",
        )


def test_decline_needs_a_reason(qtbot, window: MainWindow, hood, on_modal) -> None:
    store = window.store
    caseload.refer_person(store, hood.patients[2], reason="Lonely", team_id=hood.team.id)
    page = _page(window)
    _tab(page, "waiting")
    page.select_row(0)
    errors = []

    def decline(dialog: Any) -> None:
        dialog._check()
        errors.append(dialog.error.text())
        dialog.reason.setPlainText("Better served by the social prescriber")
        dialog._check()

    on_modal(decline)
    page.ask_decline()
    assert errors == ["Give a reason."]
    with store.session() as s:
        referral = s.scalars(select(Referral)).one()
    assert (referral.status, referral.decision_reason) == (
        "declined",
        "Better served by the social prescriber",
    )
    _tab(page, "declined")
    assert (
        page.model.display(page.model.rows[0], M.COL_FLAGS)
        == "Better served by the social prescriber"
    )


def test_a_role_without_the_permission_sees_the_button_disabled(
    qtbot, store: Store, hood: Neighbourhood
) -> None:
    caseload.refer_person(store, hood.patients[0], reason="Frailty", team_id=hood.team.id)
    sign_in(store, hood.admin)
    window = MainWindow(store, hood.admin, idle_ms=100_000_000)
    qtbot.addWidget(window)
    window.show()
    page = _page(window)
    _tab(page, "waiting")
    page.select_row(0)
    assert page.accept_button.isVisible() and not page.accept_button.isEnabled()
    assert page.accept_button.toolTip() == (
        "Administrators may not accept or decline referrals and close cases."
    )
    assert not page.decline_button.isEnabled()
    assert page.refer_button.isEnabled()  # anyone may refer
    # The service refuses too, whatever the screen shows.
    with pytest.raises(PermissionError):
        caseload.accept_referral(store, page.model.row_id(0), coordinator_id=hood.coordinator.id)
    with store.session() as s:
        assert s.scalars(select(Referral.status)).one() == "waiting"
    window.close()


def test_my_caseload_flags_and_enter_opens_the_record(qtbot, window: MainWindow, hood) -> None:
    store = window.store
    from mdt_desktop.services.staff import staff_for_user

    me = staff_for_user(store, window.user)
    for i, coordinator in ((0, me.id), (1, hood.coordinator.id)):
        ref = caseload.refer_person(store, hood.patients[i], reason="Frailty", team_id=hood.team.id)
        caseload.accept_referral(store, ref, coordinator_id=coordinator)
    from mdt_desktop.services.notes import escalate_to_next_mdt

    escalate_to_next_mdt(store, hood.patients[1], "Carer admitted to hospital")
    page = _page(window)
    assert sorted(_names(page)) == ["OKAFOR, Joseph (Mr)", "WARD, Edith (Mrs)"]
    page.mine.setChecked(True)
    assert _names(page) == ["WARD, Edith (Mrs)"]
    page.mine.setChecked(False)
    page.flag.setCurrentIndex(page.flag.findData("escalated"))
    assert _names(page) == ["OKAFOR, Joseph (Mr)"]
    flags = page.model.display(page.model.rows[0], M.COL_FLAGS)
    assert flags.startswith("Escalated")
    tip = page.model.data(page.model.index(0, M.COL_FLAGS), Qt.ItemDataRole.ToolTipRole)
    assert "Carer admitted to hospital" in tip

    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    records = [w for w in QApplication.topLevelWidgets() if isinstance(w, RecordWindow)]
    assert len(records) == 1
    assert records[0].view.banner.name.text() == "OKAFOR, Joseph (Mr)"
    with store.session() as s:
        views = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "view", AuditEntry.patient_id == hood.patients[1]
            )
        ).all()
    assert [(v.user_name, v.entity) for v in views] == [("Sam Carter", "patients")]
    records[0].close()


def test_switching_user_changes_what_the_page_allows(qtbot, window: MainWindow, hood) -> None:
    caseload.refer_person(window.store, hood.patients[0], reason="Falls", team_id=hood.team.id)
    page = _page(window)
    _tab(page, "waiting")
    page.select_row(0)
    assert page.accept_button.isEnabled()
    window.lock()
    window._unlocked(hood.admin)  # the administrator unlocks the shared PC as themselves
    assert page.user.id == hood.admin.id
    page.wait_until_loaded()
    _tab(page, "waiting")
    page.select_row(0)
    assert not page.accept_button.isEnabled()
    assert "Administrators may not" in page.accept_button.toolTip()
    assert window.audit_action.isEnabled()  # and the audit log opens for them
    with window.store.session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last.user_name == "Paul Marshall"


def test_a_mention_reaches_the_inbox_and_opens_the_notes(qtbot, window: MainWindow, hood) -> None:
    from mdt_desktop.services.notes import write_note
    from mdt_desktop.services.users import actor_for

    store = window.store
    store.set_actor(actor_for(hood.nurse))  # Sue writes, mentioning Sam (the window's user)
    write_note(store, hood.patients[2], "@Sam Carter can you visit on Thursday?")
    sign_in(store, window.user)
    page = _page(window)
    page.resize(1600, 800)  # wide enough for the inbox beside the list
    qtbot.waitUntil(lambda: any(i.kind == "mention" for i in page.inbox.items))
    assert page.inbox_button.text() == "Inbox (1)"
    entry = next(
        page.inbox.list.item(r)
        for r in range(page.inbox.list.count())
        if getattr(page.inbox.list.item(r).data(Qt.ItemDataRole.UserRole), "kind", "") == "mention"
    )
    assert "Sue Palmer: @Sam Carter can you visit" in entry.text()
    page.inbox.list.itemDoubleClicked.emit(entry)
    records = [w for w in QApplication.topLevelWidgets() if isinstance(w, RecordWindow)]
    assert (
        len(records) == 1
        and records[0].view.tabs.tabText(records[0].view.tabs.currentIndex()) == "Notes"
    )
    page.wait_until_loaded()
    qtbot.waitUntil(lambda: page.inbox_button.text() == "Inbox (0)")  # read now
    records[0].close()


def test_a_change_in_a_record_keeps_the_caseload_list_in_place(
    qtbot, store: Store, window: MainWindow
) -> None:
    """Bug: the list jumped back to the top and lost its selection after a record window
    changed something; it keeps its place and selection, as case finding does."""
    from datetime import date

    from mdt_desktop.services.demo import generate_demo

    generate_demo(store, 6000, seed=9, today=date(2026, 3, 2))
    page = _page(window)
    _tab(page, "active")
    model = page.model
    assert model.rowCount() > 25
    row = model.rowCount() - 3
    page.select_row(row)
    page.table.scrollTo(model.index(row, 0))
    scrolled = page.table.verticalScrollBar().value()
    assert scrolled > 0
    person = model.patient_id(row)
    record = page.open_record(person)
    assert record.view.escalate("Carer admitted to hospital; two falls this week")
    qtbot.wait(50)  # the change reaches the page through the event loop
    assert model.patient_id(row) == person
    assert "Escalated" in model.data(model.index(row, M.COL_FLAGS))
    assert page.selected_row() == row
    assert page.table.verticalScrollBar().value() == scrolled


# --- referrals: "My caseload", oldest first with days waiting, who accepts --------------

from support.demo_store import *  # noqa: E402, F403 (the demo fixtures)


def test_my_caseload_keeps_the_referrals_counted_and_in_view(qtbot, demo_window) -> None:
    page = _page(demo_window)
    page.wait_until_loaded()
    waiting = page.counts["waiting"]
    assert waiting > 0
    page.mine.setChecked(True)
    page.wait_until_loaded()
    assert page.tabs.tabText(0) == f"Referrals waiting ({waiting})"
    _tab(page, "waiting")
    assert page.mine.isVisible() and page.mine.isChecked()
    assert not page.mine.isEnabled() and "every referral" in page.mine.toolTip()
    assert page.model.rowCount() == waiting
    _tab(page, "active")
    assert page.mine.isEnabled()
    assert page.model.rowCount() == page.counts["active"] < sum(page.counts.values())


def test_referrals_are_listed_oldest_first_with_days_waiting(qtbot, demo_window) -> None:
    page = _page(demo_window)
    _tab(page, "waiting")
    model = page.model
    assert model.headerData(M.COL_SINCE, Qt.Orientation.Horizontal) == "Waiting"
    days = [model.days_waiting(row) for row in model.rows]
    assert len(days) >= 2 and days == sorted(days, reverse=True) and days[0] > days[-1]
    shown = [model.data(model.index(r, M.COL_SINCE)) for r in range(model.rowCount())]
    assert shown[0] == f"{days[0]} days"
    tip = model.data(model.index(0, M.COL_SINCE), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Referred ")
    assert page.table.horizontalHeader().sortIndicatorSection() == M.COL_SINCE
    # Back on the cases: by name again.
    _tab(page, "active")
    assert _names(page) == sorted(_names(page))


def test_accepting_a_referral_chooses_me_as_coordinator(qtbot, demo_window, on_modal) -> None:
    from mdt_desktop.services.staff import staff_for_user

    page = _page(demo_window)
    _tab(page, "waiting")
    page.select_row(0)
    me = staff_for_user(demo_window.store, demo_window.user).id
    chosen = []

    def look(dialog: Any) -> None:
        chosen.append(dialog.coordinator.currentData())
        dialog.reject()

    on_modal(look)
    page.ask_accept()
    assert chosen == [me]
