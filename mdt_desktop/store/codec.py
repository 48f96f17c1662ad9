"""Rows on the wire: every synced table's columns as JSON values and back.

One codec for the client and the server, driven by the SQLAlchemy column types of
schema v1, so a table added to the schema with the ``Synced`` mixin syncs with no
code here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Table, Uuid
from sqlalchemy.sql.type_api import TypeEngine

from mdt_desktop.store.schema import SYNCED_TABLES, Base, TeamScoped

# Tables in an order where a row's parents come before it (foreign keys).
ORDERED_TABLES: tuple[str, ...] = tuple(
    t.name for t in Base.metadata.sorted_tables if t.name in SYNCED_TABLES
)
TABLES: dict[str, Table] = {name: Base.metadata.tables[name] for name in ORDERED_TABLES}
TEAM_SCOPED: frozenset[str] = frozenset(
    m.local_table.name  # type: ignore[attr-defined]
    for m in Base.registry.mappers
    if issubclass(m.class_, TeamScoped)
)
# Stamped by whoever applies a change, never taken from the wire.
STAMP_COLUMNS = ("updated_at", "updated_by")
# Facts about one laptop that never leave it: a 4-digit PIN's hash would be cracked in
# moments by anyone holding a copy, and a login time is per device.
LOCAL_ONLY_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"pin_hash", "last_login_at"}),
}


def synced_columns(table: Table) -> list[str]:
    """The columns a change may carry: not the key, the stamps or local-only facts."""
    local = LOCAL_ONLY_COLUMNS.get(table.name, frozenset())
    return [
        c.name
        for c in table.columns
        if c.name not in STAMP_COLUMNS and c.name != "id" and c.name not in local
    ]


class BadField(ValueError):
    """A change names a column that does not exist or carries a value of the wrong kind."""


def _base_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    impl = getattr(column_type, "impl", None)
    return impl if isinstance(impl, TypeEngine) else column_type


def to_json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def decode_value(table: Table, name: str, value: Any) -> Any:
    """A JSON value as the Python value the column takes; raises BadField."""
    column = table.columns.get(name)
    if column is None:
        raise BadField(f"{table.name} has no field {name!r}")
    if value is None:
        return None
    kind = _base_type(column.type)
    try:
        if isinstance(kind, Uuid):
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        if isinstance(kind, DateTime):
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if isinstance(kind, Date):
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if isinstance(kind, Boolean):
            return bool(value)
        if isinstance(kind, Integer):
            return int(value)
        if isinstance(kind, Float):
            return float(value)
        if isinstance(kind, JSON):
            return value
    except (TypeError, ValueError) as exc:
        raise BadField(f"{table.name}.{name}: {value!r} is not valid ({exc})") from None
    return str(value)


def decode_fields(table: Table, fields: dict[str, Any]) -> dict[str, Any]:
    local = LOCAL_ONLY_COLUMNS.get(table.name, frozenset())
    return {
        name: decode_value(table, name, value)
        for name, value in fields.items()
        if name not in STAMP_COLUMNS and name != "id" and name not in local
    }


def fill_defaults(table: Table, values: dict[str, Any]) -> None:
    """Give a new row the column defaults the laptop's ORM applied after recording it.

    The flush hook records an insert before SQLAlchemy fills scalar defaults, so a
    required column left unset (``sex``, ``status``) arrives as null.
    """
    for column in table.columns:
        default = column.default
        if (
            values.get(column.name) is None
            and not column.nullable
            and default is not None
            and getattr(default, "is_scalar", False)
        ):
            values[column.name] = default.arg  # type: ignore[attr-defined]
