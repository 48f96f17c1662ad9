"""The main window: navigation, the dashboard, settings, idle lock, switching user."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import QDialog, QLabel
from sqlalchemy import select

from mdt_desktop.domain.roles import Role
from mdt_desktop.gui.case_finding import CaseFindingPage
from mdt_desktop.gui.main_window import AREAS, MainWindow
from mdt_desktop.gui.pages import NotBuiltPage
from mdt_desktop.gui.today import TodayPage
from mdt_desktop.services.users import create_user, current_user, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import AuditEntry

NEVER_MS = 100_000_000  # an idle timeout no test reaches


def _audit(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.user_name).order_by(AuditEntry.seq))
        return [(action, name) for action, name in rows]


def _titles(page) -> list[str]:
    return [
        label.text() for label in page.findChildren(QLabel) if label.objectName() == "pageTitle"
    ]


# --- navigation and what each area shows ------------------------------------------------------


def test_navigation_opens_every_area(qtbot, window: MainWindow) -> None:
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == AREAS
    for row, area in enumerate(AREAS):
        rect = window.nav.visualItemRect(window.nav.item(row))
        qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        page = window.pages[area]
        assert window.stack.currentWidget() is page and page.isVisible()
        assert area in _titles(page)
    assert isinstance(window.pages["Today"], TodayPage)
    assert isinstance(window.pages["Case finding"], CaseFindingPage)


def test_areas_not_built_say_so_plainly_and_show_no_data(qtbot, window: MainWindow) -> None:
    # Every area is built today; the page an unbuilt one would get still says so plainly.
    from mdt_desktop.gui.budgets.page import BudgetsPage

    assert isinstance(window.show_area("Budgets"), BudgetsPage)
    for page in (NotBuiltPage("Budgets", "the money."),):
        qtbot.addWidget(page)
        text = page.notice.text()
        assert "coming in a later version" in text and "not built yet" in text
        assert "999" not in text  # no made-up people


def test_status_bar_names_the_store_the_user_and_the_sync_state(window: MainWindow) -> None:
    assert window.store_label.text() == f"Store: {Path(window.store.path).name}"
    assert window.user_label.text() == "Sam Carter (District nurse)"
    assert window.sync_label.text() == "Offline — no server configured"
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Team", "&View", "S&ync", "&Help"]


def test_today_shows_real_numbers_and_offers_demo_data(qtbot, window: MainWindow) -> None:
    dashboard = window.show_area("Today")
    dashboard.wait_until_loaded()
    assert dashboard.cards["patients"].value.text() == "0"
    assert "audit_entries" not in dashboard.cards  # the store's own figures: Store details
    assert dashboard.demo_box.isVisible()  # an empty store: demo data one click away
    window.show_area("Case finding")  # built now; must show the new people afterwards
    window.show_area("Today")
    dashboard.demo_size.addItem("200 people", 200)
    dashboard.demo_size.setCurrentIndex(dashboard.demo_size.count() - 1)
    with qtbot.waitSignal(dashboard.store_changed, timeout=30_000):
        dashboard.demo_button.click()
        assert dashboard.demo_progress.isVisible() and dashboard.demo_cancel.isVisible()
    qtbot.waitUntil(lambda: dashboard.cards["patients"].value.text() == "200", timeout=10_000)
    assert dashboard.cards["coded_entries"].value.text() != "0"
    assert not dashboard.demo_box.isVisible()
    assert "Case finding" not in window.pages  # dropped, rebuilt on the next visit
    page = window.show_area("Case finding")
    page.wait_until_loaded()
    assert page.model.rowCount() == 200


def test_cancelling_demo_data_leaves_the_store_empty(qtbot, window: MainWindow) -> None:
    dashboard = window.show_area("Today")
    dashboard.wait_until_loaded()
    dashboard.demo_size.setCurrentIndex(dashboard.demo_size.findData(50_000))
    op = dashboard.start_demo()
    dashboard.demo_cancel.click()
    with qtbot.waitSignal(op.finished, timeout=30_000):
        pass
    dashboard.wait_until_loaded()
    assert dashboard.cards["patients"].value.text() == "0"
    assert dashboard.demo_box.isVisible() and dashboard.demo_button.isEnabled()


def test_area_and_geometry_are_remembered(qtbot, store: Store, user) -> None:
    first = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(first)
    first.show()
    first.resize(QSize(1200, 700))
    first.show_area("Meetings")
    first.close()
    again = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(again)
    again.show()
    assert again.current_area() == "Meetings" and again.stack.currentWidget().isVisible()
    # Offscreen, the screen is 800 px wide: restoring clamps the width, not the height.
    assert again.height() == 700
    again.close()


def test_idle_minutes_come_from_settings_and_can_be_changed(qtbot, store: Store, user) -> None:
    QSettings().setValue("security/idle_minutes", 1.5)
    window = MainWindow(store, user)
    qtbot.addWidget(window)
    assert window.idle.timer.interval() == 90_000
    window.set_idle_minutes(3)
    assert window.idle.timer.interval() == 180_000
    assert float(QSettings().value("security/idle_minutes")) == 3
    window.close()


# --- locking ------------------------------------------------------------------------------------


def test_idle_lock_hides_everything_and_unlocks_with_the_pin(qtbot, store: Store, user) -> None:
    window = MainWindow(store, user, idle_ms=150)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert not window.content.isVisible()  # no patient data behind the lock
    assert not window.lock_action.isEnabled()
    screen = window.lock_screen
    assert screen.mode == "pin" and screen.secret.isVisible()
    assert screen.who.currentText() == "Sam Carter (District nurse)"
    screen.secret.setText("0000")
    screen.try_unlock()
    assert window.locked and "not right" in screen.error.text()
    screen.secret.setText("4321")
    screen.try_unlock()
    assert not window.locked and window.content.isVisible()
    assert _audit(store)[-2:] == [("lock", "Sam Carter"), ("unlock", "Sam Carter")]
    window.idle.stop()
    window.close()


def test_input_keeps_it_unlocked(qtbot, window: MainWindow) -> None:
    window.idle.set_timeout_ms(400)
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert not window.locked  # 600 ms of use > the 400 ms timeout
    qtbot.waitUntil(lambda: window.locked, timeout=5000)


def test_locking_hides_dialogs_and_brings_them_back(qtbot, window: MainWindow) -> None:
    loose = QDialog(window)
    loose.setWindowTitle("Referral: HUGHES, Freya")
    loose.show()
    window.lock()
    assert window.locked and not loose.isVisible()
    window.lock_screen.secret.setText("4321")
    window.lock_screen.try_unlock()
    assert not window.locked and loose.isVisible()  # hidden, never closed


def test_passphrase_store_unlocks_with_the_passphrase(qtbot, tmp_path: Path) -> None:
    store = Store.create(tmp_path / "p.mdt", StoreKey(passphrase="library card 1984"))
    person = create_user(store, "Mark Fletcher", Role.SOCIAL_WORKER, None)
    sign_in(store, person)
    window = MainWindow(store, person, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    screen = window.lock_screen
    assert screen.mode == "passphrase" and screen.secret_label.text() == "Store passphrase"
    screen.secret.setText("not the passphrase")
    screen.try_unlock()
    # Each try derives the key from the passphrase in the background: slow on a busy machine.
    qtbot.waitUntil(lambda: "not the store passphrase" in screen.error.text(), timeout=30_000)
    assert window.locked
    screen.secret.setText("library card 1984")
    with qtbot.waitSignal(screen.unlocked, timeout=30_000):
        screen.try_unlock()
    assert not window.locked
    window.close()
    store.close()


def test_keyring_store_where_nobody_has_a_pin_asks_for_one_first(qtbot, store: Store) -> None:
    person = create_user(store, "Nia Jones", Role.PHYSIOTHERAPIST, None)  # an older store
    sign_in(store, person)
    window = MainWindow(store, person, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    screen = window.lock_screen
    assert screen.mode == "open" and screen.new_pin.isVisible() and not screen.secret.isVisible()
    screen.try_unlock()  # no PIN chosen: still locked
    assert window.locked and "4 to 12 digits" in screen.error.text()
    screen.new_pin.setText("9753")
    screen.try_unlock()
    assert not window.locked
    window.lock()
    assert screen.mode == "pin"  # from now on her PIN is asked for
    window.close()


def test_switch_user_needs_the_other_persons_pin(qtbot, window: MainWindow) -> None:
    store = window.store
    create_user(store, "Alex Kim", Role.PHARMACIST, None, pin="1111")
    changed = []
    window.user_changed.connect(changed.append)
    window.switch_user()
    assert window.locked
    screen = window.lock_screen
    screen.who.setCurrentIndex(screen.who.findText("Alex Kim (Pharmacist)"))
    assert "take over from Sam Carter" in screen.explain.text()
    screen.secret.setText("4321")  # Sam's PIN does not make you Alex
    screen.try_unlock()
    assert window.locked
    screen.secret.setText("1111")
    screen.try_unlock()
    assert not window.locked and window.user.name == "Alex Kim"
    assert [u.name for u in changed] == ["Alex Kim"]
    assert window.user_label.text() == "Alex Kim (Pharmacist)"
    assert current_user(store).name == "Alex Kim"
    sessions = [e for e in _audit(store) if e[0] in ("lock", "login", "unlock")]
    assert sessions[-3:] == [("lock", "Sam Carter"), ("login", "Alex Kim"), ("unlock", "Alex Kim")]
