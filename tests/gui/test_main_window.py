"""The main window: idle lock and unlock, areas not yet built, screenshots."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from sqlalchemy import select

from mdt_desktop.gui import app as gui_app
from mdt_desktop.gui.main_window import AREAS, MainWindow
from mdt_desktop.gui.pages import NotBuiltPage
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry


def test_idle_lock_hides_everything_and_unlocks_with_the_pin(qtbot, store: Store, user) -> None:
    window = MainWindow(store, user, idle_ms=150)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.locked, timeout=5000)
    assert not window.stack.isVisible()  # no patient data behind the lock
    screen = window.lock_screen
    assert screen.mode == "pin" and screen.secret.isVisible()
    screen.secret.setText("0000")
    screen.try_unlock()
    assert window.locked and "not right" in screen.error.text()
    screen.secret.setText("4321")
    screen.try_unlock()
    assert not window.locked and window.stack.isVisible()
    with store.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-2:] == ["lock", "unlock"]
    window.idle.timer.stop()
    window.close()


def test_passphrase_store_unlocks_with_the_passphrase(qtbot, tmp_path: Path) -> None:
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.users import create_user, sign_in
    from mdt_desktop.store.keys import StoreKey

    store = Store.create(tmp_path / "p.mdt", StoreKey(passphrase="library card 1984"))
    person = create_user(store, "Mark Fletcher", Role.SOCIAL_WORKER, None)
    sign_in(store, person)
    window = MainWindow(store, person, idle_ms=10_000_000)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    screen = window.lock_screen
    assert screen.mode == "passphrase"
    screen.secret.setText("not the passphrase")
    screen.try_unlock()
    qtbot.waitUntil(lambda: "could not be unlocked" in screen.error.text(), timeout=10_000)
    assert window.locked
    screen.secret.setText("library card 1984")
    with qtbot.waitSignal(screen.unlocked, timeout=10_000):
        screen.try_unlock()
    assert not window.locked
    window.close()
    store.close()


def test_areas_not_built_say_so_plainly(qtbot, store: Store, user) -> None:
    window = MainWindow(store, user, idle_ms=10_000_000)
    qtbot.addWidget(window)
    window.show()
    for name in ("Caseload", "Meetings", "Care plans", "Budgets", "Discharges"):
        page = window.show_area(name)
        assert isinstance(page, NotBuiltPage)
        text = page.findChild(type(page.layout().itemAt(1).widget())).text()
        assert "not built yet" in text
    window.close()


def test_empty_store_offers_demo_data_and_loads_it(qtbot, store: Store, user) -> None:
    window = MainWindow(store, user, idle_ms=10_000_000)
    qtbot.addWidget(window)
    window.show()
    dashboard = window.show_area("Dashboard")
    dashboard.wait_until_loaded()
    assert dashboard.demo_box.isVisible()
    op = dashboard.start_demo()
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: dashboard.cards["patients"].value.text() == "5,000", timeout=20_000)
    assert not dashboard.demo_box.isVisible()
    window.close()


def test_screenshot_option_writes_a_png_per_view(
    qtbot, store: Store, store_key, user, tmp_path
) -> None:
    from mdt_desktop.store.keys import save_to_keyring

    generate_demo(store, 300, seed=2)
    store.close()
    save_to_keyring(store.path, store_key)  # as `mdt init` would have
    out = tmp_path / "shots"
    assert gui_app.main(["--store", str(store.path), "--screenshot", str(out)]) == 0
    for size in ("1366x768", "1920x1080"):
        files = sorted((out / size).glob("*.png"))
        assert len(files) == len(AREAS)
        assert all(f.stat().st_size > 5000 for f in files)
        image = QImage(str(files[0]))
        assert (image.width(), image.height()) == tuple(int(v) for v in size.split("x"))
