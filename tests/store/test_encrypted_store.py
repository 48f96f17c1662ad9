"""The encrypted store: at rest, keys, wrong keys, and files that are not stores."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from mdt_desktop.store import keys
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey, StoreLockedError
from mdt_desktop.store.schema import Patient

DISTINCTIVE = "Featherstonehaugh"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_patient(store: Store, family: str = DISTINCTIVE) -> None:
    with store.transaction() as s:
        s.add(
            Patient(
                nhs_number="9434765919",
                family_name=family,
                given_name="Araminta",
                date_of_birth=date(1945, 7, 14),
                sex="female",
            )
        )


def _checkpoint(store: Store) -> None:
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_file_is_encrypted_at_rest(store: Store) -> None:
    _add_patient(store)
    _checkpoint(store)
    data = store.path.read_bytes()
    assert not data.startswith(b"SQLite format 3")
    assert DISTINCTIVE.encode() not in data
    assert DISTINCTIVE.encode("utf-16-le") not in data
    # The plain sqlite3 module cannot read it either.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(store.path).execute("SELECT * FROM sqlite_master").fetchall()


def test_wal_foreign_keys_and_a_connection_per_thread(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        main_id = id(conn.connection.dbapi_connection)
    with store.engine.connect() as conn:
        assert id(conn.connection.dbapi_connection) == main_id  # long-lived
    other: list[int] = []

    def worker() -> None:
        with store.engine.connect() as conn:
            other.append(id(conn.connection.dbapi_connection))
            conn.exec_driver_sql("SELECT 1")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert other and other[0] != main_id


def test_keyring_path_creates_and_reopens(tmp_path: Path, test_keyring) -> None:
    path = tmp_path / "k.mdt"
    store = Store.create(path, StoreKey.generate())
    assert store.key_kind == "keyring"
    store.close()
    salt_id = keys.store_salt_id(path)
    assert (keys.KEYRING_SERVICE, salt_id) in test_keyring.secrets
    # The raw key is in the keyring only, not in the file or beside it.
    raw_hex = test_keyring.secrets[(keys.KEYRING_SERVICE, salt_id)]
    for f in tmp_path.iterdir():
        assert raw_hex.encode() not in f.read_bytes()
    reopened = Store.open(path)
    assert reopened.key_kind == "keyring"
    reopened.close()


def test_passphrase_path_without_keyring(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.mdt"
    assert not keys.keyring_usable()
    Store.create(path, StoreKey(passphrase="correct horse battery")).close()
    monkeypatch.setenv("MDT_PASSPHRASE", "correct horse battery")
    store = Store.open(path)
    assert store.key_kind == "passphrase"
    store.close()
    assert b"correct horse" not in path.read_bytes()


@pytest.mark.parametrize("quote", ["pass\"word's; DROP", "naïve café ünïcode"])
def test_passphrases_with_quotes_and_unicode(tmp_path: Path, quote: str) -> None:
    path = tmp_path / "q.mdt"
    Store.create(path, StoreKey(passphrase=quote)).close()
    Store.open(path, passphrase=quote).close()
    with pytest.raises(StoreLockedError):
        Store.open(path, passphrase=quote + "x")


def test_wrong_passphrase_leaves_file_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "w.mdt"
    store = Store.create(path, StoreKey(passphrase="the right one"))
    _add_patient(store)
    store.close()
    before = _digest(path)
    with pytest.raises(StoreLockedError, match="This store could not be unlocked"):
        Store.open(path, passphrase="the wrong one")
    assert _digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_wrong_raw_key_leaves_file_byte_identical(store: Store) -> None:
    _add_patient(store)
    store.close()
    before = _digest(store.path)
    with pytest.raises(StoreLockedError, match="wrong"):
        Store.open(store.path, StoreKey.generate())
    assert _digest(store.path) == before


def test_missing_keyring_entry_is_a_clear_message(tmp_path: Path, test_keyring) -> None:
    path = tmp_path / "m.mdt"
    Store.create(path, StoreKey.generate()).close()
    test_keyring.secrets.clear()
    before = _digest(path)
    with pytest.raises(StoreLockedError, match="not in this computer's keyring"):
        Store.open(path)
    assert _digest(path) == before


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello",
        b"\x00" * 4096,
        bytes(range(256)) * 64,
    ],
    ids=["empty", "tiny", "zeros", "noise"],
)
def test_files_that_are_not_stores_are_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.mdt"
    path.write_bytes(content)
    with pytest.raises(StoreLockedError):
        Store.open(path, passphrase="whatever it is")
    assert path.read_bytes() == content


def test_plain_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreLockedError):
        Store.open(path, passphrase="anything at all")
    assert _digest(path) == before


def test_create_refuses_to_overwrite(store: Store) -> None:
    before = _digest(store.path)
    with pytest.raises(FileExistsError):
        Store.create(store.path, StoreKey.generate())
    assert _digest(store.path) == before


def test_failed_keyring_save_leaves_nothing_behind(tmp_path: Path, no_keyring: None) -> None:
    path = tmp_path / "nokeyring.mdt"
    with pytest.raises(Exception):  # noqa: B017 - the backend's own error type
        Store.create(path, StoreKey.generate())
    assert not path.exists()


def test_integrity_and_meta(store: Store) -> None:
    assert store.integrity_check() == "ok"
    meta = store.meta()
    assert meta["store_id"] == str(store.store_id)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patients")).scalar() == 0


def _store_with_leftover_wal(tmp_path: Path) -> Path:
    """A store whose last writer died: its newest pages are still only in the -wal file."""
    import shutil

    path = tmp_path / "wal.mdt"
    store = Store.create(path, StoreKey(passphrase="a long enough passphrase"))
    _add_patient(store)
    # Copy the files while the writer still holds them: that copy is what a killed
    # process leaves behind (closing would checkpoint and delete the -wal).
    copy = tmp_path / "copy.mdt"
    shutil.copyfile(path, copy)
    shutil.copyfile(f"{path}-wal", f"{copy}-wal")
    store.close()
    assert Path(f"{copy}-wal").stat().st_size > 0
    return copy


def test_wrong_key_leaves_store_and_leftover_wal_byte_identical(tmp_path: Path) -> None:
    path = _store_with_leftover_wal(tmp_path)
    wal = Path(f"{path}-wal")
    before = (_digest(path), _digest(wal))
    with pytest.raises(StoreLockedError, match="could not be unlocked"):
        Store.open(path, passphrase="not the passphrase at all")
    assert wal.exists(), "the wrong key deleted the leftover WAL"
    assert (_digest(path), _digest(wal)) == before
    # And the right key still finds what was only in the WAL.
    with Store.open(path, passphrase="a long enough passphrase") as store, store.session() as s:
        assert s.query(Patient).filter_by(family_name=DISTINCTIVE).count() == 1


def test_new_store_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "private.mdt"
    with Store.create(path, StoreKey(passphrase="a long enough passphrase")) as store:
        _add_patient(store)
        assert path.stat().st_mode & 0o777 == 0o600
        assert Path(f"{path}-wal").stat().st_mode & 0o777 == 0o600


def test_database_errors_never_carry_the_bound_values(store: Store) -> None:
    from sqlalchemy.exc import IntegrityError

    _add_patient(store)
    with pytest.raises(IntegrityError) as caught:
        _add_patient(store, family="Ó Ceallaigh-Secret")
    assert "9434765919" not in str(caught.value)
    assert "Ceallaigh-Secret" not in str(caught.value)
