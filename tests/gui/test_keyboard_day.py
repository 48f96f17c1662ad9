"""A day's work with the keyboard alone: refer, accept, a note with a mention, a care plan
edited and saved, a meeting presented and three decisions recorded.

Only key presses drive the app (QTest, no mouse, no calls on its widgets); the test reads
where the focus is and what the store holds. It finds its way by moving the focus until it
reaches the control it wants, so a new control or a changed order does not break it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMessageBox,
    QTabBar,
    QTableView,
    QWidget,
)
from sqlalchemy import select
from support.demo_store import *  # noqa: F403 (the demo fixtures)

from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.store.schema import (
    AgendaItem,
    CarePlan,
    CarePlanVersion,
    CaseloadEntry,
    Decision,
    Note,
    NoteMention,
    Patient,
    Referral,
    Staff,
)

NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    if widget is None:
        # A dialog has just closed. A window manager gives the keyboard back to the window
        # underneath; the offscreen platform has none, so do what it would.
        shown = {w.objectName(): w for w in QApplication.topLevelWidgets() if w.isVisible()}
        window = next((shown[name] for name in _WINDOWS if name in shown), None)
        if window is not None:
            window.activateWindow()
            for _ in range(100):
                if window.isActiveWindow():
                    break
                QTest.qWait(20)
            if QApplication.focusWidget() is None:
                # The control that had the focus was disabled meanwhile (Refer, with
                # nobody selected now): Tab, as a person would, gives it to the next.
                QTest.keyClick(window, Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
    assert widget is not None, (
        "nothing has the keyboard focus",
        QApplication.activeWindow(),
        QApplication.activeModalWidget(),
        [(w.objectName(), w.isVisible()) for w in QApplication.topLevelWidgets() if w.isVisible()],
    )
    return widget


#: The windows that hold the keyboard in this test, the latest opened first.
_WINDOWS: list[str] = ["recordWindow", "mainWindow"]


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = NO) -> None:
    QTest.keyClick(focus(), key, modifier)


def type_text(text: str) -> None:
    QTest.keyClicks(focus(), text)


def tab_to(wanted: Callable[[QWidget], bool], what: str, limit: int = 80) -> QWidget:
    """Tab until the focus is on the wanted control."""
    seen = []
    for _ in range(limit):
        widget = focus()
        if wanted(widget):
            return widget
        seen.append(f"{type(widget).__name__}:{widget.objectName() or _text(widget)}")
        press(Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {what}; went through {seen}")


def _text(widget: QWidget) -> str:
    return widget.text() if isinstance(widget, QAbstractButton) else ""


def button(text: str) -> Callable[[QWidget], bool]:
    def wanted(widget: QWidget) -> bool:
        return (
            isinstance(widget, QAbstractButton)
            and widget.isVisible()
            and widget.text().replace("&", "").startswith(text)
        )

    return wanted


def named(object_name: str) -> Callable[[QWidget], bool]:
    return lambda widget: widget.objectName() == object_name


def is_a(kind: type) -> Callable[[QWidget], bool]:
    return lambda widget: isinstance(widget, kind) and widget.isVisible()


def go_to_area(window: MainWindow, area: str) -> None:
    """From anywhere in the window: Tab to the navigation, then arrow keys to the area."""
    tab_to(lambda w: w is window.nav, "the navigation")
    press(Qt.Key.Key_Home)
    for _ in range(12):
        if window.current_area() == area:
            return
        press(Qt.Key.Key_Down)
    raise AssertionError(f"the navigation has no {area}")


def answer_any_question(box: QMessageBox) -> None:
    """A question on the way (not quorate, a warning before presenting): go ahead. Tab to
    its button that goes on (Yes, or one that accepts) and press it."""
    go_on = (QMessageBox.ButtonRole.YesRole, QMessageBox.ButtonRole.AcceptRole)
    tab_to(
        lambda w: isinstance(w, QAbstractButton) and box.buttonRole(w) in go_on,
        f"a button that goes on in {box.windowTitle()!r}",
        limit=10,
    )
    press(Qt.Key.Key_Space)


def stored(qtbot: Any, store: Any, query: Any) -> Any:
    """The row a change wrote, once its background work has finished."""
    found: list[Any] = []

    def written() -> bool:
        with store.session() as s:
            found[:] = s.scalars(query).all()
            for row in found:
                s.expunge(row)
        return bool(found)

    try:
        qtbot.waitUntil(written, timeout=5000)
    except Exception:
        raise AssertionError(f"not written; dialogs seen: {_SEEN}") from None
    assert len(found) == 1
    return found[0]


_SEEN: list[str] = []


class Modals:
    """Acts, with keys, on each modal dialog as it opens (its exec() runs meanwhile)."""

    def __init__(self) -> None:
        self.steps: list[Callable[[QWidget], None]] = []
        self.seen: list[str] = []
        self._last: QWidget | None = None
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def then(self, step: Callable[[QWidget], None]) -> None:
        self.steps.append(step)

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog is self._last or not dialog.isVisible():
            return
        if QApplication.focusWidget() is None or QApplication.focusWidget().window() is not dialog:
            return  # not ready for keys yet
        self._last = dialog
        self.seen.append(dialog.windowTitle())
        _SEEN.append(dialog.windowTitle())
        if isinstance(dialog, QMessageBox) and not (
            self.steps and getattr(self.steps[0], "for_message_box", False)
        ):
            answer_any_question(dialog)
            return
        if self.steps:
            self.steps.pop(0)(dialog)


@pytest.fixture
def modals() -> Any:
    watcher = Modals()
    yield watcher
    watcher.timer.stop()


@pytest.mark.slow
def test_a_day_with_the_keyboard_only(qtbot: Any, demo_window: MainWindow, modals: Modals) -> None:
    window, store = demo_window, demo_window.store
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.nav.setFocus()  # where a person's first Tab would land; the rest is keys

    # --- 1. Refer someone from case finding ------------------------------------------------
    go_to_area(window, "Case finding")
    page = window.page("Case finding")
    page.wait_until_loaded()
    tab_to(named("search"), "the search box")
    with store.session() as s:
        person = s.scalars(
            select(Patient)
            .where(~Patient.id.in_(select(Referral.patient_id)))
            .where(~Patient.id.in_(select(CaseloadEntry.patient_id)))
            .order_by(Patient.nhs_number)
        ).first()
        assert person is not None
        nhs = person.nhs_number
    type_text(nhs)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    tab_to(is_a(QTableView), "the list")
    press(Qt.Key.Key_Space)  # select the one match
    qtbot.waitUntil(lambda: page.refer_button.isEnabled(), timeout=3000)

    def refer(dialog: QWidget) -> None:
        type_text("Two falls this month and lives alone")
        tab_to(button("Refer"), "Refer")
        press(Qt.Key.Key_Space)

    modals.then(refer)
    tab_to(button("Refer to caseload"), "Refer to caseload…")
    press(Qt.Key.Key_Space)
    with store.session() as s:
        referral = s.scalars(select(Referral).where(Referral.patient_id == person.id)).one()
        assert referral.status == "waiting" and "Two falls" in referral.reason

    # --- 2. Accept the referral on the caseload -------------------------------------------
    go_to_area(window, "Caseload")
    caseload = window.page("Caseload")
    caseload.wait_until_loaded()
    tab_to(is_a(QTabBar), "the caseload's tabs")
    for _ in range(5):  # to the first tab, Referrals waiting
        press(Qt.Key.Key_Left)
    assert caseload.status() == "waiting"
    caseload.wait_until_loaded()
    tab_to(named("caseloadSearch"), "the caseload search")
    type_text(nhs)
    qtbot.waitUntil(lambda: len(caseload.model.rows) == 1, timeout=5000)
    tab_to(named("caseloadTable"), "the caseload list")
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: caseload.accept_button.isEnabled(), timeout=3000)

    def accept(dialog: QWidget) -> None:
        # The signed-in nurse is chosen as coordinator already: just accept.
        tab_to(button("Accept"), "Accept")
        press(Qt.Key.Key_Space)

    modals.then(accept)
    tab_to(button("Accept"), "Accept…")
    press(Qt.Key.Key_Space)
    entry = stored(qtbot, store, select(CaseloadEntry).where(CaseloadEntry.patient_id == person.id))
    assert entry.status == "active" and entry.care_coordinator_id == window.user.staff_id
    assert modals.seen[-1] == "Accept referral"

    # --- 3. A note with a mention, in the person's record ----------------------------------
    tab_to(is_a(QTabBar), "the caseload's tabs")
    press(Qt.Key.Key_Right)  # Active
    caseload.wait_until_loaded()
    caseload.wait_until_loaded()
    qtbot.waitUntil(lambda: len(caseload.model.rows) == 1, timeout=5000)  # the search holds
    tab_to(named("caseloadTable"), "the caseload list")
    press(Qt.Key.Key_Space)
    press(Qt.Key.Key_Return)  # opens the record
    qtbot.waitUntil(lambda: focus().window() is not window, timeout=5000)
    record = focus().window()
    tab_to(is_a(QTabBar), "the record's tabs")
    for _ in range(8):
        if record.view.tabs.tabText(record.view.tabs.currentIndex()) == "Notes":
            break
        press(Qt.Key.Key_Right)
    tab_to(named("noteText"), "the note box")
    type_text("Seen at home today, steadier on her feet. @Rachel Ward please review the frame")
    tab_to(button("Add note"), "Add note")
    press(Qt.Key.Key_Space)
    note = stored(
        qtbot, store, select(Note).where(Note.patient_id == person.id, Note.text.contains("@"))
    )
    assert "@Rachel Ward please review" in note.text
    with store.session() as s:
        told = s.scalars(
            select(Staff.name).join(NoteMention, NoteMention.staff_id == Staff.id)
            .where(NoteMention.note_id == note.id)
        ).all()  # fmt: skip
    assert told == ["Rachel Ward"]

    # --- 4. Edit and save the care plan, in the same record -------------------------------
    tab_to(is_a(QTabBar), "the record's tabs")
    for _ in range(8):
        if record.view.tabs.tabText(record.view.tabs.currentIndex()) == "Care plan":
            break
        press(Qt.Key.Key_Right)
    tab_to(named("planSections"), "the plan's sections")
    press(Qt.Key.Key_Home)  # About me and what matters to me
    tab_to(named("text_about_me"), "About me")
    type_text("I want to keep walking to the shop on my own.")
    tab_to(button("Save new version"), "Save new version")
    press(Qt.Key.Key_Space)
    version = stored(
        qtbot,
        store,
        select(CarePlanVersion)
        .join(CarePlan, CarePlan.id == CarePlanVersion.care_plan_id)
        .where(CarePlan.patient_id == person.id),
    )
    assert "walking to the shop" in version.content["about_me"]

    # --- 5. Present the next meeting and record three decisions ---------------------------
    # Back to the main window (the window manager's Alt+Tab, done here as it would).
    _WINDOWS.reverse()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    go_to_area(window, "Meetings")
    meetings = window.page("Meetings")
    meetings.wait_until_loaded()
    tab_to(named("meetingList"), "the list of meetings")
    press(Qt.Key.Key_Home)  # the next meeting, planned
    meeting_id = meetings.meeting_id
    with store.session() as s:
        cases = s.scalars(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
        ).all()  # fmt: skip
    assert len(cases) >= 3
    press(Qt.Key.Key_F5)  # Present: "not quorate, start anyway?" is answered Yes
    qtbot.waitUntil(lambda: meetings.mode is not None and meetings.mode.isVisible(), timeout=5000)
    mode = meetings.mode

    def decide(dialog: QWidget) -> None:
        press(Qt.Key.Key_1)  # Continue
        tab_to(named("discussion"), "the discussion")
        type_text("Steady; the plan is working.")
        press(Qt.Key.Key_Return, CTRL)

    for _ in range(3):
        # Meeting mode has the keyboard again (the dialog has closed).
        qtbot.waitUntil(lambda: focus() is mode or mode.isAncestorOf(focus()), timeout=5000)
        modals.then(decide)
        press(Qt.Key.Key_D)
        press(Qt.Key.Key_N)  # on to the next case
    with store.session() as s:
        decided = s.scalars(
            select(Decision.outcome).where(Decision.agenda_item_id.in_(cases))
        ).all()  # fmt: skip
    assert decided == ["continue"] * 3
    assert modals.seen.count("Record the decision") == 3
