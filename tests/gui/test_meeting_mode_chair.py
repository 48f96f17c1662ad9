"""Meeting mode as the chair runs it: typed discussion never lost, a recorded decision never
silently changed, a paused screen with nobody on it, the meeting clock, going to a case by
number, scrolling a long panel, goal statuses in words, attendance in one step, "End
meeting"."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from sqlalchemy import select
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.meetings import MeetingsPage
from mdt_desktop.gui.meetings.meeting_mode import MeetingMode
from mdt_desktop.gui.meetings.presenting import clock_text
from mdt_desktop.services import meetings as m
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.schema import CarePlan, CarePlanVersion, CaseloadEntry, RiskScore

NEVER_MS = 100_000_000
FAMILIES = ("ASHWORTH", "BHATTI", "CLARKE", "DUNMORE", "EVANS")


@pytest.fixture
def team(store):
    return make_team(store)


@pytest.fixture
def gp(store, team):
    user = create_user(
        store, "Dr Priya Raman", "gp", ensure_team(store, "Northside Neighbourhood MDT"),
        pin="2468",
    )  # fmt: skip
    sign_in(store, user)
    return user


@pytest.fixture
def meeting(store, team):
    meeting = m.schedule_meeting(
        store, team_id=team.team_id, starts_at=MEETING_AT, location="Room 2",
        chair_staff_id=team.staff["Dr Priya Raman"],
    )  # fmt: skip
    for line in m.attendance(store, meeting):
        if line.name in ("Dr Priya Raman", "Sue Palmer", "Mark Fletcher"):
            m.set_attendance(store, line.id, "present")
    m.build_agenda(store, meeting, today=TODAY)
    m.start_meeting(store, meeting)
    return meeting


def _activate(qtbot, widget: QWidget) -> None:
    widget.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)


def _mode(qtbot, store, meeting, width=1366, height=768) -> MeetingMode:
    mode = MeetingMode(store, meeting, scale=round(height / 560, 1), today=TODAY)
    qtbot.addWidget(mode)
    mode.resize(width, height)
    mode.show()
    qtbot.waitExposed(mode)
    _activate(qtbot, mode)
    mode.setFocus()
    return mode


def _when_modal(action, kind=QWidget, within_ms: int = 6000) -> list[QWidget]:
    """Act on the next modal window of ``kind`` once its exec() runs; gives up after
    ``within_ms`` so a test that fails never leaves a poller behind for the next one."""
    seen: list[QWidget] = []
    deadline = time.monotonic() + within_ms / 1000

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, kind) and modal not in seen:
            seen.append(modal)
            action(modal)
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def _visible_text() -> str:
    out = []
    for w in QApplication.allWidgets():
        if not w.isVisible():
            continue
        out += [w.toolTip(), w.windowTitle(), w.accessibleName()]
        if hasattr(w, "text") and callable(w.text):
            with contextlib.suppress(TypeError):  # text() that needs arguments
                out.append(str(w.text()))
    return "\n".join(t for t in out if t).upper()


# --- 1. typed discussion is never thrown away without asking --------------------------------


@pytest.mark.parametrize("how", ["escape", "cancel"])
def test_decision_dialog_asks_before_dropping_typed_discussion(
    qtbot, store, team, gp, meeting, how
) -> None:
    mode = _mode(qtbot, store, meeting)
    answers: list[str] = []

    def in_dialog(dialog) -> None:
        QTimer.singleShot(
            8000, dialog, lambda: dialog.done(0)
        )  # a failure fails the test, never hangs it
        _activate(qtbot, dialog)
        dialog.discussion.setFocus()
        qtbot.keyClicks(dialog.discussion, "Daughter worried about nights; OT to assess.")

        def keep(box) -> None:
            answers.append(box.text())
            box.button(QMessageBox.StandardButton.Cancel).click()  # "Keep writing"

        def discard(box) -> None:
            answers.append(box.text())
            box.button(QMessageBox.StandardButton.Discard).click()

        def leave() -> None:
            if how == "escape":
                qtbot.keyClick(dialog.discussion, Qt.Key.Key_Escape)
            else:
                dialog.cancel_button.click()

        _when_modal(keep, QMessageBox)
        leave()
        # Still open, every word kept.
        assert dialog.isVisible()
        assert dialog.discussion.toPlainText() == "Daughter worried about nights; OT to assess."
        _when_modal(discard, QMessageBox)
        leave()

    _when_modal(in_dialog)
    dialog = mode.record_decision()
    assert dialog is not None and dialog.result() == dialog.DialogCode.Rejected
    assert len(answers) == 2 and "discussion" in answers[0]
    assert m.agenda(store, meeting)[0].decision is None  # nothing was saved


def test_decision_dialog_with_nothing_typed_closes_at_once(qtbot, store, team, gp, meeting) -> None:
    mode = _mode(qtbot, store, meeting)
    seen: list[QWidget] = []

    def in_dialog(dialog) -> None:
        QTimer.singleShot(8000, dialog, lambda: dialog.done(0))
        _activate(qtbot, dialog)
        # Would answer a question, if one were asked.
        seen.extend(_when_modal(lambda box: box.done(0), QMessageBox, 1500))
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)

    _when_modal(in_dialog)
    dialog = mode.record_decision()
    assert dialog is not None and not dialog.isVisible()
    qtbot.wait(300)
    assert seen == []


def test_action_dialog_asks_before_dropping_typed_actions(qtbot, store, team, gp, meeting) -> None:
    mode = _mode(qtbot, store, meeting)
    asked: list[str] = []

    def in_dialog(dialog) -> None:
        QTimer.singleShot(8000, dialog, lambda: dialog.done(0))
        _activate(qtbot, dialog)
        qtbot.keyClicks(dialog.action_rows.rows[0].what, "Pharmacist to review medicines")

        def discard(box) -> None:
            asked.append(box.text())
            box.button(QMessageBox.StandardButton.Discard).click()

        _when_modal(discard, QMessageBox)
        qtbot.keyClick(dialog.action_rows.rows[0].what, Qt.Key.Key_Escape)

    _when_modal(in_dialog)
    dialog = mode.add_action()
    assert dialog is not None and not dialog.isVisible()
    assert asked and "actions" in asked[0]
    assert m.actions(store, patient_id=m.agenda(store, meeting)[0].patient_id) == []


# --- 2. a recorded decision is shown, never silently replaced -------------------------------


def test_reopening_a_decided_case_shows_the_recorded_decision(
    qtbot, store, team, gp, meeting
) -> None:
    item = m.agenda(store, meeting)[0]
    review = TODAY + timedelta(days=70)
    m.record_outcome(store, item.id, m.Outcome("step_down", "Stabel for three months",
                                               next_review_on=review))  # fmt: skip
    mode = _mode(qtbot, store, meeting)
    shown: dict[str, object] = {}

    def fix_typo(dialog) -> None:
        QTimer.singleShot(8000, dialog, lambda: dialog.done(0))
        _activate(qtbot, dialog)
        shown["outcome"] = dialog.outcome()
        shown["discussion"] = dialog.discussion.toPlainText()
        shown["review"] = dialog.next_review.date().toPython()
        shown["no_review"] = dialog.no_review.isChecked()
        shown["note"] = dialog.recorded_note.text()
        dialog.discussion.setFocus()
        dialog.discussion.selectAll()
        qtbot.keyClicks(dialog.discussion, "Stable for three months")
        qtbot.keyClick(dialog.discussion, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    _when_modal(fix_typo)
    mode.record_decision()
    assert shown == {
        "outcome": "step_down",
        "discussion": "Stabel for three months",
        "review": review,
        "no_review": False,
        "note": "Already decided: Step down. Saving keeps this decision unless you choose another.",
    }
    after = m.agenda(store, meeting)[0]
    assert after.decision == "Step down"
    assert m.case_essentials(store, item.id, TODAY).discussion == "Stable for three months"
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(CaseloadEntry.patient_id == item.patient_id)
        ).one()
        assert entry.status == "stepped_down"


def test_a_new_decision_has_none_chosen_and_ctrl_enter_says_so(
    qtbot, store, team, gp, meeting
) -> None:
    item = m.agenda(store, meeting)[0]
    mode = _mode(qtbot, store, meeting)
    seen: dict[str, object] = {}

    def try_to_save(dialog) -> None:
        QTimer.singleShot(8000, dialog, lambda: dialog.done(0))
        _activate(qtbot, dialog)
        seen["chosen"] = dialog.outcome()
        seen["checked"] = [b.isChecked() for b in dialog.outcomes.buttons()]
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        seen["error"] = dialog.error.text()
        seen["open"] = dialog.isVisible()
        # The decision can still be chosen by its number and saved.
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_2)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    _when_modal(try_to_save)
    mode.record_decision()
    assert seen["chosen"] is None and not any(seen["checked"])  # type: ignore[arg-type]
    assert seen["open"] is True and "Choose the decision" in str(seen["error"])
    assert m.agenda(store, meeting)[0].decision == "Step up"
    assert m.agenda(store, meeting)[0].id == item.id


# --- 3. Esc pauses on a neutral screen; only a deliberate step shows the agenda --------------


def test_escape_pauses_on_a_screen_with_nobody_on_it(qtbot, store, team, gp, meeting) -> None:
    window = MainWindow(store, gp, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    _activate(qtbot, window)
    page = window.show_area("Meetings")
    assert isinstance(page, MeetingsPage)
    page.today = TODAY
    page.choose(meeting)
    mode = page.present()
    assert isinstance(mode, MeetingMode)
    mode.setFocus()
    assert mode.banner.name.text().split(",")[0] in _visible_text()
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    # Still presenting, full screen, and nobody's name, NHS number or ward is on the screen.
    assert page.mode is mode and window.isFullScreen() and not window.nav.isVisible()
    assert mode.paused_screen.isVisible()
    shown = _visible_text()
    assert "MEETING PAUSED" in shown
    for family in FAMILIES:
        assert family not in shown, family
    for nhs in team.nhs.values():
        assert nhs not in shown and format_nhs_number(nhs) not in shown
    assert "WARD 7" not in shown
    # Case keys do nothing while paused.
    qtbot.keyClick(mode, Qt.Key.Key_Right)
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    assert mode.paused_screen.isVisible() and page.mode is mode
    # Resume: the same case again.
    qtbot.keyClick(mode, Qt.Key.Key_Return)
    assert not mode.paused_screen.isVisible()
    assert mode.position.text().startswith("Case 1 of")
    # Leaving the presentation is the chair's deliberate step.
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    qtbot.mouseClick(mode.leave_button, Qt.MouseButton.LeftButton)
    assert page.mode is None and not window.isFullScreen() and window.nav.isVisible()


# --- 4. the clock, cases left, go to a case, scrolling, goal words --------------------------


def test_clock_text_with_and_without_a_length() -> None:
    assert clock_text(42 * 60 + 5, None, 6) == "Meeting 42:05 · 6 cases left"
    assert clock_text(42 * 60 + 5, 90, 1) == "Meeting 42:05 of 90:00 · 1 case left"
    assert clock_text(95 * 60, 90, 0) == "Meeting 95:00 of 90:00 · no cases left"


def test_meeting_clock_and_cases_left(qtbot, store, team, gp, meeting) -> None:
    mode = _mode(qtbot, store, meeting)
    total = len(m.agenda(store, meeting))
    assert mode.clock.text().startswith("Meeting 00:0")
    assert mode.clock.text().endswith(f"{total} cases left")
    mode.meeting_started -= 125  # as if the meeting had started two minutes ago
    mode._tick()
    assert mode.clock.text().startswith("Meeting 02:0")
    qtbot.keyClick(mode, Qt.Key.Key_X)  # not reached: no longer left to discuss
    qtbot.keyClick(mode, Qt.Key.Key_Right)
    qtbot.keyClick(mode, Qt.Key.Key_M)  # discussed
    assert mode.clock.text().endswith(f"{total - 2} cases left")


def test_go_to_a_case_by_number_shows_no_names(qtbot, store, team, gp, meeting) -> None:
    mode = _mode(qtbot, store, meeting)
    total = len(m.agenda(store, meeting))
    seen: dict[str, str] = {}

    def go(dialog) -> None:
        QTimer.singleShot(8000, dialog, lambda: dialog.done(0))
        _activate(qtbot, dialog)
        seen["dialog"] = (
            " ".join(str(w.text()) for w in dialog.findChildren(QLabel)) + dialog.windowTitle()
        )
        assert dialog.number.maximum() == total
        dialog.number.selectAll()
        qtbot.keyClicks(dialog.number, "3")
        qtbot.keyClick(dialog.number, Qt.Key.Key_Return)

    _when_modal(go)
    qtbot.keyClick(mode, Qt.Key.Key_G)
    assert mode.position.text() == f"Case 3 of {total}"
    assert "Go to case" in seen["dialog"]
    for family in FAMILIES:
        assert family not in seen["dialog"].upper()


def test_arrow_and_page_keys_scroll_an_overflowing_panel(qtbot, store, team, gp, meeting) -> None:
    first = m.agenda(store, meeting)[0]
    with store.transaction() as s:
        risk = s.scalars(select(RiskScore).where(RiskScore.patient_id == first.patient_id)).one()
        risk.reasons = [f"Reason number {n} for being on the list" for n in range(60)]
    mode = _mode(qtbot, store, meeting)
    bar = mode.risk.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    assert bar.value() == 0
    qtbot.keyClick(mode, Qt.Key.Key_Down)
    down = bar.value()
    assert down > 0
    qtbot.keyClick(mode, Qt.Key.Key_PageDown)
    assert bar.value() > down
    assert mode.position.text().startswith("Case 1 of")  # PgDn scrolls, it does not move on
    qtbot.keyClick(mode, Qt.Key.Key_PageUp)
    qtbot.keyClick(mode, Qt.Key.Key_Up)
    assert bar.value() == 0
    assert mode.position.text().startswith("Case 1 of")
    assert mode.risk.property("scrolling") is True  # the room sees which panel moves


def test_tab_chooses_which_overflowing_panel_scrolls(qtbot, store, team, gp, meeting) -> None:
    first = m.agenda(store, meeting)[0]
    with store.transaction() as s:
        risk = s.scalars(select(RiskScore).where(RiskScore.patient_id == first.patient_id)).one()
        risk.reasons = [f"Reason number {n} for being on the list" for n in range(60)]
        plan = CarePlan(team_id=team.team_id, patient_id=first.patient_id, status="agreed")
        s.add(plan)
        s.flush()
        s.add(
            CarePlanVersion(
                team_id=team.team_id, care_plan_id=plan.id, number=1,
                author_name="Dr Priya Raman", created_at=datetime.now(UTC),
                content={"goals": [f"Goal number {n} of the plan" for n in range(60)]},
            )
        )  # fmt: skip
    mode = _mode(qtbot, store, meeting)
    risk_bar = mode.risk.scroll_area.verticalScrollBar()
    goals_bar = mode.goals.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: risk_bar.maximum() > 0 and goals_bar.maximum() > 0, timeout=3000)
    qtbot.keyClick(mode, Qt.Key.Key_Tab)
    qtbot.keyClick(mode, Qt.Key.Key_PageDown)
    assert goals_bar.value() > 0 and risk_bar.value() == 0
    assert mode.goals.property("scrolling") is True and mode.risk.property("scrolling") is False
    qtbot.keyClick(mode, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(mode, Qt.Key.Key_Down)
    assert risk_bar.value() > 0


def test_goal_statuses_are_words(qtbot, store, team, gp, meeting) -> None:
    first = m.agenda(store, meeting)[0]
    with store.transaction() as s:
        plan = CarePlan(team_id=team.team_id, patient_id=first.patient_id, status="agreed")
        s.add(plan)
        s.flush()
        s.add(
            CarePlanVersion(
                team_id=team.team_id, care_plan_id=plan.id, number=1,
                author_name="Dr Priya Raman", created_at=datetime.now(UTC),
                content={"goals": [
                    {"id": "g1", "outcome": "Walk to the corner shop", "status": "not_started"},
                    {"id": "g2", "outcome": "Sleep through the night", "status": "in_progress"},
                    {"id": "g3", "outcome": "Stay at home", "status": "no_longer_relevant"},
                ]},
            )
        )  # fmt: skip
    mode = _mode(qtbot, store, meeting)
    text = mode.goals.body.text()
    assert "Walk to the corner shop (Not started)" in text
    assert "Sleep through the night (In progress)" in text
    assert "Stay at home (No longer relevant)" in text
    assert "not_started" not in text and "in_progress" not in text


# --- 4. attendance in one step, "End meeting" -----------------------------------------------


def _page(qtbot, store, user) -> MeetingsPage:
    page = MeetingsPage(store, user)
    page.today = TODAY
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.reload()
    return page


def test_everyone_invited_present_in_one_step_then_the_exceptions(qtbot, store, team, gp) -> None:
    meeting = m.schedule_meeting(store, team_id=team.team_id, starts_at=MEETING_AT,
                                 location="Room 2")  # fmt: skip
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    panel = page.attendance
    assert panel.quorum_label.text().startswith("Not quorate")
    qtbot.mouseClick(panel.all_present_button, Qt.MouseButton.LeftButton)
    assert {a.attendance for a in m.attendance(store, meeting)} == {"present"}
    assert panel.quorum_label.text().startswith("Quorate")
    combo = panel.combo_for("Imran Shah")
    combo.setCurrentIndex(combo.findData("apologies"))
    by_name = {a.name: a.attendance for a in m.attendance(store, meeting)}
    assert by_name["Imran Shah"] == "apologies" and by_name["Sue Palmer"] == "present"
    assert panel.all_present_button.accessibleName() or panel.all_present_button.text()


def test_end_meeting_stands_beside_cancel_meeting(qtbot, store, team, gp) -> None:
    meeting = m.schedule_meeting(store, team_id=team.team_id, starts_at=MEETING_AT,
                                 location="Room 2")  # fmt: skip
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    assert page.close_button.text() == "End meeting"
    assert page.cancel_button.text() == "Cancel meeting"
    titles: list[str] = []

    def answer(box) -> None:
        titles.extend([box.windowTitle(), box.text()])
        if box.windowTitle() == "Escalations not on the agenda":  # the team has escalations
            next(b for b in box.buttons() if b.text() == "End without adding").click()
            _when_modal(answer)  # then the question this test is about
        else:
            box.button(QMessageBox.StandardButton.Yes).click()

    _when_modal(answer, QMessageBox)
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert titles[-2] == "End meeting" and "End this meeting" in titles[-1]
    assert m.meeting_summary(store, meeting).status == "closed"


def test_paused_time_does_not_count_against_the_case(qtbot, store, team, gp, meeting) -> None:
    mode = _mode(qtbot, store, meeting)
    mode.pause()
    mode._shown_since -= 300  # five minutes with the screen paused
    mode.resume()
    assert mode.case is not None
    assert mode.elapsed.get(mode.case.item_id, 0.0) < 60
    assert time.monotonic() - mode.meeting_started >= 0
