"""Faults during sync: a client killed mid-push, a server restart, a dropped connection."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from support.postgres import LiveServer, add_user, password_of, sync

from mdt_desktop.services.sync import sync_now
from mdt_desktop.store import syncing
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import Note, Patient
from mdt_desktop.sync.client import SyncError

MakeStore = Callable[[str], Store]
RUNS = 50
NOTES_PER_RUN = 12

# A sync round in its own process, pushing in small batches so a kill lands mid-push.
DRIVER = """
import os, sys
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.sync import client
client.PUSH_BATCH = 4
from mdt_desktop.services.sync import sync_now
store = Store.open(sys.argv[1], StoreKey(raw=bytes.fromhex(os.environ["MDT_TEST_KEY"])))
sync_now(store, password=os.environ["MDT_TEST_PASSWORD"])
"""


def _setup(server: LiveServer, make_store: MakeStore) -> tuple[Store, uuid.UUID, uuid.UUID]:
    add_user(server.engine, "alice", "North")
    store = make_store("laptop")
    sync(store, server, "alice")
    team_id = uuid.UUID(store.meta()[syncing.META_TEAM])
    with store.transaction() as s:
        patient = Patient(team_id=team_id, family_name="KILL", nhs_number="9434765919")
        s.add(patient)
    return store, team_id, patient.id


def _write_changes(store: Store, team_id: uuid.UUID, pid: uuid.UUID, run: int) -> None:
    with store.transaction() as s:
        for n in range(NOTES_PER_RUN):
            s.add(
                Note(
                    team_id=team_id,
                    patient_id=pid,
                    author_name="Alice",
                    author_role="district_nurse",
                    written_at=datetime.now(UTC),
                    text=f"run {run} note {n}",
                )
            )
        s.get(Patient, pid).postcode = f"R{run}"  # type: ignore[union-attr]


def _outbox_ids(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {
            uuid.UUID(str(r)).hex
            for r in conn.execute(text("SELECT change_id FROM sync_outbox")).scalars()
        }


def _server_state(server: LiveServer) -> tuple[dict[str, int], set[str], str]:
    with server.engine.connect() as conn:
        notes = dict(conn.execute(text("SELECT text, count(*) FROM notes GROUP BY text")).all())
        applied = {
            r.hex
            for r in conn.execute(text("SELECT change_id FROM server_applied_changes")).scalars()
        }
        postcode = conn.execute(
            text("SELECT postcode FROM patients WHERE family_name = 'KILL'")
        ).scalar()
    return notes, applied, postcode


@pytest.mark.fault
def test_a_client_killed_at_random_points_during_a_push_loses_nothing(
    live_server: LiveServer, make_store: MakeStore, store_key: StoreKey
) -> None:
    store, team_id, pid = _setup(live_server, make_store)
    rng = random.Random(7)
    made: set[str] = _outbox_ids(store)
    env = dict(
        os.environ,
        MDT_TEST_KEY=store_key.raw.hex(),  # type: ignore[union-attr]
        MDT_TEST_PASSWORD=password_of("alice"),
    )
    killed_with_pending = 0
    for run in range(RUNS):
        _write_changes(store, team_id, pid, run)
        made |= _outbox_ids(store)
        child = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(store.path)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.4, 1.4))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.wait()
        killed_with_pending += syncing.pending_count(store) > 0
        assert store.integrity_check() == "ok"
    assert killed_with_pending >= RUNS // 4, "too few kills landed while changes were pending"
    summary = sync(store, live_server, "alice")
    assert summary.errors == []
    assert syncing.pending_count(store) == 0
    notes, applied, postcode = _server_state(live_server)
    assert made <= applied  # nothing lost
    expected = {f"run {r} note {n}" for r in range(RUNS) for n in range(NOTES_PER_RUN)}
    assert set(notes) == expected and set(notes.values()) == {1}  # none applied twice
    assert postcode == f"R{RUNS - 1}"


class _Faulty(httpx.BaseTransport):
    """Forwards to the real server, with a fault on the n-th push."""

    def __init__(self, on_push: Callable[[int, httpx.Request], httpx.Response]) -> None:
        self.inner = httpx.HTTPTransport()
        self.pushes = 0
        self.on_push = on_push

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync/push":
            self.pushes += 1
            return self.on_push(self.pushes, request)
        return self.inner.handle_request(request)


def _many_changes(store: Store, team_id: uuid.UUID, pid: uuid.UUID, runs: int) -> None:
    for run in range(runs):
        _write_changes(store, team_id, pid, run)


def test_a_server_restarted_mid_sync_then_the_next_round_completes(
    live_server: LiveServer, make_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdt_desktop.sync import client

    monkeypatch.setattr(client, "PUSH_BATCH", 10)
    store, team_id, pid = _setup(live_server, make_store)
    _many_changes(store, team_id, pid, 5)
    made = _outbox_ids(store)
    servers = [live_server]

    def restart_on_third(n: int, request: httpx.Request) -> httpx.Response:
        if n == 3:
            servers[0].stop()  # the server goes away mid-round...
            try:
                return transport.inner.handle_request(request)
            finally:
                servers.append(LiveServer(live_server.engine, port=live_server.port).start())
        return transport.inner.handle_request(request)

    transport = _Faulty(restart_on_third)
    with pytest.raises(SyncError, match="could not be reached"):
        sync_now(store, password=password_of("alice"), transport=transport)
    assert 0 < syncing.pending_count(store) < len(made)
    summary = sync(store, servers[-1], "alice")  # ...and is back for the next round
    assert summary.errors == [] and syncing.pending_count(store) == 0
    notes, applied, _ = _server_state(live_server)
    assert made <= applied and set(notes.values()) == {1} and len(notes) == 5 * NOTES_PER_RUN
    servers[-1].stop()


def test_a_connection_dropped_mid_response_then_the_next_round_completes(
    live_server: LiveServer, make_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdt_desktop.sync import client

    monkeypatch.setattr(client, "PUSH_BATCH", 10)
    store, team_id, pid = _setup(live_server, make_store)
    _many_changes(store, team_id, pid, 3)
    made = _outbox_ids(store)

    def drop_after_applying(n: int, request: httpx.Request) -> httpx.Response:
        response = transport.inner.handle_request(request)
        if n == 2:
            response.read()  # the server has applied the batch and answered...
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )
        if n == 3:
            body = response.read()
            return httpx.Response(200, content=body[: len(body) // 2], request=request)
        return response

    transport = _Faulty(drop_after_applying)
    with pytest.raises(SyncError, match="could not be reached"):
        sync_now(store, password=password_of("alice"), transport=transport)
    with pytest.raises(SyncError, match="cut off"):
        sync_now(store, password=password_of("alice"), transport=transport)
    summary = sync(store, live_server, "alice")
    assert summary.errors == [] and syncing.pending_count(store) == 0
    assert summary.applied >= 10  # the answered-but-lost batches came back as already applied
    notes, applied, _ = _server_state(live_server)
    assert made <= applied and set(notes.values()) == {1} and len(notes) == 3 * NOTES_PER_RUN
