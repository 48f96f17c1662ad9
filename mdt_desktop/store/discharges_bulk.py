"""Inserting many new stays at once, tracked exactly as the flush hook would track them.

The hospital's feed opens thousands of stays in one import. Through the ORM each row costs
a unit-of-work pass, which for 45,000 rows is most of half a minute. Here new rows (mapped
objects, or a mapped class with column values filled by the same rules) are handed to the
driver by ``executemany`` inside the caller's session transaction, and each row still gets
what ``store/tracking.py`` gives a flushed insert: the clock and ``updated_by`` stamped, one
sync outbox entry with every field, one audit entry on the hash chain (``audit.append_many``,
its rows by the driver too). A rollback leaves none of it.

Values are converted with the dialect's own bind processors, so what lands in the database
is what SQLAlchemy would have stored (tests read the rows back through the ORM to prove it).
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Mapper, Session

from . import audit
from .context import StoreContext
from .ids import new_ids
from .schema import OutboxEntry, Patient, Synced, table_of
from .tracking import CLOCK_KEY, CONTEXT_KEY, TOUCHED_KEY, jsonable

_CACHE_MIB = 256
_PLAIN = frozenset({type(None), str, int, bool, float})  # JSON as they are
_STAMPS = ("updated_at", "updated_by")
_OUTBOX_COLUMNS = ("change_id", "table_name", "row_id", "op", "fields", "hlc", "device_id",
                   "created_at")  # fmt: skip


class _Shape:
    """One mapped class: its attribute keys, column names, defaults and bind processors."""

    def __init__(self, cls: type, dialect: Any) -> None:
        mapper: Mapper[Any] = inspect(cls)
        self.table = cast(Table, mapper.local_table)
        # A plain str: SQLAlchemy's quoted_name makes the driver look for an adapter per row.
        self.name = str(self.table.name)
        self.keys: list[str] = []
        self.columns: list[str] = []
        self.defaults: dict[str, Any] = {}
        self.processors: list[Callable[[Any], Any] | None] = []
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            self.keys.append(attr.key)
            self.columns.append(column.name)
            default = column.default
            if default is not None and default.is_scalar:  # type: ignore[attr-defined]
                self.defaults[attr.key] = default.arg  # type: ignore[attr-defined]
            # The dialect's own type (SQLite's DATE, not the generic Date) holds the processor.
            self.processors.append(column.type.dialect_impl(dialect).bind_processor(dialect))
        self.fields = [k for k in self.keys if k not in _STAMPS and k != "id"]
        # Only the columns whose type converts a value (uuids, times, dates) are visited per
        # row; the rest (text, numbers) go to the driver as they are.
        self._get = operator.itemgetter(*self.keys)
        self._convert = [(i, p) for i, p in enumerate(self.processors) if p is not None]

    def values(self, given: dict[str, Any]) -> dict[str, Any]:
        """Column values by attribute key (from an instance's dict: an unset attribute is
        None, exactly as the flush hook sees it, without the descriptor's per-read cost),
        with the scalar defaults a flush would apply."""
        out = {key: given.get(key) for key in self.keys}
        for key, value in self.defaults.items():
            if out[key] is None:
                out[key] = value
        return out

    def row(self, values: dict[str, Any]) -> list[Any]:
        out = list(self._get(values))
        for i, p in self._convert:
            if (v := out[i]) is not None:
                out[i] = p(v)
        return out


def _fields(shape: _Shape, values: dict[str, Any], plain: set[type]) -> dict[str, Any]:
    """Every field of a new row in JSON-safe form, as the flush hook's outbox entry has it."""
    fields = {}
    for k in shape.fields:
        v = values[k]
        if type(v) not in plain:
            as_is = v
            v = jsonable(v)
            if v is as_is:  # jsonable converts by type alone: this type never needs it
                plain.add(type(v))
        fields[k] = v
    return fields


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)  # quoted: discharge_events has "on"
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'


# A row given by its mapped class and values rather than as an object (cheaper by thousands).
NewRow = tuple[type[Synced], dict[str, Any]]


def insert_new(s: Session, objects: Sequence[Synced | NewRow]) -> int:
    """Insert ``objects`` (new, not in the session) in the order given; returns how many.

    Parents must come before children (the store has foreign keys but no relationships).
    Each row gets one outbox entry (op "insert", all fields) and one "create" audit entry,
    as a flush of the same objects would write. Off SQLite (the team server) the objects
    simply go through the ORM.
    """
    if not objects:
        return 0
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        s.add_all(o[0](**o[1]) if isinstance(o, tuple) else o for o in objects)
        s.flush()
        return len(objects)
    ctx: StoreContext = s.info[CONTEXT_KEY]
    dialect = conn.dialect
    shapes: dict[type, _Shape] = {}
    by_table: dict[type, list[list[Any]]] = {}
    outbox: list[tuple[Any, ...]] = []
    trail: list[audit.Item] = []
    user_id = ctx.actor.user_id
    meta = _Shape(OutboxEntry, dialect)
    as_json = meta.processors[meta.keys.index("fields")]
    as_time = meta.processors[meta.keys.index("created_at")]
    assert as_json is not None and as_time is not None
    device_id, created = ctx.device_id.hex, as_time(datetime.now(UTC))
    remote = ctx.applying_remote
    # Change ids for the outbox in one call to the OS RNG, ascending so the unique index on
    # them is appended to rather than split at a random page per row.
    change_ids = iter(() if remote else new_ids(len(objects)))
    plain = set(_PLAIN)  # value types JSON takes as they are; learnt as they are met
    for obj in objects:
        cls, given = obj if isinstance(obj, tuple) else (type(obj), vars(obj))
        shape = shapes.get(cls)
        if shape is None:
            shape = shapes[cls] = _Shape(cls, dialect)
        values = shape.values(given)
        if values["id"] is None:
            new_id = values["id"] = uuid.uuid4()
            if not isinstance(obj, tuple):
                obj.id = new_id
        hlc = ctx.clock.now()
        values["updated_at"], values["updated_by"] = hlc, user_id
        by_table.setdefault(cls, []).append(shape.row(values))
        table, row_id = shape.name, values["id"]
        if not remote:
            fields = _fields(shape, values, plain)
            outbox.append((next(change_ids), table, row_id.hex, "insert", as_json(fields),
                           hlc, device_id, created))  # fmt: skip
        patient = row_id if cls is Patient else values.get("patient_id")
        trail.append(audit.Item("create", table, row_id, patient))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    # A larger page cache for this load keeps inserts into random-UUID indexes from
    # thrashing (as store/bulk.py does); the connection's own size comes back after.
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size=-{_CACHE_MIB * 1024}")
    try:
        for cls, rows in by_table.items():
            cursor.executemany(_insert_sql(shapes[cls].table.name, shapes[cls].columns), rows)
        if outbox:
            cursor.executemany(_insert_sql(table_of(OutboxEntry).name, _OUTBOX_COLUMNS), outbox)
        # The same chain as every flush's entries, handed to the driver directly.
        audit.append_many(s, ctx, trail, cursor=cursor)
        cursor.execute(
            "UPDATE store_meta SET value = ? WHERE key = ?", (str(ctx.clock.last), CLOCK_KEY)
        )
    finally:
        cursor.execute(f"PRAGMA cache_size={int(cache)}")
        cursor.close()
    s.info.setdefault(TOUCHED_KEY, set()).update(shape.table.name for shape in shapes.values())
    return len(objects)
