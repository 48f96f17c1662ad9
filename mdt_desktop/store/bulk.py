"""Bulk loading: executemany of pre-converted tuples inside one large transaction.

The ORM costs microseconds per value, which is minutes for a whole system's
registered list; here values are converted once to exactly what SQLAlchemy
itself would store on SQLite (tests read them back through the ORM to prove
it) and handed to the driver in batches.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from .database import Store
from .ids import new_ids as new_ids  # where bulk writers have always found it


def db_uuid(value: uuid.UUID | None) -> str | None:
    """SQLAlchemy's Uuid on SQLite: 32 hex digits, no dashes."""
    return value.hex if value is not None else None


def db_datetime(value: datetime | None) -> str | None:
    """UTCDateTime on SQLite: naive UTC in SQLAlchemy's text form."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic cyclic garbage collection while a load builds its rows.

    A load allocates hundreds of thousands of short-lived containers, and each time they
    pass the collector's threshold it walks every object the process holds (a seconds'
    cost for a 10,000-row feed beside a loaded register). Nothing of the load's is cyclic
    garbage; collection is left as it was found (off already in the app, where
    ``gui/background.GarbageCollector`` collects on the GUI thread).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class BulkWriter:
    """Inserts rows given as tuples in the order of ``columns``."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str]) -> None:
        unknown = [c for c in columns if c not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column(s) {unknown}")
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        self.written = 0

    def write(self, rows: Iterable[tuple[Any, ...]]) -> int:
        batch = rows if isinstance(rows, list) else list(rows)
        if batch:
            self._cursor.executemany(self.sql, batch)
            self.written += len(batch)
        return len(batch)

    def close(self) -> None:
        self._cursor.close()


@contextmanager
def bulk_transaction(
    store: Store, cache_mib: int = 256, attach: tuple[str, str] | None = None
) -> Iterator[Connection]:
    """One transaction for the whole load: all of it lands, or none of it does.

    A larger page cache keeps random-UUID index inserts from thrashing. Foreign-key
    checks are off for the load (they cost a lookup per row): bulk writers take every
    key they write from rows they read or wrote in the same transaction.

    ``attach`` (path, raw key as hex) attaches an encrypted staging database as
    ``staging`` for the load (SQLite attaches only outside a transaction).
    """
    with store.engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA cache_size=-{cache_mib * 1024}")
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        if attach:
            conn.exec_driver_sql(
                "ATTACH DATABASE ? AS staging KEY ?", (attach[0], f"x'{attach[1]}'")
            )
        conn.commit()  # the PRAGMAs autobegan a transaction; the load gets its own
        try:
            with conn.begin():
                yield conn
        finally:
            if attach:
                conn.rollback()  # nothing may be open while detaching
                conn.exec_driver_sql("DETACH DATABASE staging")
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            conn.commit()
    _queue_for_sync(store)


def _queue_for_sync(store: Store) -> None:
    """On a store bound to a team server, queue what the load wrote at once.

    Bulk rows carry no outbox entries; the next sync round's sweep would find them, but a
    change made through the ORM before then (a decision stepping a bulk-loaded case
    down, say) would reach the server as an update to a row it has never seen.
    """
    from . import syncing

    meta = store.meta()
    if meta.get(syncing.META_TEAM):
        syncing.sweep(store, int(meta.get(syncing.META_SWEPT, "0")))


@contextmanager
def indexes_rebuilt_after(conn: Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for a large load and rebuild them after it.

    Building an index once from sorted data is far cheaper than updating it row by
    row. The index definitions are read back from the schema, so whatever the
    migrations made is exactly what is rebuilt — inside the caller's transaction.
    """
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    saved = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _ in saved:
        cur.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _, sql in saved:
            cur.execute(sql)
        cur.close()
