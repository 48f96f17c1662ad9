"""The budget tables: the ledger refuses edits and deletes, CHECKs hold, money is integer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from support.budgets import agreed_budget

from mdt_desktop.services import budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import LedgerEntry


def test_ledger_rows_refuse_update_and_delete(store: Store) -> None:
    setup = agreed_budget(store)
    eid = budgets.post_entry(store, setup.budget_id, "payment", 1_000, date(2026, 5, 1),
                             line_id=setup.pa_line, evidence="R")  # fmt: skip
    hexid = eid.hex
    with store.engine.begin() as conn, pytest.raises(Exception, match="cannot be changed"):
        conn.execute(
            text("UPDATE budget_ledger_entries SET amount_pence = 1 WHERE id = :i"), {"i": hexid}
        )
    with store.engine.begin() as conn, pytest.raises(Exception, match="cannot be changed"):
        conn.execute(text("DELETE FROM budget_ledger_entries WHERE id = :i"), {"i": hexid})
    # Sync may stamp the clock (an echo of the row from the server): content unchanged.
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE budget_ledger_entries SET updated_at = updated_at + 1 WHERE id = :i"),
            {"i": hexid},
        )
    with store.session() as s:
        assert s.get(LedgerEntry, eid).amount_pence == 1_000


def test_checks_refuse_effects_that_do_not_match_the_kind(store: Store) -> None:
    setup = agreed_budget(store)
    eid = budgets.post_entry(store, setup.budget_id, "payment", 1_000, date(2026, 5, 1))
    with store.engine.begin() as conn:
        row = dict(
            conn.execute(text("SELECT * FROM budget_ledger_entries WHERE id = :i"), {"i": eid.hex})
            .mappings()
            .one()
        )
    row["id"] = "0" * 31 + "1"
    row["spent_effect"] = 0  # a payment that spends nothing
    cols = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    with store.engine.begin() as conn, pytest.raises(IntegrityError, match="effects"):
        conn.execute(text(f"INSERT INTO budget_ledger_entries ({cols}) VALUES ({marks})"), row)
    row["spent_effect"], row["kind"] = 1_000, "spend"
    with store.engine.begin() as conn, pytest.raises(IntegrityError, match=r"kind_valid|effects"):
        conn.execute(text(f"INSERT INTO budget_ledger_entries ({cols}) VALUES ({marks})"), row)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(["payment", "refund", "commitment"]),
                          st.integers(1, 10_000_000)), min_size=1, max_size=6))  # fmt: skip
def test_no_float_reaches_the_store_and_sql_sums_match(store: Store, posts) -> None:
    setup = agreed_budget(store) if not hasattr(store, "_setup") else store._setup
    store._setup = setup  # type: ignore[attr-defined]
    with store.session() as s:
        before = reads.budget_row(s, setup.budget_id).figures
    for kind, amount in posts:
        budgets.post_entry(store, setup.budget_id, kind, amount, date(2026, 6, 1),
                           line_id=setup.pa_line, evidence="E")  # fmt: skip
    with store.engine.connect() as conn:
        types = set(
            conn.execute(
                text(
                    "SELECT DISTINCT typeof(amount_pence) || typeof(allocated_effect) || "
                    "typeof(balance_effect) || typeof(spent_effect) || typeof(committed_effect) "
                    "FROM budget_ledger_entries"
                )
            ).scalars()
        )
    assert types == {"integer" * 5}
    with store.session() as s:
        after = reads.budget_row(s, setup.budget_id).figures
    paid = sum(a for k, a in posts if k == "payment")
    refunded = sum(a for k, a in posts if k == "refund")
    assert after.spent - before.spent == paid - refunded
    assert after.balance - before.balance == refunded - paid
    assert after.committed - before.committed == sum(a for k, a in posts if k == "commitment")


def test_statement_figures_for_any_split_equal_the_ledger(store: Store) -> None:
    setup = agreed_budget(store)
    for day, amount in ((date(2026, 4, 5), 1_000), (date(2026, 6, 30), 2_000),
                        (date(2026, 7, 1), 3_000), (date(2027, 3, 31), 4_000)):  # fmt: skip
        budgets.post_entry(store, setup.budget_id, "payment", amount, day, evidence="E",
                           line_id=setup.pa_line)  # fmt: skip
    with store.session() as s:
        whole = reads.figures_between(s, setup.budget_id, date(2026, 4, 1), date(2027, 3, 31))
        a = reads.figures_between(s, setup.budget_id, date(2026, 4, 1), date(2026, 6, 30))
        b = reads.figures_between(s, setup.budget_id, date(2026, 7, 1), date(2027, 3, 31))
        row = reads.budget_row(s, setup.budget_id)
    assert whole["closing"] == row.figures.balance == b["closing"]
    assert a["closing"] == b["opening"]
    assert a["money_out"] + b["money_out"] == whole["money_out"] == 10_000


def test_trigger_kept_totals_equal_the_ledger_after_every_kind_of_write(
    store: Store, tmp_path
) -> None:
    setup = agreed_budget(store)
    other = agreed_budget(store, 2, held_as="third_party")
    c = budgets.post_entry(store, setup.budget_id, "commitment", 5_000, date(2026, 5, 1),
                           line_id=setup.equipment_line)  # fmt: skip
    budgets.post_entry(store, setup.budget_id, "payment", 4_000, date(2026, 5, 2),
                       line_id=setup.equipment_line, settles_id=c)  # fmt: skip
    p = budgets.post_entry(store, setup.budget_id, "payment", 700, date(2026, 5, 3))
    budgets.reverse_entry(store, p, "Wrong budget.")
    budgets.post_entry(store, other.budget_id, "payment", 900, date(2026, 5, 4))
    card = tmp_path / "card.csv"
    card.write_text("Date,Card,Payee,Amount\n05/05/2026,CARD-0001,Own PA,-450.00\n"
                    "06/05/2026,CARD-0001,Shop,-1.00\n")  # fmt: skip
    budgets.import_payments(store, card, today=date(2026, 6, 1))
    first: dict = {}
    again: dict = {}
    with store.session() as s:
        kept = reads.budget_rows(s, first_payments=first)
        summed = reads.budget_rows(s, first_payments=again, from_ledger=True)
    assert kept == summed and first == again
    assert kept[0].figures != kept[1].figures
