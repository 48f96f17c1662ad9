"""The Meetings area: agenda builder, attendance and quorum, meeting mode by keyboard,
privacy on the shared screen, the actions tracker, a person's meetings tab."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from sqlalchemy import select
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.meetings import MeetingsPage, meetings_tab
from mdt_desktop.gui.meetings.meeting_mode import MeetingMode
from mdt_desktop.services import meetings as m
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.schema import CaseloadEntry

NEVER_MS = 100_000_000


@pytest.fixture
def team(store):
    return make_team(store)


@pytest.fixture
def gp(store, team):
    user = create_user(
        store,
        "Dr Priya Raman",
        "gp",
        ensure_team(store, "Northside Neighbourhood MDT"),
        pin="2468",
    )
    sign_in(store, user)
    return user


def _schedule(store, team, at=MEETING_AT):
    return m.schedule_meeting(
        store, team_id=team.team_id, starts_at=at, location="Meadowbank Surgery, room 2",
        chair_staff_id=team.staff["Dr Priya Raman"],
    )  # fmt: skip


def _quorate(store, meeting):
    for line in m.attendance(store, meeting):
        if line.name in ("Dr Priya Raman", "Sue Palmer", "Mark Fletcher"):
            m.set_attendance(store, line.id, "present")


def _activate(qtbot, widget: QWidget) -> None:
    """Shortcuts need an active window; the offscreen platform activates on request."""
    widget.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)


def _page(qtbot, store, user) -> MeetingsPage:
    page = MeetingsPage(store, user)
    page.today = TODAY
    page.agenda.today = TODAY
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    _activate(qtbot, page)
    page.reload()
    return page


def _agenda_names(page: MeetingsPage) -> list[str]:
    return [
        page.agenda.agenda.item(i).text().split("   ")[0].split(". ", 1)[1]
        for i in range(page.agenda.agenda.count())
    ]


def test_agenda_from_due_reviews_escalations_and_carried_forward(qtbot, store, team, gp) -> None:
    earlier = _schedule(store, team, MEETING_AT - timedelta(days=14))
    m.add_person(store, earlier, team.people["Clarke"], "Housing worry")
    m.close_meeting(store, earlier)  # Clarke not reached
    meeting = _schedule(store, team)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    # Carried forward automatically when the meeting was scheduled.
    assert _agenda_names(page) == ["CLARKE, Joan (Mrs)"]
    assert "Not reached on" in page.agenda.agenda.item(0).text()
    proposed = [page.agenda.proposed.item(i).text() for i in range(page.agenda.proposed.count())]
    assert any("BHATTI" in t and "Escalated: New pressure ulcer" in t for t in proposed)
    assert any("ASHWORTH" in t and "Review due" in t for t in proposed)
    # Untick the referral, add the rest.
    for i in range(page.agenda.proposed.count()):
        if "EVANS" in page.agenda.proposed.item(i).text():
            page.agenda.proposed.item(i).setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(page.agenda.add_ticked, Qt.MouseButton.LeftButton)
    # Each at its place in the agenda order: the chair's own addition comes last.
    assert _agenda_names(page) == [
        "BHATTI, Nasreen (Mrs)", "DUNMORE, Irene (Mrs)", "ASHWORTH, Edith (Mrs)",
        "CLARKE, Joan (Mrs)",
    ]  # fmt: skip
    assert [page.agenda.proposed.item(0).text().split("   ")[0]] == ["EVANS, Megan (Mrs)"]
    # Keyboard reorder: Clarke up one place, saved in the store.
    page.agenda.agenda.setCurrentRow(3)
    page.agenda.agenda.setFocus()
    qtbot.keyClick(page.agenda.agenda, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    stored = [line.name for line in m.agenda(store, meeting)]
    assert stored[2] == "CLARKE, Joan (Mrs)" and _agenda_names(page)[2] == stored[2]
    # Drag and drop: the list's own move, as a drop does it.
    model = page.agenda.agenda.model()
    assert model.moveRow(QModelIndex(), 2, QModelIndex(), 4)
    stored = [line.name for line in m.agenda(store, meeting)]
    assert stored[-1] == "CLARKE, Joan (Mrs)"
    # Minutes per case.
    page.agenda.agenda.setCurrentRow(0)
    page.agenda.minutes.setValue(9)
    page.agenda.minutes.editingFinished.emit()
    assert m.agenda(store, meeting)[0].minutes == 9
    # Anyone on the caseload by search.
    m.remove_from_agenda(store, m.agenda(store, meeting)[-1].id)
    page.agenda.reload()
    qtbot.keyClicks(page.agenda.search, "clarke")
    assert page.agenda.results.count() == 1
    page.agenda.add_reason.setText("Daughter rang about housing")
    qtbot.mouseClick(page.agenda.add_found, Qt.MouseButton.LeftButton)
    assert "Added: Daughter rang about housing" in page.agenda.agenda.item(3).text()


def test_quorum_shown_and_recorded(qtbot, store, team, gp) -> None:
    meeting = _schedule(store, team)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    panel = page.attendance
    assert panel.quorum_label.text().startswith("Not quorate")
    assert page.details.text().endswith("Quorum: not quorate yet")
    assert panel.quorum_label.property("met") is False
    for name in ("Dr Priya Raman", "Sue Palmer", "Mark Fletcher"):
        combo = panel.combo_for(name)
        combo.setCurrentIndex(combo.findData("present"))
    assert panel.quorum_label.text().startswith("Quorate")
    assert page.details.text().endswith("Quorum: quorate")
    assert "GPs present: 1 (1 needed)" in panel.quorum_label.text()
    panel.guest_name.setText("Dr Kofi Mensah")
    panel.guest_role.setCurrentIndex(panel.guest_role.findData("geriatrician"))
    qtbot.mouseClick(panel.add_guest_button, Qt.MouseButton.LeftButton)
    assert "Geriatrician" in panel.quorum_label.text()
    m.build_agenda(store, meeting, today=TODAY)
    page.reload()
    mode = page.present()
    assert mode is not None
    summary = m.meeting_summary(store, meeting)
    assert summary.status == "in_progress" and summary.quorum_met is True
    mode.leave()
    assert page.mode is None


def _texts(widget: QWidget) -> list[str]:
    """Everything a widget shows or would show on hover."""
    out = [widget.toolTip(), widget.windowTitle(), widget.accessibleName()]
    if isinstance(widget, QLabel | QAbstractButton):
        out.append(widget.text())
    if isinstance(widget, QLineEdit):
        out += [widget.text(), widget.placeholderText()]
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        out.append(widget.toPlainText())
    if isinstance(widget, QComboBox):
        out += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        model = widget.model()
        for r in range(model.rowCount()):
            for c in range(model.columnCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(model.index(r, c), role)
                    if value:
                        out.append(str(value))
    return [t for t in out if t]


def _visible_text() -> str:
    widgets = [w for w in QApplication.allWidgets() if w.isVisible()]
    return "\n".join(t for w in widgets for t in _texts(w))


def _assert_only(case_name: str, others: list[tuple[str, str, str]]) -> None:
    shown = _visible_text().upper()
    assert case_name.split(",")[0] in shown
    for family, given, nhs in others:
        assert family.upper() not in shown, family
        assert given.upper() not in shown, given
        assert nhs not in shown and format_nhs_number(nhs) not in shown, nhs


def test_meeting_mode_by_keyboard_and_privacy(qtbot, store, team, gp, on_modal) -> None:
    meeting = _schedule(store, team)
    _quorate(store, meeting)
    m.build_agenda(store, meeting, today=TODAY)
    window = MainWindow(store, gp, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _activate(qtbot, window)
    page = window.show_area("Meetings")

    assert isinstance(page, MeetingsPage)
    page.today = TODAY
    page.choose(meeting)
    lines = m.agenda(store, meeting)
    people = {
        line.patient_id: (line.name.split(",")[0], line.name.split(", ")[1].split(" (")[0],
                          line.nhs_number)
        for line in lines
    }  # fmt: skip
    page.agenda.agenda.setFocus()
    qtbot.keyClick(page.agenda.agenda, Qt.Key.Key_F5)
    mode = page.mode
    assert isinstance(mode, MeetingMode)
    assert window.isFullScreen() and not window.nav.isVisible()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    mode.setFocus()

    def check_privacy(index: int) -> None:
        pid = lines[index].patient_id
        _assert_only(lines[index].name, [v for k, v in people.items() if k != pid])

    check_privacy(0)
    assert mode.position.text() == f"Case 1 of {len(lines)}"
    # → next case; decision by keyboard: D, 3 (step down), discussion, Ctrl+Enter.
    qtbot.keyClick(mode, Qt.Key.Key_Right)
    assert mode.position.text() == f"Case 2 of {len(lines)}"
    check_privacy(1)

    def decide(dialog) -> None:
        QTimer.singleShot(5000, dialog.reject)  # a failure fails the test, never hangs it
        _activate(qtbot, dialog)
        check_privacy(1)  # the dialog shows no one else either
        qtbot.keyClick(dialog, Qt.Key.Key_3)
        assert dialog.outcome() == "step_down"
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "Admission resolved; home with the usual package.")
        assert dialog.discussion.toPlainText().startswith("Admission resolved")
        for _ in range(8):  # Tab on to the first action
            if dialog.focusWidget() is dialog.action_rows.rows[0].what:
                break
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        assert dialog.focusWidget() is dialog.action_rows.rows[0].what
        qtbot.keyClicks(dialog.focusWidget(), "Visit within a week of discharge")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "Sue Palmer")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    on_modal(decide)
    qtbot.keyClick(mode, Qt.Key.Key_D)
    _activate(qtbot, window)  # activation comes back asynchronously after a dialog
    decided = m.agenda(store, meeting)[1]
    assert decided.status == "discussed" and decided.decision == "Step down"
    assert "Step down" in mode.outcome.text()
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(CaseloadEntry.patient_id == decided.patient_id)
        ).one()
        assert entry.status == "stepped_down"
    [action] = m.actions(store, patient_id=decided.patient_id)
    assert action.owner_name == "Sue Palmer" and action.owner_staff_id == team.staff["Sue Palmer"]
    # A: an action without a decision yet, on the third case.
    qtbot.keyClick(mode, Qt.Key.Key_Right)

    def act(dialog) -> None:
        QTimer.singleShot(5000, dialog.reject)
        _activate(qtbot, dialog)
        assert dialog.focusWidget() is dialog.action_rows.rows[0].what
        qtbot.keyClicks(dialog.focusWidget(), "Pharmacist to review medicines")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClicks(dialog.focusWidget(), "Imran Shah")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    on_modal(act)
    qtbot.keyClick(mode, Qt.Key.Key_A)
    _activate(qtbot, window)
    assert "Pharmacist to review medicines" in mode.actions_panel.body.text()
    # M: discussed with no change; ← previous; X not reached on the last case.
    qtbot.keyClick(mode, Qt.Key.Key_M)
    assert m.agenda(store, meeting)[2].decision == "Continue"
    qtbot.keyClick(mode, Qt.Key.Key_Left)
    assert mode.position.text() == f"Case 2 of {len(lines)}"
    for _ in range(len(lines)):
        qtbot.keyClick(mode, Qt.Key.Key_Right)
    check_privacy(len(lines) - 1)
    qtbot.keyClick(mode, Qt.Key.Key_X)
    assert m.agenda(store, meeting)[-1].status == "not_reached"
    # Text size follows + and −.
    before = mode.scale
    qtbot.keyClick(mode, Qt.Key.Key_Plus)
    assert mode.scale > before
    # Esc pauses on a screen with nobody on it; L (the chair's step) leaves the presentation.
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    assert page.mode is mode and window.isFullScreen() and mode.paused_screen.isVisible()
    qtbot.keyClick(mode, Qt.Key.Key_L)
    assert page.mode is None and window.nav.isVisible() and not window.isFullScreen()
    # Closing the meeting: the first case (never discussed) and the last go to the next one.
    m.close_meeting(store, meeting)
    following = _schedule(store, team, MEETING_AT + timedelta(days=14))
    carried = [line.patient_id for line in m.agenda(store, following)]
    assert carried == [lines[0].patient_id, lines[-1].patient_id]
    page.reload()
    page.choose(following)
    assert "Not reached on" in page.agenda.agenda.item(0).text()


def test_actions_tracker_overdue_mine_and_complete(qtbot, store, team, gp) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    m.record_outcome(
        store, item.id,
        m.Outcome("continue", "", actions=(
            m.NewAction("Review medicines", "Dr Priya Raman", team.staff["Dr Priya Raman"],
                        MEETING_AT.date() + timedelta(days=2)),
            m.NewAction("Call the daughter", "Mark Fletcher", team.staff["Mark Fletcher"],
                        MEETING_AT.date() + timedelta(days=30)),
        )),
    )  # fmt: skip
    page = _page(qtbot, store, gp)
    page.tabs.setCurrentIndex(1)
    tracker = page.tracker
    tracker.today = MEETING_AT.date() + timedelta(days=5)
    tracker.reload()
    model = tracker.model
    assert model.rowCount() == 2
    due = model.data(model.index(0, model.COL_DUE))
    assert due.endswith("— overdue")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    tracker.overdue_only.setChecked(True)
    assert model.rowCount() == 1
    tracker.overdue_only.setChecked(False)
    tracker.show_mine()  # the GP's own: matched to her staff record by name
    assert [r.description for r in model.rows] == ["Review medicines"]
    assert not tracker.complete.isEnabled()
    tracker.table.selectRow(0)
    assert tracker.complete.isEnabled()
    qtbot.mouseClick(tracker.complete, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 0
    tracker.status.setCurrentIndex(tracker.status.findData("done"))
    assert model.rowCount() == 1
    status = model.data(model.index(0, model.COL_STATUS))
    assert status.startswith("Done") and "Dr Priya Raman" in status


def test_person_tab_shows_meetings_decisions_and_actions(qtbot, store, team, gp) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = next(x for x in m.agenda(store, meeting) if x.name.startswith("ASHWORTH"))
    m.record_outcome(
        store, item.id,
        m.Outcome("refer", "Memory worse", referred_to="Memory clinic",
                  next_review_on=TODAY + timedelta(days=30),
                  actions=(m.NewAction("Send referral letter", "Dr Priya Raman"),)),
    )  # fmt: skip
    tab = meetings_tab(store, gp, team.people["Ashworth"])
    qtbot.addWidget(tab)
    assert tab.table.rowCount() == 1
    assert tab.table.item(0, 3).text() == "Refer to Memory clinic"
    assert tab.table.item(0, 5).text() == "Memory worse"
    assert [r.description for r in tab.action_list.model.rows] == ["Send referral letter"]


def test_roles_that_may_not_run_meetings_see_why(qtbot, store, team) -> None:
    volunteer = create_user(
        store, "Siobhán Kelly", "voluntary_sector_worker",
        ensure_team(store, "Northside Neighbourhood MDT"),
    )  # fmt: skip
    sign_in(store, volunteer)
    page = _page(qtbot, store, volunteer)
    assert not page.schedule_button.isEnabled()
    assert "may not run MDT meetings" in page.schedule_button.toolTip()


def test_schedule_close_and_minutes_from_the_app(
    qtbot, store, team, gp, on_modal, tmp_path
) -> None:
    from PySide6.QtCore import QDate, QTime
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from mdt_desktop.gui.background import wait_for

    page = _page(qtbot, store, gp)
    assert page.heading.text().startswith("No meetings yet")

    def fill(dialog) -> None:
        dialog.day.setDate(QDate(2026, 11, 25))
        dialog.time.setTime(QTime(13, 30))
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
        ok.click()  # no place or link yet: refused with a message, nothing lost
        assert "place or a video link" in dialog.error.text() and dialog.isVisible()
        dialog.location.setText("Meadowbank Surgery, room 2")
        dialog.chair.setCurrentIndex(dialog.chair.findText("Dr Priya Raman (GP)"))
        ok.click()

    on_modal(fill)
    qtbot.mouseClick(page.schedule_button, Qt.MouseButton.LeftButton)
    [summary] = m.list_meetings(store)
    assert summary.chair == "Dr Priya Raman" and summary.location == "Meadowbank Surgery, room 2"
    assert summary.starts_at.astimezone().hour == 13 and summary.starts_at.astimezone().minute == 30
    assert page.meeting_id == summary.id and "Dr Priya Raman" in page.details.text()
    qtbot.mouseClick(page.agenda.add_all, Qt.MouseButton.LeftButton)
    assert page.agenda.agenda.count() == 4

    def yes(box) -> None:
        assert "4 cases not discussed" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

    on_modal(yes)
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert m.meeting_summary(store, summary.id).status == "closed"
    assert all(line.status == "not_reached" for line in m.agenda(store, summary.id))
    assert not page.close_button.isEnabled() and not page.agenda.add_all.isEnabled()
    out = tmp_path / "minutes.pdf"
    wait_for(page.export_minutes(out))
    assert out.read_bytes().startswith(b"%PDF") and page.notice.text() == f"Minutes saved to {out}"


def test_locking_in_meeting_mode_hides_the_case(qtbot, store, team, gp) -> None:
    meeting = _schedule(store, team)
    _quorate(store, meeting)
    m.build_agenda(store, meeting, today=TODAY)
    window = MainWindow(store, gp, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    page = window.show_area("Meetings")
    page.choose(meeting)
    window.idle.set_timeout_ms(60_000)
    mode = page.present()
    assert mode is not None and mode.banner.name.text() in _visible_text()
    assert not window.idle.timer.isActive()  # presenting to the room: no idle lock
    window.lock()
    shown = _visible_text().upper()
    for family in ("ASHWORTH", "BHATTI", "DUNMORE", "EVANS"):
        assert family not in shown
    window.lock_screen.secret.setText("2468")
    window.lock_screen.try_unlock()
    assert not window.locked
    assert page.mode is mode and mode.isVisible()
    assert not window.idle.timer.isActive()  # still presenting after unlocking
    mode.leave()
    assert window.idle.timer.isActive()
