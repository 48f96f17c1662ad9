"""Sync in the app: the team-server dialog, background rounds and the status bar text.

Rounds run through ``run_in_background`` (never on the GUI thread): every few
minutes while a server is set up, and on "Sync now". When the server wants the
password again (first time, or the session ended) background rounds stop asking
and "Sync now" opens the dialog.
"""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.services import sync as sync_service
from mdt_desktop.store.database import Store
from mdt_desktop.sync.client import NeedPassword, NotPermitted, SyncError, SyncSummary

from . import background

INTERVAL_MS = 5 * 60 * 1000
NOT_CONFIGURED = "Offline — no server configured"


class ServerDialog(QDialog):
    """Team server address, user name and password; shows this device's identity."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowTitle("Team server")
        self.setMinimumWidth(520)
        current = sync_service.settings(store)
        intro = QLabel(
            "Share this laptop's caseload with your team through the team server. "
            "Everything keeps working offline; changes go up and come down when the "
            "server can be reached."
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(current.server_url or "")
        self.url.setPlaceholderText("https://mdt.example.nhs.uk")
        self.user = QLineEdit(current.username or "")
        self.user.setPlaceholderText("your user name on the server")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("needed the first time, and when asked")
        device = QLabel(f"{socket.gethostname()} · {store.device_id}")
        device.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        device.setToolTip("The server registers this laptop as a device of your account.")
        self.error = QLabel("")
        self.error.setObjectName("serverError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("Server address", self.url)
        form.addRow("User name", self.user)
        form.addRow("Password", self.password)
        form.addRow("This device", device)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save and sync")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        url, user = self.url.text().strip(), self.user.text().strip()
        if not url.startswith(("https://", "http://")):
            self.error.setText(
                "The server address starts with https:// (or http:// on a test server)."
            )
            self.url.setFocus()
            return
        if not user:
            self.error.setText("Give your user name on the server.")
            self.user.setFocus()
            return
        self.accept()


def status_text(status: sync_service.SyncStatus, offline: bool, running: bool) -> str:
    if not status.configured:
        return NOT_CONFIGURED
    parts = []
    if running:
        parts.append("Syncing…")
    elif offline:
        parts.append("Offline")
    if status.last_synced_at is not None:
        parts.append(f"last synced {format_local_datetime(status.last_synced_at)}")
    else:
        parts.append("not synced yet")
    parts.append(f"{status.pending} change{'s' if status.pending != 1 else ''} to send")
    if status.conflicts_open:
        n = status.conflicts_open
        parts.append(f"{n} conflict{'s' if n != 1 else ''} to resolve")
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


class SyncController(QObject):
    """Owns the timer, the menu actions and the status bar label of one main window."""

    def __init__(self, window: QMainWindow, store: Store, label: QLabel) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.label = label
        self.offline = False
        self.needs_password = False
        self.running: background.Operation | None = None
        self.last_summary: SyncSummary | None = None
        self.last_error: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(lambda: self.sync_now(quiet=True))
        self.sync_action = QAction("Sync &now", window)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sync_action.triggered.connect(lambda: self.sync_now(quiet=False))
        self.server_action = QAction("&Team server…", window)
        self.server_action.triggered.connect(self.configure)
        bar = window.menuBar()
        existing = bar.actions()
        menu = bar.addMenu("S&ync")
        if existing:  # before Help, which stays last
            bar.insertMenu(existing[-1], menu)
        menu.addAction(self.sync_action)
        menu.addAction(self.server_action)
        self.refresh_label()
        if sync_service.settings(store).server_url:
            self.timer.start()
            QTimer.singleShot(2000, lambda: self.sync_now(quiet=True))

    def refresh_label(self) -> None:
        status = sync_service.status(self.store)
        text = status_text(status, self.offline, self.running is not None)
        if self.needs_password and not self.running:
            text += " · sign in to the server (Sync now)"
        self.label.setText(text)
        tip = self.last_error or status.last_error
        self.label.setToolTip(tip or "Changes are kept on this laptop until they reach the server.")

    def configure(self, password: str | None = None) -> None:
        dialog = ServerDialog(self.store, self.window)
        if self.last_error:
            dialog.error.setText(self.last_error)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            sync_service.configure(self.store, dialog.url.text(), dialog.user.text())
        except SyncError as exc:
            self.last_error = str(exc)
            self.refresh_label()
            return
        self.timer.start()
        self.sync_now(quiet=False, password=dialog.password.text() or None)

    def sync_now(self, quiet: bool = True, password: str | None = None) -> None:
        if self.running is not None:
            return
        if not sync_service.settings(self.store).server_url:
            if not quiet:
                self.configure()
            return
        if self.needs_password and password is None:
            if not quiet:
                self.configure()
            return

        def work(progress: background.Progress) -> Any:
            return sync_service.sync_now(self.store, password=password)

        self.running = background.run_in_background(
            self,
            work,
            on_success=self._done,
            on_failure=lambda exc: self._failed(exc, quiet),
            label="Syncing with the team server",
        )
        self.refresh_label()

    def _done(self, summary: SyncSummary) -> None:
        self.running = None
        self.offline = self.needs_password = False
        self.last_summary = summary
        self.last_error = "; ".join(summary.errors[:3]) or None
        self.refresh_label()
        if summary.pulled and hasattr(self.window, "store_changed"):
            self.window.store_changed()  # pages show what came down

    def _failed(self, exc: BaseException, quiet: bool) -> None:
        self.running = None
        self.last_error = str(exc)
        if isinstance(exc, NeedPassword | NotPermitted):
            self.needs_password = True
            self.offline = False
        else:
            self.offline = True
        self.refresh_label()
        if isinstance(exc, NeedPassword | NotPermitted) and not quiet:
            self.configure()

    def stop(self) -> None:
        self.timer.stop()


def install(window: QMainWindow, store: Store, label: QLabel) -> SyncController:
    return SyncController(window, store, label)
