"""First run (both key paths), unlocking with a passphrase, and the main window it leads to."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from mdt_desktop.gui.app import UnlockDialog
from mdt_desktop.gui.first_run import FirstRunWizard
from mdt_desktop.gui.main_window import AREAS, MainWindow
from mdt_desktop.store import keys
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import AuditEntry, Patient, User


def _drive_wizard(qtbot, wizard: FirstRunWizard, *, passphrase: str | None, demo: bool) -> None:
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.store_page
    if passphrase is not None:
        page.use_passphrase.setChecked(True)
        page.passphrase.setText("short")
        page.confirm.setText("short")
        wizard.next()
        assert wizard.currentPage() is page and "at least 8" in page.error.text()
        page.passphrase.setText(passphrase)
        page.confirm.setText(passphrase + "x")
        wizard.next()
        assert "not the same" in page.error.text()
        page.confirm.setText(passphrase)
    wizard.next()
    profile = wizard.profile_page
    assert wizard.currentPage() is profile
    wizard.next()
    assert "Enter your name" in profile.error.text()
    profile.name.setText("Priya Raman")
    profile.role.setCurrentIndex(profile.role.findData("gp"))
    profile.pin.setText("12a")
    wizard.next()
    assert "4 to 12 digits" in profile.error.text()
    profile.pin.setText("2468")
    wizard.next()
    assert wizard.currentPage() is wizard.demo_page
    wizard.demo_page.fill.setChecked(demo)
    with qtbot.waitSignal(wizard.finished, timeout=60_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()


def test_first_run_with_keyring_and_demo_data(qtbot, tmp_path: Path, test_keyring) -> None:
    path = tmp_path / "first.mdt"
    wizard = FirstRunWizard(path)
    assert wizard.store_page.use_keyring.isChecked()
    _drive_wizard(qtbot, wizard, passphrase=None, demo=True)
    assert wizard.result() == QWizard.DialogCode.Accepted
    store, user = wizard.store, wizard.user
    assert store is not None and store.key_kind == "keyring"
    assert (keys.KEYRING_SERVICE, keys.store_salt_id(path)) in test_keyring.secrets
    assert user.name == "Priya Raman" and user.role == "gp" and user.pin_hash
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 5000
        assert s.scalar(select(func.count()).select_from(User)) == 1
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"create", "login", "import"} <= actions

    window = MainWindow(store, user)
    qtbot.addWidget(window)
    window.show()
    dashboard = window.show_area("Dashboard")
    dashboard.wait_until_loaded()
    assert dashboard.cards["patients"].value.text() == "5,000"
    assert not dashboard.demo_box.isVisible()
    assert "Priya Raman (GP)" in window.user_label.text()
    assert window.sync_label.text() == "Offline — no server configured"
    for area in AREAS:
        assert window.show_area(area).isVisible()
    window.close()
    store.close()


def test_first_run_with_passphrase_when_no_keyring(qtbot, tmp_path: Path, no_keyring) -> None:
    path = tmp_path / "pass.mdt"
    wizard = FirstRunWizard(path)
    assert not wizard.store_page.use_keyring.isEnabled()
    _drive_wizard(qtbot, wizard, passphrase="a good long passphrase", demo=False)
    assert wizard.store.key_kind == "passphrase"
    wizard.store.close()
    Store.open(path, passphrase="a good long passphrase").close()


def test_first_run_refuses_an_existing_file(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "taken.mdt"
    path.write_bytes(b"someone else's file")
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert wizard.currentPage() is wizard.store_page
    assert "already exists" in wizard.store_page.error.text()
    assert path.read_bytes() == b"someone else's file"


def test_unlock_dialog_wrong_then_right(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "locked.mdt"
    Store.create(path, StoreKey(passphrase="correct horse battery")).close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    dialog = UnlockDialog(path, "")
    qtbot.addWidget(dialog)
    dialog.passphrase.setText("wrong horse battery")
    dialog.try_unlock()
    assert "This store could not be unlocked" in dialog.error.text()
    assert dialog.store is None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    dialog.passphrase.setText("correct horse battery")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.try_unlock()
    assert dialog.store is not None
    dialog.store.close()
