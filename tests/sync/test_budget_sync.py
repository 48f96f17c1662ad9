"""Budgets through a live team server: ledger entries posted offline on two laptops both stay."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.postgres import LiveServer, add_user, sync

from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store import syncing
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient

MakeStore = Callable[[str], Store]


def test_two_laptops_post_payments_offline_and_both_keep_both(
    live_server: LiveServer, make_store: MakeStore
) -> None:
    add_user(live_server.engine, "alice", "North", "community_matron")
    add_user(live_server.engine, "carol", "North", "community_matron")
    a, b = make_store("a"), make_store("b")
    sync(a, live_server, "alice")
    sync(b, live_server, "carol")
    a.set_actor(Actor(uuid.uuid4(), "Alice Matron", Role.COMMUNITY_MATRON.value))
    b.set_actor(Actor(uuid.uuid4(), "Carol Matron", Role.COMMUNITY_MATRON.value))
    team_id = uuid.UUID(a.meta()[syncing.META_TEAM])
    with a.transaction() as s:
        patient = Patient(team_id=team_id, family_name="SMITH", given_name="Jo",
                          nhs_number="9434765919", date_of_birth=date(1941, 3, 4))  # fmt: skip
        s.add(patient)
    bid = budgets.create_budget(
        a, patient.id, kind="health", funding_source="nhs_chc", held_as="third_party",
        period_start=date(2026, 4, 1), period_end=date(2027, 3, 31), indicative_pence=500_000,
    )  # fmt: skip
    budgets.agree_budget(a, bid, 500_000, "Agreed at the MDT.", agreed_on=date(2026, 4, 1))
    budgets.change_status(a, bid, "active", "Provider contracted.")
    sync(a, live_server, "alice")
    sync(b, live_server, "carol")
    # Offline: each laptop posts a payment (and one a reversal of its own mistake).
    pa = budgets.post_entry(a, bid, "payment", 12_345, date(2026, 5, 1), reference="A-1",
                            evidence="INV-A1")  # fmt: skip
    pb = budgets.post_entry(b, bid, "payment", 67_890, date(2026, 5, 2), reference="B-1",
                            evidence="INV-B1")  # fmt: skip
    mistake = budgets.post_entry(b, bid, "payment", 1_000, date(2026, 5, 3), evidence="X")
    budgets.reverse_entry(b, mistake, "Posted to the wrong person.")
    for laptop, user in ((a, "alice"), (b, "carol"), (a, "alice")):
        sync(laptop, live_server, user)
    held = []
    for laptop in (a, b):
        with laptop.session() as s:
            row = reads.budget_row(s, bid)
            ids = {e.id for e in reads.ledger_rows(s, bid)}
        held.append((row.figures, ids))
        assert {pa, pb, mistake} <= ids
        assert row.figures.balance == 500_000 - 12_345 - 67_890
        assert row.figures.spent == 12_345 + 67_890
    assert held[0] == held[1]
    assert syncing.open_conflicts(a) == 0 and syncing.open_conflicts(b) == 0
    # The server's copy of the ledger is append-only too.
    for sql in (
        "UPDATE budget_ledger_entries SET amount_pence = 1 WHERE id = :i",
        "DELETE FROM budget_ledger_entries WHERE id = :i",
    ):
        with (
            pytest.raises(DBAPIError, match="cannot be changed or deleted"),
            live_server.engine.begin() as conn,
        ):
            conn.execute(text(sql), {"i": pa})
    with live_server.engine.connect() as conn:
        amount = conn.execute(
            text("SELECT amount_pence FROM budget_ledger_entries WHERE id = :i"), {"i": pa}
        ).scalar()
    assert amount == 12_345
