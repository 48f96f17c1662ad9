"""`mdt-desktop`: first run or unlock, choose the user, then the main window.

Kept light to import: the store, services and pages are imported when first needed,
so the window appears quickly (tests/perf measures it with --quit-after-shown).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDir, QEvent, QObject, QSize, QThreadPool, QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.paths import APP_NAME, default_store_path, resources_dir, ui_dir

if TYPE_CHECKING:
    from mdt_desktop.store.database import Store

    from .main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_SIZES = (QSize(1366, 768), QSize(1920, 1080))


class UnlockDialog(QDialog):
    """Asks for the store passphrase; a wrong one is said plainly and nothing is touched.

    The passphrase is checked off the GUI thread (key derivation, and perhaps a schema
    upgrade, take a moment); ``store`` is the opened store once accepted.
    """

    def __init__(
        self, path: Path, message: str = "", parent: QWidget | None = None, *, reason: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self.path = path
        self.store: Store | None = None
        self._op: Any = None
        self._abandoned = False
        self.setWindowTitle("Unlock MDT Desktop")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 20)
        layout.setSpacing(12)
        if "keyring" in reason and "no keyring" not in reason:
            text = (
                f"The key for <b>{path.name}</b> is not in this computer's keyring. "
                "If the store is protected by a passphrase, enter it to open it."
            )
        else:
            text = f"<b>{path.name}</b> is protected by a passphrase. Enter it to open it."
        intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        where = QLabel(str(path))
        where.setObjectName("hint")
        where.setWordWrap(True)
        layout.addWidget(where)
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
        self.unlock_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.unlock_button.setText("Unlock")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    @property
    def busy(self) -> bool:
        return self._op is not None and not self._op.done

    def try_unlock(self) -> None:
        from mdt_desktop.store.database import Store

        if self.busy:
            return
        passphrase, path = self.passphrase.text(), self.path
        if not passphrase:
            self.error.setText("Enter the passphrase.")
            return
        self.unlock_button.setEnabled(False)
        self.error.setText("Checking…")

        def opened(store: Store) -> None:
            if self._abandoned:  # the user quit while it was opening
                store.close()
                return
            self.store = store
            self.accept()

        def failed(exc: BaseException) -> None:
            self.unlock_button.setEnabled(True)
            self.error.setText(str(exc))
            self.passphrase.selectAll()
            self.passphrase.setFocus()

        from .background import run_in_background

        self._op = run_in_background(
            self,
            lambda progress: Store.open(path, passphrase=passphrase),
            on_success=opened,
            on_failure=failed,
            label="Unlocking the store",
        )

    def reject(self) -> None:
        self._abandoned = True
        super().reject()


def open_store(path: Path, parent: QWidget | None = None) -> Store | None:
    """The keyring key or MDT_PASSPHRASE first; otherwise ask for the passphrase."""
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import StoreLockedError

    try:
        return Store.open(path)
    except StoreLockedError as exc:
        # "No passphrase was given" is the normal first ask, not an error to show.
        message = "" if "no passphrase was given" in exc.reason else str(exc)
        dialog = UnlockDialog(path, message, parent, reason=exc.reason)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.store


def finish_interrupted_import(store: Store, parent: QWidget | None = None) -> bool:
    """An import committed but stopped before its risk scores were recomputed: say why,
    recompute them with a progress bar, and only then open the lists that show them."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QProgressDialog

    from mdt_desktop.services.importing import resume_stratification, stratification_pending

    from .background import run_in_background

    why = stratification_pending(store)
    if why is None:
        return False
    dialog = QProgressDialog(why, "", 0, 0, parent)
    dialog.setWindowTitle("MDT Desktop")
    dialog.setCancelButton(None)  # half-recomputed scores are what this puts right
    dialog.setMinimumDuration(0)
    loop = QEventLoop()

    def progress(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))

    def failed(exc: BaseException) -> None:
        from .background import show_failure

        loop.quit()
        show_failure(parent, "Recomputing risk after the interrupted import", exc)

    op = run_in_background(
        dialog,
        lambda p: resume_stratification(
            store, progress=lambda stage, done, total: p.report(done, total, stage)
        ),
        on_success=lambda _people: loop.quit(),
        on_failure=failed,
        on_progress=progress,
        label="Recomputing risk after the interrupted import",
    )
    dialog.show()
    if not op.done:
        loop.exec()
    dialog.close()
    return True


#: Placeholder text on a white field: 6.4:1, above WCAG's 4.5:1 (before: 3.0:1).
PLACEHOLDER_COLOUR = "#4c6272"


def load_theme(app: QApplication) -> None:
    """The look and the keyboard rules of every window: text size, colours, the theme."""
    from .widgets.access import install_keyboard_policy
    from .widgets.text_size import current_scale, scaled_style, set_app_font

    set_app_font(app)
    palette = app.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(PLACEHOLDER_COLOUR))
    app.setPalette(palette)
    install_keyboard_policy(app)
    # The style sheet names its images "icons:…"; this is where they are.
    QDir.addSearchPath("icons", str(resources_dir() / "icons"))
    qss = ui_dir() / "theme.qss"
    if qss.exists():
        # The theme's "color" would otherwise make placeholders half-transparent text
        # (3.0:1); the same colour as the palette's, for every field the theme styles.
        placeholders = (
            "\nQLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDateEdit "
            f"{{ placeholder-text-color: {PLACEHOLDER_COLOUR}; }}\n"
        )
        style = qss.read_text(encoding="utf-8") + placeholders
        app.setStyleSheet(scaled_style(style, current_scale()))


def app_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icons" / "mdt-desktop.svg"))


def make_app(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("uk.nhs.mdtdesktop")
    app.setWindowIcon(app_icon())
    load_theme(app)
    return app


def launch(path: Path, *, idle_ms: int | None = None) -> MainWindow | None:
    """First run or unlock, then who is using it; the shown MainWindow, or None on quit."""
    from .main_window import MainWindow
    from .users import choose_user

    if not path.exists() or path.stat().st_size == 0:
        from .first_run import FirstRunWizard

        wizard = FirstRunWizard(path)
        wizard.exec()
        if wizard.store is None or wizard.user is None:
            return None  # stopped before the store was made: nothing to open
        store, user = wizard.store, wizard.user
    else:
        opened = open_store(path)
        if opened is None:
            return None
        store = opened
        finish_interrupted_import(store)
        chosen = choose_user(store)
        if chosen is None:
            store.close()
            return None
        user, must_unlock = chosen
        window = MainWindow(store, user, idle_ms=idle_ms)
        window.show()
        if must_unlock:
            window.lock(signing_in=True)  # the person proves who they are first
        return window
    window = MainWindow(store, user, idle_ms=idle_ms)
    window.show()
    return window


def screenshots(path: Path, folder: Path) -> int:
    """Each main view at 1366x768 into ``folder``, and at 1920x1080 into a subfolder."""
    from mdt_desktop.services.users import actor_for, current_user, list_users
    from mdt_desktop.store.database import Store

    from .main_window import MainWindow

    store = Store.open(path)
    try:
        users = list_users(store)
        if not users:
            print("The store has no user profile yet: open it once in the app.", file=sys.stderr)
            return 1
        # Looking is not signing in: no dialogs, and nothing written to the audit log.
        user = current_user(store) or users[0]
        store.set_actor(actor_for(user))
        store.rendering_only = True
        window = MainWindow(store, user, idle_ms=24 * 3600 * 1000)
        window.show()
        try:
            first, *others = SCREENSHOT_SIZES
            for written in window.render_views(folder, first):
                print(written)
            for size in others:
                sub = folder / f"{size.width()}x{size.height()}"
                for written in window.render_views(sub, size):
                    print(written)
        finally:
            window.close()
            _delete_now(window)
    finally:
        QThreadPool.globalInstance().waitForDone()
        store.close()
    return 0


def _delete_now(widget: QWidget) -> None:
    """Destroy a window here and now, on the GUI thread.

    Left to Python, a window caught in a reference cycle (signal connections make them)
    is freed by the garbage collector, which tears wrappers down in no useful order and
    can crash inside Qt's destructors.
    """
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _QuitAfterFirstPaint(QObject):
    """--quit-after-shown: stop once the main window has really been painted."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def _show_unexpected(
    kind: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Errors nobody caught (in a slot, say) are shown, never lost."""
    trace = "".join(traceback.format_exception(kind, exc, tb))
    print(trace, file=sys.stderr)
    if kind is KeyboardInterrupt or QApplication.instance() is None:
        return
    try:
        from .background import show_failure

        show_failure(QApplication.activeWindow(), "What you just did", exc, trace)
    except Exception:  # the report itself must never take the app down
        log.exception("could not show an unexpected error")


def main(argv: Sequence[str] | None = None) -> int:
    from mdt_desktop.interop import csv_process

    if (list(argv) if argv is not None else sys.argv[1:])[:1] == [csv_process.CHILD_FLAG]:
        # The packaged app started as an import's reading process (interop/csv_process).
        csv_process.child_main()
        return 0
    parser = argparse.ArgumentParser(prog="mdt-desktop", description="MDT Desktop")
    parser.add_argument(
        "--store", type=Path, default=None, help="the store file (default: your user data folder)"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="DIR",
        help="render each main view to DIR as PNG files, then exit",
    )
    parser.add_argument("--quit-after-shown", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    path = (args.store or default_store_path()).expanduser()
    app = make_app(sys.argv[:1])
    if args.screenshot:
        from mdt_desktop.store.keys import StoreLockedError

        try:
            return screenshots(path, args.screenshot)
        except StoreLockedError as exc:
            print(str(exc), file=sys.stderr)
            return 3
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected
    from .background import GarbageCollector

    collector = GarbageCollector(app)
    try:
        window = launch(path)
        if window is None:
            return 0
        if args.quit_after_shown:
            watcher = _QuitAfterFirstPaint(window)
            window.installEventFilter(watcher)
            # Never hang a benchmark; owned by the watcher so it dies with the window.
            QTimer.singleShot(10_000, watcher, app.quit)
        code = app.exec()
        if window.isVisible():  # quit without closing it (--quit-after-shown): save state
            window.close()
        # Work still running in the pool holds connections: let it finish before closing.
        QThreadPool.globalInstance().waitForDone()
        store = window.store
        _delete_now(window)
        store.close()
        return int(code)
    finally:
        # Quitting closes the windows, and the last one closing posts a second Quit. Left
        # queued, it would arrive with no loop running and make the next event loop anyone
        # starts (a test's, a modal dialog's) return at once.
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
        collector.stop()
        sys.excepthook = previous_hook


if __name__ == "__main__":
    raise SystemExit(main())
