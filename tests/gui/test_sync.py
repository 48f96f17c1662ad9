"""Sync in the app: the team-server dialog, Sync now in the background, the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from support.postgres import LiveServer, add_user, password_of

from mdt_desktop.gui import background
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.sync import NOT_CONFIGURED, ServerDialog
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.store import syncing


def _fill_and_accept(url: str, user: str, password: str) -> Any:
    def act(dialog: Any) -> None:
        assert isinstance(dialog, ServerDialog)
        dialog.url.setText(url)
        dialog.user.setText(user)
        dialog.password.setText(password)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    return act


def test_without_a_server_the_status_bar_says_offline(window: MainWindow) -> None:
    assert window.sync_label.text() == NOT_CONFIGURED


def test_a_bad_address_is_explained_and_nothing_saved(
    window: MainWindow, qtbot: Any, on_modal
) -> None:
    def act(dialog: Any) -> None:
        dialog.url.setText("mdt.example")
        dialog.user.setText("alice")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        assert "https://" in dialog.error.text()
        dialog.reject()

    on_modal(act)
    window.sync.configure()
    assert window.store.meta().get(syncing.META_SERVER) is None


def test_configure_and_sync_now_in_the_background(
    window: MainWindow, live_server: LiveServer, on_modal, qtbot: Any, tmp_path: Path
) -> None:
    add_user(live_server.engine, "alice", "North")
    generate_demo(window.store, 120, seed=2)
    on_modal(_fill_and_accept(live_server.url, "alice", password_of("alice")))
    window.sync.configure()
    assert window.sync.running is not None  # the round is not on the GUI thread
    assert "Syncing" in window.sync_label.text()
    background.wait_for(window.sync.running)
    assert window.sync.last_summary is not None, window.sync.last_error
    assert window.sync.last_summary.pushed > 120
    text = window.sync_label.text()
    assert text.startswith("Last synced") and "0 changes to send" in text
    # Sync now needs no password again (the session is kept in the encrypted store).
    window.sync.sync_now(quiet=False)
    background.wait_for(window.sync.running)
    assert window.sync.last_summary.pushed == 0 and not window.sync.offline
    for size in (QSize(1366, 768), QSize(1920, 1080)):
        window.resize(size)
        QApplication.processEvents()
        window.grab().save(str(tmp_path / f"sync-{size.width()}.png"))
    # The server goes away: the next round says offline and keeps the changes.
    live_server.stop()
    window.sync.sync_now(quiet=True)
    background.wait_for(window.sync.running)
    assert window.sync.offline and window.sync_label.text().startswith("Offline")


def test_the_dialog_renders(store, qtbot: Any, tmp_path: Path) -> None:
    dialog = ServerDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "server-dialog.png"))
    assert dialog.url.placeholderText().startswith("https://")
