"""The team report's SQL sums and counts agree with every budget's own figures and alerts."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from support.budgets import START, agreed_budget

from mdt_desktop.domain.budgets import AlertKind
from mdt_desktop.services import budgets
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Team

TODAY = date(2026, 12, 1)


def _varied(store: Store) -> None:
    """Overdue, on time, without evidence, unlinked, indicative, closed: one of each."""
    late = agreed_budget(store, 1)
    budgets.post_entry(store, late.budget_id, "payment", 45_000, START, line_id=late.pa_line)
    on_time = agreed_budget(store, 2, held_as="notional", allocation=900_000)
    budgets.post_entry(
        store,
        on_time.budget_id,
        "payment",
        600_000,
        date(2026, 11, 1),
        evidence="Inv 9",
        line_id=on_time.pa_line,
    )
    loose = agreed_budget(store, 3)
    budgets.post_entry(store, loose.budget_id, "commitment", 30_000, date(2026, 11, 20))
    budgets.post_entry(store, loose.budget_id, "payment", 20_000, date(2026, 11, 20))
    budgets.request_review(store, loose.budget_id, "health_change", date(2026, 11, 25))
    agreed_budget(store, 4, active=False)
    closed = agreed_budget(store, 5)
    budgets.change_status(store, closed.budget_id, "closed", "Moved out of the area.")


def test_team_report_matches_the_budgets_one_by_one(store: Store) -> None:
    _varied(store)
    report = budgets.team_report(store, TODAY)
    every = budgets.summaries(store, TODAY)
    open_ = [b for b in every if b.row.status != "closed"]
    for key, groups in (("kind", report.by_kind), ("funding_source", report.by_source)):
        expected: dict[str, list[int]] = {}
        for b in open_:
            f = b.row.figures
            t = expected.setdefault(getattr(b.row, key), [0, 0, 0, 0, 0])
            for i, v in enumerate((1, f.allocated, f.committed, f.spent, f.balance)):
                t[i] += v
        got = {g.key: [g.budgets, g.allocated, g.committed, g.spent, g.balance] for g in groups}
        assert got == expected
    counts: dict[str, int] = {}
    for b in every:
        for a in b.alerts:
            counts[a.kind.value] = counts.get(a.kind.value, 0) + 1
    assert report.alert_counts == counts
    assert counts[AlertKind.UNLINKED_PAYMENT.value] == 1
    assert counts[AlertKind.MISSING_EVIDENCE.value] == 2
    overdue = {b.row.id: b.next_review for b in every if "review_overdue" in
               {a.kind.value for a in b.alerts}}  # fmt: skip
    assert {o.budget_id: o.review for o in report.reviews_overdue} == overdue
    assert len(overdue) == 1 and report.reviews_overdue[0].person == "NGUYỄN, Zoë"
    assert report.budgets == sum(1 for b in every if b.live) == 4


def test_team_report_of_one_team_leaves_the_others_out(store: Store) -> None:
    _varied(store)
    with store.session() as s:
        (team_id,) = s.scalars(select(Team.id)).all()
    assert budgets.team_report(store, TODAY, team_id).by_kind == (
        budgets.team_report(store, TODAY).by_kind
    )
    empty = budgets.team_report(store, TODAY, uuid.uuid4())
    assert (empty.by_kind, empty.reviews_overdue, empty.alert_counts, empty.budgets) == (
        [],
        [],
        {},
        0,
    )
