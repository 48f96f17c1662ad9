"""GUI fixtures: isolated QSettings, the app's names and theme, a signed-in user, a window."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from mdt_desktop.domain.roles import Role
from mdt_desktop.gui.app import load_theme
from mdt_desktop.gui.background import release_results
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

NEVER_MS = 100_000_000  # an idle timeout no test reaches


@pytest.fixture(autouse=True)
def isolated_settings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """Never the real user's settings: an INI file in this test's folder."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    qapp.setOrganizationName("MDT Desktop Tests")
    qapp.setApplicationName("MDT Desktop Tests")
    load_theme(qapp)
    yield
    QSettings().clear()


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As the app does (background.GarbageCollector): no collection on a worker thread.

    pytest-qt has closed the test's widgets and called deleteLater() before this runs;
    without an event loop that deletion must be done here, before the collector frees
    the Python side in whatever order it likes (which can crash in Qt's destructors).
    """
    gc.disable()
    yield
    release_results()  # a test that ended locked must not hold the next test's results
    QThreadPool.globalInstance().waitForDone(30_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.enable()


@pytest.fixture
def user(store: Store) -> User:
    team = ensure_team(store, "Test Neighbourhood MDT")
    person = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, team, pin="4321")
    sign_in(store, person)
    return person


@pytest.fixture
def store(store: Store) -> Iterator[Store]:
    """The shared store fixture, but closed only after background work has finished."""
    yield store
    QThreadPool.globalInstance().waitForDone(30_000)


@pytest.fixture
def window(qtbot: Any, store: Store, user: User) -> Iterator[MainWindow]:
    main = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


@pytest.fixture
def on_modal(qtbot: Any) -> Callable[[Callable[[QWidget], None]], list[QWidget]]:
    """Act on the next modal dialog once its exec() is running; returns the dialogs seen."""

    def arrange(action: Callable[[QWidget], None]) -> list[QWidget]:
        seen: list[QWidget] = []

        def poll() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(20, poll)
                return
            seen.append(dialog)
            action(dialog)

        QTimer.singleShot(0, poll)
        return seen

    return arrange
