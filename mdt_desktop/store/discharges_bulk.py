"""Inserting many new stays at once, tracked exactly as the flush hook would track them.

The hospital's feed opens thousands of stays in one import. Through the ORM each row costs
a unit-of-work pass, which for 45,000 rows is most of half a minute. Here new rows (built as
ORM objects, so the same rules fill them) are handed to the driver by ``executemany`` inside
the caller's session transaction, and each row still gets what ``store/tracking.py`` gives a
flushed insert: the clock and ``updated_by`` stamped, one sync outbox entry with every field,
one audit entry on the hash chain (``audit.append_many``). A rollback leaves none of it.

Values are converted with the dialect's own bind processors, so what lands in the database
is what SQLAlchemy would have stored (tests read the rows back through the ORM to prove it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Mapper, Session

from . import audit
from .context import StoreContext
from .schema import AuditEntry, OutboxEntry, Patient, Synced, table_of
from .tracking import CLOCK_KEY, CONTEXT_KEY, TOUCHED_KEY, jsonable

_CACHE_MIB = 256
_PLAIN = frozenset({str, int, bool, float})  # JSON as they are (jsonable returns them)
_AUDIT_COLUMNS = ("seq", "at", "user_id", "user_name", "role", "device_id", "action", "entity",
                  "entity_id", "patient_id", "detail", "prev_hash", "hash")  # fmt: skip
_STAMPS = ("updated_at", "updated_by")
_OUTBOX_COLUMNS = ("change_id", "table_name", "row_id", "op", "fields", "hlc", "device_id",
                   "created_at")  # fmt: skip


class _Shape:
    """One mapped class: its attribute keys, column names, defaults and bind processors."""

    def __init__(self, cls: type, dialect: Any) -> None:
        mapper: Mapper[Any] = inspect(cls)
        self.table = cast(Table, mapper.local_table)
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

    def values(self, given: dict[str, Any]) -> dict[str, Any]:
        """Column values by attribute key (from an instance's dict: an unset attribute is
        None, exactly as the flush hook sees it, without the descriptor's per-read cost),
        with the scalar defaults a flush would apply."""
        out = {key: given.get(key) for key in self.keys}
        for key, value in self.defaults.items():
            if out[key] is None:
                out[key] = value
        return out

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            v if (v := values[k]) is None or p is None else p(v)
            for k, p in zip(self.keys, self.processors, strict=True)
        )


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
    by_table: dict[type, list[tuple[Any, ...]]] = {}
    outbox: list[tuple[Any, ...]] = []
    trail: list[audit.Item] = []
    user_id = ctx.actor.user_id
    meta = _Shape(OutboxEntry, dialect)
    as_json = meta.processors[meta.keys.index("fields")]
    as_time = meta.processors[meta.keys.index("created_at")]
    assert as_json is not None and as_time is not None
    device_id, created = ctx.device_id.hex, as_time(datetime.now(UTC))
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
        table, row_id = shape.table.name, values["id"]
        if not ctx.applying_remote:
            fields = {
                k: v if (v := values[k]) is None or type(v) in _PLAIN else jsonable(v)
                for k in shape.fields
            }
            outbox.append((uuid.uuid4().hex, table, row_id.hex, "insert", as_json(fields),
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
        _append_audit(s, cursor, ctx, trail)
        cursor.execute(
            "UPDATE store_meta SET value = ? WHERE key = ?", (str(ctx.clock.last), CLOCK_KEY)
        )
    finally:
        cursor.execute(f"PRAGMA cache_size={int(cache)}")
        cursor.close()
    s.info.setdefault(TOUCHED_KEY, set()).update(shape.table.name for shape in shapes.values())
    return len(objects)


def _append_audit(s: Session, cursor: Any, ctx: StoreContext, items: list[audit.Item]) -> None:
    """``audit.append_many`` for many entries at once, handed to the driver directly.

    The chain is built exactly as there (head read once, ``audit.entry_hash`` over the same
    values, times to the second, the head kept in store_meta); only the insert skips
    SQLAlchemy's per-row parameter processing, which for 45,000 entries is seconds.
    """
    last_seq, last_hash = audit._head(s)  # the chain's own head read
    at = datetime.now(UTC).replace(microsecond=0)
    shape = _Shape(AuditEntry, s.connection().dialect)
    as_time = shape.processors[shape.keys.index("at")]
    assert as_time is not None
    stored_at = as_time(at)
    who = ctx.actor
    user = who.user_id.hex if who.user_id else None
    device = ctx.device_id
    rows = []
    for item in items:
        if item.action not in audit.ACTIONS:
            raise ValueError(f"unknown audit action {item.action!r}")
        seq = last_seq + 1
        entity_id = str(item.entity_id) if item.entity_id is not None else None
        digest = audit.entry_hash(
            seq=seq, at=at, user_id=who.user_id, user_name=who.name, role=who.role,
            device_id=device, action=item.action, entity=item.entity, entity_id=entity_id,
            patient_id=item.patient_id, detail=item.detail, prev_hash=last_hash,
        )  # fmt: skip
        rows.append((seq, stored_at, user, who.name, who.role, device.hex, item.action,
                     item.entity, entity_id, item.patient_id.hex if item.patient_id else None,
                     item.detail, last_hash, digest))  # fmt: skip
        last_seq, last_hash = seq, digest
    if not rows:
        return
    cursor.executemany(_insert_sql(AuditEntry.__tablename__, _AUDIT_COLUMNS), rows)
    head = f"{last_seq}:{last_hash}"
    cursor.execute("UPDATE store_meta SET value = ? WHERE key = ?", (head, audit.HEAD_KEY))
    if cursor.rowcount == 0:
        cursor.execute("INSERT INTO store_meta (key, value) VALUES (?, ?)", (audit.HEAD_KEY, head))
