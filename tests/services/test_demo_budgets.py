"""The demo's budgets: a few per cent of active cases, all four kinds, months of ledger, some
overdue reviews, one projected overspend and one unmatched statement line."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain.budgets import AlertKind
from mdt_desktop.services import budgets
from mdt_desktop.services.demo.budgets import add_demo_budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import LedgerEntry

TODAY = date(2026, 11, 20)


def test_demo_budgets(store: Store) -> None:
    assert add_demo_budgets(store, 3, TODAY) is None  # no caseload yet: nothing to do
    clinician(store)
    for n in range(1, 40):
        person_on_caseload(store, n)
    made = add_demo_budgets(store, 3, TODAY)
    assert made is not None and made.budgets == 4  # 4 % of 39, and at least four
    rows = budgets.summaries(store, TODAY)
    assert {r.row.funding_source for r in rows} == {
        "nhs_chc", "s117_aftercare", "personal_wheelchair", "other_nhs",
    }  # fmt: skip
    with store.session() as s:
        spans = s.execute(
            select(LedgerEntry.budget_id, func.min(LedgerEntry.entry_on),
                   func.max(LedgerEntry.entry_on)).group_by(LedgerEntry.budget_id)
        ).all()  # fmt: skip
        unmatched = reads.unmatched_transactions(s)
    assert all((last - first).days >= 150 for _, first, last in spans if first != last)
    kinds = [a.kind for r in rows for a in r.alerts]
    assert kinds.count(AlertKind.PROJECTED_OVERSPEND) >= 1
    assert kinds.count(AlertKind.REVIEW_OVERDUE) == made.overdue_reviews >= 1
    assert [u.payee for u in unmatched] == ["Corner Shop"]
    over = next(r for r in rows if r.row.id == made.overspend_budget)
    assert AlertKind.PROJECTED_OVERSPEND in {a.kind for a in over.alerts}
