"""Where each synced row sits in the pull order, and pulling in that order.

Why not a plain sequence: a sequence number is taken when a transaction writes but
becomes visible when it commits, so a transaction that commits late would appear
*behind* a cursor that has already moved past its number and never be delivered.

Instead every log entry records the id of the transaction that wrote it
(``pg_current_xact_id()``). A pull reads the snapshot's ``xmin``: every transaction
with a smaller id has finished, committed or not, and none can ever again appear
below it. A pass delivers the entries whose transaction id lies in
``[previous horizon, this horizon)``, ordered by (transaction id, sequence) so it can
page. Each committed entry is delivered exactly once per position it reaches, even
when its transaction commits after a later one; a row changed again simply moves to
a later position and is delivered again with its newer state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from mdt_desktop.store.clock import HybridLogicalClock
from mdt_desktop.store.codec import TABLES, TEAM_SCOPED

from . import models

_CLOCK = HybridLogicalClock()
PULL_LIMIT_MAX = 5000


class CursorReset(Exception):
    pass


def server_clock() -> HybridLogicalClock:
    return _CLOCK


def restore_clock(conn: Connection, clock: HybridLogicalClock | None = None) -> int:
    """Start the clock after the last value any server process issued (0: none yet)."""
    last = conn.execute(select(models.clock.c.last_hlc).where(models.clock.c.id == 1)).scalar()
    (clock or _CLOCK).restore(int(last or 0))
    return int(last or 0)


def persist_clock(conn: Connection, issued: int) -> None:
    """Record ``issued`` in the writing transaction, so what commits is never re-issued.

    Called as late as possible in the transaction: the row is locked until commit. The
    value read back is another replica's when it is ahead, so replicas never go back
    behind one another either.
    """
    c = models.clock
    insert = pg_insert(c).values(id=1, last_hlc=issued)
    upsert = insert.on_conflict_do_update(
        index_elements=[c.c.id],
        set_={"last_hlc": func.greatest(c.c.last_hlc, insert.excluded.last_hlc)},
    ).returning(c.c.last_hlc)
    _CLOCK.restore(int(conn.execute(upsert).scalar_one()))


def horizon(conn: Connection) -> int:
    return int(
        conn.execute(
            text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        ).scalar_one()
    )


def server_id(conn: Connection) -> str:
    """This database's identity: a cursor from another server (or a restore) starts over."""
    st = models.state
    conn.execute(
        pg_insert(st)
        .values(key="server_id", value=str(uuid.uuid4()))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return str(conn.execute(select(st.c.value).where(st.c.key == "server_id")).scalar_one())


def cursor_floor(conn: Connection) -> int:
    """Cursors below this horizon are too old (set when the log is rebuilt or restored)."""
    st = models.state
    value = conn.execute(select(st.c.value).where(st.c.key == "cursor_floor")).scalar()
    return int(value) if value else 0


def upsert_log(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Move rows to the newest position in the pull order, with their field clocks."""
    if not entries:
        return
    # One statement for the batch: PostgreSQL reads the entries from one JSON array.
    payload = json.dumps(
        [
            {
                "t": e["table_name"],
                "r": str(e["row_id"]),
                "tm": str(e["team_id"]) if e["team_id"] else None,
                "c": e["clocks"],
                "d": bool(e["deleted"]),
                "sd": str(e["sole_device"]) if e.get("sole_device") else None,
            }
            for e in entries
        ]
    )
    conn.execute(
        text(
            "INSERT INTO server_row_log "
            "(table_name, row_id, team_id, txid, seq, clocks, deleted, sole_device) "
            "SELECT t, r, tm, pg_current_xact_id()::text::bigint, "
            "nextval('server_row_log_seq'), c, d, sd "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS u(t text, r uuid, tm uuid, c jsonb, d boolean, sd uuid) "
            "ON CONFLICT (table_name, row_id) DO UPDATE SET team_id = EXCLUDED.team_id, "
            "txid = EXCLUDED.txid, seq = EXCLUDED.seq, clocks = EXCLUDED.clocks, "
            "deleted = EXCLUDED.deleted, sole_device = EXCLUDED.sole_device"
        ),
        {"rows": payload},
    )


def load_log(
    conn: Connection, keys: Iterable[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], Any]:
    keys = list(keys)
    if not keys:
        return {}
    log = models.row_log
    found: dict[tuple[str, uuid.UUID], Any] = {}
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        rows = conn.execute(
            select(log).where(tuple_(log.c.table_name, log.c.row_id).in_(chunk))
        ).all()
        for row in rows:
            found[(row.table_name, row.row_id)] = row
    return found


def record_server_write(
    conn: Connection,
    table: str,
    row_id: uuid.UUID,
    team_id: uuid.UUID | None,
    fields: list[str],
    clock: int,
) -> None:
    """A row written by the server itself (a team from `add-user`): every device pulls it."""
    device = str(uuid.UUID(int=0))
    upsert_log(
        conn,
        [
            {
                "table_name": table,
                "row_id": row_id,
                "team_id": team_id,
                "clocks": {f: [clock, device] for f in fields},
                "deleted": False,
                "sole_device": None,
            }
        ],
    )


def profile_id(account_id: uuid.UUID, team_id: uuid.UUID) -> uuid.UUID:
    """The id of an account's user profile in one team, as the team's laptops receive it."""
    return uuid.uuid5(account_id, f"profile:{team_id}")


def publish_profile(
    conn: Connection,
    account_id: uuid.UUID,
    name: str,
    team_id: uuid.UUID,
    role: str | None,
) -> None:
    """The account's profile in a team, from the account registry, for every laptop.

    Laptops never push profiles; this is their only source. It carries no PIN or
    anything else that unlocks the app: the person's own sign-in does that. ``role``
    None (membership ended) tombstones the profile.
    """
    from datetime import UTC, datetime

    from mdt_desktop.store.schema import User, table_of

    users = table_of(User)
    pid = profile_id(account_id, team_id)
    clock = _CLOCK.now()
    now = datetime.now(UTC)
    values: dict[str, Any] = {"name": name, "updated_at": clock, "updated_by": account_id}
    if role is None:
        values["deleted_at"] = now
    else:
        values.update(role=role, deleted_at=None)
    held = conn.execute(select(users.c.id).where(users.c.id == pid)).first()
    if held is None:
        if role is None:
            return
        conn.execute(users.insert().values(id=pid, team_id=team_id, created_at=now, **values))
    else:
        conn.execute(users.update().where(users.c.id == pid).values(**values))
    record_server_write(
        conn, "users", pid, team_id, ["name", "role", "team_id", "created_at", "deleted_at"],
        clock,
    )  # fmt: skip
    if role is None:
        conn.execute(
            text("UPDATE server_row_log SET deleted = true WHERE table_name = 'users' "
                 "AND row_id = :r"),
            {"r": pid},
        )  # fmt: skip


# --- cursors ------------------------------------------------------------------------------


def scope_fingerprint(team_ids: Iterable[uuid.UUID]) -> str:
    joined = ",".join(sorted(str(t) for t in team_ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict):
            raise ValueError
        # Every position is a bigint (tx and sq may be -1): "abc", [1] or 1e30 are not
        # cursors this server gave out, and must not reach the database as such.
        for key in ("lo", "hi", "tx", "sq"):
            value = data.get(key)
            if value is None and key != "lo":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError
            if not -1 <= value < 2**63:
                raise ValueError
        return data
    except (ValueError, TypeError):
        raise CursorReset("the cursor is not one this server gave out") from None


def pull(
    conn: Connection,
    team_ids: frozenset[uuid.UUID],
    device_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """One page of rows changed in the caller's teams since ``cursor``.

    ``changes`` holds each row as a JSON text; :func:`render_page` makes the answer.
    """
    limit = max(1, min(limit, PULL_LIMIT_MAX))
    sid = server_id(conn)
    fingerprint = scope_fingerprint(team_ids)
    reset = False
    reason = None
    state: dict[str, Any] | None = None
    if cursor:
        try:
            state = decode_cursor(cursor)
        except CursorReset as exc:
            reason = str(exc)
        else:
            if state.get("s") != sid:
                reason, state = "the cursor comes from another server or an older backup", None
            elif state.get("f") != fingerprint:
                reason, state = "your teams have changed", None
            elif int(state.get("lo", 0)) < cursor_floor(conn):
                reason, state = "the cursor is too old", None
    if state is None:
        reset = cursor is not None
        state = {"s": sid, "f": fingerprint, "lo": 0}
    lo = int(state.get("lo", 0))
    hi = int(state["hi"]) if state.get("hi") is not None else horizon(conn)
    after = (int(state.get("tx", -1)), int(state.get("sq", -1)))

    log = models.row_log
    entries = conn.execute(
        select(log.c.table_name, log.c.row_id, log.c.txid, log.c.seq, log.c.sole_device)
        .where(
            log.c.team_id.in_(list(team_ids)) if team_ids else log.c.team_id.is_(None),
            log.c.txid >= lo,
            log.c.txid < hi,
            tuple_(log.c.txid, log.c.seq) > after,
        )
        .order_by(log.c.txid, log.c.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(entries) > limit
    entries = entries[:limit]

    wanted: dict[str, list[uuid.UUID]] = defaultdict(list)
    skipped = 0
    for e in entries:
        if e.sole_device == device_id:
            skipped += 1  # this device already holds exactly this row
        else:
            wanted[e.table_name].append(e.row_id)
    # PostgreSQL writes each row's JSON itself (in C): the server only joins the pieces.
    changes: list[str] = []
    teams = list(team_ids)
    for table_name in TABLES:
        ids = wanted.get(table_name)
        if not ids:
            continue
        # The row's own team is checked as well as the log's: a row reaches only its team.
        scope = "t.team_id" if table_name in TEAM_SCOPED else "t.id"
        changes.extend(
            conn.execute(
                text(
                    "SELECT jsonb_build_object('table', CAST(:t AS text), 'id', t.id, "
                    "'hlc', t.updated_at, 'deleted', t.deleted_at IS NOT NULL, "
                    "'fields', to_jsonb(t) - 'id' - 'updated_at' - 'updated_by')::text "
                    f'FROM "{table_name}" AS t WHERE t.id = ANY(:ids) '
                    f"AND {scope} = ANY(:teams)"
                ),
                {"t": table_name, "ids": ids, "teams": teams},
            ).scalars()
        )
    if has_more:
        last = entries[-1]
        nxt = {"s": sid, "f": fingerprint, "lo": lo, "hi": hi, "tx": last.txid, "sq": last.seq}
    else:
        nxt = {"s": sid, "f": fingerprint, "lo": hi}
    return {
        "changes": changes,
        "cursor": encode_cursor(nxt),
        "has_more": has_more,
        "reset": reset,
        "reset_reason": reason,
        "skipped_own": skipped,
        "teams": sorted(str(t) for t in team_ids),
        "server_hlc": _CLOCK.now(),
    }


def render_page(page: dict[str, Any]) -> str:
    """The pull answer as JSON text, with the rows' JSON spliced in unparsed."""
    rest = json.dumps({k: v for k, v in page.items() if k != "changes"})
    return '{"changes":[' + ",".join(page["changes"]) + "]," + rest[1:]


def parse_page(page: dict[str, Any]) -> dict[str, Any]:
    """The page as the client sees it (for tests and tools that call :func:`pull`)."""
    return json.loads(render_page(page))  # type: ignore[no-any-return]
