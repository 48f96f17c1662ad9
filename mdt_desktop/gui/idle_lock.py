"""Locking after idle minutes: an app-wide input watcher and the lock screen.

The lock screen hides everything about patients until the user gives their PIN,
or the store passphrase (checked by opening the store a second time, off the GUI
thread), or — for a keyring store and a user without a PIN — confirms.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.services.users import check_pin
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from .background import run_in_background

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without keyboard, mouse or touch input."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(timeout_ms, 1))
        self.timer.timeout.connect(self.idle)
        self.timer.start()

    def restart(self) -> None:
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


class LockScreen(QWidget):
    unlocked = Signal()

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(480)  # a fixed width lets the wrapped text take its true height
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        title = QLabel("MDT Desktop is locked")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setMinimumHeight(self.explain.fontMetrics().lineSpacing() * 2 + 6)
        layout.addWidget(self.explain)
        form = QFormLayout()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.returnPressed.connect(self.try_unlock)
        self.secret_label = QLabel("PIN")
        form.addRow(self.secret_label, self.secret)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.button = QPushButton("Unlock")
        self.button.setObjectName("primary")
        self.button.clicked.connect(self.try_unlock)
        layout.addWidget(self.button)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self._op: Any = None

    @property
    def mode(self) -> str:
        if self.user.pin_hash:
            return "pin"
        if self.store.key_kind == "passphrase":
            return "passphrase"
        return "confirm"

    def prepare(self) -> None:
        self.error.setText("")
        self.secret.clear()
        mode = self.mode
        self.secret.setVisible(mode != "confirm")
        self.secret_label.setVisible(mode != "confirm")
        who = f"{self.user.name} was using it."
        if mode == "pin":
            self.secret_label.setText("PIN")
            self.explain.setText(f"{who} Enter your PIN to carry on.")
        elif mode == "passphrase":
            self.secret_label.setText("Store passphrase")
            self.explain.setText(f"{who} Enter the store passphrase to carry on.")
        else:
            self.explain.setText(f"{who} Press Unlock to carry on.")
        self.secret.setFocus()

    def try_unlock(self) -> None:
        mode = self.mode
        if mode == "pin":
            if check_pin(self.secret.text(), self.user.pin_hash):
                self.unlocked.emit()
            else:
                self.error.setText("That PIN is not right. Try again.")
                self.secret.selectAll()
            return
        if mode == "confirm":
            self.unlocked.emit()
            return
        passphrase = self.secret.text()
        path = self.store.path
        self.button.setEnabled(False)

        def check(progress: Any) -> bool:
            Store.open(path, passphrase=passphrase, upgrade=False).close()
            return True

        def failed(exc: BaseException) -> None:
            self.button.setEnabled(True)
            self.error.setText(str(exc))

        def ok(_: Any) -> None:
            self.button.setEnabled(True)
            self.unlocked.emit()

        self._op = run_in_background(
            self, check, on_success=ok, on_failure=failed, label="Checking the passphrase"
        )
