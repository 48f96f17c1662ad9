"""The encrypted local store: one SQLCipher file, opened with a raw key or a passphrase.

Opening never writes before the key has been proven: the first statement on a
new connection is ``PRAGMA key``, the second reads the schema; only then are
WAL and foreign keys switched on and migrations applied. A wrong key, a missing
keyring entry or a file that is not a store raises :class:`StoreLockedError`
with the file's bytes untouched.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mdt_desktop.store.clock import HybridLogicalClock

from . import audit, migrate, staging, tracking
from .context import Actor, StoreContext
from .keys import StoreKey, StoreLockedError, resolve_key, save_to_keyring
from .schema import StoreMeta, table_of

log = logging.getLogger(__name__)

# SingletonThreadPool keeps one long-lived connection per thread, and beyond its size it
# closes connections of *other* threads — one may be in use at that moment (seen as a
# segfault when the GUI thread and two workers read at once). So the size is never reached:
# the GUI keeps its worker threads for its lifetime (gui/background.py), which bounds the
# connections to the threads there are, and every connection closes with the store.
MAX_THREAD_CONNECTIONS = 1_000_000


class NestedTransactionError(RuntimeError):
    """The store was used again inside an open transaction on the same thread."""


ChangeListener = Callable[[frozenset[str]], None]


class MdtSession(Session):
    """Sessions of a store: the flush hook is attached to this class only."""


tracking.install(MdtSession)


def _make_engine(path: Path, key: StoreKey) -> Engine:
    url = URL.create("sqlite+pysqlcipher", password=key.pragma_value(), database=str(path))
    # Each thread still gets its own connection; a bulk load may hand its connection to
    # one writer thread for the length of the load (store/registered_list.py).
    engine = create_engine(
        url,
        pool_size=MAX_THREAD_CONNECTIONS,
        connect_args={"check_same_thread": False},
        # Error messages reach people and logs: never with the names and NHS numbers bound.
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # The dialect has already issued PRAGMA key; prove it before any write.
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT count(*) FROM sqlite_master")
            cursor.fetchone()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA temp_store=MEMORY")
        finally:
            cursor.close()

    return engine


def _prove_key(path: Path, key: StoreKey) -> None:
    """Check the key on a read-only connection before anything may write.

    A read-write connection that fails to decrypt still closes as the last one on a WAL
    database, which checkpoints a leftover -wal file into the main file and deletes it;
    a read-only connection can do neither, so a wrong key leaves every byte as it was.
    """
    from urllib.parse import quote

    import sqlcipher3

    conn = sqlcipher3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA key = " + _quoted(key.pragma_value()))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise StoreLockedError(
                "the key or passphrase is wrong, or the file is not an MDT Desktop store"
            ) from None
        raise StoreLockedError(f"the file could not be read ({exc})") from None
    finally:
        conn.close()


def _quoted(value: str) -> str:
    """A PRAGMA value as an SQL string literal (a passphrase may hold quotes)."""
    return "'" + value.replace("'", "''") + "'" if not value.startswith("x'") else f'"{value}"'


class Store:
    """One open store. Thread-safe: sessions are cheap, connections are per thread."""

    def __init__(self, path: Path, engine: Engine, key_kind: str) -> None:
        self.path = path
        self.engine = engine
        self.key_kind = key_kind
        self._sessions = sessionmaker(engine, class_=MdtSession, expire_on_commit=False)
        self._open = threading.local()  # transactions open on each thread
        meta = self.meta()
        self.store_id = uuid.UUID(meta["store_id"])
        self.device_id = uuid.UUID(meta["device_id"])
        self.context = StoreContext(
            device_id=self.device_id,
            clock=HybridLogicalClock(last=int(meta.get(tracking.CLOCK_KEY, "0"))),
        )
        self._lock = threading.Lock()
        self._listeners: list[ChangeListener] = []
        # One writer at a time in this process: SQLite takes one anyway, but a write that
        # reads first (the audit chain's head, the next version number) must not read
        # before another thread's write has committed, or both take the same next value.
        self._write_lock = threading.Lock()
        # Set while the app renders its own views for documentation (--screenshots): no
        # person is looking at the lists then, so their views are not audited.
        self.rendering_only = False

    # --- creating and opening --------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, key: StoreKey) -> Store:
        """Create a new store at ``path``; a keyring key is saved once the file exists."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise FileExistsError(f"{path} already exists: refusing to overwrite it")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner alone, from the first byte: SQLite gives the -wal and
        # -shm files the main file's mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        engine = _make_engine(path, key)
        try:
            with engine.begin() as conn:
                migrate.upgrade(conn)
                now = datetime.now(UTC).isoformat()
                conn.execute(
                    table_of(StoreMeta).insert(),
                    [
                        {"key": "store_id", "value": str(uuid.uuid4())},
                        {"key": "device_id", "value": str(uuid.uuid4())},
                        {"key": "created_at", "value": now},
                        {"key": "key_kind", "value": key.kind},
                        {"key": tracking.CLOCK_KEY, "value": "0"},
                    ],
                )
            # The salt (the keyring entry's name) reaches the main file at checkpoint.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            if key.raw is not None:
                save_to_keyring(path, key)
        except BaseException:
            engine.dispose()
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return cls(path, engine, key.kind)

    @classmethod
    def open(
        cls,
        path: Path | str,
        key: StoreKey | None = None,
        *,
        passphrase: str | None = None,
        upgrade: bool = True,
    ) -> Store:
        """Open an existing store; raises StoreLockedError without touching the file."""
        path = Path(path)
        if not path.is_file():
            raise StoreLockedError(f"there is no store at {path}")
        if path.stat().st_size < 512:
            raise StoreLockedError(f"{path} is empty or too short to be a store")
        if key is None:
            key = resolve_key(path, passphrase)
        _prove_key(path, key)
        # Staging folders of imports killed last time (they hold checked copies of rows).
        staging.remove_stale_folders()
        engine = _make_engine(path, key)
        try:
            with engine.connect() as conn:
                names = set(
                    conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    ).scalars()
                )
                if "store_meta" not in names:
                    raise StoreLockedError(f"{path} is not an MDT Desktop store")
                current = migrate.current_revision(conn)
            migrate.check_known(current)
            if upgrade and current != migrate.SCHEMA_HEAD:
                with engine.begin() as conn:
                    migrate.upgrade(conn)
        except (DatabaseError, OperationalError) as exc:
            engine.dispose()
            if "not a database" in str(exc) or "encrypted" in str(exc):
                raise StoreLockedError(
                    "the key or passphrase is wrong, or the file is not an MDT Desktop store"
                ) from None
            raise StoreLockedError(f"the file could not be read ({exc.orig})") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(path, engine, key.kind)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- working with it -----------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return self.context.actor

    def set_actor(self, actor: Actor) -> None:
        self.context.actor = actor

    def session(self) -> MdtSession:
        """A new session whose flushes write outbox and audit entries."""
        self._refuse_nesting()
        session = self._sessions()
        session.info[tracking.CONTEXT_KEY] = self.context
        return session

    @contextmanager
    def transaction(self) -> Iterator[MdtSession]:
        """``with store.transaction() as s:`` commits on success, rolls back on error.

        After a commit that wrote synced rows, every change listener is told which tables
        (see :meth:`add_change_listener`); a rollback tells nobody.
        """
        with self.session() as session, self._write_lock:
            with session.begin():
                self._open.depth = getattr(self._open, "depth", 0) + 1
                try:
                    yield session
                finally:
                    self._open.depth -= 1
            touched = session.info.pop(tracking.TOUCHED_KEY, None)
        if touched:
            self._tell_listeners(frozenset(touched))

    def add_change_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(tables)`` after each committed write, with the names of the
        tables it touched. It runs on the thread that committed (a worker's, often), after
        the transaction has closed, so it may read the store; it must not raise."""
        with self._lock:
            self._listeners.append(listener)

    def remove_change_listener(self, listener: ChangeListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _tell_listeners(self, tables: frozenset[str]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(tables)

    def _refuse_nesting(self) -> None:
        """A thread has one connection: a second use inside an open transaction would end
        that transaction when it closes, silently dropping what was written so far."""
        if getattr(self._open, "depth", 0):
            raise NestedTransactionError(
                "the store was used again inside an open transaction on the same thread; "
                "use the transaction's session instead"
            )

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: str | uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
        detail: str | None = None,
    ) -> int:
        """Record an event that changes no synced row (view, export, import, unlock…)."""
        # Serialised with every other write by transaction()'s lock: two appends reading the
        # same head would both take its next sequence number.
        with self.transaction() as session:
            return audit.append(
                session, self.context, action, entity, entity_id, patient_id, detail
            )

    def meta(self) -> dict[str, str]:
        self._refuse_nesting()
        with self.engine.connect() as conn:
            rows = conn.execute(select(StoreMeta.key, StoreMeta.value)).all()
        return {k: v for k, v in rows}

    def set_meta(self, key: str, value: str) -> None:
        self._refuse_nesting()
        with self.engine.begin() as conn:
            conn.execute(table_of(StoreMeta).delete().where(StoreMeta.key == key))
            conn.execute(table_of(StoreMeta).insert().values(key=key, value=value))

    def delete_meta(self, key: str) -> None:
        self._refuse_nesting()
        with self.engine.begin() as conn:
            conn.execute(table_of(StoreMeta).delete().where(StoreMeta.key == key))

    def schema_version(self) -> str | None:
        self._refuse_nesting()
        with self.engine.connect() as conn:
            return migrate.current_revision(conn)

    def integrity_check(self) -> str:
        self._refuse_nesting()
        with self.engine.connect() as conn:
            return str(conn.execute(text("PRAGMA integrity_check")).scalar())
