"""Shared fixtures: an offscreen Qt, a test keyring, and a fresh encrypted store per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the user's real keyring, even in a subprocess started by a test.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ.pop("MDT_PASSPHRASE", None)

import keyring
import pytest
from keyring.backend import KeyringBackend

from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey

# PostgreSQL, a live team server and laptop stores for the server and sync tests.
pytest_plugins = ["support.postgres"]


class MemoryKeyring(KeyringBackend):
    """A keyring that lives for one test: secure enough for the store to trust it."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def test_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("MDT_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.delenv("MDT_PASSPHRASE", raising=False)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Behave like a headless Linux with no Secret Service."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


_TEMPLATE_KEY = StoreKey.generate()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated store built per run; each test gets a byte copy (migrations are slow)."""
    path = tmp_path_factory.mktemp("template") / "template.mdt"
    keyring_backup = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        Store.create(path, _TEMPLATE_KEY).close()
    finally:
        keyring.set_keyring(keyring_backup)
    return path


@pytest.fixture
def store_key() -> StoreKey:
    return _TEMPLATE_KEY


@pytest.fixture
def store_path(template_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.mdt"
    shutil.copyfile(template_store, path)
    return path


@pytest.fixture
def store(store_path: Path, store_key: StoreKey) -> Iterator[Store]:
    """A fresh encrypted store, already migrated, opened with its raw key."""
    import uuid

    first = Store.open(store_path, store_key)
    # Copies of the template must not share identities (sync tells devices apart by them).
    first.set_meta("store_id", str(uuid.uuid4()))
    first.set_meta("device_id", str(uuid.uuid4()))
    first.close()
    opened = Store.open(store_path, store_key)
    yield opened
    opened.close()
