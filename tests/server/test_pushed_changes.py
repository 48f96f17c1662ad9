"""Pushed changes as an attacker in a neighbouring team, or a teammate without the role.

Everything goes over HTTP to a live server on the real embedded PostgreSQL. Rows are
made from the schema itself, so a table added later is covered with no change here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Uuid,
    select,
    text,
)
from sqlalchemy.engine import Engine
from support.postgres import LiveServer, add_user, password_of

from mdt_desktop.domain import change_permissions
from mdt_desktop.domain.budgets.ledger import effects_of
from mdt_desktop.domain.roles import Role
from mdt_desktop.server import accounts, push
from mdt_desktop.server.accounts import Principal, TeamInfo
from mdt_desktop.store.clock import HybridLogicalClock
from mdt_desktop.store.codec import LOCAL_ONLY_COLUMNS, ORDERED_TABLES, TABLES
from mdt_desktop.store.schema import SYNCED_TABLES

ROLES = list(Role)
PUSHABLE = [t for t in ORDERED_TABLES if not change_permissions.RULES[t].server_managed]
MANAGED = [t for t in ORDERED_TABLES if change_permissions.RULES[t].server_managed]
_CLOCK = HybridLogicalClock()
JAN = "2026-01-01T00:00:00+00:00"


def test_every_synced_table_has_a_permission_entry() -> None:
    assert set(SYNCED_TABLES) <= set(change_permissions.RULES)
    assert set(change_permissions.RULES) <= set(SYNCED_TABLES)  # none left for a gone table


# --- rows made from the schema ----------------------------------------------------------


def _choices(table: Table) -> dict[str, list[str]]:
    found = {}
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = re.match(r"^(\w+) IN \((.*)\)$", str(constraint.sqltext))
            if match:
                found[match.group(1)] = re.findall(r"'([^']*)'", match.group(2))
    return found


def _value(table: Table, name: str, tag: str, n: int, second: bool = False) -> Any:
    column = table.columns[name]
    choices = _choices(table).get(name)
    if choices:
        return choices[1 if second and len(choices) > 1 else 0]
    kind = getattr(column.type, "impl", column.type)
    if isinstance(kind, Uuid):
        return str(uuid.uuid4())
    if isinstance(kind, DateTime):
        return (
            datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n + (400 if second else 0))
        ).isoformat()
    if isinstance(kind, Date):
        return (date(2026, 1, 1) + timedelta(days=n + (400 if second else 0))).isoformat()
    if isinstance(kind, Boolean):
        return second
    if isinstance(kind, Integer):
        return n + (100_000 if second else 0)
    if isinstance(kind, Float):
        return float(n) + (0.5 if second else 0)
    if isinstance(column.type, JSON):
        return {"sections": {"what_matters": tag}}
    length = kind.length if isinstance(kind, String) and kind.length else 200
    return (("u" if second else "") + tag)[:length]


def _row(table_name: str, team: uuid.UUID, parents: dict[str, list[uuid.UUID]], n: int,
         tag: str) -> dict[str, Any]:  # fmt: skip
    """The required fields of a new row; its parents are the rows at index ``n``."""
    table = TABLES[table_name]
    refs = push.REFERENCES.get(table_name, {})
    local = LOCAL_ONLY_COLUMNS.get(table_name, frozenset())
    fields: dict[str, Any] = {}
    for column in table.columns:
        name = column.name
        if name in ("id", "updated_at", "updated_by", "deleted_at") or name in local:
            continue
        if name == "team_id":
            fields[name] = str(team)
        elif column.nullable:
            continue
        elif name in refs:
            fields[name] = str(parents[refs[name]][n])
        else:
            fields[name] = _value(table, name, tag, n)
    return _consistent(table_name, fields)


def _consistent(table_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Columns a CHECK ties together get values that satisfy it (as the service would)."""
    if table_name == "budget_ledger_entries":
        kind = fields.get("kind", "allocation")
        fields["counts_as"] = kind
        amount = abs(int(fields.get("amount_pence") or 0)) + 1
        fields["amount_pence"] = amount
        e = effects_of(kind, amount)
        fields.update(
            allocated_effect=e.allocated,
            balance_effect=e.balance,
            spent_effect=e.spent,
            committed_effect=e.committed,
        )
    return fields


def _change(table: str, row_id: uuid.UUID, op: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "table": table,
        "row_id": str(row_id),
        "op": op,
        "fields": fields,
        "hlc": _CLOCK.now(),
        "device_id": str(uuid.uuid4()),
    }


def _seeder(team: uuid.UUID, table: str, sample: dict[str, Any]) -> Principal:
    """An account whose role may insert into ``table`` (for making the rows to work on)."""
    role = next(r for r in ROLES if change_permissions.refusal(r, table, "insert", sample) is None)
    return Principal(uuid.uuid4(), f"seeder {role.value}", uuid.uuid4(),
                     (TeamInfo(team, "team", None, role.value),))  # fmt: skip


def _seed(
    engine: Engine,
    team: uuid.UUID,
    count: int,
    tag: str,
    tables: list[str] | None = None,
    parents: dict[str, list[uuid.UUID]] | None = None,
) -> dict[str, list[uuid.UUID]]:
    """``count`` rows of every pushable table in ``team``; row n's parents are rows n."""
    pool: dict[str, list[uuid.UUID]] = dict(parents or {})
    for table in tables or PUSHABLE:
        ids = [uuid.uuid4() for _ in range(count)]
        rows = [_row(table, team, pool, n, f"{tag}{n}") for n in range(count)]
        changes = [
            push.Change(uuid.uuid4(), table, rid, "insert", fields, _CLOCK.now(), uuid.uuid4())
            for rid, fields in zip(ids, rows, strict=True)
        ]
        with engine.begin() as conn:
            outcomes = push.apply_batch(conn, _seeder(team, table, rows[0]), changes)
        assert {o.status for o in outcomes} <= {"applied", "conflict"}, (table, outcomes[0])
        pool[table] = ids
    return pool


def _login(url: str, name: str) -> dict[str, str]:
    tokens = httpx.post(
        f"{url}/v1/auth/login",
        json={"username": name, "password": password_of(name), "device_id": str(uuid.uuid4())},
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _push(url: str, headers: dict[str, str], changes: list[dict[str, Any]]) -> httpx.Response:
    response = httpx.post(f"{url}/v1/sync/push", json={"changes": changes}, headers=headers,
                          timeout=120)  # fmt: skip
    assert response.status_code == 200, response.text
    return response


def _team_of(engine: Engine, name: str) -> uuid.UUID:
    with engine.connect() as conn:
        account = accounts.account_id_of(conn, name)
        return accounts.teams_of(conn, account)[0].id


@pytest.fixture
def north(live_server: LiveServer) -> Iterator[tuple[LiveServer, uuid.UUID]]:
    add_user(live_server.engine, "gp north", "North", "gp")
    yield live_server, _team_of(live_server.engine, "gp north")


# --- every table x operation x role -------------------------------------------------------


def _update_cases(table: str) -> list[tuple[str, dict[str, Any]]]:
    """One update per field rule of the table, and one of a field no rule names."""
    rule = change_permissions.RULES[table]
    t = TABLES[table]
    refs = push.REFERENCES.get(table, {})
    ruled = {f for fr in rule.fields for f in fr.fields}
    cases = []
    plain = [
        c.name
        for c in t.columns
        if c.name not in ("id", "team_id", "updated_at", "updated_by", "deleted_at")
        and c.name not in ruled
        and c.name not in refs
        and c.name not in LOCAL_ONLY_COLUMNS.get(table, ())
        and not (
            c.unique
            or any(
                c.name in u.columns
                for u in t.constraints
                if u.__class__.__name__ == "UniqueConstraint"
            )
        )
    ]
    if plain:
        cases.append(("plain", {plain[0]: None}))
    for i, fr in enumerate(rule.fields):
        name = sorted(fr.fields)[0]
        value = sorted(fr.values)[0] if fr.values else None
        cases.append((f"rule{i}", {name: value}))
    return cases


def test_each_change_is_allowed_exactly_when_the_role_may(north) -> None:
    server, team = north
    engine = server.engine
    cases = {t: _update_cases(t) for t in PUSHABLE}
    per_role = 1 + max(len(c) for c in cases.values())  # update targets, then one to delete
    pool = _seed(engine, team, len(ROLES) * per_role + len(ROLES), "s")
    # People with no plan yet, for the new plans.
    pool["patients"] += _seed(engine, team, len(ROLES), "p", ["patients"])["patients"]
    # Stays with no plan yet, for the new plans (one plan per stay).
    stays = _seed(engine, team, len(ROLES), "h", ["hospital_admissions"], parents=pool)
    pool["hospital_admissions"] += stays["hospital_admissions"][-len(ROLES) :]
    spare = len(ROLES) * per_role  # rows no other seeded row hangs a unique child on
    for role in ROLES:
        add_user(engine, f"as {role.value}", "North", role.value)
    mismatches = []
    for r, role in enumerate(ROLES):
        sent: list[tuple[str, str, dict[str, Any], bool]] = []
        changes = []
        for table in [*PUSHABLE, *MANAGED]:
            fresh = _row(table, team, _spare_parents(pool, spare), r, f"i{r}")
            sent.append((table, "insert", fresh, _allowed(role, table, "insert", fresh)))
            changes.append(_change(table, uuid.uuid4(), "insert", fresh))
            if table in MANAGED:
                continue
            for c, (_, template) in enumerate(cases[table]):
                target_n = r * per_role + c
                ((name, value),) = template.items()
                if value is None:
                    value = _update_value(table, name, pool, target_n)
                fields = {name: value}
                sent.append(
                    (table, f"update {name}", fields, _allowed(role, table, "update", fields))
                )
                changes.append(_change(table, pool[table][target_n], "update", fields))
            doomed = pool[table][r * per_role + per_role - 1]
            sent.append((table, "delete", {}, _allowed(role, table, "delete", {})))
            changes.append(
                _change(table, doomed, "delete", {"deleted_at": datetime.now(UTC).isoformat()})
            )
        results = _push(server.url, _login(server.url, f"as {role.value}"), changes).json()[
            "results"
        ]
        for (table, what, fields, expected), result in zip(sent, results, strict=True):
            accepted = result["status"] in ("applied", "conflict")
            if accepted != expected:
                mismatches.append(
                    (role.value, table, what, expected, result["status"], result["reason"])
                )
            elif not accepted and change_permissions.needs(table, what.split()[0], fields):
                # Refused for want of a permission: the answer names it.
                missing = [
                    p
                    for need in change_permissions.needs(table, what.split()[0], fields) or []
                    for p in need[:1]
                ]
                assert any(p.value in result["reason"] for p in missing), result
    assert mismatches == []


def _allowed(role: Role, table: str, op: str, fields: dict[str, Any]) -> bool:
    return change_permissions.refusal(role, table, op, fields) is None


def _spare_parents(pool: dict[str, list[uuid.UUID]], spare: int) -> dict[str, list[uuid.UUID]]:
    # A new row's parents come from the spare rows, one per role, so that a unique
    # (a person's one care plan) is not already taken by a seeded row.
    # People come from beyond even those: each seeded person has a seeded plan.
    once = ("patients", "hospital_admissions")  # a person's one plan, a stay's one plan
    return {t: ids[spare + (len(ROLES) if t in once else 0) :] for t, ids in pool.items()}


def _update_value(table: str, name: str, pool: dict[str, list[uuid.UUID]], n: int) -> Any:
    target = push.REFERENCES.get(table, {}).get(name)
    if target is not None:
        return str(pool[target][0 if n else 1])
    return _value(TABLES[table], name, f"s{n}", n, second=True)


# --- the findings, one by one ---------------------------------------------------------------


def _two_teams(server: LiveServer) -> tuple[uuid.UUID, uuid.UUID, dict, dict]:
    engine = server.engine
    add_user(engine, "bob", "South", "gp")
    north, south = _team_of(engine, "gp north"), _team_of(engine, "bob")
    return north, south, _seed(engine, north, 2, "NORTHSECRET"), _seed(engine, south, 1, "b")


def test_another_teams_care_plan_is_not_readable_through_a_push(north) -> None:
    """Finding 1: a version naming another team's plan, from no parent."""
    server, _ = north
    _, south, north_rows, _ = _two_teams(server)
    bob = _login(server.url, "bob")
    version = _row("care_plan_versions", south, {"care_plans": north_rows["care_plans"]}, 0, "x")
    version.pop("parent_id", None)
    answer = _push(
        server.url, bob, [_change("care_plan_versions", uuid.uuid4(), "insert", version)]
    )
    result = answer.json()["results"][0]
    assert result["status"] == "rejected" and result["remote_fields"] is None
    assert "NORTHSECRET" not in answer.text
    with server.engine.connect() as conn:
        assert "NORTHSECRET" not in str(conn.execute(text("SELECT * FROM sync_conflicts")).all())
    # The same answer as for a plan that exists nowhere: nothing says North's does.
    version["care_plan_id"] = str(uuid.uuid4())
    nowhere = _push(
        server.url, bob, [_change("care_plan_versions", uuid.uuid4(), "insert", version)]
    )
    assert nowhere.json()["results"][0]["reason"] == result["reason"]


def test_every_reference_to_another_teams_row_is_refused(north) -> None:
    """Finding 3: for every synced table with a foreign key, naming a row of another team."""
    server, _ = north
    _, south, north_rows, south_rows = _two_teams(server)
    bob = _login(server.url, "bob")
    changes, names = [], []
    for table in PUSHABLE:
        for column, target in push.REFERENCES.get(table, {}).items():
            if target not in north_rows:
                continue
            fields = _row(table, south, south_rows, 0, "b")
            fields[column] = str(north_rows[target][0])
            changes.append(_change(table, uuid.uuid4(), "insert", fields))
            names.append((table, column))
    assert len(names) >= 20
    answer = _push(server.url, bob, changes)
    for (table, column), result in zip(names, answer.json()["results"], strict=True):
        assert (table, column, result["status"], result["reason"]) == (
            table, column, "rejected", push.NOT_IN_TEAM)  # fmt: skip
    assert "NORTHSECRET" not in answer.text
    for rows in north_rows.values():
        assert not any(str(r) in answer.text for r in rows)


def test_a_teammate_without_the_role_changes_nothing(north) -> None:
    """Finding 2: a voluntary-sector worker's clinical decisions, forged notes and profiles."""
    server, team = north
    engine = server.engine
    rows = _seed(engine, team, 1, "n")
    add_user(engine, "val", "North", "voluntary_sector_worker")
    val = _login(server.url, "val")
    referral = _row("referrals", team, rows, 0, "r") | {"status": "accepted"}
    entry = _row("caseload_entries", team, rows, 0, "c")
    decision = _row("decisions", team, rows, 0, "d") | {"outcome": "close"}
    consent = _row("consents", team, rows, 0, "k") | {"status": "given"}
    refused = [
        _change("referrals", uuid.uuid4(), "insert", referral),
        _change("referrals", rows["referrals"][0], "update", {"status": "accepted"}),
        _change("caseload_entries", uuid.uuid4(), "insert", entry),
        _change("caseload_entries", rows["caseload_entries"][0], "update", {"status": "closed"}),
        _change("decisions", uuid.uuid4(), "insert", decision),
        _change("consents", uuid.uuid4(), "insert", consent),
        _change("patients", rows["patients"][0], "delete", {"deleted_at": JAN}),
        _change("users", uuid.uuid4(), "insert",
                {"team_id": str(team), "name": "Dr Planted", "role": "gp",
                 "created_at": JAN}),
    ]  # fmt: skip
    results = _push(server.url, val, refused).json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(refused)
    words = ["accept_referral"] * 4 + ["record_decision", "record_consent"]
    words += ["manage_registered_list", "team server"]
    for result, word in zip(results, words, strict=True):
        assert word in result["reason"], result
    with engine.connect() as conn:
        planted = "SELECT count(*) FROM users WHERE name = 'Dr Planted'"
        assert conn.execute(text(planted)).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 1
        assert conn.execute(text("SELECT deleted_at FROM patients")).scalar() is None

    # A note is anyone's to write, but not in someone else's name nor dated by the laptop.
    note_id = uuid.uuid4()
    forged = _row("notes", team, rows, 0, "n") | {
        "author_name": "Dr Made Up",
        "author_role": "gp",
        "author_user_id": str(uuid.uuid4()),
        "written_at": "2020-03-01T09:00:00+00:00",
        "text": "DNACPR agreed with family",
    }
    before = datetime.now(UTC)
    result = _push(server.url, val, [_change("notes", note_id, "insert", forged)]).json()
    assert result["results"][0]["status"] == "applied"
    notes = TABLES["notes"]
    with engine.connect() as conn:
        held = conn.execute(select(notes).where(notes.c.id == note_id)).one()
    assert (held.author_name, held.author_role) == ("val", "voluntary_sector_worker")
    assert held.written_at >= before - timedelta(seconds=5)
    assert held.recorded_on_laptop_at == datetime(2020, 3, 1, 9, tzinfo=UTC)
    assert held.updated_by == accounts_id(engine, "val")


def accounts_id(engine: Engine, name: str) -> uuid.UUID | None:
    with engine.connect() as conn:
        return accounts.account_id_of(conn, name)


def test_care_plan_uniques_are_per_team(server_engine: Engine) -> None:
    with server_engine.connect() as conn:
        found = dict(
            conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname IN ('uq_care_plans_team_patient', "
                    "'uq_care_plan_versions_plan_number')"
                )
            ).all()
        )
    assert found == {
        "uq_care_plans_team_patient": "UNIQUE (team_id, patient_id)",
        "uq_care_plan_versions_plan_number": "UNIQUE (team_id, care_plan_id, number)",
    }
