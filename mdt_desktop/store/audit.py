"""The append-only, hash-chained audit log.

Each entry carries the SHA-256 of the previous one, and the newest entry's
sequence number and hash are also kept in ``store_meta`` (in the same
transaction), so an altered entry, a removed entry and a removed tail are all
detected by :func:`verify_chain`. Triggers in the migration refuse UPDATE and
DELETE on the table; the chain catches anyone who bypasses them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .context import Actor, StoreContext
from .schema import AuditAnchor, AuditEntry, StoreMeta, table_of

GENESIS_HASH = "0" * 64
HEAD_KEY = "audit_head"
ACTIONS = AuditEntry.ACTIONS


# One encoder for every entry: ``json.dumps`` with options builds a new one per call.
_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    user_id: uuid.UUID | None,
    user_name: str,
    role: str,
    device_id: uuid.UUID,
    action: str,
    entity: str,
    entity_id: str | None,
    patient_id: uuid.UUID | None,
    detail: str | None,
    prev_hash: str,
) -> str:
    return _digest(
        [
            seq,
            at.astimezone(UTC).isoformat(),
            str(user_id) if user_id else None,
            user_name,
            role,
            str(device_id),
            action,
            entity,
            entity_id,
            str(patient_id) if patient_id else None,
            detail,
            prev_hash,
        ]
    )


def _digest(canonical: list[Any]) -> str:
    """The SHA-256 of an entry's values in their canonical order and text forms."""
    return hashlib.sha256(_CANONICAL.encode(canonical).encode("utf-8")).hexdigest()


def _head(conn: Connection | Session) -> tuple[int, str]:
    row = conn.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if row is None:
        return 0, GENESIS_HASH
    return int(row[0]), str(row[1])


@dataclass(frozen=True)
class Item:
    """One entry to append: what happened to which record."""

    action: str
    entity: str
    entity_id: str | uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    detail: str | None = None


def append(
    conn: Connection | Session,
    ctx: StoreContext,
    action: str,
    entity: str,
    entity_id: str | uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    detail: str | None = None,
    actor: Actor | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number."""
    return append_many(conn, ctx, [Item(action, entity, entity_id, patient_id, detail)], actor)


_COLUMNS = ("seq", "at", "user_id", "user_name", "role", "device_id", "action", "entity",
            "entity_id", "patient_id", "detail", "prev_hash", "hash")  # fmt: skip


def append_many(
    conn: Connection | Session,
    ctx: StoreContext,
    items: list[Item],
    actor: Actor | None = None,
    *,
    cursor: Any = None,
) -> int:
    """Append entries in order inside the caller's transaction; returns the last sequence.

    The head is read once and the chain built in memory, then written with one INSERT of
    all rows and one head update: a flush of n rows costs O(n), not n round trips each.

    ``cursor`` (a DB-API cursor on the same SQLite connection) hands the rows to the driver
    by one ``executemany``, converted by the dialect's own bind processors: for a bulk load's
    tens of thousands of entries SQLAlchemy's per-row parameter handling is seconds. The
    chain is the same either way.
    """
    for item in items:
        if item.action not in ACTIONS:
            raise ValueError(f"unknown audit action {item.action!r}")
    who = actor or ctx.actor
    last_seq, last_hash = _head(conn)
    if not items:
        return last_seq
    # Microseconds are dropped: some backends round them, which would break the hash.
    at = datetime.now(UTC).replace(microsecond=0)
    rows = _chain(items, who, ctx.device_id, at, last_seq, last_hash)
    last_seq, last_hash = rows[-1][0], rows[-1][-1]
    head = f"{last_seq}:{last_hash}"
    if cursor is not None:
        _write_raw(conn, cursor, rows, head)
        return int(last_seq)
    conn.execute(table_of(AuditEntry).insert(), [dict(zip(_COLUMNS, r, strict=True)) for r in rows])
    # No session synchronisation: scanning the identity map for each flush is not needed
    # (store_meta rows are never loaded as objects) and cost O(n) per entry.
    result = conn.execute(
        update(StoreMeta)
        .where(StoreMeta.key == HEAD_KEY)
        .values(value=head)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        conn.execute(table_of(StoreMeta).insert().values(key=HEAD_KEY, value=head))
    return int(last_seq)


def _chain(
    items: list[Item],
    who: Actor,
    device_id: uuid.UUID,
    at: datetime,
    last_seq: int,
    last_hash: str,
) -> list[tuple[Any, ...]]:
    """The entries as rows in ``_COLUMNS`` order, each hashed over the one before (the hash
    is :func:`entry_hash`'s, with the text forms shared by every entry made once)."""
    at_text = at.astimezone(UTC).isoformat()
    user_text = str(who.user_id) if who.user_id else None
    device_text = str(device_id)
    rows: list[tuple[Any, ...]] = []
    for item in items:
        seq = last_seq + 1
        entity_id = str(item.entity_id) if item.entity_id is not None else None
        patient = item.patient_id
        digest = _digest(
            [seq, at_text, user_text, who.name, who.role, device_text, item.action, item.entity,
             entity_id, str(patient) if patient else None, item.detail, last_hash]
        )  # fmt: skip
        rows.append((seq, at, who.user_id, who.name, who.role, device_id, item.action,
                     item.entity, entity_id, patient, item.detail, last_hash, digest))  # fmt: skip
        last_seq, last_hash = seq, digest
    return rows


def _write_raw(
    conn: Connection | Session, cursor: Any, rows: list[tuple[Any, ...]], head: str
) -> None:
    """The rows and the head through the driver, each value as SQLAlchemy would bind it."""
    dialect = (conn.connection() if isinstance(conn, Session) else conn).dialect
    table = table_of(AuditEntry)
    processors = [
        (i, p)
        for i, name in enumerate(_COLUMNS)
        if (p := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    # The time, the user and the device are one value for every entry: converted once.
    done: dict[int, tuple[Any, Any]] = {}
    stored = []
    for row in rows:
        values = list(row)
        for i, p in processors:
            v = values[i]
            if v is None:
                continue
            last = done.get(i)
            if last is not None and last[0] is v:
                values[i] = last[1]
            else:
                values[i] = p(v)
                done[i] = (v, values[i])
        stored.append(values)
    names = ", ".join(f'"{c}"' for c in _COLUMNS)
    marks = ", ".join("?" for _ in _COLUMNS)
    cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', stored)
    cursor.execute("UPDATE store_meta SET value = ? WHERE key = ?", (head, HEAD_KEY))
    if cursor.rowcount == 0:
        cursor.execute("INSERT INTO store_meta (key, value) VALUES (?, ?)", (HEAD_KEY, head))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    # How far the team server vouches for the chain: None if it never acknowledged any.
    anchored_seq: int | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "anchored_seq": self.anchored_seq,
            "note": self.note,
        }


# --- the anchor on the team server ---------------------------------------------------------

LOCAL_ONLY = (
    "This store has never sent its audit log to a team server, so only local verification "
    "was possible: the chain is consistent, but someone holding the store key could have "
    "rewritten it."
)


def anchored_head(conn: Connection | Session) -> tuple[int, str] | None:
    """The newest entry the team server acknowledged holding, or None."""
    row = conn.execute(
        select(AuditAnchor.seq, AuditAnchor.hash).order_by(AuditAnchor.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def entries_to_send(conn: Connection | Session, limit: int) -> list[dict[str, Any]]:
    """The next entries the server has not acknowledged, as they travel (JSON-ready)."""
    head = anchored_head(conn)
    rows = conn.execute(
        select(table_of(AuditEntry))
        .where(AuditEntry.seq > (head[0] if head else 0))
        .order_by(AuditEntry.seq)
        .limit(limit)
    ).all()
    return [
        {
            "seq": r.seq,
            "at": r.at.astimezone(UTC).isoformat(),
            "user_id": str(r.user_id) if r.user_id else None,
            "user_name": r.user_name,
            "role": r.role,
            "device_id": str(r.device_id),
            "action": r.action,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "patient_id": str(r.patient_id) if r.patient_id else None,
            "detail": r.detail,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
        for r in rows
    ]


def record_acknowledged(
    conn: Connection | Session, sent: list[dict[str, Any]], head: tuple[int, str]
) -> None:
    """Keep the (seq, hash) of each sent entry up to the head the server answered with."""
    seq, digest = head
    kept = [e for e in sent if e["seq"] <= seq]
    if kept and (kept[-1]["seq"], kept[-1]["hash"]) != (seq, digest):
        raise ValueError("the team server acknowledged a different audit entry than was sent")
    now = datetime.now(UTC)
    if kept:
        conn.execute(
            table_of(AuditAnchor).insert(),
            [{"seq": e["seq"], "hash": e["hash"], "acknowledged_at": now} for e in kept],
        )


def _against_anchor(conn: Connection | Session, local: ChainReport) -> ChainReport:
    """The local chain compared with what the team server acknowledged, entry by entry."""
    head = anchored_head(conn)
    if head is None:
        return ChainReport(local.ok, local.checked, local.first_bad_seq, local.reason,
                           None, LOCAL_ONLY)  # fmt: skip
    anchored = head[0]
    note = f"Checked against the {anchored} entries the team server acknowledged holding."
    if not local.ok and local.first_bad_seq is not None and local.first_bad_seq <= anchored:
        return ChainReport(False, local.checked, local.first_bad_seq, local.reason, anchored, note)
    # Entries the server holds but the store does not, or holds with another hash.
    for seq, digest, local_hash in conn.execute(
        select(AuditAnchor.seq, AuditAnchor.hash, AuditEntry.hash)
        .outerjoin(AuditEntry, AuditEntry.seq == AuditAnchor.seq)
        .order_by(AuditAnchor.seq)
    ):
        if local_hash is None:
            return ChainReport(False, local.checked, seq,
                               f"entry {seq} is missing: the team server acknowledged entries "
                               f"up to {anchored}, and this store no longer has them all",
                               anchored, note)  # fmt: skip
        if local_hash != digest:
            return ChainReport(False, local.checked, seq,
                               f"entry {seq} was altered: it differs from the entry the team "
                               "server acknowledged", anchored, note)  # fmt: skip
    return ChainReport(local.ok, local.checked, local.first_bad_seq, local.reason, anchored, note)


def _rows(conn: Connection | Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = conn.execute(
            select(table_of(AuditEntry))
            .where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows  # type: ignore[misc]
        last = rows[-1].seq


def verify_chain(conn: Connection | Session) -> ChainReport:
    """The local chain, then against what the team server acknowledged; the first entry
    that does not fit is named (a removal or re-chaining by someone with the key shows
    only in the second)."""
    return _against_anchor(conn, _verify_local(conn))


def _verify_local(conn: Connection | Session) -> ChainReport:
    """Walk the chain from the first entry; name the first entry that does not fit."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for row in _rows(conn):
        if row.seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, f"entry {expected_seq} is missing (next is {row.seq})"
            )
        if row.prev_hash != prev_hash:
            return ChainReport(
                False, checked, row.seq, f"entry {row.seq} does not follow the entry before it"
            )
        recomputed = entry_hash(
            seq=row.seq,
            at=row.at,
            user_id=row.user_id,
            user_name=row.user_name,
            role=row.role,
            device_id=row.device_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return ChainReport(False, checked, row.seq, f"entry {row.seq} was altered")
        prev_hash = row.hash
        expected_seq += 1
        checked += 1
    head = conn.execute(select(StoreMeta.value).where(StoreMeta.key == HEAD_KEY)).scalar()
    if head is not None:
        head_seq, _, head_hash = head.partition(":")
        if int(head_seq) != checked or head_hash != prev_hash:
            missing_from = checked + 1
            return ChainReport(
                False,
                checked,
                missing_from,
                f"entries from {missing_from} to {head_seq} were removed",
            )
    elif checked:
        return ChainReport(False, checked, 1, "the record of the newest entry is missing")
    return ChainReport(True, checked)
