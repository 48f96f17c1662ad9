"""The application lock: everything hidden or covered, nothing usable, and a secret to get in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from support.neighbourhood import build_neighbourhood

from mdt_desktop.domain.roles import Role
from mdt_desktop.gui import background
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.users import ProfileDialog
from mdt_desktop.services import users as profiles
from mdt_desktop.services.users import create_user, ensure_team, list_users, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import User

NEVER_MS = 100_000_000
GP_PIN = "2468"


@pytest.fixture
def gp(store: Store) -> User:
    team = ensure_team(store, "Test Neighbourhood MDT")
    person = create_user(store, "Dr Priya Raman", Role.GP, team, pin=GP_PIN)
    sign_in(store, person)
    return person


@pytest.fixture
def gp_window(qtbot: Any, store: Store, gp: User) -> Iterator[MainWindow]:
    main = MainWindow(store, gp, idle_ms=NEVER_MS)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


def _windows_shown(window: MainWindow) -> list[QWidget]:
    """Visible top-level windows other than the main window and the lock screen."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible()
        and w is not window
        and w is not window.lock_screen
        and not isinstance(w, QMenu)
    ]


def _all_actions(window: MainWindow) -> list[QAction]:
    found: list[QAction] = list(window.findChildren(QAction))

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            found.append(action)
            if action.menu() is not None:
                walk(action.menu())

    for top in window.menuBar().actions():
        found.append(top)
        if top.menu() is not None:
            walk(top.menu())
    return found


def _unlock_with(qtbot: Any, window: MainWindow, pin: str) -> None:
    screen = window.lock_screen
    screen.secret.setText(pin)
    screen.try_unlock()
    qtbot.waitUntil(lambda: not window.locked, timeout=5000)


def test_with_the_lock_shown_no_action_or_dialog_can_be_reached(
    qtbot, gp_window: MainWindow
) -> None:
    window = gp_window
    menus = {a.text() for a in window.menuBar().actions()}
    assert {"&Team", "S&ync"} <= menus
    window.lock()
    assert window.locked and window.lock_screen.isVisible()
    assert not window.menuBar().isEnabled()
    actions = _all_actions(window)
    texts = {a.text() for a in actions}
    assert {"&Audit log…", "&Staff directory…", "&Team server…", "Sync &now"} <= texts
    for action in actions:
        action.trigger()
        QApplication.processEvents()
        assert _windows_shown(window) == [], f"{action.text()} opened a window while locked"
    # Shortcuts (Ctrl+Shift+S is Sync now, Ctrl+L lock) reach nothing either.
    qtbot.keyClick(
        window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    QApplication.processEvents()
    assert _windows_shown(window) == []
    _unlock_with(qtbot, window, GP_PIN)
    assert window.menuBar().isEnabled()
    assert all(a.isEnabled() for a in window.findChildren(QAction) if a.text() == "&Audit log…")


def test_a_window_opened_while_locked_is_put_away_and_comes_back(
    qtbot, gp_window: MainWindow
) -> None:
    window = gp_window
    window.lock()
    late = QWidget()
    late.setWindowTitle("Something with a patient in it")
    qtbot.addWidget(late)
    late.show()
    qtbot.waitUntil(lambda: not late.isVisible(), timeout=2000)
    _unlock_with(qtbot, window, GP_PIN)
    assert late.isVisible()


def test_a_record_window_keeps_its_typed_note_through_lock_and_unlock(
    qtbot, store: Store, user: User
) -> None:
    hood = build_neighbourhood(store)
    window = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    record = window.open_record(hood.patients[0], tab="Notes")
    qtbot.addWidget(record)
    note = next(w for w in record.findChildren(QPlainTextEdit) if w.objectName() == "noteText")
    note.setPlainText("Seen at home; daughter worried about falls at night.")
    window.lock()
    assert not record.isVisible()  # hidden, not closed
    _unlock_with(qtbot, window, "4321")
    assert record.isVisible()
    assert note.toPlainText() == "Seen at home; daughter worried about falls at night."
    note.clear()  # nothing unsaved: closing does not ask (tests/gui/test_record_drafts.py)
    record.close()
    window.close()


def test_a_modal_dialog_is_covered_not_closed_and_the_lock_screen_still_unlocks(
    qtbot, gp_window: MainWindow, on_modal
) -> None:
    window = gp_window
    dialog = QDialog(window)
    dialog.setWindowTitle("Outcome for WARD, Edith")
    typed = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(typed)
    typed.setText("Discussed: refer to falls clinic")
    seen: dict[str, Any] = {}

    def while_open(shown: QWidget) -> None:
        window.lock()
        seen["title"] = shown.windowTitle()
        seen["enabled"] = shown.isEnabled()
        seen["visible"] = shown.isVisible()
        # The lock screen takes input over the modal dialog.
        seen["blocked"] = QApplication.activeModalWidget() is not window.lock_screen
        _unlock_with(qtbot, window, GP_PIN)
        seen["after"] = (shown.isVisible(), shown.isEnabled(), shown.windowTitle())
        QTimer.singleShot(0, shown.accept)

    on_modal(while_open)
    assert dialog.exec() == QDialog.DialogCode.Accepted  # ended by us, not by the lock
    assert seen["visible"] and not seen["enabled"] and "WARD" not in seen["title"]
    assert not seen["blocked"]
    assert seen["after"] == (True, True, "Outcome for WARD, Edith")
    assert typed.text() == "Discussed: refer to falls clinic"


def test_background_results_wait_until_unlock(qtbot, gp_window: MainWindow) -> None:
    window = gp_window
    window.lock()
    got: list[int] = []
    op = background.run_in_background(window, lambda progress: 42, on_success=got.append)
    qtbot.waitUntil(lambda: background.results_held() > 0, timeout=5000)
    QApplication.processEvents()
    assert got == [] and not op.done
    _unlock_with(qtbot, window, GP_PIN)
    assert got == [42] and op.done


def test_the_idle_timeout_is_bounded_to_one_to_sixty_minutes(qtbot, store: Store, user) -> None:
    for value, minutes in (("1e12", 60), ("0.01", 1), ("-5", 1), ("nonsense", 10), ("15", 15)):
        QSettings().setValue("security/idle_minutes", value)
        window = MainWindow(store, user)  # a huge value used to crash making the window
        qtbot.addWidget(window)
        assert window.idle.timer.interval() == minutes * 60_000, value
        window.close()


# --- secrets on a keyring store ------------------------------------------------------------------


def test_keyring_store_has_no_way_in_without_a_secret(qtbot, window: MainWindow) -> None:
    """A nurse's laptop: wrong PIN, no PIN, someone new, a synced teammate: all refused."""
    store = window.store
    assert store.key_kind == "keyring"
    with store.transaction() as s:  # a teammate's profile as sync brings it: no PIN here
        s.add(User(name="Alex Kim", role="pharmacist", created_at=store_now()))
    window.lock()
    screen = window.lock_screen
    entered: list[Any] = []
    screen.unlocked.connect(entered.append)
    screen.new_person.connect(lambda: entered.append("new"))
    for text in ("", "0000", "1234"):
        screen.secret.setText(text)
        screen.try_unlock()
    screen.who.setCurrentIndex(screen.who.findText("Alex Kim (Pharmacist)"))
    assert screen.mode == "server"
    screen.secret.setText("anything")
    screen.new_pin.setText("5555")
    screen.try_unlock()
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    assert "not connected to a team server" in screen.error.text()
    screen.who.setCurrentIndex(screen.who.findText("Someone new…"))
    assert screen.mode == "approval" and not screen.button.isEnabled()
    assert "no" in screen.explain.text() and "administrator or GP" in screen.explain.text()
    screen.try_unlock()
    QApplication.processEvents()
    assert entered == [] and window.locked


def store_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_someone_new_needs_a_gp_or_administrator_pin(qtbot, window: MainWindow, on_modal) -> None:
    store = window.store
    create_user(store, "Dr Priya Raman", Role.GP, None, pin=GP_PIN)
    window.lock()
    screen = window.lock_screen
    screen.who.setCurrentIndex(screen.who.findText("Someone new…"))
    assert screen.mode == "approval" and screen.approver.currentText() == "Dr Priya Raman (GP)"
    new: list[str] = []
    screen.new_person.connect(lambda: new.append("new"))
    screen.secret.setText("4321")  # Sam's PIN is not the GP's
    screen.try_unlock()
    assert new == [] and "not right" in screen.error.text()

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ProfileDialog)
        dialog.form.name.setText("Grace Obi")
        dialog.form.role.setCurrentIndex(dialog.form.role.findData("community_matron"))
        dialog._create()  # no PIN: refused on a keyring store
        assert "4 to 12 digits" in dialog.form.error.text() and dialog.isVisible()
        dialog.form.pin.setText("8642")
        dialog._create()

    on_modal(fill)
    screen.secret.setText(GP_PIN)
    with qtbot.waitSignal(window.user_changed, timeout=10_000):
        screen.try_unlock()
    assert not window.locked and window.user.name == "Grace Obi"
    grace = next(u for u in list_users(store) if u.name == "Grace Obi")
    assert profiles.check_pin("8642", grace.pin_hash)


def test_switching_to_another_person_needs_their_pin(qtbot, window: MainWindow) -> None:
    store = window.store
    create_user(store, "Alex Kim", Role.PHARMACIST, None, pin="1111")
    window.switch_user()
    screen = window.lock_screen
    screen.who.setCurrentIndex(screen.who.findText("Alex Kim (Pharmacist)"))
    screen.secret.setText("4321")  # Sam's PIN does not make you Alex
    screen.try_unlock()
    assert window.locked and window.user.name == "Sam Carter"
    _unlock_with(qtbot, window, "1111")
    assert window.user.name == "Alex Kim"


def test_wrong_pins_pause_then_block_and_survive_a_restart(
    qtbot, store: Store, store_key: StoreKey, user: User
) -> None:
    window = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    screen = window.lock_screen
    for _ in range(5):
        screen.secret.setText("0000")
        screen.try_unlock()
    screen.secret.setText("4321")  # right, but asked during the pause: not even checked
    screen.try_unlock()
    assert window.locked and "Try again in 30 seconds" in screen.error.text()
    window.close()
    path = store.path
    store.close()
    with Store.open(path, store_key) as again:  # a restart does not forget
        sam = next(u for u in list_users(again) if u.name == "Sam Carter")
        state = profiles.pin_state(again, sam)
        assert state.failures == 5 and 0 < state.wait_seconds <= 30


def test_starting_on_a_keyring_store_asks_for_the_pin(
    qtbot, store: Store, store_key: StoreKey, user: User
) -> None:
    from mdt_desktop.gui.app import launch

    path = store.path
    create_user(store, "Alex Kim", Role.PHARMACIST, None, pin="1111")
    from mdt_desktop.store.keys import save_to_keyring

    store.close()
    save_to_keyring(path, store_key)
    window = launch(Path(path), idle_ms=NEVER_MS)
    assert window is not None
    qtbot.addWidget(window)
    assert window.locked and "Sign in" in window.lock_screen.title.text()
    assert not window.content.isVisible()
    _unlock_with(qtbot, window, "4321")
    assert window.user.name == "Sam Carter"
    window.close()
    window.store.close()


def test_look_at_the_lock_screen(qtbot, gp_window: MainWindow) -> None:
    """A PNG of the lock screen, for a person to look at (tmp folder)."""
    gp_window.resize(1366, 768)
    gp_window.lock()
    for _ in range(3):
        QApplication.processEvents()
    shot = Path("/tmp/ll") if Path("/tmp/ll").is_dir() else None
    image = gp_window.lock_screen.grab()
    assert image.width() >= 1000
    if shot is not None:
        image.save(str(shot / "locked.png"))
        screen = gp_window.lock_screen
        screen.who.setCurrentIndex(screen.who.findText("Someone new…"))
        for _ in range(3):
            QApplication.processEvents()
        screen.grab().save(str(shot / "locked-someone-new.png"))


def test_after_ten_wrong_pins_only_a_server_sign_in_is_offered(qtbot, window: MainWindow) -> None:
    from datetime import UTC, datetime, timedelta

    store, sam = window.store, window.user
    then = datetime.now(UTC) - timedelta(days=1)
    for _ in range(9):  # nine earlier wrong PINs, their pauses long over
        with pytest.raises(profiles.SecretRefused):
            profiles.verify_pin(store, sam, "0000", then)
        then += timedelta(minutes=10)
    window.lock()
    screen = window.lock_screen
    assert screen.mode == "pin"
    screen.secret.setText("0000")
    screen.try_unlock()  # the tenth
    assert screen.mode == "server" and screen.new_pin.isVisible()
    assert "no longer unlocks" in screen.error.text()
    assert "entered wrongly too often" in screen.explain.text()
    screen.secret.setText("4321")  # the right PIN, in the server password field: refused
    screen.new_pin.setText("1111")
    screen.try_unlock()
    qtbot.waitUntil(lambda: not screen.busy, timeout=5000)
    assert window.locked
