"""What the budget screens read (services/budgets/screens.py): the planned-against-actual
series and the next review on each clock, against a real store."""

from __future__ import annotations

from datetime import date

from support.budgets import END, START, agreed_budget, plan_with_goals
from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain.budgets import ReviewClock, add_months, planned_spend
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets
from mdt_desktop.services.budgets import screens
from mdt_desktop.store.database import Store

TODAY = date(2026, 9, 15)


def test_the_series_plans_from_the_lines_and_spends_from_the_ledger(store: Store) -> None:
    setup = agreed_budget(store, 1)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 4, 7),
                       line_id=setup.pa_line, evidence="T1")  # fmt: skip
    wrong = budgets.post_entry(store, setup.budget_id, "payment", 9_999, date(2026, 5, 2),
                               line_id=setup.pa_line, evidence="T2")  # fmt: skip
    budgets.reverse_entry(store, wrong, "Not ours.", on=date(2026, 5, 3))
    page = screens.budget_page(store, setup.budget_id, TODAY)
    days = [p.on for p in page.spend]
    assert days[0] == START and days[-1] == END and TODAY in days and days == sorted(days)
    by_day = {p.on: p for p in page.spend}
    may_end = date(2026, 5, 31)
    # Planned: £450 a week from the start, and the £800 chair once from 1 May.
    expected = planned_spend(45_000, "weekly", START, START, may_end) + 80_000
    assert by_day[may_end].planned == expected
    assert by_day[may_end].actual == 45_000  # the reversed payment nets off
    assert by_day[TODAY].actual == 45_000 and by_day[END].actual is None  # not yet
    assert all(a.planned <= b.planned for a, b in zip(page.spend, page.spend[1:], strict=False))


def test_a_budget_with_both_kinds_of_direct_payment_keeps_both_clocks(store: Store) -> None:
    clinician(store, Role.COMMUNITY_MATRON, "Pat Holder")
    pid = person_on_caseload(store, 2)
    plan_with_goals(store, pid)
    bid = budgets.create_budget(
        store, pid, kind="integrated", funding_source="nhs_chc", held_as="direct_payment",
        period_start=START, period_end=END, indicative_pence=100_000,
        risk_arrangements="Agreed with the family.",
    )  # fmt: skip
    social = budgets.add_line(
        store, bid, description="Day centre", category="activities", amount_pence=5_000,
        frequency="weekly", starts_on=START, funding_source="social_care",
    )  # fmt: skip
    budgets.agree_budget(store, bid, 100_000, "Agreed.", agreed_on=START)
    budgets.change_status(store, bid, "active", "Started.")
    before = screens.budget_page(store, bid, TODAY).clocks
    assert [(c.clock, c.due_on) for c in before] == [
        (ReviewClock.NHS_DIRECT_PAYMENT, None), (ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT, None),
    ]  # fmt: skip
    budgets.post_entry(store, bid, "payment", 1_000, date(2026, 4, 10), evidence="R1")
    budgets.post_entry(store, bid, "payment", 5_000, date(2026, 5, 4), line_id=social,
                       evidence="R2")  # fmt: skip
    budgets.request_review(store, bid, "health_change", date(2026, 9, 1))
    clocks = screens.budget_page(store, bid, TODAY).clocks
    assert [(c.clock, c.due_on) for c in clocks[:2]] == [
        (ReviewClock.NHS_DIRECT_PAYMENT, add_months(date(2026, 4, 10), 3)),
        (ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT, add_months(date(2026, 5, 4), 6)),
    ]  # fmt: skip
    assert clocks[2].clock is None and clocks[2].label == "Significant change in health"
