"""Laptops syncing through a live team server: merges, conflicts, idempotence, clocks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from support.postgres import LiveServer, add_user, password_of, sync

from mdt_desktop.server import accounts, push, rowlog
from mdt_desktop.server.accounts import Principal
from mdt_desktop.services import care_plans
from mdt_desktop.store import syncing
from mdt_desktop.store.clock import HybridLogicalClock, _wall_ms
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CarePlan,
    CarePlanVersion,
    Note,
    Patient,
    SyncConflict,
    User,
)

HOUR_MS = 60 * 60 * 1000
MakeStore = Callable[[str], Store]


@pytest.fixture
def team(live_server: LiveServer, make_store: MakeStore) -> tuple[LiveServer, Store, Store]:
    """Two laptops of team North, both synced once (bound to the team)."""
    add_user(live_server.engine, "alice", "North")
    add_user(live_server.engine, "carol", "North")
    a, b = make_store("a"), make_store("b")
    sync(a, live_server, "alice")
    sync(b, live_server, "carol")
    return live_server, a, b


def _team_id(store: Store) -> uuid.UUID:
    return uuid.UUID(store.meta()[syncing.META_TEAM])


def _new_patient(store: Store, **values: object) -> uuid.UUID:
    # Read before the transaction: a nested connection on this thread would end it.
    team_id = _team_id(store)
    with store.transaction() as s:
        patient = Patient(
            team_id=team_id,
            family_name="SMITH",
            given_name="Jo",
            nhs_number="9434765919",
            date_of_birth=date(1941, 3, 4),
            postcode="LS1 1AA",
            **values,
        )
        s.add(patient)
    return patient.id


def _patient(store: Store, pid: uuid.UUID) -> Patient:
    with store.session() as s:
        found = s.get(Patient, pid)
        assert found is not None
        return found


def _edit(store: Store, pid: uuid.UUID, **values: object) -> None:
    with store.transaction() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        for key, value in values.items():
            setattr(patient, key, value)


def _conflicts(store: Store) -> list[SyncConflict]:
    with store.session() as s:
        return list(s.scalars(select(SyncConflict).order_by(SyncConflict.detected_at)))


def test_two_laptops_editing_different_fields_both_win(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    _edit(a, pid, postcode="LS2 2BB")
    _edit(b, pid, given_name="Joanna")
    sync(a, server, "alice")
    sync(b, server, "carol")
    sync(a, server, "alice")
    for store in (a, b):
        patient = _patient(store, pid)
        assert (patient.postcode, patient.given_name) == ("LS2 2BB", "Joanna")
    assert syncing.pending_count(a) == syncing.pending_count(b) == 0


def test_the_later_edit_of_the_same_field_wins_everywhere(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    _edit(b, pid, postcode="B1 1BB")
    _edit(a, pid, postcode="A1 1AA")  # later
    sync(a, server, "alice")
    sync(b, server, "carol")
    sync(a, server, "alice")
    assert _patient(a, pid).postcode == _patient(b, pid).postcode == "A1 1AA"


def _plan_with_first_version(store: Store) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    pid = _new_patient(store)
    team_id = _team_id(store)
    with store.transaction() as s:
        plan = CarePlan(team_id=team_id, patient_id=pid)
        s.add(plan)
        s.flush()
        first = CarePlanVersion(
            team_id=team_id,
            care_plan_id=plan.id,
            number=1,
            author_name="Alice",
            created_at=datetime.now(UTC),
            content={"sections": {"what_matters": "Staying at home"}},
        )
        s.add(first)
        s.flush()
        plan.current_version_id = first.id
    return pid, plan.id, first.id


def _save_version(store: Store, plan_id: uuid.UUID, parent: uuid.UUID, text_: str) -> uuid.UUID:
    team_id = _team_id(store)
    with store.transaction() as s:
        version = CarePlanVersion(
            team_id=team_id,
            care_plan_id=plan_id,
            number=2,
            parent_id=parent,
            author_name="someone",
            created_at=datetime.now(UTC),
            content={"sections": {"what_matters": text_}},
        )
        s.add(version)
        s.flush()
        plan = s.get(CarePlan, plan_id)
        assert plan is not None
        plan.current_version_id = version.id
    return version.id


def test_the_same_care_plan_section_edited_on_two_laptops_keeps_both(team) -> None:
    server, a, b = team
    pid, plan_id, first = _plan_with_first_version(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    va = _save_version(a, plan_id, first, "Staying at home with her cat")
    vb = _save_version(b, plan_id, first, "Moving nearer her daughter")
    sync(a, server, "alice")
    summary = sync(b, server, "carol")
    assert summary.conflicts == 1
    sync(a, server, "alice")
    for store in (a, b):
        with store.session() as s:
            versions = {
                v.id: v
                for v in s.scalars(
                    select(CarePlanVersion).where(CarePlanVersion.care_plan_id == plan_id)
                )
            }
        assert set(versions) == {first, va, vb}
        texts = {v.content["sections"]["what_matters"] for v in versions.values()}
        assert {"Staying at home with her cat", "Moving nearer her daughter"} <= texts
        assert sorted(v.number for v in versions.values()) == [1, 2, 3]
        found = [c for c in _conflicts(store) if c.table_name == "care_plan_versions"]
        assert len(found) == 1, store.path
        both = str(found[0].local_fields) + str(found[0].remote_fields)
        assert "her cat" in both and "her daughter" in both
        # Handed to the plan: one merge waits in the editor, the sync record is closed.
        assert found[0].resolved_at is not None
        state = care_plans.load_plan(store, pid)
        assert state is not None and len(state.pending) == 1, store.path
        pending = state.pending[0]
        assert {pending.mine.id, pending.theirs.id} == {va, vb}
        assert pending.base is not None and pending.base.id == first
        assert syncing.open_conflicts(store) == 1  # the merge, counted once


def test_delete_wins_over_update_and_the_update_is_kept(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    _edit(a, pid, deleted_at=datetime.now(UTC))
    _edit(b, pid, postcode="KEPT 1")
    sync(a, server, "alice")
    summary = sync(b, server, "carol")
    assert summary.conflicts == 1
    sync(a, server, "alice")
    for store in (a, b):
        assert _patient(store, pid).deleted_at is not None
    kept = [c for c in _conflicts(b) if c.kind == "delete_vs_update"]
    assert kept and kept[0].local_fields["postcode"] == "KEPT 1"


def test_delete_arriving_after_a_later_update_still_wins(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    _edit(a, pid, deleted_at=datetime.now(UTC))
    _edit(b, pid, postcode="LATER 1")
    sync(b, server, "carol")  # the update reaches the server first
    sync(a, server, "alice")
    sync(b, server, "carol")
    for store in (a, b):
        assert _patient(store, pid).deleted_at is not None
        kept = [c for c in _conflicts(store) if c.kind == "delete_vs_update"]
        assert kept and kept[0].local_fields["postcode"] == "LATER 1"


def test_notes_are_append_only(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    team_id = _team_id(a)
    with a.transaction() as s:
        note = Note(
            team_id=team_id,
            patient_id=pid,
            author_name="Alice",
            author_role="district_nurse",
            written_at=datetime.now(UTC),
            text="Visited: leg ulcer dressed",
        )
        s.add(note)
    sync(a, server, "alice")
    with a.transaction() as s:
        s.get(Note, note.id).text = "overwritten"  # type: ignore[union-attr]
    summary = sync(a, server, "alice")
    assert summary.rejected == 1
    sync(b, server, "carol")
    with b.session() as s:
        assert s.get(Note, note.id).text == "Visited: leg ulcer dressed"  # type: ignore[union-attr]
    refused = [c for c in _conflicts(a) if c.kind == "rejected"]
    assert refused and refused[0].local_fields["text"] == "overwritten"


def test_a_repeated_push_changes_nothing(team) -> None:
    server, a, _ = team
    pid = _new_patient(a)
    _edit(a, pid, postcode="R1 1RR")
    sent = syncing.pending(a, 100)
    assert len(sent) == 2
    tokens = httpx.post(
        f"{server.url}/v1/auth/login",
        json={"username": "alice", "password": password_of("alice"), "device_id": str(a.device_id)},
    ).json()
    body = {"changes": [p.as_wire(a.device_id) for p in sent]}
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    first = httpx.post(f"{server.url}/v1/sync/push", json=body, headers=headers).json()
    with server.engine.connect() as conn:
        before = conn.execute(
            text("SELECT txid, seq, clocks FROM server_row_log WHERE row_id = :r"), {"r": pid}
        ).one()
        applied = conn.execute(text("SELECT count(*) FROM server_applied_changes")).scalar()
    second = httpx.post(f"{server.url}/v1/sync/push", json=body, headers=headers).json()
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    assert [r["status"] for r in second["results"]] == ["applied", "applied"]
    with server.engine.connect() as conn:
        after = conn.execute(
            text("SELECT txid, seq, clocks FROM server_row_log WHERE row_id = :r"), {"r": pid}
        ).one()
        assert conn.execute(text("SELECT count(*) FROM server_applied_changes")).scalar() == applied
    assert tuple(after) == tuple(before)
    # The client died before hearing the answer: its next round pushes again, harmlessly.
    summary = sync(a, server, "alice")
    assert summary.pushed == 2 and summary.applied == 2
    assert syncing.pending_count(a) == 0


def _principal(engine, name: str) -> Principal:
    with engine.connect() as conn:
        account = accounts.account_id_of(conn, name)
        return Principal(account, name, uuid.uuid4(), accounts.teams_of(conn, account))


def _insert(team_id: uuid.UUID, name: str) -> push.Change:
    return push.Change(
        uuid.uuid4(),
        "practices",
        uuid.uuid4(),
        "insert",
        {"team_id": str(team_id), "ods_code": name, "name": name},
        HybridLogicalClock().now(),
        uuid.uuid4(),
    )


def test_a_transaction_committing_late_is_still_pulled(live_server: LiveServer) -> None:
    engine = live_server.engine
    add_user(engine, "alice", "North")
    who = _principal(engine, "alice")
    north = next(iter(who.team_ids))
    early, late = _insert(north, "EARLY1"), _insert(north, "LATE01")
    seen: set[str] = set()

    def pull_all(cursor: str | None) -> str:
        while True:
            with engine.begin() as conn:
                page = rowlog.parse_page(rowlog.pull(conn, who.team_ids, uuid.uuid4(), cursor, 1))
            seen.update(
                c["fields"].get("ods_code") for c in page["changes"] if c["table"] == "practices"
            )
            cursor = page["cursor"]
            if not page["has_more"]:
                return cursor

    slow = engine.connect()
    slow_tx = slow.begin()
    push.apply_batch(slow, who, [late])  # writes first, commits last
    with engine.begin() as conn:
        push.apply_batch(conn, who, [early])
    cursor = pull_all(None)
    slow_tx.commit()
    slow.close()
    pull_all(cursor)
    assert seen == {"EARLY1", "LATE01"}


def test_a_clock_an_hour_ahead_is_clamped(team, caplog: pytest.LogCaptureFixture) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    sync(b, server, "carol")
    a.context.clock = HybridLogicalClock(
        wall=lambda: _wall_ms() + HOUR_MS, last=a.context.clock.last
    )
    _edit(a, pid, postcode="AHEAD 1")
    with caplog.at_level(logging.WARNING):
        sync(a, server, "alice")
    assert "clamped" in caplog.text
    _edit(b, pid, postcode="LATER 1")  # made after a's, in real time, without seeing it
    sync(b, server, "carol")
    sync(a, server, "alice")
    assert _patient(a, pid).postcode == _patient(b, pid).postcode == "LATER 1"


def test_a_clock_an_hour_behind_still_orders_what_it_saw(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    sync(a, server, "alice")
    b.context.clock = HybridLogicalClock(wall=lambda: _wall_ms() - HOUR_MS, last=0)
    sync(b, server, "carol")
    _edit(a, pid, postcode="FIRST 1")
    sync(a, server, "alice")
    sync(b, server, "carol")
    _edit(b, pid, postcode="SECOND 1")  # b saw a's edit: b's is later, whatever its wall says
    sync(b, server, "carol")
    sync(a, server, "alice")
    assert _patient(a, pid).postcode == _patient(b, pid).postcode == "SECOND 1"


def test_a_store_used_before_the_server_loses_nothing(
    live_server: LiveServer, make_store: MakeStore
) -> None:
    from mdt_desktop.services.demo import generate_demo
    from mdt_desktop.services.status import store_status
    from mdt_desktop.services.users import create_user, ensure_team

    # The demo holds budgets: the first upload is a budget holder's (a district nurse's
    # budget rows would be refused by the server, and kept here as rejected).
    add_user(live_server.engine, "alice", "North", role="community_matron")
    add_user(live_server.engine, "carol", "North")
    a = make_store("a")
    local_team = ensure_team(a, "Our local team")
    create_user(a, "Alice", "district_nurse", local_team, pin="4321")
    generate_demo(a, 150, seed=3)
    pid = _new_patient_unbound(a, local_team.id)
    summary = sync(a, live_server, "alice")
    assert summary.errors == [] and summary.rejected == 0
    b = make_store("b")
    sync(b, live_server, "carol")
    counts_a, counts_b = store_status(a)["counts"], store_status(b)["counts"]
    counts_a.pop("audit_entries"), counts_b.pop("audit_entries")
    assert counts_a == counts_b and counts_a["patients"] == 151
    assert _patient(b, pid).team_id == _team_id(a)
    with live_server.engine.connect() as conn:
        profiles = conn.execute(text("SELECT name, role, pin_hash FROM users")).all()
    # A local profile (and its PIN's hash) never leaves the laptop: the server's accounts
    # are the only source of team members' profiles, and they carry no way to unlock.
    assert sorted(tuple(p) for p in profiles) == [
        ("alice", "community_matron", None),
        ("carol", "district_nurse", None),
    ]
    with b.session() as s:
        pulled = s.execute(select(User.name, User.role, User.pin_hash, User.team_id)).all()
    assert sorted(tuple(p) for p in pulled) == [
        ("alice", "community_matron", None, _team_id(b)),
        ("carol", "district_nurse", None, _team_id(b)),
    ]


def _new_patient_unbound(store: Store, team_id: uuid.UUID) -> uuid.UUID:
    with store.transaction() as s:
        patient = Patient(team_id=team_id, family_name="EARLY", nhs_number="9434765870")
        s.add(patient)
    return patient.id


def test_a_full_resync_after_leaving_a_team(team, make_store: MakeStore) -> None:
    server, a, _ = team
    _new_patient(a)
    sync(a, server, "alice")
    add_user(server.engine, "alice", "South")
    summary = sync(a, server, "alice")
    assert summary.reset
    assert _patient_count(a) == 1


def _patient_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM patients WHERE deleted_at IS NULL")
            ).scalar_one()
        )


def test_a_bulk_load_after_the_first_sync_reaches_the_team(team) -> None:
    from mdt_desktop.services.demo import generate_demo

    server, a, b = team
    generate_demo(b, 80, seed=5)  # no outbox entries: the sweep finds the rows
    summary = sync(b, server, "carol")
    assert summary.errors == [] and summary.rejected == 0 and summary.pushed >= 80
    sync(a, server, "alice")
    assert _patient_count(a) == 80


def test_switching_user_keeps_unsynced_changes(team) -> None:
    from mdt_desktop.services.users import create_user, sign_in

    server, a, _ = team
    pid = _new_patient(a)
    _edit(a, pid, postcode="KEEP 1")
    waiting = syncing.pending_count(a)
    someone = create_user(a, "Pat Jones", "gp", None)
    sign_in(a, someone)
    assert syncing.pending_count(a) >= waiting
    summary = sync(a, server, "alice")
    assert summary.errors == [] and syncing.pending_count(a) == 0
    with server.engine.connect() as conn:
        held = conn.execute(text("SELECT postcode FROM patients WHERE id = :p"), {"p": pid})
        assert held.scalar() == "KEEP 1"


def test_a_cursor_too_old_or_from_another_server_means_a_full_resync(team) -> None:
    server, a, _ = team
    _new_patient(a)
    sync(a, server, "alice")
    with server.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO server_state (key, value) VALUES ('cursor_floor', :v)"),
            {"v": str(2**62)},
        )
    summary = sync(a, server, "alice")
    assert summary.reset and summary.errors == [] and _patient_count(a) == 1
    with server.engine.begin() as conn:
        conn.execute(text("DELETE FROM server_state"))  # as after a restore: a new identity
    summary = sync(a, server, "alice")
    assert summary.reset and _patient_count(a) == 1


def test_a_garbled_cursor_is_refused_politely(live_server: LiveServer) -> None:
    engine = live_server.engine
    add_user(engine, "alice", "North")
    who = _principal(engine, "alice")
    with engine.begin() as conn:
        page = rowlog.pull(conn, who.team_ids, uuid.uuid4(), "not-a-cursor!", 10)
    assert page["reset"] and "cursor" in page["reset_reason"]


def test_a_laptop_is_told_plainly_when_sign_in_is_paused(
    live_server: LiveServer, make_store: MakeStore
) -> None:
    from mdt_desktop.services.sync import sync_now
    from mdt_desktop.sync.client import NeedPassword, SyncError

    add_user(live_server.engine, "alice", "North")
    laptop = make_store("a")
    for _ in range(accounts.FREE_ATTEMPTS - 1):
        with pytest.raises(NeedPassword, match="user name or password is wrong"):
            sync_now(laptop, live_server.url, "alice", "a wrong guess")
    with pytest.raises(SyncError, match=r"wrong; too many wrong passwords .* paused for 1 minute"):
        sync_now(laptop, live_server.url, "alice", "a last wrong guess")
    # Even the right password waits: the message says why, not "wrong password".
    with pytest.raises(SyncError, match="sign-in is paused for 1 minute") as paused:
        sync_now(laptop, live_server.url, "alice", password_of("alice"))
    assert not isinstance(paused.value, NeedPassword)
    assert "is wrong" not in str(paused.value)
    assert syncing.META_TEAM not in laptop.meta()  # nothing was exchanged


def test_who_wrote_a_note_and_when_is_the_servers_to_say(team) -> None:
    server, a, b = team
    pid = _new_patient(a)
    claimed = datetime(2020, 3, 1, 9, 0, tzinfo=UTC)
    team_id = _team_id(a)
    with a.transaction() as s:
        note = Note(
            team_id=team_id,
            patient_id=pid,
            author_name="Dr Made Up",
            author_role="gp",
            written_at=claimed,
            text="DNACPR agreed with family",
        )
        s.add(note)
    before = datetime.now(UTC)
    sync(a, server, "alice")
    sync(b, server, "carol")
    for store in (a, b):  # the writer's laptop too shows the server's account
        with store.session() as s:
            held = s.get(Note, note.id)
            assert held is not None
            assert (held.author_name, held.author_role) == ("alice", "district_nurse")
            assert held.written_at >= before - timedelta(seconds=5)
            assert held.recorded_on_laptop_at == claimed
            author = s.get(User, held.author_user_id)
            assert author is not None and author.name == "alice" and author.pin_hash is None
