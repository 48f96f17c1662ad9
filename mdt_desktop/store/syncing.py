"""The store's side of sync: binding to a team, the outbox, applying pulled rows.

The only SQL the sync client needs, kept here with the rest of the store's SQL.
Rows pulled from the server are written with Core statements, which bypass the
flush hook: they are the server's already-merged state and must not echo back
into the outbox (the same effect as ``StoreContext.applying_remote``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Uuid,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from mdt_desktop.domain.change_permissions import RULES
from mdt_desktop.store.codec import ORDERED_TABLES, TABLES, TEAM_SCOPED, synced_columns

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
# Rows the team server keeps itself (teams, user profiles from its accounts): never pushed.
SERVER_MANAGED = frozenset(name for name, rule in RULES.items() if rule.server_managed)


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
    moved = 0
    with _without_foreign_keys(store) as conn:
        moved = _adopt_rows(conn, team_id, name)
        # Codes are unique: the server's code arrives with the team's row on the first pull.
        conn.execute(delete(table_of(OutboxEntry)))
        _set_meta(conn, META_TEAM, str(team_id))
        _set_meta(conn, META_SWEPT, "0")
        _set_meta(conn, META_CURSOR, None)
    return moved


def _adopt_rows(conn: Connection, team_id: uuid.UUID, name: str | None = None) -> int:
    """Every team-scoped row belongs to the bound team; other local team rows go.

    A store holds one team. Rows written under a team made on this laptop (before the
    server existed, or by a bulk load that made its own) move to the server's team.
    """
    teams = TABLES["teams"]
    if name is not None:
        exists = conn.execute(select(teams.c.id).where(teams.c.id == team_id)).first()
        if exists is None:
            conn.execute(insert(teams).values(id=team_id, name=name, code=None, updated_at=0))
    moved = 0
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
        outbox = table_of(OutboxEntry)
        conn.execute(
            delete(outbox).where(outbox.c.table_name == "teams", outbox.c.row_id.in_(others))
        )
    # Changes queued through the ORM before the move (the demo's caseload, say) still name
    # the old team: the server would refuse them. They move with their rows.
    conn.execute(
        text(
            "UPDATE sync_outbox SET fields = json_set(fields, '$.team_id', :team) "
            "WHERE json_extract(fields, '$.team_id') IS NOT NULL "
            "AND json_extract(fields, '$.team_id') != :team"
        ),
        {"team": str(team_id)},
    )
    return moved


# --- the outbox -------------------------------------------------------------------------


def _json_expr(table_name: str) -> str:
    table = TABLES[table_name]
    parts = []
    wanted = set(synced_columns(table))
    for column in table.columns:
        if column.name not in wanted:
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
    bound = store.meta().get(META_TEAM)
    total = 0
    with _without_foreign_keys(store) as conn:
        if bound:
            # A bulk load after binding may have made its own team (the demo does).
            _adopt_rows(conn, uuid.UUID(bound))
        for table_name in ORDERED_TABLES:
            if table_name not in TEAM_SCOPED or table_name in SERVER_MANAGED:
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
    with store.engine.begin() as conn:
        # A local profile or team stays on this laptop: the server would refuse it.
        conn.execute(delete(outbox).where(outbox.c.table_name.in_(sorted(SERVER_MANAGED))))
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


def _stored_uuid(value: Any) -> str:
    text_ = str(value).replace("-", "").lower()
    if len(text_) != 32:
        raise ValueError(f"{value!r} is not a UUID")
    int(text_, 16)
    return text_


def _stored_datetime(value: Any) -> str:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(sep=" ", timespec="microseconds")


def _stored_date(value: Any) -> str:
    return date.fromisoformat(str(value)[:10]).isoformat()


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    """JSON value → the value SQLAlchemy would have stored in SQLite for this column.

    Pulled pages are large (a whole team on the first sync): converting straight to
    SQLite's storage form and writing through the driver is several times faster than
    decoding to Python objects and binding them through SQLAlchemy's types.
    """
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, Uuid):
        return _stored_uuid
    if isinstance(kind, DateTime):
        return _stored_datetime
    if isinstance(kind, Date):
        return _stored_date
    if isinstance(kind, Boolean):
        return lambda v: 1 if v else 0
    if isinstance(kind, Integer):
        return int
    if isinstance(kind, Float):
        return float
    if isinstance(column.type, JSON):
        return json.dumps
    return str


_CONVERTERS: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}


def _converters(table_name: str) -> list[tuple[str, Callable[[Any], Any]]]:
    found = _CONVERTERS.get(table_name)
    if found is None:
        table = TABLES[table_name]
        wanted = set(synced_columns(table))
        found = [(c.name, _converter(c)) for c in table.columns if c.name in wanted]
        _CONVERTERS[table_name] = found
    return found


def _apply_table(
    store: Store,
    conn: Connection,
    table_name: str,
    items: list[dict[str, Any]],
    counts: dict[str, int],
) -> None:
    converters = _converters(table_name)
    names = [n for n, _ in converters]
    rows: list[tuple[str, list[Any], int]] = []
    for change in items:
        fields = change["fields"]
        try:
            row_id = _stored_uuid(change["id"])
            values = [
                None if fields.get(name) is None else convert(fields[name])
                for name, convert in converters
            ]
        except (TypeError, ValueError):
            counts["refused"] += 1
            continue
        rows.append((row_id, values, int(change["hlc"])))
    if not rows:
        return
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        ids = [r[0] for r in rows]
        existing: set[str] = set()
        held: dict[str, set[str]] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            existing.update(
                r[0]
                for r in cur.execute(f'SELECT id FROM "{table_name}" WHERE id IN ({marks})', chunk)
            )
            for row_id, fields in cur.execute(
                f"SELECT row_id, fields FROM sync_outbox WHERE row_id IN ({marks})", chunk
            ):
                held.setdefault(row_id, set()).update(json.loads(fields or "{}"))
        quoted = ", ".join(f'"{n}"' for n in names)
        upsert = (
            f'INSERT INTO "{table_name}" (id, updated_at, {quoted}) '
            f"VALUES (?, ?, {', '.join('?' * len(names))}) "
            "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, "
            + ", ".join(f'"{n}" = excluded."{n}"' for n in names)
        )
        whole, partial = [], []
        for row_id, values, hlc in rows:
            keep = held.get(row_id)
            if keep and row_id in existing:
                # Changed here and not pushed yet: those fields stay until the server
                # has merged them.
                counts["kept_local"] += 1
                partial.append((row_id, values, hlc, keep))
            else:
                whole.append((row_id, hlc, *values))
        # Rows already held first: a renumbered care-plan version frees its number
        # before the version that takes it is inserted.
        whole.sort(key=lambda r: r[0] not in existing)
        try:
            cur.execute("SAVEPOINT pulled_page")
            cur.executemany(upsert, whole)
            cur.execute("RELEASE pulled_page")
        except sqlite3_integrity_errors() as exc:
            cur.execute("ROLLBACK TO pulled_page")
            cur.execute("RELEASE pulled_page")
            _one_by_one(cur, conn, table_name, upsert, whole, counts, str(exc))
        for row_id, values, hlc, keep in partial:
            sets = [(n, v) for n, v in zip(names, values, strict=True) if n not in keep]
            assignments = ", ".join(f'"{n}" = ?' for n, _ in sets)
            cur.execute(
                f'UPDATE "{table_name}" SET updated_at = ?'
                + (f", {assignments}" if assignments else "")
                + " WHERE id = ?",
                [hlc, *(v for _, v in sets), row_id],
            )
        counts["rows"] += len(rows)
    finally:
        cur.close()


def sqlite3_integrity_errors() -> tuple[type[BaseException], ...]:
    import sqlcipher3

    return (sqlcipher3.IntegrityError,)


def _one_by_one(
    cur: Any,
    conn: Connection,
    table_name: str,
    upsert: str,
    rows: list[tuple[Any, ...]],
    counts: dict[str, int],
    first_error: str,
) -> None:
    """A page that broke a constraint: apply the rows that fit, keep the others aside."""
    for row in rows:
        try:
            cur.execute("SAVEPOINT pulled_row")
            cur.execute(upsert, row)
            cur.execute("RELEASE pulled_row")
        except sqlite3_integrity_errors() as exc:
            cur.execute("ROLLBACK TO pulled_row")
            cur.execute("RELEASE pulled_row")
            counts["refused"] += 1
            names = ["id", "updated_at", *(n for n, _ in _converters(table_name))]
            _keep_refused(conn, table_name, dict(zip(names, row, strict=True)), str(exc))
    del first_error


def _keep_refused(conn: Connection, table_name: str, row: dict[str, Any], reason: str) -> None:
    """A pulled row this store could not take: kept whole, for someone to look at."""
    conn.execute(
        insert(table_of(SyncConflict)).values(
            id=uuid.uuid4(),
            table_name=table_name,
            row_id=uuid.UUID(str(row["id"])),
            kind="rejected",
            local_fields=None,
            remote_fields={**row, "_reason": reason},
            detected_at=datetime.now(UTC),
        )
    )
