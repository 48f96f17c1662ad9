"""A small demo neighbourhood (the first-run demo, 3,000 people) for whole-screen tests.

Built once per run into a template file; each test gets a byte copy, as the plain store
fixture does. The signed-in person is a care coordinator in the demo team, so "My
caseload", the meetings and the care plans all have something to show.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mdt_desktop.domain.roles import Role
from mdt_desktop.services import demo as demo_data
from mdt_desktop.services.demo.seeds import DEMO_TEAM
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import User

DEMO_PEOPLE = 3000
DEMO_USER = "Sue Palmer"
DEMO_TODAY = date.today()


@dataclass(frozen=True)
class DemoStore:
    store: Store
    user: User


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture
def demo_template(template_store: Path, demo_folder: Path, store_key: StoreKey) -> Path:
    """Built by the first test that asks (it needs the template's key), then reused."""
    path = demo_folder / "demo.mdt"
    if not path.exists():
        building = demo_folder / "building.mdt"
        shutil.copyfile(template_store, building)
        store = Store.open(building, store_key)
        demo_data.generate_demo(store, DEMO_PEOPLE, seed=3, today=DEMO_TODAY)
        team = ensure_team(store, DEMO_TEAM)
        # A demo district nurse: staff_for_user finds her directory entry by name.
        create_user(store, DEMO_USER, Role.DISTRICT_NURSE, team, pin="4321")
        store.close()
        building.rename(path)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, store_key: StoreKey) -> Iterator[DemoStore]:
    from PySide6.QtCore import QThreadPool
    from sqlalchemy import select

    path = tmp_path / "demo.mdt"
    shutil.copyfile(demo_template, path)
    store = Store.open(path, store_key)
    store.set_meta("store_id", str(uuid.uuid4()))
    store.set_meta("device_id", str(uuid.uuid4()))
    with store.session() as s:
        person = s.scalars(select(User).where(User.name == DEMO_USER)).one()
    sign_in(store, person)
    yield DemoStore(store, person)
    QThreadPool.globalInstance().waitForDone(30_000)
    store.close()


@pytest.fixture
def demo_window(qtbot: Any, demo: DemoStore) -> Iterator[Any]:
    """The main window on the demo, signed in as the demo's district nurse."""
    from mdt_desktop.gui.main_window import MainWindow

    main = MainWindow(demo.store, demo.user, idle_ms=100_000_000)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


# The fixtures, for ``from support.demo_store import *`` in a test module.
__all__ = ["demo", "demo_folder", "demo_template", "demo_window"]
