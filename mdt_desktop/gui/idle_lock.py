"""Locking after idle minutes: an app-wide input watcher and the lock screen.

The lock screen hides everything about patients until someone proves who they are:
their PIN if they set one; otherwise the store passphrase (checked by opening the store
a second time, off the GUI thread); otherwise, for a store whose key is in the keyring,
a confirmation that re-reads the key from the keyring (the computer's own login is what
protects such a store). The same screen lets another team member take over a shared
meeting-room PC, or a new person add themselves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.services.users import check_pin, list_users
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from .background import Operation, run_in_background
from .users import who_label

DEFAULT_IDLE_MINUTES = 10
IDLE_MINUTES_KEY = "security/idle_minutes"

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


def idle_minutes_setting() -> float:
    """Minutes of no input before locking, from QSettings (bad values fall back to 10)."""
    from PySide6.QtCore import QSettings

    try:
        minutes = float(QSettings().value(IDLE_MINUTES_KEY, DEFAULT_IDLE_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    return minutes if minutes > 0 else DEFAULT_IDLE_MINUTES


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without keyboard, mouse, touch or pen input.

    Installed as an application-wide event filter, so it sees input to every window and
    dialog. Once ``idle`` has fired it stays quiet until :meth:`restart`.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_timeout_ms(timeout_ms)

    def set_timeout_ms(self, timeout_ms: int) -> None:
        self.timer.setInterval(max(int(timeout_ms), 1))
        self.timer.start()

    def restart(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Called for every event in the application: keep it to one set lookup.
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


def credential_mode(store: Store, user: User | None) -> str:
    """What unlocking asks of ``user`` (None: a new person): "pin", "passphrase" or "confirm"."""
    if user is not None and user.pin_hash:
        return "pin"
    if store.key_kind == "passphrase":
        return "passphrase"
    return "confirm"


class LockScreen(QWidget):
    """Covers the main window's content; shows nothing about patients.

    ``unlocked(user)`` is emitted with the team member who proved who they are (maybe not
    the one who was signed in); ``new_person`` when someone new has unlocked and wants a
    profile.
    """

    unlocked = Signal(object)
    new_person = Signal()

    NEW_PERSON = "new"

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.store = store
        self.user = user
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(520)  # a fixed width lets the wrapped text take its true height
        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(14)
        title = QLabel("MDT Desktop is locked")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.explain = QLabel()
        self.explain.setObjectName("lockExplanation")
        self.explain.setWordWrap(True)
        self.explain.setMinimumHeight(self.explain.fontMetrics().lineSpacing() * 2 + 6)
        layout.addWidget(self.explain)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.who = QComboBox()
        self.who.setObjectName("lockUser")
        self.who.currentIndexChanged.connect(self._who_changed)
        form.addRow("You are", self.who)
        self.secret = QLineEdit()
        self.secret.setObjectName("lockSecret")
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
        self.button.setDefault(True)
        self.button.clicked.connect(self.try_unlock)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self._op: Operation | None = None

    # --- who is unlocking ---------------------------------------------------------------

    def chosen(self) -> User | None:
        """The team member picked in "You are"; None for a new person."""
        data = self.who.currentData()
        return None if data == self.NEW_PERSON else data

    @property
    def mode(self) -> str:
        return credential_mode(self.store, self.chosen())

    def prepare(self) -> None:
        """Fill the screen afresh each time the window locks."""
        self.who.blockSignals(True)
        self.who.clear()
        selected = 0
        users = list_users(self.store)
        for i, person in enumerate(users):
            self.who.addItem(who_label(person), person)
            if person.id == self.user.id:
                selected = i
        if not any(person.id == self.user.id for person in users):
            self.who.insertItem(0, who_label(self.user), self.user)
        self.who.addItem("Someone new…", self.NEW_PERSON)
        self.who.setCurrentIndex(selected)
        self.who.blockSignals(False)
        self._who_changed()

    def _who_changed(self, *_: Any) -> None:
        self.error.setText("")
        self.secret.clear()
        person = self.chosen()
        mode = self.mode
        self.secret.setVisible(mode != "confirm")
        self.secret_label.setVisible(mode != "confirm")
        self.button.setText("Unlock" if person is not None else "Continue")
        if person is None:
            lead = "To add yourself to this computer,"
        elif person.id == self.user.id:
            lead = f"{person.name} was using it. To carry on,"
        else:
            lead = f"To take over from {self.user.name},"
        if mode == "pin":
            self.secret_label.setText("PIN")
            self.explain.setText(f"{lead} enter {_whose(person, self.user)} PIN.")
        elif mode == "passphrase":
            self.secret_label.setText("Store passphrase")
            self.explain.setText(f"{lead} enter the store passphrase.")
        else:
            verb = "Unlock" if person is not None else "Continue"
            self.explain.setText(f"{lead} press {verb}.")
        if self.secret.isVisible():
            self.secret.setFocus()

    # --- checking -------------------------------------------------------------------------

    def try_unlock(self) -> None:
        if self._op is not None and not self._op.done:
            return  # a passphrase or keyring check is already running
        person = self.chosen()
        mode = self.mode
        if mode == "pin":
            assert person is not None
            if check_pin(self.secret.text(), person.pin_hash):
                self._succeed(person)
            else:
                self.error.setText("That PIN is not right. Try again.")
                self.secret.selectAll()
            return
        # Passphrase: prove it by opening the store again. Confirm: re-read the keyring
        # key the same way, so a key removed from the keyring no longer unlocks.
        passphrase = self.secret.text() if mode == "passphrase" else None
        path = self.store.path
        self.button.setEnabled(False)
        self.error.setText("Checking…")

        def check(progress: Any) -> bool:
            Store.open(path, passphrase=passphrase, upgrade=False).close()
            return True

        def failed(exc: BaseException) -> None:
            self.button.setEnabled(True)
            self.error.setText(str(exc))
            self.secret.selectAll()

        def ok(_: Any) -> None:
            self.button.setEnabled(True)
            self._succeed(person)

        self._op = run_in_background(
            self, check, on_success=ok, on_failure=failed, label="Checking the passphrase"
        )

    def _succeed(self, person: User | None) -> None:
        self.error.setText("")
        self.secret.clear()
        if person is None:
            self.new_person.emit()
        else:
            self.unlocked.emit(person)


def _whose(person: User | None, signed_in: User) -> str:
    if person is None or person.id == signed_in.id:
        return "your"
    return f"{person.name}'s"
