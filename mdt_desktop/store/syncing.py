"""The store's side of sync: binding to a team, the outbox, applying pulled rows.

The only SQL the sync client needs, kept here with the rest of the store's SQL.
Rows pulled from the server are written with Core statements, which bypass the
flush hook: they are the server's already-merged state and must not echo back
into the outbox (the same effect as ``StoreContext.applying_remote``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, delete, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mdt_desktop.sync.codec import ORDERED_TABLES, TABLES, TEAM_SCOPED, BadField, decode_fields

from . import tracking
from .database import Store
from .schema import OutboxEntry, StoreMeta, SyncConflict, table_of

META_SERVER = "sync_server_url"
META_USER = "sync_user"
META_REFRESH = "sync_refresh_token"
META_TEAM = "sync_team_id"
META_CURSOR = "sync_cursor"
META_SWEPT = "sync_swept_hlc"
META_LAST_SYNC = "sync_last_synced_at"
META_LAST_ERROR = "sync_last_error"


@dataclass(frozen=True)
class PendingChange:
    seq: int
    change_id: uuid.UUID
    table: str
    row_id: uuid.UUID
    op: str
    fields: dict[str, Any]
    hlc: int

    def as_wire(self, device_id: uuid.UUID) -> dict[str, Any]:
        return {
            "change_id": str(self.change_id),
            "table": self.table,
            "row_id": str(self.row_id),
            "op": self.op,
            "fields": self.fields,
            "hlc": self.hlc,
            "device_id": str(device_id),
        }


def _set_meta(conn: Connection, key: str, value: str | None) -> None:
    meta = table_of(StoreMeta)
    conn.execute(delete(meta).where(meta.c.key == key))
    if value is not None:
        conn.execute(insert(meta).values(key=key, value=value))


def set_meta_values(store: Store, values: dict[str, str | None]) -> None:
    with store.engine.begin() as conn:
        for key, value in values.items():
            _set_meta(conn, key, value)


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@contextmanager
def _without_foreign_keys(store: Store) -> Iterator[Connection]:
    """A transaction with foreign-key checks off.

    Pulled rows arrive in the order the server last changed them, so a child can
    arrive a page before its parent; the server has already enforced the keys.
    """
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


# --- binding --------------------------------------------------------------------------


def bind_to_team(store: Store, team_id: uuid.UUID, name: str, code: str | None) -> int:
    """Make the server's team this store's team: every team-scoped row moves to it.

    Run once, on the first sync. The outbox is emptied because the sweep that follows
    queues every row the store holds, whole, with its clock: a laptop used before the
    server existed loses nothing. Returns the number of rows moved.
    """
    teams = TABLES["teams"]
    moved = 0
    with _without_foreign_keys(store) as conn:
        exists = conn.execute(select(teams.c.id).where(teams.c.id == team_id)).first()
        if exists is None:
            conn.execute(insert(teams).values(id=team_id, name=name, code=None, updated_at=0))
        for table_name in TEAM_SCOPED:
            table = TABLES[table_name]
            moved += conn.execute(
                update(table)
                .where((table.c.team_id != team_id) | table.c.team_id.is_(None))
                .values(team_id=team_id)
            ).rowcount
        others = conn.execute(select(teams.c.id).where(teams.c.id != team_id)).scalars().all()
        if others:
            conn.execute(delete(teams).where(teams.c.id.in_(others)))
        # Codes are unique: the server's code arrives with the team's row on the first pull.
        conn.execute(delete(table_of(OutboxEntry)))
        _set_meta(conn, META_TEAM, str(team_id))
        _set_meta(conn, META_SWEPT, "0")
        _set_meta(conn, META_CURSOR, None)
    return moved


# --- the outbox -------------------------------------------------------------------------


def _json_expr(table_name: str) -> str:
    table = TABLES[table_name]
    parts = []
    for column in table.columns:
        if column.name in ("id", "updated_at", "updated_by"):
            continue
        # JSON columns hold JSON text: json() embeds it instead of quoting it.
        is_json = isinstance(column.type, JSON)
        value = f'json("{column.name}")' if is_json else f'"{column.name}"'
        parts.append(f"'{column.name}', {value}")
    return "json_object(" + ", ".join(parts) + ")"


def sweep(store: Store, since_hlc: int) -> int:
    """Queue every row changed after ``since_hlc`` that has no outbox entry, whole.

    This is how rows written without the ORM (the demo, registered-list imports)
    reach the server: on the first sync ``since_hlc`` is 0 and the whole store is
    queued; afterwards only what bulk loads wrote since the last round.
    """
    device = store.device_id.hex
    now = _sqlite_time(datetime.now(UTC))
    fallback = store.context.clock.now()
    total = 0
    with store.engine.begin() as conn:
        for table_name in ORDERED_TABLES:
            if table_name not in TEAM_SCOPED:
                continue
            sql = (
                "INSERT INTO sync_outbox "
                "(change_id, table_name, row_id, op, fields, hlc, device_id, created_at) "
                f"SELECT lower(hex(randomblob(16))), '{table_name}', t.id, 'insert', "
                f"{_json_expr(table_name)}, "
                "CASE WHEN t.updated_at > 0 THEN t.updated_at ELSE :fallback END, "
                f':device, :now FROM "{table_name}" AS t '
                "WHERE t.updated_at > :since AND NOT EXISTS "
                "(SELECT 1 FROM sync_outbox o WHERE o.row_id = t.id) "
                "ORDER BY t.rowid"
            )
            total += conn.execute(
                text(sql),
                {"fallback": fallback, "device": device, "now": now, "since": since_hlc},
            ).rowcount
    return total


def pending(store: Store, limit: int) -> list[PendingChange]:
    outbox = table_of(OutboxEntry)
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.seq).limit(limit)).all()
    return [
        PendingChange(r.seq, r.change_id, r.table_name, r.row_id, r.op, r.fields, r.hlc)
        for r in rows
    ]


def pending_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one())


def open_conflicts(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL")
            ).scalar_one()
        )


def acknowledge(
    store: Store, sent: list[PendingChange], results: list[dict[str, Any]]
) -> dict[str, int]:
    """Remove answered outbox entries; keep conflicts and refusals as conflict records.

    Nothing is lost: a change the server would not take stays in ``sync_conflicts``
    with the reason, for someone to look at.
    """
    counts = {"applied": 0, "superseded": 0, "conflict": 0, "rejected": 0}
    by_id = {str(p.change_id): p for p in sent}
    conflicts = table_of(SyncConflict)
    now = datetime.now(UTC)
    done: list[int] = []
    with store.engine.begin() as conn:
        for result in results:
            change = by_id.get(str(result["change_id"]))
            if change is None:
                continue
            status = result["status"]
            counts[status] = counts.get(status, 0) + 1
            done.append(change.seq)
            if status not in ("conflict", "rejected"):
                continue
            conflict_id = result.get("conflict_id")
            remote = dict(result.get("remote_fields") or {})
            if result.get("reason"):
                remote["_reason"] = result["reason"]
            if status == "rejected":
                kind = "rejected"
            elif change.table == "care_plan_versions":
                kind = "care_plan_version"
            else:
                kind = "delete_vs_update"
            cid = uuid.UUID(conflict_id) if conflict_id else uuid.uuid4()
            if conn.execute(select(conflicts.c.id).where(conflicts.c.id == cid)).first():
                continue
            conn.execute(
                insert(conflicts).values(
                    id=cid,
                    table_name=change.table,
                    row_id=change.row_id,
                    kind=kind,
                    local_fields={**change.fields, "_op": change.op},
                    remote_fields=remote,
                    detected_at=now,
                )
            )
        outbox = table_of(OutboxEntry)
        for start in range(0, len(done), 900):
            conn.execute(delete(outbox).where(outbox.c.seq.in_(done[start : start + 900])))
    return counts


def record_server_conflicts(store: Store, items: Iterable[dict[str, Any]]) -> int:
    """Conflicts the server recorded for the team, so every device shows them."""
    conflicts = table_of(SyncConflict)
    added = 0
    with store.engine.begin() as conn:
        for item in items:
            cid = uuid.UUID(item["id"])
            if conn.execute(select(conflicts.c.id).where(conflicts.c.id == cid)).first():
                continue
            conn.execute(
                insert(conflicts).values(
                    id=cid,
                    table_name=item["table_name"],
                    row_id=uuid.UUID(item["row_id"]),
                    kind=item["kind"],
                    local_fields=item.get("local_fields"),
                    remote_fields=item.get("remote_fields"),
                    detected_at=datetime.fromisoformat(item["detected_at"]),
                )
            )
            added += 1
    return added


# --- applying pulled rows -----------------------------------------------------------------


def _pending_fields(conn: Connection, row_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """Fields of these rows changed here and not yet pushed: they stay as they are."""
    outbox = table_of(OutboxEntry)
    held: dict[uuid.UUID, set[str]] = {}
    for start in range(0, len(row_ids), 900):
        for row_id, fields in conn.execute(
            select(outbox.c.row_id, outbox.c.fields).where(
                outbox.c.row_id.in_(row_ids[start : start + 900])
            )
        ):
            held.setdefault(row_id, set()).update(fields or {})
    return held


def apply_pulled(
    store: Store,
    changes: list[dict[str, Any]],
    cursor: str,
    purge_outside: set[uuid.UUID] | None = None,
) -> dict[str, int]:
    """Write one pulled page and its cursor in one transaction (a crash redoes the page)."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        by_table.setdefault(change["table"], []).append(change)
    counts = {"rows": 0, "kept_local": 0, "refused": 0}
    top_hlc = max((int(c["hlc"]) for c in changes), default=0)
    if top_hlc:
        store.context.clock.update(top_hlc)
    with _without_foreign_keys(store) as conn:
        if purge_outside is not None:
            _purge(conn, purge_outside)
        for table_name in ORDERED_TABLES:
            items = by_table.get(table_name)
            if items:
                _apply_table(store, conn, table_name, items, counts)
        _set_meta(conn, META_CURSOR, cursor)
        _set_meta(conn, tracking.CLOCK_KEY, str(store.context.clock.last))
    return counts


def _purge(conn: Connection, keep: set[uuid.UUID]) -> None:
    """After the user's teams changed: rows of teams they are no longer in go."""
    for table_name in reversed(ORDERED_TABLES):
        if table_name in TEAM_SCOPED:
            table = TABLES[table_name]
            conn.execute(
                delete(table).where(table.c.team_id.is_not(None), table.c.team_id.not_in(keep))
            )


def _apply_table(
    store: Store,
    conn: Connection,
    table_name: str,
    items: list[dict[str, Any]],
    counts: dict[str, int],
) -> None:
    table = TABLES[table_name]
    ids = [uuid.UUID(str(c["id"])) for c in items]
    held = _pending_fields(conn, ids)
    existing: set[uuid.UUID] = set()
    for start in range(0, len(ids), 900):
        existing.update(
            conn.execute(select(table.c.id).where(table.c.id.in_(ids[start : start + 900])))
            .scalars()
            .all()
        )
    whole: list[dict[str, Any]] = []
    partial: list[dict[str, Any]] = []
    for change, row_id in zip(items, ids, strict=True):
        try:
            values = decode_fields(table, change["fields"])
        except BadField:
            counts["refused"] += 1
            continue
        values["id"] = row_id
        values["updated_at"] = int(change["hlc"])
        keep = held.get(row_id)
        if keep and row_id in existing:
            counts["kept_local"] += 1
            for name in keep:
                values.pop(name, None)
            partial.append(values)
        else:
            whole.append(values)
    # Rows already held first: a renumbered care-plan version frees its number before
    # the version that takes it is inserted.
    whole.sort(key=lambda v: v["id"] not in existing)
    columns = [c.name for c in table.columns]
    if whole:
        full = [{c: v.get(c) for c in columns} for v in whole]
        stmt = sqlite_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={c: stmt.excluded[c] for c in columns if c != "id"}
        )
        try:
            with conn.begin_nested():
                conn.execute(stmt, full)
        except IntegrityError:
            for row in full:
                try:
                    with conn.begin_nested():
                        conn.execute(stmt, [row])
                except IntegrityError as exc:
                    counts["refused"] += 1
                    _keep_refused(conn, table_name, row, str(exc.orig))
        counts["rows"] += len(full)
    for values in partial:
        row_id = values.pop("id")
        conn.execute(update(table).where(table.c.id == row_id).values(**values))
        counts["rows"] += 1


def _keep_refused(conn: Connection, table_name: str, row: dict[str, Any], reason: str) -> None:
    from mdt_desktop.sync.codec import to_json

    conn.execute(
        insert(table_of(SyncConflict)).values(
            id=uuid.uuid4(),
            table_name=table_name,
            row_id=row["id"],
            kind="rejected",
            local_fields=None,
            remote_fields={**{k: to_json(v) for k, v in row.items()}, "_reason": reason},
            detected_at=datetime.now(UTC),
        )
    )
