"""GUI fixtures: isolated QSettings, the app's names and theme, a signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from mdt_desktop.domain.roles import Role
from mdt_desktop.gui.app import load_theme
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User


@pytest.fixture(autouse=True)
def isolated_settings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    qapp.setOrganizationName("MDT Desktop Tests")
    qapp.setApplicationName("MDT Desktop Tests")
    load_theme(qapp)
    yield
    QSettings().clear()


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
