"""`mdt-desktop`: first run or unlock, choose the user, then the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QThreadPool, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.paths import APP_NAME, default_store_path, ui_dir
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreLockedError
from mdt_desktop.store.schema import User


class UnlockDialog(QDialog):
    """Asks for the store passphrase; a wrong one is said plainly and nothing is touched."""

    def __init__(self, path: Path, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.store: Store | None = None
        self.setWindowTitle("Unlock MDT Desktop")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{path.name}</b> is protected by a passphrase.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase", self.passphrase)
        layout.addLayout(form)
        self.error = QLabel(message)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 200)

    def try_unlock(self) -> None:
        try:
            self.store = Store.open(self.path, passphrase=self.passphrase.text())
        except StoreLockedError as exc:
            self.error.setText(str(exc))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        self.accept()


class UserPicker(QDialog):
    """Who is using this laptop or meeting-room PC now."""

    def __init__(self, users: list[User], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from .main_window import role_label

        self.setWindowTitle("Who is using MDT Desktop?")
        layout = QFormLayout(self)
        self.users = QComboBox()
        for user in users:
            self.users.addItem(f"{user.name} ({role_label(user.role)})", user)
        layout.addRow("You are", self.users)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def chosen(self) -> User:
        return self.users.currentData()


def open_store(path: Path, parent: QWidget | None = None) -> Store | None:
    """The keyring key or MDT_PASSPHRASE first; otherwise ask for the passphrase."""
    try:
        return Store.open(path)
    except StoreLockedError as exc:
        # "No passphrase given" is the normal first ask, not an error to show.
        message = str(exc) if "passphrase" not in exc.reason else ""
        dialog = UnlockDialog(path, message, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.store


def choose_user(store: Store, parent: QWidget | None = None) -> User | None:
    from mdt_desktop.services.users import current_user, list_users, sign_in

    users = list_users(store)
    user = current_user(store)
    if user is None or user.deleted_at is not None:
        if len(users) == 1:
            user = users[0]
        elif users:
            picker = UserPicker(users, parent)
            if picker.exec() != QDialog.DialogCode.Accepted:
                return None
            user = picker.chosen()
        else:
            return None
    sign_in(store, user)
    store.audit("unlock", "store", store.store_id)
    return user


def load_theme(app: QApplication) -> None:
    qss = ui_dir() / "theme.qss"
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def make_app(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv))
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName("uk.nhs.mdtdesktop")
    load_theme(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def launch(path: Path, *, idle_ms: int | None = None) -> Any:
    """First run or unlock; returns the shown MainWindow, or None if the user stopped."""
    from .main_window import MainWindow

    if not path.exists() or path.stat().st_size == 0:
        from .first_run import FirstRunWizard

        wizard = FirstRunWizard(path)
        wizard.exec()
        if wizard.store is None:  # stopped before the store was made: nothing to open
            return None
        store, user = wizard.store, wizard.user
    else:
        store = open_store(path)
        if store is None:
            return None
        user = choose_user(store)
        if user is None:
            from mdt_desktop.services.users import create_user, ensure_team, sign_in

            # A store made with `mdt init` has no user yet: make a local profile.
            from .first_run import ProfilePage

            dialog = QDialog()
            dialog.setWindowTitle("Who is using MDT Desktop?")
            page = ProfilePage()
            box = QVBoxLayout(dialog)
            box.addWidget(page)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
            buttons.accepted.connect(lambda: page.validatePage() and dialog.accept())
            box.addWidget(buttons)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            team = ensure_team(store, page.team.text().strip())
            user = create_user(
                store, page.name.text(), page.role.currentData(), team, page.pin.text() or None
            )
            sign_in(store, user)
    assert user is not None
    window = MainWindow(store, user, idle_ms=idle_ms)
    window.show()
    return window


def screenshots(path: Path, folder: Path) -> int:
    store = Store.open(path)
    user = choose_user(store)
    if user is None:
        print("The store has no user profile yet: open it once in the app.", file=sys.stderr)
        return 1
    from .main_window import MainWindow

    window = MainWindow(store, user, idle_ms=24 * 3600 * 1000)
    window.show()
    for size in (QSize(1366, 768), QSize(1920, 1080)):
        sub = folder / f"{size.width()}x{size.height()}"
        for written in window.render_views(sub, size):
            print(written)
    window.close()
    QThreadPool.globalInstance().waitForDone()
    store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdt-desktop", description="MDT Desktop")
    parser.add_argument("--store", type=Path, default=None, help="the store file")
    parser.add_argument(
        "--screenshot", type=Path, metavar="DIR", help="render each main view to DIR as PNG"
    )
    parser.add_argument("--quit-after-shown", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    path = (args.store or default_store_path()).expanduser()
    app = make_app(sys.argv[:1])
    if args.screenshot:
        try:
            return screenshots(path, args.screenshot)
        except StoreLockedError as exc:
            print(str(exc), file=sys.stderr)
            return 3
    window = launch(path)
    if window is None:
        return 0
    if args.quit_after_shown:
        # The first pass of the event loop paints the window; then stop (cold-start benchmark).
        QTimer.singleShot(0, app.quit)
    code = app.exec()
    # Work still running in the pool holds connections: let it finish before closing.
    QThreadPool.globalInstance().waitForDone()
    window.store.close()
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
