"""Locking: an app-wide input watcher, the application lock, and the lock screen.

Locking covers the whole application, not one widget. Every other window of the app is
hidden (never closed: a record window keeps the note being typed) and every modal dialog
is covered and disabled where it stands (hiding a dialog would end its ``exec()`` and lose
what was typed in it); every action and shortcut is disabled; results of background work
wait until unlocking; a window that tries to appear while locked is hidden or covered the
same way. The lock screen is its own application-modal window, so it takes input even
over a modal dialog. Unlocking puts everything back as it was.

Unlocking needs a secret of the person who is to carry on (services/users.py says which).
"""

from __future__ import annotations

import weakref
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.services import users as profiles
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from . import background
from .background import Operation, run_in_background
from .users import who_label

DEFAULT_IDLE_MINUTES = 10
MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 60
IDLE_MINUTES_KEY = "security/idle_minutes"
LOCKED_TITLE = "MDT Desktop — locked"

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


def bounded_idle_minutes(value: object) -> float:
    """Minutes between 1 and 60; anything unreadable is the default of 10.

    The settings file is plain text anyone can edit: a huge value would overflow the
    timer (and crash making the window), a tiny one would lock while typing.
    """
    try:
        minutes = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    if minutes != minutes:  # NaN
        return DEFAULT_IDLE_MINUTES
    return min(max(minutes, MIN_IDLE_MINUTES), MAX_IDLE_MINUTES)


def idle_minutes_setting() -> float:
    """Minutes of no input before locking, from QSettings, bounded to 1–60."""
    from PySide6.QtCore import QSettings

    return bounded_idle_minutes(QSettings().value(IDLE_MINUTES_KEY, DEFAULT_IDLE_MINUTES))


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without keyboard, mouse, touch or pen input.

    Installed as an application-wide event filter, so it sees input to every window and
    dialog. Once ``idle`` has fired it stays quiet until :meth:`restart`. While paused
    (meeting mode presenting to the room) it does not run at all.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paused = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_timeout_ms(timeout_ms)

    def set_timeout_ms(self, timeout_ms: int) -> None:
        # QTimer takes a signed 32-bit interval: about 24 days at most.
        self.timer.setInterval(min(max(int(timeout_ms), 1), 2**31 - 1))
        if not self.paused:
            self.timer.start()

    def restart(self) -> None:
        if not self.paused:
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def pause(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self.timer.stop()
        else:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Called for every event in the application: keep it to one set lookup.
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


# --- covering the application ---------------------------------------------------------------


class _Curtain(QWidget):
    """An opaque cover over a modal dialog's contents while the app is locked."""

    def __init__(self, dialog: QWidget) -> None:
        super().__init__(dialog)
        self.setObjectName("lockCurtain")
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        label = QLabel("MDT Desktop is locked.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        self.setGeometry(dialog.rect())
        dialog.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
            self.raise_()
        elif event.type() == QEvent.Type.ChildAdded:
            self.raise_()
        return False


def _is_modal(widget: QWidget) -> bool:
    return widget.windowModality() != Qt.WindowModality.NonModal or (
        isinstance(widget, QDialog) and widget.isModal()
    )


class ApplicationLock(QObject):
    """Hides or covers every window of the app but the lock screen, and undoes it exactly."""

    def __init__(self, main: QMainWindow, lock_screen: QWidget) -> None:
        super().__init__(main)
        self.main = main
        self.lock_screen = lock_screen
        self.engaged = False
        self._hidden: list[weakref.ref[QWidget]] = []
        self._covered: list[tuple[weakref.ref[QWidget], _Curtain, str, bool]] = []
        self._actions: list[weakref.ref[QAction]] = []

    def allowed(self, widget: QObject | None) -> bool:
        """The lock screen and what it opens (the new-profile form) stay usable."""
        while widget is not None:
            if widget is self.lock_screen:
                return True
            widget = widget.parent()
        return False

    def engage(self) -> None:
        if self.engaged:
            return
        self.engaged = True
        background.hold_results(self.lock_screen)
        for _ in range(10):  # open menus and pop-ups, innermost first (they hold nothing)
            popup = QApplication.activePopupWidget()
            if popup is None:
                break
            popup.close()
        for widget in QApplication.topLevelWidgets():
            if widget is self.main or not widget.isVisible() or self.allowed(widget):
                continue
            self._put_away(widget)
        self._disable_actions(self.main)
        self.main.menuBar().setEnabled(False)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _put_away(self, widget: QWidget) -> None:
        if _is_modal(widget):
            # Hiding would end its exec() and lose what was typed: cover it instead.
            curtain = _Curtain(widget)
            self._covered.append(
                (weakref.ref(widget), curtain, widget.windowTitle(), widget.isEnabled())
            )
            widget.setWindowTitle(LOCKED_TITLE)
            widget.setEnabled(False)
        else:
            widget.hide()
            self._hidden.append(weakref.ref(widget))
        self._disable_actions(widget)

    def _disable_actions(self, widget: QWidget) -> None:
        for action in widget.findChildren(QAction):
            if action.isEnabled():
                action.setEnabled(False)
                self._actions.append(weakref.ref(action))

    def release(self) -> None:
        if not self.engaged:
            return
        self.engaged = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.main.menuBar().setEnabled(True)
        for ref in self._actions:
            action = ref()
            if action is not None:
                action.setEnabled(True)
        for ref, curtain, title, enabled in self._covered:
            widget = ref()
            if widget is not None:
                widget.removeEventFilter(curtain)
                curtain.deleteLater()
                widget.setWindowTitle(title)
                widget.setEnabled(enabled)
        for ref in self._hidden:
            widget = ref()
            if widget is not None:
                widget.show()
        self._hidden, self._covered, self._actions = [], [], []
        background.release_results()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride):
            # Shortcuts of any window but the lock screen do nothing while locked.
            return not self.allowed(watched)
        if (
            kind == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and watched is not self.main
            and not self.allowed(watched)
            and not isinstance(watched, _Curtain)
        ):
            # Something opened a window while locked (a timer, a late signal): put it away
            # once it has finished showing, and keep the lock screen the one taking input.
            QTimer.singleShot(0, lambda w=watched: self._late_window(w))
        return False

    def _late_window(self, widget: QWidget) -> None:
        if not self.engaged or not widget.isVisible():
            return
        if any(ref() is widget for ref in self._hidden) or any(
            ref() is widget for ref, *_ in self._covered
        ):
            return
        self._put_away(widget)
        if _is_modal(widget) and self.lock_screen.isVisible():
            # The newest modal window takes input: show the lock screen again, on top.
            self.lock_screen.hide()
            self.lock_screen.show()
            self.lock_screen.raise_()
            self.lock_screen.activateWindow()


# --- the lock screen ----------------------------------------------------------------------------


class LockScreen(QWidget):
    """The application-modal lock window; shows nothing about patients.

    ``unlocked(user)`` is emitted with the team member who proved who they are (maybe not
    the one who was signed in); ``new_person`` once adding someone new has been approved.
    """

    unlocked = Signal(object)
    new_person = Signal()

    NEW_PERSON = "new"

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowTitle(LOCKED_TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.store = store
        self.user = user
        # Tests and a packaged app without a server reach: how a server password is checked.
        self.server_check: profiles.ServerCheck | None = None
        self.allow_close = False
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(540)  # a fixed width lets the wrapped text take its true height
        layout = QVBoxLayout(card)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(14)
        self.title = QLabel("MDT Desktop is locked")
        self.title.setObjectName("pageTitle")
        layout.addWidget(self.title)
        self.explain = QLabel()
        self.explain.setObjectName("lockExplanation")
        self.explain.setWordWrap(True)
        self.explain.setMinimumHeight(self.explain.fontMetrics().lineSpacing() * 2 + 6)
        layout.addWidget(self.explain)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.who = QComboBox()
        self.who.setObjectName("lockUser")
        self.who.currentIndexChanged.connect(self._who_changed)
        self.form.addRow("You are", self.who)
        self.approver = QComboBox()
        self.approver.setObjectName("lockApprover")
        self.approver.currentIndexChanged.connect(self._refresh_labels)
        self.approver_label = QLabel("Let in by")
        self.form.addRow(self.approver_label, self.approver)
        self.secret = QLineEdit()
        self.secret.setObjectName("lockSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.returnPressed.connect(self.try_unlock)
        self.secret_label = QLabel("PIN")
        self.form.addRow(self.secret_label, self.secret)
        self.new_pin = QLineEdit()
        self.new_pin.setObjectName("lockNewPin")
        self.new_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_pin.setMaxLength(12)
        self.new_pin.setPlaceholderText("4 to 12 digits")
        self.new_pin.returnPressed.connect(self.try_unlock)
        self.new_pin_label = QLabel("New PIN for this computer")
        self.form.addRow(self.new_pin_label, self.new_pin)
        self.use_passphrase = QCheckBox("Use the store passphrase instead")
        self.use_passphrase.setObjectName("lockUsePassphrase")
        self.use_passphrase.toggled.connect(self._refresh_labels)
        self.form.addRow("", self.use_passphrase)
        layout.addLayout(self.form)
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
        self.mode = "pin"

    def closeEvent(self, event: QCloseEvent) -> None:
        # The person closing the lock window (a spontaneous close) must not uncover the app;
        # the app quitting closes it like every other window (refusing would cancel the quit).
        if self.allow_close or not event.spontaneous():
            super().closeEvent(event)
        else:
            event.ignore()

    # --- who is unlocking ---------------------------------------------------------------

    def chosen(self) -> User | None:
        """The team member picked in "You are"; None for a new person."""
        data = self.who.currentData()
        return None if data == self.NEW_PERSON else data

    def chosen_approver(self) -> User | None:
        return self.approver.currentData()

    def prepare(self, *, signing_in: bool = False) -> None:
        """Fill the screen afresh each time the app locks (or starts on a keyring store)."""
        self.title.setText("Sign in to MDT Desktop" if signing_in else "MDT Desktop is locked")
        self.who.blockSignals(True)
        self.who.clear()
        selected = 0
        people = profiles.list_users(self.store)
        for i, person in enumerate(people):
            self.who.addItem(who_label(person), person)
            if person.id == self.user.id:
                selected = i
        self.who.addItem("Someone new…", self.NEW_PERSON)
        self.who.setCurrentIndex(selected)
        self.who.blockSignals(False)
        self.approver.blockSignals(True)
        self.approver.clear()
        for person in profiles.approvers(self.store):
            self.approver.addItem(who_label(person), person)
        self.approver.blockSignals(False)
        self._who_changed()

    def _who_changed(self, *_: Any) -> None:
        self.error.setText("")
        self.secret.clear()
        self.new_pin.clear()
        self.use_passphrase.blockSignals(True)
        self.use_passphrase.setChecked(False)
        self.use_passphrase.blockSignals(False)
        person = self.chosen()
        if person is None:
            self.mode = "approval" if profiles.approval_needed(self.store) else "open"
        else:
            self.mode = profiles.unlock_mode(self.store, person)
            if self.mode == "approval" and not profiles.approval_needed(self.store):
                self.mode = "open"  # nobody here holds a PIN yet: the first one is set freely
            self._server_if_blocked(person)
        self._refresh_labels()

    def _server_if_blocked(self, person: User) -> None:
        """A PIN blocked after 10 wrong tries on a keyring store: a server sign-in is left."""
        if (
            self.mode == "pin"
            and self.store.key_kind != "passphrase"
            and profiles.pin_state(self.store, person).blocked
        ):
            self.mode = "server"

    def _refresh_labels(self, *_: Any) -> None:
        person, mode = self.chosen(), self.mode
        passphrase_store = self.store.key_kind == "passphrase"
        self.error.setText("")
        if person is None:
            lead = "To add yourself to this computer,"
        elif person.id == self.user.id:
            lead = f"{person.name} was using it. To carry on,"
        else:
            lead = f"To take over from {self.user.name},"
        by_approver = mode == "approval" and not passphrase_store
        self.approver.setVisible(by_approver)
        self.approver_label.setVisible(by_approver)
        self.use_passphrase.setVisible(mode == "pin" and passphrase_store)
        needs_new_pin = mode == "server" or (mode in ("approval", "open") and person is not None)
        self.new_pin.setVisible(needs_new_pin)
        self.new_pin_label.setVisible(needs_new_pin)
        self.secret.setVisible(mode != "open")
        self.secret_label.setVisible(mode != "open")
        self.button.setEnabled(True)
        self.button.setText("Continue" if person is None else "Unlock")
        if mode == "pin" and self.use_passphrase.isChecked():
            self.secret_label.setText("Store passphrase")
            self.explain.setText(f"{lead} enter the store passphrase.")
        elif mode == "pin":
            self.secret_label.setText("PIN")
            self.explain.setText(f"{lead} enter {_whose(person, self.user)} PIN.")
        elif mode == "passphrase":
            self.secret_label.setText("Store passphrase")
            self.explain.setText(f"{lead} enter the store passphrase.")
        elif mode == "server":
            assert person is not None
            self.secret_label.setText("Team server password")
            why = (
                f"{person.name}'s PIN was entered wrongly too often."
                if person.pin_hash
                else f"{person.name} has not used this computer before."
            )
            self.explain.setText(
                f"{why} Sign in to the team server with your own password (this computer "
                "must be online), and choose a PIN for unlocking it from now on."
            )
        elif mode == "approval" and passphrase_store:
            self.secret_label.setText("Store passphrase")
            self.explain.setText(
                f"{lead} enter the store passphrase"
                + (", then choose a PIN." if person is not None else ".")
            )
        elif mode == "approval":
            approver = self.chosen_approver()
            whom = "someone new" if person is None else f"{person.name} set a PIN"
            if approver is None:
                self.explain.setText(
                    f"Only an administrator or GP with a PIN on this computer can let {whom} "
                    "in, and there is none here. Colleagues with a team server account can "
                    "sign in with it once their profile has synced."
                )
                self.secret.setVisible(False)
                self.secret_label.setVisible(False)
                self.button.setEnabled(False)
            else:
                self.secret_label.setText("Their PIN")
                if person is None:
                    text = (
                        "To add yourself to this computer, an administrator or GP lets you "
                        "in: they choose themselves under “Let in by” and enter their own PIN."
                    )
                else:
                    text = (
                        f"{person.name} has no PIN on this computer yet. An administrator or "
                        "GP lets you set one by entering their own PIN."
                    )
                self.explain.setText(text)
        else:  # open: nobody on this computer holds a PIN yet
            self.explain.setText(
                "Nobody on this computer has a PIN yet. "
                + (
                    "Choose yours: it unlocks MDT Desktop from now on."
                    if person is not None
                    else "Press Continue to make your profile, with a PIN."
                )
            )
        focus = self.secret if self.secret.isVisible() else self.new_pin
        if focus.isVisible():
            focus.setFocus()

    # --- checking -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._op is not None and not self._op.done

    def try_unlock(self) -> None:
        if self.busy or not self.button.isEnabled():
            return  # a passphrase or server check is already running
        person, mode = self.chosen(), self.mode
        secret, new_pin = self.secret.text(), self.new_pin.text()
        if self.new_pin.isVisible():
            problem = profiles.pin_problem(new_pin)
            if problem:
                self._refuse(f"Choose a new PIN. {problem}", self.new_pin)
                return
        try:
            if mode == "pin" and not self.use_passphrase.isChecked():
                assert person is not None
                profiles.verify_pin(self.store, person, secret)
                self._succeed(person)
            elif mode in ("pin", "passphrase") or (
                mode == "approval" and self.store.key_kind == "passphrase"
            ):
                self._in_background(
                    lambda: profiles.verify_passphrase(self.store, person, secret),
                    lambda: self._approved_or_in(person, new_pin),
                    "Checking the passphrase",
                )
            elif mode == "server":
                assert person is not None
                check = self.server_check
                self._in_background(
                    lambda: profiles.sign_in_on_server(
                        self.store, person, secret, new_pin, check=check
                    ),
                    lambda: self._succeed(person),
                    "Signing in to the team server",
                )
            elif mode == "approval":
                profiles.approve(self.store, self.chosen_approver(), secret)
                self._approved_or_in(person, new_pin)
            else:  # open
                self._approved_or_in(person, new_pin)
        except profiles.ProfileError as exc:
            if person is not None and mode == "pin":
                self._server_if_blocked(person)
                if self.mode != mode:
                    self._refresh_labels()
            self._refuse(str(exc), self.secret)

    def _approved_or_in(self, person: User | None, new_pin: str) -> None:
        if person is None:
            self.error.setText("")
            self.secret.clear()
            self.new_pin.clear()
            self.new_person.emit()
            return
        if self.new_pin.isVisible():
            profiles.set_pin(self.store, person, new_pin)
        self._succeed(person)

    def _in_background(self, check: Any, then: Any, label: str) -> None:
        self.button.setEnabled(False)
        self.error.setText("Checking…")

        def failed(exc: BaseException) -> None:
            self.button.setEnabled(True)
            self._refuse(str(exc), self.secret)

        def ok(_: Any) -> None:
            self.button.setEnabled(True)
            try:
                then()
            except profiles.ProfileError as exc:
                self._refuse(str(exc), self.secret)

        self._op = run_in_background(
            self, lambda progress: check(), on_success=ok, on_failure=failed, label=label
        )

    def _refuse(self, message: str, field: QLineEdit) -> None:
        self.error.setText(message)
        field.selectAll()
        field.setFocus()

    def _succeed(self, person: User) -> None:
        self.error.setText("")
        self.secret.clear()
        self.new_pin.clear()
        self.unlocked.emit(person)


def _whose(person: User | None, signed_in: User) -> str:
    if person is None or person.id == signed_in.id:
        return "your"
    return f"{person.name}'s"
