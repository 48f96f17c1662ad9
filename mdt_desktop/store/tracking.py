"""The flush hook: stamps syncing rows with the clock and records each change.

For every inserted, updated or deleted row that syncs, the same transaction
receives one outbox entry (table, row id, changed fields, clock, device) and one
audit entry. Both are plain INSERTs inside the session's transaction, so a
rollback leaves neither behind.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session, UOWTransaction

from . import audit
from .context import StoreContext
from .schema import OutboxEntry, Patient, StoreMeta, Synced, table_of

CONTEXT_KEY = "mdt_context"
TOUCHED_KEY = "mdt_touched"  # session.info: names of the tables this transaction wrote
CLOCK_KEY = "hlc_last"
_STAMP_COLUMNS = {"updated_at", "updated_by"}


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a column value, stable across backends."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _column_values(obj: Synced, only_changed: bool) -> dict[str, Any]:
    state = inspect(obj)
    fields: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _STAMP_COLUMNS or key == "id":
            continue
        if only_changed and not state.attrs[key].history.has_changes():
            continue
        fields[key] = jsonable(getattr(obj, key))
    return fields


def _patient_of(obj: Synced) -> uuid.UUID | None:
    if isinstance(obj, Patient):
        return obj.id
    return getattr(obj, "patient_id", None)


def _record(
    ctx: StoreContext,
    obj: Synced,
    op: str,
    fields: dict,
    outbox: list[dict[str, Any]],
    trail: list[audit.Item],
) -> None:
    hlc = ctx.clock.now()
    obj.updated_at = hlc
    obj.updated_by = ctx.actor.user_id
    table = obj.__tablename__  # type: ignore[attr-defined]
    if not ctx.applying_remote:
        outbox.append(
            {
                "change_id": uuid.uuid4(),
                "table_name": table,
                "row_id": obj.id,
                "op": op,
                "fields": fields,
                "hlc": hlc,
                "device_id": ctx.device_id,
                "created_at": datetime.now(UTC),
            }
        )
    audit_action = {"insert": "create", "update": "update", "delete": "delete"}[op]
    trail.append(
        audit.Item(
            audit_action,
            table,
            obj.id,
            _patient_of(obj),
            detail=", ".join(sorted(fields)) if op == "update" else None,
        )
    )


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    ctx: StoreContext | None = session.info.get(CONTEXT_KEY)
    if ctx is None:
        return
    outbox: list[dict[str, Any]] = []
    trail: list[audit.Item] = []
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, Synced):
                if obj.id is None:
                    obj.id = uuid.uuid4()
                fields = _column_values(obj, only_changed=False)
                _record(ctx, obj, "insert", fields, outbox, trail)
        for obj in list(session.dirty):
            if not isinstance(obj, Synced) or not session.is_modified(obj):
                continue
            fields = _column_values(obj, only_changed=True)
            if not fields:
                continue
            # Setting the tombstone is how rows are deleted: it travels as a delete.
            op = "delete" if "deleted_at" in fields and obj.deleted_at is not None else "update"
            _record(ctx, obj, op, fields, outbox, trail)
        for obj in list(session.deleted):
            if isinstance(obj, Synced):
                fields = {"deleted_at": jsonable(datetime.now(UTC))}
                _record(ctx, obj, "delete", fields, outbox, trail)
        if not trail:
            return
        session.info.setdefault(TOUCHED_KEY, set()).update(item.entity for item in trail)
        # One statement per kind for the whole flush (a bulk write is O(n), not n trips).
        if outbox:
            session.execute(table_of(OutboxEntry).insert(), outbox)
        audit.append_many(session, ctx, trail)
        session.execute(
            update(StoreMeta)
            .where(StoreMeta.key == CLOCK_KEY)
            .values(value=str(ctx.clock.last))
            .execution_options(synchronize_session=False)
        )


def install(session_class: type[Session]) -> None:
    """Attach the hook to a session class (idempotent)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
