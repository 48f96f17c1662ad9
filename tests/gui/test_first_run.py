"""First run, both key paths: the store, the user, demo data with progress, the main window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from mdt_desktop.gui import first_run
from mdt_desktop.gui.first_run import FirstRunWizard
from mdt_desktop.gui.main_window import AREAS, MainWindow
from mdt_desktop.store import keys
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, Patient, User

SMALL_DEMO = 200


def _drive(qtbot, wizard: FirstRunWizard, *, passphrase: str | None, demo: int | None) -> None:
    """Fill each page as a person would, checking the messages for mistakes on the way."""
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
    demo_page = wizard.demo_page
    assert wizard.currentPage() is demo_page
    assert not demo_page.size.isEnabled()  # only once "fill" is ticked
    if demo:
        demo_page.fill.setChecked(True)
        demo_page.size.addItem(f"{demo} people", demo)  # the offered sizes are for people
        demo_page.size.setCurrentIndex(demo_page.size.count() - 1)


def test_first_run_with_keyring_and_demo_data(qtbot, tmp_path: Path, test_keyring, monkeypatch):
    progress_seen = []
    real_show = first_run.show_demo_progress

    def spy(bar, status, done, total, text):
        progress_seen.append((done, total, text))
        real_show(bar, status, done, total, text)

    monkeypatch.setattr(first_run, "show_demo_progress", spy)
    path = tmp_path / "first.mdt"
    wizard = FirstRunWizard(path)
    assert wizard.store_page.use_keyring.isChecked()  # recommended when there is a keyring
    _drive(qtbot, wizard, passphrase=None, demo=SMALL_DEMO)
    assert not path.exists()  # nothing is written before Finish
    with qtbot.waitSignal(wizard.finished, timeout=30_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.demo_page.progress.isVisible()
        assert wizard.demo_page.cancel_button.isVisible()
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert (SMALL_DEMO, SMALL_DEMO, "people") in progress_seen
    store, user = wizard.store, wizard.user
    assert store is not None and user is not None and store.key_kind == "keyring"
    assert (keys.KEYRING_SERVICE, keys.store_salt_id(path)) in test_keyring.secrets
    assert user.name == "Priya Raman" and user.role == "gp" and user.pin_hash
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == SMALL_DEMO
        assert s.scalar(select(func.count()).select_from(User)) == 1
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"create", "login", "import"} <= actions

    window = MainWindow(store, user)
    qtbot.addWidget(window)
    window.show()
    dashboard = window.show_area("Today")
    dashboard.wait_until_loaded()
    assert dashboard.cards["patients"].value.text() == f"{SMALL_DEMO:,}"
    assert not dashboard.demo_box.isVisible()
    assert window.user_label.text() == "Priya Raman (GP)"
    for area in AREAS:
        assert window.show_area(area).isVisible()
    window.close()
    store.close()


def test_first_run_with_passphrase_when_no_keyring(qtbot, tmp_path: Path, no_keyring) -> None:
    path = tmp_path / "pass.mdt"
    wizard = FirstRunWizard(path)
    page = wizard.store_page
    assert not page.use_keyring.isEnabled() and page.use_passphrase.isChecked()
    _drive(qtbot, wizard, passphrase="a good long passphrase", demo=None)
    with qtbot.waitSignal(wizard.finished, timeout=30_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.store is not None and wizard.store.key_kind == "passphrase"
    wizard.store.close()
    Store.open(path, passphrase="a good long passphrase").close()


def test_cancelling_demo_data_still_finishes_with_an_empty_store(qtbot, tmp_path: Path) -> None:
    wizard = FirstRunWizard(tmp_path / "c.mdt")
    _drive(qtbot, wizard, passphrase=None, demo=50_000)
    with qtbot.waitSignal(wizard.finished, timeout=30_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
        wizard.reject()  # closing the wizard while it works stops the demo, not the app
    assert wizard.result() == QWizard.DialogCode.Accepted
    store = wizard.store
    assert store is not None and wizard.user is not None
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 0
    store.close()


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
