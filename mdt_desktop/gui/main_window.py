"""The main window: navigation between the areas, the status bar, lock and switch user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from mdt_desktop.domain.roles import Role
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from .idle_lock import IdleWatcher, LockScreen
from .pages import COMING, DashboardPage, NotBuiltPage, Page

AREAS = ["Dashboard", "Case finding", "Caseload", "Meetings", "Care plans", "Budgets", "Discharges"]


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


class MainWindow(QMainWindow):
    switch_user_requested = Signal()

    def __init__(
        self,
        store: Store,
        user: User,
        *,
        idle_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.setWindowTitle(f"MDT Desktop — {Path(store.path).name}")
        self.setMinimumSize(QSize(1024, 640))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(200)
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        for name in AREAS:
            page = self._make_page(name)
            self.pages[name] = page
            self.stack.addWidget(page)
            QListWidgetItem(name, self.nav)
        self.nav.currentRowChanged.connect(self._area_changed)

        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)

        self.lock_screen = LockScreen(store, user)
        self.lock_screen.unlocked.connect(self.unlock)
        self.outer = QStackedWidget()
        self.outer.addWidget(content)
        self.outer.addWidget(self.lock_screen)
        self.setCentralWidget(self.outer)

        self.store_label = QLabel(f"Store: {Path(store.path).name}")
        self.user_label = QLabel(f"{user.name} ({role_label(user.role)})")
        self.sync_label = QLabel("Offline — no server configured")
        for label in (self.store_label, self.user_label):
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self.sync_label)
        self._build_menus()

        settings = QSettings()
        minutes = float(settings.value("security/idle_minutes", 10))
        self.idle = IdleWatcher(idle_ms if idle_ms is not None else int(minutes * 60_000), self)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self._restore_state()

    def _make_page(self, name: str) -> Page:
        if name == "Dashboard":
            return DashboardPage(self._status, self._demo)
        if name == "Case finding":
            from .case_finding import CaseFindingPage

            return CaseFindingPage(self.store)
        return NotBuiltPage(name, COMING[name])

    # --- work done for the pages, off the GUI thread ---------------------------------------

    def _status(self) -> dict[str, Any]:
        from mdt_desktop.services.status import store_status

        return store_status(self.store)

    def _demo(self, progress: Any) -> Any:
        from mdt_desktop.services.demo import Cancelled, generate_demo

        try:
            return generate_demo(
                self.store,
                5000,
                seed=1,
                progress=progress.report,
                should_cancel=lambda: progress.cancelled,
            )
        except Cancelled:
            return None

    # --- navigation, menus, settings -------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        lock = QAction("&Lock now", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        switch = QAction("&Switch user…", self)
        switch.triggered.connect(self._switch_user)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (lock, switch, quit_action):
            file_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About MDT Desktop", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        from mdt_desktop import __version__

        QMessageBox.about(
            self,
            "About MDT Desktop",
            f"<b>MDT Desktop {__version__}</b><p>For neighbourhood multidisciplinary teams. "
            f"Store: {self.store.path}<br>Schema {self.store.schema_version()}</p>",
        )

    def _switch_user(self) -> None:
        self.lock()
        self.switch_user_requested.emit()

    def _area_changed(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        if isinstance(page, Page):
            page.activated()

    def show_area(self, name: str) -> Page:
        self.nav.setCurrentRow(AREAS.index(name))
        return self.pages[name]

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 768)
        area = str(settings.value("window/area", "Dashboard"))
        self.show_area(area if area in AREAS else "Dashboard")

    def closeEvent(self, event: Any) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/area", AREAS[max(self.nav.currentRow(), 0)])
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        # Background work holds the store's connections: let it finish before anyone
        # closes the store behind this window (closing under a running query crashes).
        QThreadPool.globalInstance().waitForDone(60_000)
        super().closeEvent(event)

    # --- locking ---------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.outer.currentWidget() is self.lock_screen

    def lock(self) -> None:
        if self.locked:
            return
        self.outer.setCurrentWidget(self.lock_screen)
        self.lock_screen.prepare()
        self.store.audit("lock", "session", self.user.id)

    def unlock(self) -> None:
        self.outer.setCurrentIndex(0)
        self.idle.restart()
        self.store.audit("unlock", "session", self.user.id)

    # --- screenshots -----------------------------------------------------------------------

    def render_views(self, folder: Path, size: QSize | None = None) -> list[Path]:
        """Each area as a PNG, for the README and for looking at what we built."""
        folder.mkdir(parents=True, exist_ok=True)
        self.resize(size or QSize(1366, 768))
        written = []
        for name in AREAS:
            page = self.show_area(name)
            wait = getattr(page, "wait_until_loaded", None)
            if wait is not None:
                wait()
            for _ in range(5):
                QApplication.processEvents()
            path = folder / f"{name.lower().replace(' ', '-')}.png"
            self.grab().save(str(path))
            written.append(path)
        return written


__all__ = ["AREAS", "MainWindow", "role_label"]
