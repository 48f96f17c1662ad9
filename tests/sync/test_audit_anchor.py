"""The audit log anchored on the team server: a cut or re-chained local log is caught."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text
from support.postgres import LiveServer, add_user, password_of, sync

from mdt_desktop import cli
from mdt_desktop.server import models
from mdt_desktop.services import audit_log
from mdt_desktop.store import audit, keys
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey

MakeStore = Callable[[str], Store]


@pytest.fixture
def synced(live_server: LiveServer, make_store: MakeStore, store_key: StoreKey) -> Store:
    add_user(live_server.engine, "alice", "North")
    store = make_store("a")
    keys.save_to_keyring(store.path, store_key)  # so `mdt` opens it as the app would
    for n in range(6):
        store.audit("view", "patients", detail=f"looked {n}")
    sync(store, live_server, "alice")
    return store


def _verify(store: Store, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = cli.main(["audit", "verify", "--store", str(store.path)])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def _unprotected(store: Store):
    conn = store.engine.connect()
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.commit()
    return conn


def _rechain_from(conn, seq: int) -> None:
    """What someone with the key does: fix every hash after their edit and the head."""
    rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    prev = audit.GENESIS_HASH
    for row in rows:
        entry = audit.entry_hash(
            seq=row["seq"], at=_at(row["at"]), user_id=_uuid(row["user_id"]),
            user_name=row["user_name"], role=row["role"], device_id=_uuid(row["device_id"]),
            action=row["action"], entity=row["entity"], entity_id=row["entity_id"],
            patient_id=_uuid(row["patient_id"]), detail=row["detail"], prev_hash=prev,
        )  # fmt: skip
        conn.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
                     {"p": prev, "h": entry, "s": row["seq"]})  # fmt: skip
        prev = entry
    conn.execute(text("UPDATE store_meta SET value = :v WHERE key = 'audit_head'"),
                 {"v": f"{rows[-1]['seq']}:{prev}"})  # fmt: skip


def _at(value: str):
    from datetime import UTC, datetime

    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def test_entries_reach_the_server_and_the_head_is_recorded(
    synced: Store, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with synced.session() as s:
        head = audit.anchored_head(s)
        local = audit._head(s)
    assert head is not None and head[0] >= 6
    with live_server.engine.connect() as conn:
        held = conn.execute(
            models.audit_entries.select().where(
                models.audit_entries.c.device_id == synced.device_id
            ).order_by(models.audit_entries.c.seq)
        ).all()  # fmt: skip
    assert [r.seq for r in held] == list(range(1, head[0] + 1))
    assert (held[-1].seq, held[-1].hash) == head and head[0] <= local[0]
    code, report, _ = _verify(synced, capsys)
    assert code == 0 and report["ok"] and report["anchored_seq"] == head[0]


def test_tail_truncation_on_a_synced_store_is_reported(
    synced: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    with synced.session() as s:
        anchored = audit.anchored_head(s)[0]
    conn = _unprotected(synced)
    with conn.begin():
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": anchored - 2})
        _rechain_from(conn, 1)
    conn.close()
    assert audit._verify_local(synced.engine.connect()).ok  # the local chain alone passes
    code, report, err = _verify(synced, capsys)
    assert code == cli.EXIT_AUDIT_BROKEN
    assert report["first_bad_seq"] == anchored - 2
    assert f"entry {anchored - 2} is missing" in err


def test_a_rewritten_and_rechained_entry_is_reported(
    synced: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = _unprotected(synced)
    with conn.begin():
        conn.execute(text("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3"))
        _rechain_from(conn, 3)
    conn.close()
    assert audit._verify_local(synced.engine.connect()).ok
    code, report, err = _verify(synced, capsys)
    assert code == cli.EXIT_AUDIT_BROKEN and report["first_bad_seq"] == 3
    assert "entry 3 was altered" in err
    # The viewer's Verify goes through the same service.
    synced.set_actor(synced.actor.__class__(None, "Paul Marshall", "administrator"))
    assert audit_log.verify(synced).first_bad_seq == 3


def test_the_server_refuses_a_rewritten_chain_and_keeps_its_copy(
    synced: Store, live_server: LiveServer
) -> None:
    conn = _unprotected(synced)
    with conn.begin():
        conn.execute(text("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2"))
        _rechain_from(conn, 2)
        conn.execute(text("DELETE FROM audit_anchor"))  # and hide what was acknowledged
    conn.close()
    with pytest.raises(Exception, match=r"audit entry [12] "):
        sync(synced, live_server, "alice")
    with live_server.engine.connect() as c:
        details = c.execute(
            text("SELECT detail FROM server_audit_entries WHERE seq = 2 AND device_id = :d"),
            {"d": synced.device_id},
        ).scalar()
    assert details == "looked 1"


def test_only_roles_with_the_audit_permission_read_the_servers_copy(
    synced: Store, live_server: LiveServer
) -> None:
    add_user(live_server.engine, "gail", "North", role="gp")
    from mdt_desktop.store import syncing

    team = synced.meta()[syncing.META_TEAM]

    def read(name: str) -> httpx.Response:
        with httpx.Client(base_url=live_server.url) as http:
            tokens = http.post("/v1/auth/login", json={
                "username": name, "password": password_of(name),
                "device_id": str(uuid.uuid4())}).json()  # fmt: skip
            return http.get(
                f"/v1/teams/{team}/audit",
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
            )

    assert read("alice").status_code == 403  # a district nurse
    answer = read("gail")
    assert answer.status_code == 200 and len(answer.json()) >= 6


def test_a_store_that_never_synced_says_only_local_verification_was_possible(
    store: Store, store_key: StoreKey, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.save_to_keyring(store.path, store_key)
    store.audit("view", "patients")
    code, report, err = _verify(store, capsys)
    assert code == 0 and report["anchored_seq"] is None
    assert "only local verification was possible" in err
