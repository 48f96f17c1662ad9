"""Applying pushed changes: idempotent, team-scoped, last-writer-wins per field.

A batch is applied in one transaction. Each change id is recorded with its answer
in that same transaction, so a repeated push (the client died before it heard the
answer) finds the answer and changes nothing. The merge is computed in Python over
the rows and field clocks loaded in a few queries, then written back per table; a
batch that breaks a database constraint (a second record with one NHS number, a
missing parent) is redone one change at a time under savepoints so that only the
offending changes are rejected, each with the reason.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from mdt_desktop.domain import change_permissions
from mdt_desktop.store.clock import decode
from mdt_desktop.store.codec import (
    TABLES,
    TEAM_SCOPED,
    BadField,
    decode_fields,
    fill_defaults,
    to_json,
)
from mdt_desktop.store.schema import SyncConflict, table_of

from . import models, rowlog
from .accounts import Principal

log = logging.getLogger(__name__)

# A device's clock ahead of the server's is always taken as the server's (an edit cannot
# be later than its arrival); one more than this far ahead is also logged.
MAX_AHEAD_MS = 60_000
# Clinical narrative that is never overwritten: a correction is a new row.
IMMUTABLE_TABLES = {"notes", "care_plan_versions", "decisions"}
# Who wrote an immutable row, and when, is the server's to say: these fields are set from
# the signed-in account and the server's clock; the laptop's time is kept beside them.
AUTHOR_FIELDS: dict[str, dict[str, str]] = {
    "notes": {"author_user_id": "profile", "author_name": "name", "author_role": "role"},
    "care_plan_versions": {"author_user_id": "profile", "author_name": "name"},
    "decisions": {"recorded_by": "name"},
}
CREATED_AT = {"notes": "written_at", "care_plan_versions": "created_at", "decisions": "decided_at"}
# Names of whoever made a change on a mutable row: when the change sets them, the
# server puts the account's name there.
ACTOR_NAME_FIELDS: dict[str, frozenset[str]] = {
    "referrals": frozenset({"referred_by", "decided_by"}),
    "consents": frozenset({"recorded_by"}),
    "actions": frozenset({"completed_by"}),
}
# References without a database foreign key that must still stay inside the team. (A
# plan's ``current_version_id`` is not one: the plan travels before its versions, and
# the server never follows it; a laptop finds no such version and shows none.)
SOFT_REFERENCES: dict[tuple[str, str], str] = {
    ("care_plan_versions", "second_parent_id"): "care_plan_versions",
}
# One answer for "no such record" and "another team's record": nothing about other teams
# can be learnt from a refusal.
NOT_IN_TEAM = "it refers to a record that is not in this team"
APPLIED, SUPERSEDED, CONFLICT, REJECTED = "applied", "superseded", "conflict", "rejected"


@dataclass
class Change:
    change_id: uuid.UUID
    table: str
    row_id: uuid.UUID
    op: str
    fields: dict[str, Any]
    hlc: int
    device_id: uuid.UUID


@dataclass
class Outcome:
    change_id: uuid.UUID
    status: str
    reason: str | None = None
    conflict_id: uuid.UUID | None = None
    remote_fields: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "change_id": str(self.change_id),
            "status": self.status,
            "reason": self.reason,
            "conflict_id": str(self.conflict_id) if self.conflict_id else None,
            "remote_fields": self.remote_fields,
        }


@dataclass
class _RowState:
    table: str
    row_id: uuid.UUID
    exists: bool
    values: dict[str, Any]
    clocks: dict[str, list[Any]]
    deleted: bool
    team_id: uuid.UUID | None
    dirty: bool = False
    server_altered: bool = False
    hlc: int = 0
    writer: uuid.UUID | None = None


def _references() -> dict[str, dict[str, str]]:
    """Per synced table: each column naming a row of another synced table, and which."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for name, table in TABLES.items():
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if target in TABLES and column.name != "team_id":
                    found[name][column.name] = target
    for (name, column_name), target in SOFT_REFERENCES.items():
        found[name][column_name] = target
    return dict(found)


REFERENCES = _references()


@dataclass
class _Batch:
    rows: dict[tuple[str, uuid.UUID], _RowState] = field(default_factory=dict)
    # The team of every row a change in the batch refers to, from the server's tables.
    ref_teams: dict[tuple[str, uuid.UUID], uuid.UUID | None] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def _clamp(hlc: int, server_hlc: int, device_id: uuid.UUID) -> int:
    """The change's clock, never later than the server's own time of receipt.

    The server's clock is never moved by what a device claims: a pusher whose clock runs
    ahead would otherwise win every last-writer-wins merge and drag the server with it.
    """
    if hlc <= server_hlc:
        return hlc
    ms, _ = decode(hlc)
    server_ms, _ = decode(server_hlc)
    if ms > server_ms + MAX_AHEAD_MS:
        log.warning(
            "device %s sent a clock %d ms ahead of the server's: clamped to the server's time",
            device_id,
            ms - server_ms,
        )
    return server_hlc


def _newer(a: tuple[int, str], b: list[Any] | None) -> bool:
    return b is None or a > (int(b[0]), str(b[1]))


def _load(conn: Connection, keys: set[tuple[str, uuid.UUID]]) -> dict:
    logged = rowlog.load_log(conn, keys)
    by_table: dict[str, list[uuid.UUID]] = defaultdict(list)
    for t, r in keys:
        by_table[t].append(r)
    rows: dict[tuple[str, uuid.UUID], _RowState] = {}
    for t, ids in by_table.items():
        table = TABLES[t]
        current = {}
        for start in range(0, len(ids), 5000):
            for row in conn.execute(select(table).where(table.c.id.in_(ids[start : start + 5000]))):
                current[row.id] = dict(row._mapping)
        for r in ids:
            entry = logged.get((t, r))
            values = current.get(r)
            rows[(t, r)] = _RowState(
                table=t,
                row_id=r,
                exists=values is not None,
                values=values or {},
                clocks=dict(entry.clocks) if entry is not None else {},
                deleted=bool(values and values.get("deleted_at") is not None),
                team_id=(values or {}).get("team_id") if t in TEAM_SCOPED else None,
            )
    return rows


def _conflict(
    batch: _Batch, state: _RowState, kind: str, local: dict[str, Any], remote: dict[str, Any]
) -> uuid.UUID:
    conflict_id = uuid.uuid4()
    batch.conflicts.append(
        {
            "id": conflict_id,
            "table_name": state.table,
            "row_id": state.row_id,
            "kind": kind,
            "local_fields": local,
            "remote_fields": remote,
            "detected_at": datetime.now(UTC),
        }
    )
    return conflict_id


def _public(state: _RowState) -> dict[str, Any]:
    return {k: to_json(v) for k, v in state.values.items() if k not in ("updated_by",)}


def _load_ref_teams(conn: Connection, batch: _Batch, todo: list[Change]) -> None:
    """The team of each row the batch's changes refer to: one query per referred table."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for change in todo:
        for column_name, target in REFERENCES.get(change.table, {}).items():
            value = change.fields.get(column_name)
            if value is None:
                continue
            try:
                wanted[target].add(uuid.UUID(str(value)))
            except ValueError:
                continue  # the codec refuses it with the reason
    for target, ids in wanted.items():
        table = TABLES[target]
        ids_list = list(ids)
        team = table.c.team_id if target in TEAM_SCOPED else table.c.id
        for start in range(0, len(ids_list), 5000):
            for row in conn.execute(
                select(table.c.id, team).where(table.c.id.in_(ids_list[start : start + 5000]))
            ):
                batch.ref_teams[(target, row[0])] = row[1]


def _foreign_reference(batch: _Batch, table: str, fields: dict[str, Any], owner: Any) -> bool:
    """True when a field names a row outside ``owner``'s team (or a row the server lacks)."""
    for column_name, target in REFERENCES.get(table, {}).items():
        value = fields.get(column_name)
        if value is None:
            continue
        held = batch.rows.get((target, value))
        if held is not None and held.exists and held.team_id in (owner, None):
            team = held.team_id if target in TEAM_SCOPED else held.row_id
        elif (target, value) in batch.ref_teams:
            team = batch.ref_teams[(target, value)]
        else:
            return True
        if team != owner:
            return True
    return False


def _role_in(who: Principal, team_id: Any) -> str:
    return next((t.role for t in who.teams if t.id == team_id), "")


def _merge(conn: Connection, batch: _Batch, who: Principal, change: Change, hlc: int) -> Outcome:
    state = batch.rows[(change.table, change.row_id)]
    table = TABLES[change.table]
    key = (hlc, str(change.device_id))
    rule = change_permissions.RULES[change.table]
    if rule.server_managed or change.table not in TEAM_SCOPED:
        return Outcome(
            change.change_id,
            REJECTED,
            rule.refusal or f"{change.table} are managed on the server",
        )
    try:
        fields = decode_fields(table, change.fields)
    except BadField as exc:
        return Outcome(change.change_id, REJECTED, str(exc))

    # Team scope: from the row the server holds, never from what the client says alone.
    # A row of a team the caller is not in is answered exactly as a row the server does
    # not hold, before anything else is checked.
    foreign = state.exists and state.team_id not in who.team_ids
    if foreign or not state.exists:
        if change.op == "delete":
            return Outcome(change.change_id, SUPERSEDED, "the server holds no such record")
        if change.op == "update":
            return Outcome(change.change_id, REJECTED, "the server holds no such record to change")
    if foreign:
        return Outcome(
            change.change_id, REJECTED, "this record's id cannot be used: save it afresh"
        )
    if not state.exists and fields.get("team_id") is None and len(who.teams) == 1:
        fields["team_id"] = who.teams[0].id  # a new row with no team is the pusher's team's
    owner = state.team_id if state.exists else fields.get("team_id")
    if owner not in who.team_ids:
        return Outcome(change.change_id, REJECTED, "this record is not in any of your teams")
    if "team_id" in fields and fields["team_id"] not in who.team_ids:
        return Outcome(change.change_id, REJECTED, "records can only move to one of your teams")
    if "team_id" in fields and state.exists and fields["team_id"] != state.team_id:
        return Outcome(change.change_id, REJECTED, "a record cannot move to another team")
    if _foreign_reference(batch, change.table, fields, owner):
        return Outcome(change.change_id, REJECTED, NOT_IN_TEAM)

    # The role the account holds in the row's team decides, per domain/change_permissions.
    # A change to a held row is judged by the fields whose values it changes (the sweep
    # sends whole rows as inserts); a new row by everything it sets.
    touched = fields
    op = change.op
    if state.exists and op != "delete":
        op = "update"
        touched = {k: v for k, v in fields.items() if to_json(state.values.get(k)) != to_json(v)}
    refused = (
        change_permissions.refusal(_role_in(who, owner), change.table, op, touched)
        if touched or op == "delete"
        else None
    )
    if refused is not None and not (
        # Deleting what is already deleted, or re-sending an immutable row as it is held,
        # changes nothing: answered below without a refusal.
        state.exists
        and (
            (change.op == "delete" and state.deleted)
            or (change.op != "delete" and change.table in IMMUTABLE_TABLES)
        )
    ):
        return Outcome(change.change_id, REJECTED, refused)
    state.values["updated_by"] = who.account_id

    if change.op == "delete":
        if not state.exists:
            return Outcome(change.change_id, SUPERSEDED, "the server holds no such record")
        if state.deleted:
            return Outcome(change.change_id, SUPERSEDED, "already deleted")
        if rule.delete is None:
            return Outcome(change.change_id, REJECTED, f"{change.table} are never deleted")
        # Delete wins; an edit made elsewhere after it is kept in a conflict record.
        later = {
            f: state.values.get(f)
            for f, clk in state.clocks.items()
            if str(clk[1]) != str(change.device_id) and (int(clk[0]), str(clk[1])) > key
        }
        conflict_id = None
        if later:
            conflict_id = _conflict(
                batch,
                state,
                "delete_vs_update",
                {k: to_json(v) for k, v in later.items()},
                {"deleted_at": change.fields.get("deleted_at")},
            )
        state.values["deleted_at"] = fields.get("deleted_at") or datetime.now(UTC)
        state.clocks["deleted_at"] = [hlc, str(change.device_id)]
        state.deleted = state.dirty = True
        state.hlc, state.writer = max(state.hlc, hlc), change.device_id
        return Outcome(change.change_id, APPLIED, None, conflict_id)

    if state.deleted:
        conflict_id = _conflict(
            batch, state, "delete_vs_update", dict(change.fields), _public(state)
        )
        return Outcome(
            change.change_id,
            CONFLICT,
            "the record was deleted on another device: your change is kept in the conflict record",
            conflict_id,
            _public(state),
        )

    if change.table in IMMUTABLE_TABLES and state.exists:
        server_set = _server_set_fields(change.table)
        same = all(
            to_json(state.values.get(k)) == to_json(v)
            for k, v in fields.items()
            if k not in server_set
        )
        if same:
            return Outcome(change.change_id, SUPERSEDED, "already held")
        return Outcome(
            change.change_id,
            REJECTED,
            f"{change.table} are never changed once written: save a new one instead",
        )

    if not state.exists and change.op != "insert":
        return Outcome(change.change_id, REJECTED, "the server holds no such record to change")

    if _stamp_authorship(who, owner, change.table, fields, insert=not state.exists):
        state.server_altered = True  # the pushing laptop pulls the server's account name

    outcome_status, reason, conflict_id, remote = APPLIED, None, None, None
    if change.table == "care_plan_versions" and not state.exists:
        sibling = _sibling_version(conn, batch, fields, owner)
        if sibling is not None:
            # Two versions from the same base: keep both, number this one after the
            # newest, and ask a clinician to merge them.
            fields["number"] = _next_number(conn, batch, fields["care_plan_id"], owner)
            state.server_altered = True
            remote = {k: to_json(v) for k, v in sibling.items()}
            conflict_id = _conflict(
                batch,
                state,
                "care_plan_version",
                {**{k: to_json(v) for k, v in fields.items()}, "id": str(change.row_id)},
                remote,
            )
            outcome_status = CONFLICT
            reason = "another version was saved from the same base: both are kept to be merged"

    won = 0
    for name, value in fields.items():
        if _newer(key, state.clocks.get(name)) or not state.exists:
            state.values[name] = value
            state.clocks[name] = [hlc, str(change.device_id)]
            won += 1
    if not state.exists:
        fill_defaults(table, state.values)
        state.values["id"] = change.row_id
        state.exists = True
        state.team_id = state.values.get("team_id")
    if won == 0:
        return Outcome(change.change_id, SUPERSEDED, "newer values are already held")
    state.dirty = True
    state.hlc, state.writer = max(state.hlc, hlc), change.device_id
    return Outcome(change.change_id, outcome_status, reason, conflict_id, remote)


def _server_set_fields(table: str) -> frozenset[str]:
    names = set(AUTHOR_FIELDS.get(table, {}))
    if table in CREATED_AT:
        names |= {CREATED_AT[table], "recorded_on_laptop_at"}
    return frozenset(names)


def _stamp_authorship(
    who: Principal, team_id: Any, table: str, fields: dict[str, Any], *, insert: bool
) -> bool:
    """Put the account and the server's clock where the laptop claimed an author.

    Returns True when a value differs from what the laptop sent.
    """
    wanted: dict[str, Any] = {}
    if insert:
        facts = {"profile": rowlog.profile_id(who.account_id, team_id), "name": who.name,
                 "role": _role_in(who, team_id)}  # fmt: skip
        for name, fact in AUTHOR_FIELDS.get(table, {}).items():
            wanted[name] = facts[fact]
        created = CREATED_AT.get(table)
        if created is not None:
            # The laptop's time is kept, marked as the laptop's, never as the record's.
            wanted["recorded_on_laptop_at"] = fields.get(created)
            wanted[created] = datetime.now(UTC)
    for name in ACTOR_NAME_FIELDS.get(table, ()):
        if fields.get(name) is not None:
            wanted[name] = who.name
    changed = False
    for name, value in wanted.items():
        if to_json(fields.get(name)) != to_json(value):
            changed = True
        fields[name] = value
    return changed


def _sibling_version(
    conn: Connection, batch: _Batch, fields: dict[str, Any], team_id: Any
) -> dict | None:
    versions = TABLES["care_plan_versions"]
    plan, parent = fields.get("care_plan_id"), fields.get("parent_id")
    for st in batch.rows.values():
        if (
            st.table == "care_plan_versions"
            and st.exists
            and st.team_id == team_id
            and st.values.get("care_plan_id") == plan
            and st.values.get("parent_id") == parent
        ):
            return st.values
    row = conn.execute(
        select(versions).where(
            versions.c.team_id == team_id,
            versions.c.care_plan_id == plan,
            versions.c.parent_id.is_(None) if parent is None else versions.c.parent_id == parent,
        )
    ).first()
    return dict(row._mapping) if row is not None else None


def _next_number(conn: Connection, batch: _Batch, plan: Any, team_id: Any) -> int:
    versions = TABLES["care_plan_versions"]
    held = conn.execute(
        select(func.max(versions.c.number)).where(
            versions.c.team_id == team_id, versions.c.care_plan_id == plan
        )
    ).scalar()
    numbers = [int(held or 0)] + [
        int(st.values.get("number") or 0)
        for st in batch.rows.values()
        if st.table == "care_plan_versions"
        and st.team_id == team_id
        and st.values.get("care_plan_id") == plan
    ]
    return max(numbers) + 1


def _write(conn: Connection, batch: _Batch) -> None:
    dirty = [s for s in batch.rows.values() if s.dirty]
    by_table: dict[str, list[_RowState]] = defaultdict(list)
    for s in dirty:
        by_table[s.table].append(s)
    for name in TABLES:  # parents before children
        states = by_table.get(name)
        if not states:
            continue
        table = TABLES[name]
        columns = [c.name for c in table.columns]
        rows = []
        for s in states:
            row = {c: s.values.get(c) for c in columns}
            row["updated_at"] = s.hlc or row.get("updated_at") or 0
            row["updated_by"] = s.values.get("updated_by")
            rows.append(row)
        _upsert_rows(conn, table, rows)
    rowlog.upsert_log(
        conn,
        [
            {
                "table_name": s.table,
                "row_id": s.row_id,
                "team_id": s.team_id,
                "clocks": s.clocks,
                "deleted": s.deleted,
                "sole_device": _sole_device(s),
            }
            for s in dirty
        ],
    )
    if batch.conflicts:
        _insert_json(conn, table_of(SyncConflict), batch.conflicts)


def _upsert_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert or replace whole rows in one statement: PostgreSQL reads them from JSON.

    ``jsonb_populate_recordset`` turns the JSON array into rows of the table's own type,
    so one parameter carries the whole batch and PostgreSQL does the conversions.
    """
    columns = [c.name for c in table.columns]
    payload = json.dumps([{k: to_json(v) for k, v in row.items()} for row in rows])
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != "id")
    quoted = ", ".join(f'"{c}"' for c in columns)
    conn.execute(
        text(
            f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM '
            f'jsonb_populate_recordset(NULL::"{table.name}", CAST(:rows AS jsonb)) '
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        ),
        {"rows": payload},
    )


def _sole_device(state: _RowState) -> uuid.UUID | None:
    if state.server_altered:
        return None
    writers = {str(c[1]) for c in state.clocks.values()}
    return uuid.UUID(writers.pop()) if len(writers) == 1 else None


def _record(conn: Connection, who: Principal, changes: dict, outcomes: list[Outcome]) -> None:
    now = datetime.now(UTC)
    _insert_json(
        conn,
        models.applied_changes,
        [
            {
                "change_id": o.change_id,
                "device_id": who.device_id,
                "account_id": who.account_id,
                "table_name": changes[o.change_id].table,
                "row_id": changes[o.change_id].row_id,
                "status": o.status,
                "reason": o.reason,
                "applied_at": now,
            }
            for o in outcomes
        ],
    )


def _insert_json(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    quoted = ", ".join(f'"{c.name}"' for c in table.columns)
    payload = json.dumps([{k: to_json(v) for k, v in row.items()} for row in rows])
    conn.execute(
        text(
            f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM '
            f'jsonb_populate_recordset(NULL::"{table.name}", CAST(:rows AS jsonb))'
        ),
        {"rows": payload},
    )


def _apply(conn: Connection, who: Principal, todo: list[Change]) -> list[Outcome]:
    batch = _Batch()
    batch.rows = _load(conn, {(c.table, c.row_id) for c in todo if c.table in TABLES})
    _load_ref_teams(conn, batch, [c for c in todo if c.table in TABLES])
    clock = rowlog.server_clock()
    outcomes = []
    for change in todo:
        if change.table not in TABLES:
            outcomes.append(Outcome(change.change_id, REJECTED, f"{change.table} does not sync"))
            continue
        if change.op not in ("insert", "update", "delete"):
            outcomes.append(Outcome(change.change_id, REJECTED, f"unknown operation {change.op}"))
            continue
        hlc = _clamp(change.hlc, clock.now(), change.device_id)
        outcomes.append(_merge(conn, batch, who, change, hlc))
    _write(conn, batch)
    _record(conn, who, {c.change_id: c for c in todo}, outcomes)
    return outcomes


def apply_batch(conn: Connection, who: Principal, changes: list[Change]) -> list[Outcome]:
    """Apply a batch inside the caller's transaction; answers in the order given."""
    if not changes:
        return []
    seen = {}
    known = models.applied_changes
    ids = [c.change_id for c in changes]
    for start in range(0, len(ids), 5000):
        for row in conn.execute(
            select(known.c.change_id, known.c.status, known.c.reason).where(
                known.c.change_id.in_(ids[start : start + 5000])
            )
        ):
            seen[row.change_id] = Outcome(row.change_id, row.status, row.reason)
    todo, dup = [], set()
    for c in changes:
        if c.change_id in seen or c.change_id in dup:
            continue
        dup.add(c.change_id)
        todo.append(c)
    fresh: dict[uuid.UUID, Outcome] = {}
    if todo:
        try:
            with conn.begin_nested():
                outcomes = _apply(conn, who, todo)
        except (IntegrityError, DBAPIError) as exc:
            log.info("batch refused by a constraint (%s): one change at a time", exc.orig)
            outcomes = []
            for change in todo:
                try:
                    with conn.begin_nested():
                        outcomes.extend(_apply(conn, who, [change]))
                except (IntegrityError, DBAPIError) as one:
                    reason = _constraint_reason(one)
                    outcome = Outcome(change.change_id, REJECTED, reason)
                    with conn.begin_nested():
                        _record(conn, who, {change.change_id: change}, [outcome])
                    outcomes.append(outcome)
        fresh = {o.change_id: o for o in outcomes}
    return [seen.get(c.change_id) or fresh[c.change_id] for c in changes]


def _constraint_reason(exc: DBAPIError) -> str:
    # Names the rule, never the values: those could belong to someone else's record.
    diag = getattr(exc.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    if constraint.startswith("uq_"):
        what = constraint.removeprefix("uq_").replace("_", " ")
        return f"another record in your team already has the same value ({what})"
    if constraint.startswith("fk_"):
        return NOT_IN_TEAM
    log.warning("change refused by the database: %s", exc.orig)
    return "the server's database refused it (see the server's log)"
