"""The team server on a real PostgreSQL: migrations, accounts, devices, team scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from support.postgres import add_user, password_of

from mdt_desktop.server import accounts, db
from mdt_desktop.server.app import create_app
from mdt_desktop.store import migrate
from mdt_desktop.store.clock import HybridLogicalClock
from mdt_desktop.store.schema import Patient, table_of


def test_the_same_alembic_history_runs_on_postgresql(server_engine: Engine) -> None:
    with server_engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
    assert {"patients", "care_plan_versions", "server_accounts", "server_row_log"} <= tables
    with server_engine.begin() as conn:
        migrate.downgrade(conn, "base")
    with server_engine.connect() as conn:
        assert migrate.current_revision(conn) is None
    assert db.upgrade(server_engine) == migrate.SCHEMA_HEAD


def test_postgresql_urls_use_psycopg_3() -> None:
    assert db.sqlalchemy_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        db.sqlalchemy_url("sqlite:///x.db")


def _login(api: TestClient, name: str, device: uuid.UUID | None = None) -> dict[str, Any]:
    response = api.post(
        "/v1/auth/login",
        json={
            "username": name,
            "password": password_of(name),
            "device_id": str(device or uuid.uuid4()),
            "device_name": "laptop",
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def api(server_engine: Engine) -> TestClient:
    return TestClient(create_app(server_engine))


def test_passwords_are_argon2_and_wrong_ones_refused(
    api: TestClient, server_engine: Engine
) -> None:
    add_user(server_engine, "alice", "North")
    with server_engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM server_accounts")).scalar_one()
    assert stored.startswith("$argon2id$") and "alice" not in stored
    bad = api.post(
        "/v1/auth/login",
        json={"username": "alice", "password": "nope", "device_id": str(uuid.uuid4())},
    )
    assert bad.status_code == 401
    unknown = api.post(
        "/v1/auth/login",
        json={"username": "nobody", "password": "nope", "device_id": str(uuid.uuid4())},
    )
    assert unknown.status_code == 401 and unknown.json() == bad.json()


def _try(api: TestClient, name: str, password: str) -> Any:
    return api.post(
        "/v1/auth/login",
        json={"username": name, "password": password, "device_id": str(uuid.uuid4())},
    )


def _time_passes(engine: Engine, name: str) -> None:
    """The pause on ``name`` ends (as it would after its minutes)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE server_login_throttle SET locked_until = now() - interval '1 second' "
                 "WHERE name = :name"),
            {"name": name},
        )  # fmt: skip


def test_repeated_wrong_passwords_pause_sign_in_for_that_name(
    api: TestClient, server_engine: Engine
) -> None:
    add_user(server_engine, "alice", "North")
    add_user(server_engine, "bob", "North")
    for _ in range(accounts.FREE_ATTEMPTS - 1):
        assert _try(api, "alice", "guess").status_code == 401
    fifth = _try(api, "alice", "guess")
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "60"
    assert "paused for 1 minute" in fifth.json()["detail"]
    # During the pause even the right password is not checked; others sign in as usual.
    paused = _try(api, "alice", password_of("alice"))
    assert paused.status_code == 429 and 0 < int(paused.headers["Retry-After"]) <= 60
    assert _try(api, "bob", password_of("bob")).status_code == 200
    # Another wrong one after the pause doubles it.
    _time_passes(server_engine, "alice")
    again = _try(api, "alice", "guess")
    assert again.status_code == 429 and again.headers["Retry-After"] == "120"
    # The right password after the pause signs in and clears the count.
    _time_passes(server_engine, "alice")
    assert _try(api, "alice", password_of("alice")).status_code == 200
    assert _try(api, "alice", "guess").status_code == 401
    with server_engine.connect() as conn:
        failures = conn.execute(
            text(
                "SELECT failures FROM server_login_throttle "
                "WHERE name = 'alice' AND address = 'testclient'"
            )
        ).scalar_one()
    assert failures == 1


def test_unknown_names_are_paused_the_same_way(api: TestClient, server_engine: Engine) -> None:
    """The answers never tell whether a name exists."""
    add_user(server_engine, "alice", "North")
    known = [_try(api, "alice", "guess") for _ in range(accounts.FREE_ATTEMPTS)]
    unknown = [_try(api, "mallory", "guess") for _ in range(accounts.FREE_ATTEMPTS)]
    assert [(r.status_code, r.json()) for r in known] == [
        (r.status_code, r.json()) for r in unknown
    ]
    assert unknown[-1].status_code == 429


def test_the_pause_is_capped(server_engine: Engine) -> None:
    add_user(server_engine, "alice", "North")
    with server_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO server_login_throttle (name, address, failures, last_failure_at) "
                 "VALUES ('alice', 'testclient', 40, now())")
        )  # fmt: skip
    api = TestClient(create_app(server_engine))
    response = _try(api, "alice", "guess")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == accounts.LONGEST_PAUSE.total_seconds()
    add_user(server_engine, "alice", "North")  # an administrator resets the password
    assert _try(api, "alice", password_of("alice")).status_code == 200


def test_refresh_tokens_rotate_and_logout_revokes(api: TestClient, server_engine: Engine) -> None:
    add_user(server_engine, "alice", "North")
    tokens = _login(api, "alice")
    me = api.get("/v1/me", headers=_auth(tokens)).json()
    assert [t["name"] for t in me["teams"]] == ["North"]
    fresh = api.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200
    new = fresh.json()
    assert api.post("/v1/auth/logout", headers=_auth(new)).status_code == 204
    assert api.get("/v1/me", headers=_auth(new)).status_code == 401
    assert (
        api.post("/v1/auth/refresh", json={"refresh_token": new["refresh_token"]}).status_code
        == 401
    )
    with server_engine.connect() as conn:
        hashes = conn.execute(text("SELECT token_hash FROM server_tokens")).scalars().all()
    assert tokens["access_token"] not in hashes  # only hashes are kept


def test_a_revoked_device_is_refused(api: TestClient, server_engine: Engine) -> None:
    add_user(server_engine, "alice", "North")
    lost, kept = uuid.uuid4(), uuid.uuid4()
    lost_tokens = _login(api, "alice", lost)
    kept_tokens = _login(api, "alice", kept)
    revoke = api.post(f"/v1/devices/{lost}/revoke", headers=_auth(kept_tokens))
    assert revoke.status_code == 204
    for call in (
        lambda: api.get("/v1/me", headers=_auth(lost_tokens)),
        lambda: api.get("/v1/sync/pull", headers=_auth(lost_tokens)),
        lambda: api.post("/v1/auth/refresh", json={"refresh_token": lost_tokens["refresh_token"]}),
    ):
        assert call().status_code in (401, 403)
    relogin = api.post(
        "/v1/auth/login",
        json={"username": "alice", "password": password_of("alice"), "device_id": str(lost)},
    )
    assert relogin.status_code == 403
    assert "revoked" in relogin.json()["detail"]
    assert api.get("/v1/me", headers=_auth(kept_tokens)).status_code == 200


# --- cross-team access, route by route -------------------------------------------------------


class World:
    """Two teams; alice and her patient in North, bob in South, who tries everything."""

    def __init__(self, api: TestClient, engine: Engine) -> None:
        add_user(engine, "alice", "North")
        add_user(engine, "bob", "South")
        self.api = api
        self.alice_device = uuid.uuid4()
        self.alice = _login(api, "alice", self.alice_device)
        self.bob = _login(api, "bob")
        me = api.get("/v1/me", headers=_auth(self.alice)).json()
        self.north = uuid.UUID(me["teams"][0]["id"])
        self.patient = uuid.uuid4()
        result = self.push(self.alice, self._patient_insert())
        assert result["status"] == "applied", result
        self.engine = engine

    def _patient_insert(self) -> dict[str, Any]:
        return {
            "change_id": str(uuid.uuid4()),
            "table": "patients",
            "row_id": str(self.patient),
            "op": "insert",
            "fields": {
                "team_id": str(self.north),
                "family_name": "SECRET",
                "given_name": "Ada",
                "nhs_number": "9434765919",
                "date_of_birth": date(1940, 1, 2).isoformat(),
                "sex": "female",
                "registration_status": "registered",
            },
            "hlc": HybridLogicalClock().now(),
            "device_id": str(uuid.uuid4()),
        }

    def push(self, tokens: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        response = self.api.post("/v1/sync/push", json={"changes": [change]}, headers=_auth(tokens))
        assert response.status_code == 200, response.text
        return response.json()["results"][0]

    def north_patient_name(self) -> str:
        patients = table_of(Patient)
        with self.engine.connect() as conn:
            return conn.execute(
                select(patients.c.family_name).where(patients.c.id == self.patient)
            ).scalar_one()


def _bob_health(w: World) -> None:
    assert w.api.get("/health").json() == {"status": "ok"}


def _bob_login_as_alice(w: World) -> None:
    r = w.api.post(
        "/v1/auth/login",
        json={"username": "alice", "password": password_of("bob"), "device_id": str(uuid.uuid4())},
    )
    assert r.status_code == 401


def _bob_refresh(w: World) -> None:
    r = w.api.post("/v1/auth/refresh", json={"refresh_token": w.bob["refresh_token"]})
    assert r.status_code == 200
    me = w.api.get("/v1/me", headers=_auth(r.json())).json()
    assert me["name"] == "bob"
    w.bob = r.json()


def _bob_logout(w: World) -> None:
    assert w.api.post("/v1/auth/logout", headers=_auth(w.bob)).status_code == 204
    assert w.api.get("/v1/me", headers=_auth(w.alice)).status_code == 200


def _bob_me(w: World) -> None:
    teams = w.api.get("/v1/me", headers=_auth(w.bob)).json()["teams"]
    assert [t["name"] for t in teams] == ["South"]


def _bob_devices(w: World) -> None:
    listed = w.api.get("/v1/devices", headers=_auth(w.bob)).json()
    assert str(w.alice_device) not in {d["id"] for d in listed}


def _bob_revokes_alices_device(w: World) -> None:
    r = w.api.post(f"/v1/devices/{w.alice_device}/revoke", headers=_auth(w.bob))
    assert r.status_code == 404
    assert w.api.get("/v1/me", headers=_auth(w.alice)).status_code == 200


def _bob_members(w: World) -> None:
    r = w.api.get(f"/v1/teams/{w.north}/members", headers=_auth(w.bob))
    assert r.status_code == 404 and "alice" not in r.text


def _bob_conflicts(w: World) -> None:
    r = w.api.get(f"/v1/teams/{w.north}/conflicts", headers=_auth(w.bob))
    assert r.status_code == 404


def _bob_pushes(w: World) -> None:
    edit = {
        "change_id": str(uuid.uuid4()),
        "table": "patients",
        "row_id": str(w.patient),
        "op": "update",
        "fields": {"family_name": "CHANGED"},
        "hlc": HybridLogicalClock().now(),
        "device_id": str(uuid.uuid4()),
    }
    assert w.push(w.bob, edit)["status"] == "rejected"
    delete = {**edit, "change_id": str(uuid.uuid4()), "op": "delete", "fields": {}}
    # Answered exactly as for a record that does not exist: nothing about North leaks.
    nowhere = {**delete, "change_id": str(uuid.uuid4()), "row_id": str(uuid.uuid4())}
    answers = [w.push(w.bob, delete), w.push(w.bob, nowhere)]
    assert answers[0]["status"] != "applied"
    assert [(a["status"], a["reason"]) for a in answers] == [
        (answers[1]["status"], answers[1]["reason"])
    ] * 2
    planted = w._patient_insert()
    planted["row_id"] = str(uuid.uuid4())
    planted["fields"]["nhs_number"] = "9434765870"
    assert w.push(w.bob, planted)["status"] == "rejected"
    assert w.north_patient_name() == "SECRET"


def _bob_pulls(w: World) -> None:
    page = w.api.get("/v1/sync/pull", headers=_auth(w.bob)).json()
    assert "SECRET" not in str(page)
    # Only South's own team row and its members' profiles (bob's) come back.
    assert {c["table"] for c in page["changes"]} <= {"teams", "users"}
    assert "alice" not in str(page)
    assert {c["fields"]["name"] for c in page["changes"] if c["table"] == "users"} == {"bob"}


def _bob_reads_north_audit(w: World) -> None:
    r = w.api.get(f"/v1/teams/{w.north}/audit", headers=_auth(w.bob))
    assert r.status_code == 404 and "alice" not in r.text


def _bob_pushes_audit_into_north(w: World) -> None:
    r = w.api.post(
        "/v1/audit/entries", json={"team_id": str(w.north), "entries": []}, headers=_auth(w.bob)
    )
    assert r.status_code == 404 and "alice" not in r.text


CASES: dict[str, Callable[[World], None]] = {
    "GET /v1/teams/{team_id}/audit": _bob_reads_north_audit,
    "POST /v1/audit/entries": _bob_pushes_audit_into_north,
    "GET /health": _bob_health,
    "POST /v1/auth/login": _bob_login_as_alice,
    "POST /v1/auth/refresh": _bob_refresh,
    "POST /v1/auth/logout": _bob_logout,
    "GET /v1/me": _bob_me,
    "GET /v1/devices": _bob_devices,
    "POST /v1/devices/{device_id}/revoke": _bob_revokes_alices_device,
    "GET /v1/teams/{team_id}/members": _bob_members,
    "GET /v1/teams/{team_id}/conflicts": _bob_conflicts,
    "POST /v1/sync/push": _bob_pushes,
    "GET /v1/sync/pull": _bob_pulls,
}
PUBLIC = {"GET /health", "POST /v1/auth/login", "POST /v1/auth/refresh"}


def _routes(api: TestClient) -> list[str]:
    spec = api.app.openapi()  # type: ignore[attr-defined]
    return sorted(
        f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods
    )


def test_every_route_in_the_openapi_description_has_a_cross_team_case(api: TestClient) -> None:
    assert set(_routes(api)) == set(CASES)


@pytest.mark.parametrize("route", sorted(CASES))
def test_cross_team_access_is_refused(route: str, api: TestClient, server_engine: Engine) -> None:
    world = World(api, server_engine)
    CASES[route](world)


@pytest.mark.parametrize("route", sorted(set(CASES) - PUBLIC))
def test_every_private_route_needs_a_token(route: str, api: TestClient) -> None:
    method, path = route.split(" ", 1)
    path = path.replace("{device_id}", str(uuid.uuid4())).replace("{team_id}", str(uuid.uuid4()))
    response = api.request(method, path, json={"changes": []} if method == "POST" else None)
    assert response.status_code == 401


def test_membership_is_read_on_every_call(api: TestClient, server_engine: Engine) -> None:
    world = World(api, server_engine)
    add_user(server_engine, "alice", "East")  # still in a team after leaving North
    tokens = _login(api, "alice")  # the password was set again: earlier sessions ended
    with server_engine.begin() as conn:
        accounts.remove_membership(conn, "alice", "North")
    page = api.get("/v1/sync/pull", headers=_auth(tokens)).json()
    assert "SECRET" not in str(page)
    # Only East's own rows: its team and its members' profiles (published by the server).
    assert all(c["table"] in ("teams", "users") for c in page["changes"])
    assert api.get(f"/v1/teams/{world.north}/members", headers=_auth(tokens)).status_code == 404
