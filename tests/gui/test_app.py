"""Starting the app: unlocking, choosing who is using it, --screenshot, --quit-after-shown."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from sqlalchemy import select

from mdt_desktop.domain.roles import Role
from mdt_desktop.gui import app as gui_app
from mdt_desktop.gui.app import UnlockDialog, launch
from mdt_desktop.gui.main_window import AREAS, slug
from mdt_desktop.gui.users import ProfileDialog, UserPicker
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.users import create_user, current_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey, save_to_keyring
from mdt_desktop.store.schema import AuditEntry

PASSPHRASE = "correct horse battery"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def passphrase_store(tmp_path: Path) -> Path:
    path = tmp_path / "locked.mdt"
    with Store.create(path, StoreKey(passphrase=PASSPHRASE)) as store:
        sign_in(store, create_user(store, "Mark Fletcher", Role.SOCIAL_WORKER, None))
    return path


@pytest.fixture
def keyring_store(store: Store, store_key: StoreKey, user) -> Path:
    """The shared store, closed, with its key in the (test) keyring as `mdt init` leaves it."""
    path = store.path
    store.close()
    save_to_keyring(path, store_key)
    return path


def test_unlock_dialog_wrong_then_right(qtbot, passphrase_store: Path) -> None:
    before = _digest(passphrase_store)
    dialog = UnlockDialog(passphrase_store, "")
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("wrong horse battery")
    dialog.try_unlock()
    qtbot.waitUntil(lambda: "could not be unlocked" in dialog.error.text(), timeout=10_000)
    assert dialog.error.text().startswith("This store could not be unlocked: ")
    assert dialog.store is None and dialog.unlock_button.isEnabled()
    assert _digest(passphrase_store) == before  # a wrong passphrase touches nothing
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.try_unlock()
    assert dialog.store is not None
    dialog.store.close()


def test_start_asks_for_the_passphrase_then_opens_the_main_window(
    qtbot, passphrase_store: Path, on_modal
) -> None:
    def type_passphrase(dialog):
        assert isinstance(dialog, UnlockDialog)
        assert "protected by a passphrase" in dialog.findChild(type(dialog.error)).text()
        dialog.passphrase.setText(PASSPHRASE)
        dialog.try_unlock()

    seen = on_modal(type_passphrase)
    window = launch(passphrase_store, idle_ms=10_000_000)
    assert window is not None and len(seen) == 1
    qtbot.addWidget(window)
    assert window.user.name == "Mark Fletcher"  # the only profile: signed in directly
    assert window.user_label.text() == "Mark Fletcher (Social worker)"
    window.close()
    window.store.close()


def test_quitting_at_the_unlock_dialog_opens_nothing(qtbot, passphrase_store: Path, on_modal):
    before = _digest(passphrase_store)
    on_modal(lambda dialog: dialog.reject())
    assert launch(passphrase_store) is None
    assert _digest(passphrase_store) == before


def test_a_keyring_store_starts_at_the_lock_screen_and_asks_whose_pin(
    qtbot, keyring_store: Path
) -> None:
    with Store.open(keyring_store) as store:
        create_user(store, "Alex Kim", Role.PHARMACIST, ensure_team(store, "Team"), pin="1111")
    window = launch(keyring_store, idle_ms=10_000_000)  # the key comes from the keyring
    assert window is not None
    qtbot.addWidget(window)
    screen = window.lock_screen
    assert window.locked and screen.who.currentText() == "Sam Carter (District nurse)"
    screen.who.setCurrentIndex(screen.who.findText("Alex Kim (Pharmacist)"))
    screen.secret.setText("4321")  # Sam's PIN does not make you Alex
    screen.try_unlock()
    assert window.locked
    screen.secret.setText("1111")
    screen.try_unlock()
    assert not window.locked and window.user.name == "Alex Kim"
    assert current_user(window.store).name == "Alex Kim"
    window.close()
    window.store.close()


def test_several_profiles_on_a_passphrase_store_are_asked_who(
    qtbot, passphrase_store: Path, on_modal, monkeypatch
) -> None:
    monkeypatch.setenv("MDT_PASSPHRASE", PASSPHRASE)
    with Store.open(passphrase_store) as store:
        create_user(store, "Alex Kim", Role.PHARMACIST, ensure_team(store, "Team"))

    def pick_alex(dialog):
        assert isinstance(dialog, UserPicker)
        dialog.users.setCurrentIndex(dialog.users.findText("Alex Kim (Pharmacist)"))
        dialog.accept()

    on_modal(pick_alex)
    window = launch(passphrase_store, idle_ms=10_000_000)  # the passphrase proves anyone
    assert window is not None
    qtbot.addWidget(window)
    assert not window.locked and window.user.name == "Alex Kim"
    window.close()
    window.store.close()


def test_a_store_made_by_the_cli_asks_for_a_profile(qtbot, tmp_path: Path, on_modal) -> None:
    path = tmp_path / "cli.mdt"
    Store.create(path, StoreKey.generate()).close()

    def fill_profile(dialog):
        assert isinstance(dialog, ProfileDialog)
        dialog.form.name.setText("Jo Bloggs")
        dialog.form.role.setCurrentIndex(dialog.form.role.findData("care_coordinator"))
        dialog._create()  # a keyring store: the PIN is what keeps others out
        assert "4 to 12 digits" in dialog.form.error.text()
        dialog.form.pin.setText("1357")
        dialog._create()

    on_modal(fill_profile)
    window = launch(path, idle_ms=10_000_000)
    assert window is not None
    qtbot.addWidget(window)
    assert window.user_label.text() == "Jo Bloggs (Care coordinator)"
    window.close()
    window.store.close()


def test_screenshot_option_writes_a_png_per_view(qtbot, store: Store, store_key, user, tmp_path):
    generate_demo(store, 300, seed=2)
    store.close()
    save_to_keyring(store.path, store_key)
    with Store.open(store.path) as s, s.session() as session:
        audit_before = len(session.scalars(select(AuditEntry.seq)).all())
    out = tmp_path / "shots"
    assert gui_app.main(["--store", str(store.path), "--screenshot", str(out)]) == 0
    names = [f"{slug(a)}.png" for a in AREAS] + ["locked.png"]
    assert sorted(p.name for p in out.glob("*.png")) == sorted(names)
    for folder, size in ((out, (1366, 768)), (out / "1920x1080", (1920, 1080))):
        for name in names:
            image = QImage(str(folder / name))
            assert (image.width(), image.height()) == size
            assert (folder / name).stat().st_size > 5000  # a real picture, not a blank
    with Store.open(store.path) as s, s.session() as session:
        assert len(session.scalars(select(AuditEntry.seq)).all()) == audit_before  # looked only


def test_screenshot_of_a_locked_store_exits_3(qtbot, passphrase_store: Path, tmp_path, capsys):
    assert gui_app.main(["--store", str(passphrase_store), "--screenshot", str(tmp_path)]) == 3
    assert "could not be unlocked" in capsys.readouterr().err


def test_quit_after_shown_starts_paints_and_exits(qtbot, keyring_store: Path) -> None:
    assert gui_app.main(["--store", str(keyring_store), "--quit-after-shown"]) == 0
    assert QSettings().value("window/area") == "Today"  # closed cleanly, state saved
