"""The main window: navigation between the areas, the status bar, lock and switch user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from . import background
from .changes import changes_of
from .features import Feature, Page, areas, features
from .idle_lock import (
    IDLE_MINUTES_KEY,
    MAX_IDLE_MINUTES,
    MIN_IDLE_MINUTES,
    ApplicationLock,
    IdleWatcher,
    LockScreen,
    bounded_idle_minutes,
    idle_minutes_setting,
)
from .pages import NotBuiltPage
from .today import TodayPage
from .users import role_label, who_label

# Today, then every feature with an area, in the order gui/features.py lists them.
AREAS = ["Today", *(f.area for f in areas() if f.area)]
SYNC_STATE = "Offline — no server configured"  # until gui/sync.py reads the real state


def slug(area: str) -> str:
    """ "Case finding" → "case-finding": file names for screenshots."""
    return area.lower().replace(" ", "-")


class MainWindow(QMainWindow):
    """One signed-in user working on one open store.

    Pages are built the first time they are opened, so starting is quick and nothing
    queries the store before it is needed.
    """

    user_changed = Signal(object)

    def __init__(
        self,
        store: Store,
        user: User,
        *,
        idle_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.store = store
        self.user = user
        self.setWindowTitle(f"MDT Desktop — {Path(store.path).name}")
        self.setMinimumSize(QSize(1024, 640))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(200)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self.pages: dict[str, Page] = {}
        self._presenting: dict[str, Any] | None = None
        # Pages refresh from the one change signal, whichever window made the change.
        self.changes = changes_of(store)
        self.changes.tables_changed.connect(self._tables_changed)
        for name in AREAS:
            self.stack.addWidget(QWidget())  # replaced by the page when first opened
            QListWidgetItem(name, self.nav)
        self.nav.currentRowChanged.connect(self._area_changed)

        self.content = QWidget()
        row = QHBoxLayout(self.content)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)

        # While locked the window shows a blank curtain and the lock screen, its own
        # application-modal window, sits over it (see gui/idle_lock.py).
        self.curtain = QWidget()
        self.curtain.setObjectName("lockedCurtain")
        self.outer = QStackedWidget()
        self.outer.addWidget(self.content)
        self.outer.addWidget(self.curtain)
        self.setCentralWidget(self.outer)
        self.lock_screen = LockScreen(store, user, self)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.lock_screen.new_person.connect(self._add_person)
        self.app_lock = ApplicationLock(self, self.lock_screen)

        self.store_label = QLabel(f"Store: {Path(store.path).name}")
        self.store_label.setToolTip(str(store.path))
        self.user_label = QLabel(who_label(user))
        self.user_label.setObjectName("signedInUser")
        self.sync_label = QLabel(SYNC_STATE)
        self.sync_label.setObjectName("syncState")
        self.statusBar().addWidget(self.store_label)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.sync_label)
        self._build_menus()

        # An injected timeout (tests, screenshots) wins over the user's setting.
        self._fixed_idle_ms = idle_ms
        self.idle = IdleWatcher(self._idle_ms(), self)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self._restore_state()
        # Team server: Sync menu, background rounds, the sync label (gui/sync.py).
        from .sync import install as install_sync

        self.sync = install_sync(self, store, self.sync_label)

    def _idle_ms(self) -> int:
        if self._fixed_idle_ms is not None:
            return self._fixed_idle_ms
        return int(idle_minutes_setting() * 60_000)

    def set_presenting(self, presenting: bool) -> None:
        """Meeting mode on the room's screen: no idle lock while the team is presenting."""
        self.idle.pause(presenting)

    # --- pages ------------------------------------------------------------------------------

    def _make_page(self, name: str) -> Page:
        if name == "Today":
            today = TodayPage(self.store, self.user, self, self._demo)
            today.store_changed.connect(self.store_changed)
            self.user_changed.connect(today.set_user)
            return today
        feature: Feature = next(f for f in areas() if f.area == name)
        if feature.page is None:
            return NotBuiltPage(name, feature.coming)
        page = feature.page(self.store, self.user, self)
        self.user_changed.connect(page.set_user)
        return page

    def _tables_changed(self, tables: frozenset[str]) -> None:
        for page in list(self.pages.values()):
            page.tables_changed(tables)

    def page(self, name: str) -> Page:
        """The page for an area, built now if it has not been opened yet."""
        page = self.pages.get(name)
        if page is None:
            page = self._make_page(name)
            index = AREAS.index(name)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.pages[name] = page
        return page

    def store_changed(self) -> None:
        """After a bulk change (demo data, an import), pages show the store afresh.

        Pages other than the current one are dropped and rebuilt when next opened. The
        demo may have moved the signed-in person into its team: pages follow their profile.
        """
        from mdt_desktop.services.users import current_user

        fresh = current_user(self.store)
        moved = (
            fresh is not None and fresh.id == self.user.id and fresh.team_id != self.user.team_id
        )
        if moved:
            assert fresh is not None
            self.user = fresh
            self.lock_screen.user = fresh
        current = AREAS[max(self.nav.currentRow(), 0)]
        for name in list(self.pages):
            if name == current:
                continue
            page = self.pages.pop(name)
            index = AREAS.index(name)
            self.stack.insertWidget(index, QWidget())
            self.stack.removeWidget(page)
            page.deleteLater()
        if moved:
            self.user_changed.emit(self.user)

    # --- work done for the pages, off the GUI thread ---------------------------------------

    def _demo(self, progress: background.Progress, patients: int, join: bool = False) -> Any:
        from .demo_data import fill_with_demo

        return fill_with_demo(self.store, patients, progress, join_team=join)

    # --- navigation, menus, settings -------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.lock_action = QAction("&Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.switch_action = QAction("&Switch user…", self)
        self.switch_action.triggered.connect(self.switch_user)
        idle_action = QAction("Lock &after…", self)
        idle_action.triggered.connect(self.ask_idle_minutes)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.switch_action)
        file_menu.addSeparator()
        file_menu.addAction(idle_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        for feature in features():
            for add_menu in feature.menus:
                add_menu(self)
        from .widgets.text_size import add_text_size_menu

        add_text_size_menu(self)  # View › Text size, remembered for each person
        self._build_help_menu()

    def _build_help_menu(self) -> None:
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = QAction("&User guide", self)
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1
        self.guide_action.triggered.connect(lambda: self.show_help())
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        details = QAction("&Store details…", self)
        details.triggered.connect(self.show_store_details)
        about = QAction("&About MDT Desktop", self)
        about.triggered.connect(self._about)
        for action in (self.guide_action, self.shortcuts_action, details):
            help_menu.addAction(action)
        # Held by the window too, so F1 and the sheet answer while presenting (no menu bar).
        self.addActions([self.guide_action, self.shortcuts_action])
        help_menu.addSeparator()
        help_menu.addAction(about)
        self.help_window: QDialog | None = None

    def open_record(self, patient_id: Any, tab: str = "Summary") -> QWidget:
        """Open a person's record in its own window (the opening is audited as a view)."""
        from .record import open_record_window

        return open_record_window(self.store, self.user, patient_id, self, initial_tab=tab)

    # --- presentation (PageHost): meeting mode asks for it -----------------------------

    def enter_presentation(self) -> None:
        """Only the current page may be seen: full screen, no navigation, menus or status."""
        if self._presenting is not None:
            return
        self._presenting = {
            "full": self.isFullScreen(),
            "maximized": self.isMaximized(),
            "hidden": [w for w in (self.nav, self.menuBar(), self.statusBar()) if w.isVisible()],
        }
        for widget in self._presenting["hidden"]:
            widget.hide()
        self.showFullScreen()
        self.set_presenting(True)  # no idle lock while the room is watching

    def leave_presentation(self) -> None:
        """The window as it was before :meth:`enter_presentation`."""
        state, self._presenting = self._presenting, None
        if state is None:
            return
        self.set_presenting(False)
        for widget in state["hidden"]:
            widget.show()
        if not state["full"]:
            if state["maximized"]:
                self.showMaximized()
            else:
                self.showNormal()

    # --- help ------------------------------------------------------------------------------

    def _help(self) -> Any:
        from .help import HelpWindow

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        return self.help_window

    def help_page(self) -> str:
        """The guide's page for what is in front: meeting mode, else the current area."""
        from .features import Page

        page = self.stack.currentWidget()
        mode = getattr(page, "mode", None)
        if mode is not None and mode.isVisible():
            return "meeting-mode"
        named = getattr(page, "help_page", "") if isinstance(page, Page) else ""
        return named or slug(self.current_area())

    def show_help(self, page: str | None = None) -> QDialog:
        """F1: the user guide, open at the page for the current area."""
        window = self._help()
        window.show_page(page or self.help_page())
        window.show()
        window.raise_()
        return window

    def shortcut_sheet(self) -> str:
        """Every key the window and meeting mode answer to, read from what is registered."""
        from .help import PAGE_KEYS, meeting_mode_shortcuts, sheet_html, shortcuts_of

        for name in AREAS:  # a page registers its keys when built: build each (no reads)
            self.page(name)
        mode = next((p.mode for p in self.pages.values() if getattr(p, "mode", None)), None)
        return sheet_html(
            [
                ("Main window", shortcuts_of(self, PAGE_KEYS)),
                ("Meeting mode", meeting_mode_shortcuts(mode)),
            ]
        )

    def show_shortcuts(self) -> QDialog:
        window = self._help()
        window.show_html("Keyboard shortcuts", self.shortcut_sheet())
        window.show()
        window.raise_()
        return window

    def sync_lines(self) -> list[str]:
        """The sync state in words: the server, the last sync, what waits to be sent."""
        from mdt_desktop.services import sync as sync_service

        from .sync import status_text

        settings = sync_service.settings(self.store)
        status = sync_service.status(self.store)
        if not status.configured:
            return [
                "No team server is set up: everything stays on this computer "
                f"({status.pending:,} changes kept here). Set one up in Sync ▸ Team server."
            ]
        running = self.sync.running is not None
        return [
            f"Team server {settings.server_url}, as {settings.username}.",
            status_text(status, self.sync.offline, running) + ".",
            *([f"Last problem: {status.last_error}"] if status.last_error else []),
        ]

    def show_store_details(self) -> QDialog:
        """The store's own figures (audit entries, changes waiting to sync…), read in the
        background: support staff ask for them; Today does not show them."""
        from mdt_desktop.services.status import store_status

        from .help import store_details_html

        window = self._help()
        window.show_html("Store details", "<p>Reading the store…</p>")
        window.show()
        lines = self.sync_lines()
        background.run_in_background(
            window,
            lambda _: store_status(self.store),
            on_success=lambda status: window.show_html(
                "Store details", store_details_html(status, lines)
            ),
            label="Reading the store's details",
        )
        return window

    def about_text(self) -> str:
        from html import escape

        from mdt_desktop import __version__

        sync = "<br>".join(escape(line) for line in self.sync_lines())
        return (
            f"<b>MDT Desktop {__version__}</b><p>For neighbourhood multidisciplinary teams: "
            "case finding, caseload, MDT meetings, care plans, budgets and discharges.</p>"
            f"<p>Store: {escape(str(self.store.path))}<br>"
            f"Schema {self.store.schema_version()}</p><p>{sync}</p>"
        )

    def _about(self) -> None:
        QMessageBox.about(self, "About MDT Desktop", self.about_text())

    def ask_idle_minutes(self) -> None:
        minutes, ok = QInputDialog.getInt(
            self,
            "Lock when idle",
            "Lock MDT Desktop after this many minutes without use:",
            round(idle_minutes_setting()),
            MIN_IDLE_MINUTES,
            MAX_IDLE_MINUTES,
        )
        if ok:
            self.set_idle_minutes(minutes)

    def set_idle_minutes(self, minutes: float) -> None:
        QSettings().setValue(IDLE_MINUTES_KEY, bounded_idle_minutes(minutes))
        self._fixed_idle_ms = None
        self.idle.set_timeout_ms(self._idle_ms())

    def _area_changed(self, row: int) -> None:
        if row < 0:
            return
        page = self.page(AREAS[row])
        self.stack.setCurrentWidget(page)
        page.activated()

    def show_area(self, name: str) -> Page:
        row = AREAS.index(name)
        if self.nav.currentRow() == row:
            self._area_changed(row)  # reopening the same area refreshes it
        else:
            self.nav.setCurrentRow(row)
        return self.pages[name]

    def current_area(self) -> str:
        return AREAS[max(self.nav.currentRow(), 0)]

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1366, 768)
        area = str(settings.value("window/area", "Today"))
        self.nav.setCurrentRow(AREAS.index(area if area in AREAS else "Today"))

    def _save_and_stop(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/area", self.current_area())
        self.idle.stop()
        self.sync.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        # Background work holds the store's connections: stop it and let it finish before
        # anyone closes the store behind this window (closing under a running query crashes).
        background.shutdown()

    # --- locking and switching user --------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.app_lock.engaged

    def lock(self, *, signing_in: bool = False) -> None:
        """Lock the whole app: every window hidden or covered, never closed.

        ``signing_in``: the app has just started on a store and nobody has proved who they
        are yet (nothing was locked, so nothing is audited as a lock).
        """
        if self.locked:
            return
        self.app_lock.engage()
        self.outer.setCurrentWidget(self.curtain)
        self.idle.stop()
        self.lock_screen.prepare(signing_in=signing_in)
        self._show_lock_screen()
        if not signing_in:
            self.store.audit("lock", "session", self.user.id)

    def _show_lock_screen(self) -> None:
        screen = self.lock_screen
        screen.setGeometry(self.geometry())
        screen.show()
        screen.raise_()
        screen.activateWindow()

    def switch_user(self) -> None:
        """Lock, with "You are" ready for the next person to pick themselves."""
        self.lock()
        self.lock_screen.who.setFocus()

    def _unlocked(self, person: User) -> None:
        if person.id != self.user.id or self.store.actor.user_id != person.id:
            from mdt_desktop.services.users import sign_in

            sign_in(self.store, person)  # audits the login as the new person
        if person.id != self.user.id:
            self.user = person
            self.lock_screen.user = person
            self.user_label.setText(who_label(person))
            self.user_changed.emit(person)
        self.store.audit("unlock", "session", person.id)
        self.lock_screen.hide()
        self.outer.setCurrentWidget(self.content)
        self.app_lock.release()
        self.idle.restart()

    def _add_person(self) -> None:
        """Adding someone new was approved on the lock screen: their profile, then in."""
        from .users import ProfileDialog

        # A child of the lock screen, so the application lock lets it be used.
        dialog = ProfileDialog(self.store, self.lock_screen, approved=True)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.user is not None:
            self._unlocked(dialog.user)
        else:
            self.lock_screen.prepare()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.lock_screen.allow_close = True
        self.lock_screen.close()
        self.app_lock.release()
        self._save_and_stop()
        super().closeEvent(event)

    # --- screenshots -----------------------------------------------------------------------

    def render_views(self, folder: Path, size: QSize | None = None) -> list[Path]:
        """Each area, then the lock screen, as PNGs: for the README and for looking at."""
        folder.mkdir(parents=True, exist_ok=True)
        self.resize(size or QSize(1366, 768))
        written = []
        for name in AREAS:
            self.show_area(name).wait_until_loaded()
            written.append(self._grab(folder / f"{slug(name)}.png"))
        # Shown without auditing a lock: nobody locked anything.
        self.lock_screen.prepare()
        self.lock_screen.setGeometry(self.geometry())
        self.lock_screen.show()
        written.append(self._grab(folder / "locked.png", self.lock_screen))
        self.lock_screen.hide()
        return written

    def _grab(self, path: Path, widget: QWidget | None = None) -> Path:
        for _ in range(5):
            QApplication.processEvents()
        if not (widget or self).grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return path


__all__ = ["AREAS", "MainWindow", "role_label", "slug"]
