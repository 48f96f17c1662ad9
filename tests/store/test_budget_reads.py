"""Reads the statement import reconciles with: many ranges in one query equal one at a time."""

from __future__ import annotations

from datetime import date, timedelta

from support.budgets import agreed_budget

from mdt_desktop.services import budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store


def test_money_out_by_range_equals_figures_between_for_each(store: Store) -> None:
    one, two = agreed_budget(store, 1), agreed_budget(store, 2)
    for n in range(12):
        on = date(2026, 4, 6) + timedelta(days=9 * n)
        budgets.post_entry(store, one.budget_id, "payment", 1_000 + n, on, line_id=one.pa_line,
                           evidence="R")  # fmt: skip
        budgets.post_entry(store, two.budget_id, "refund" if n % 4 == 0 else "payment", 700, on,
                           line_id=two.pa_line, evidence="R")  # fmt: skip
    ranges = {
        "A": (one.budget_id, date(2026, 4, 6), date(2026, 5, 20)),
        "A again": (one.budget_id, date(2026, 6, 1), date(2026, 7, 31)),
        "B": (two.budget_id, date(2026, 4, 1), date(2026, 8, 1)),
        "nothing then": (two.budget_id, date(2027, 1, 1), date(2027, 1, 31)),
    }
    with store.session() as s:
        got = reads.money_out_by_range(s, ranges)
        wanted = {
            key: reads.figures_between(s, bid, first, last)["money_out"]
            for key, (bid, first, last) in ranges.items()
        }
    assert got == wanted
    assert got["nothing then"] == 0 and got["A"] > 0 and got["B"] > 0
