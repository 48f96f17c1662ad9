"""The caseload's budget flag, worked out in SQL, agrees with the budget alert rules."""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

from support.budgets import plan_with_goals
from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain.caseload import CaseFacts, Flag, flags_for
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets
from mdt_desktop.store import caseload as q
from mdt_desktop.store.budgets import budget_alert_sql
from mdt_desktop.store.database import Store

DAYS = [date(2026, 6, 30), date(2026, 9, 1), date(2026, 11, 30), date(2027, 2, 10)]


def _random_budget(store: Store, rng: random.Random, serial: int):
    pid = person_on_caseload(store, serial, family=f"Person{serial:03d}")
    goals = plan_with_goals(store, pid)
    kind, source = rng.choice([
        ("health", "nhs_chc"), ("health", "s117_aftercare"), ("social_care", "social_care"),
        ("health", "personal_wheelchair"),
    ])  # fmt: skip
    held_as = rng.choice(["direct_payment", "direct_payment", "notional", "third_party"])
    start = rng.choice([date(2026, 4, 1), date(2026, 1, 31), date(2025, 12, 15)])
    end = rng.choice([date(2027, 3, 31), date(2026, 12, 31), date(2027, 1, 20)])
    allocation = rng.randint(5, 40) * 100_000
    bid = budgets.create_budget(
        store, pid, kind=kind, funding_source=source, held_as=held_as, period_start=start,
        period_end=end, indicative_pence=allocation, risk_arrangements="Back-up agency.",
    )  # fmt: skip
    line = budgets.add_line(
        store, bid, description="Support", category="personal_assistants",
        amount_pence=rng.randint(100, 900) * 100, frequency="weekly", starts_on=start,
        goal_ids=[goals[0]],
    )  # fmt: skip
    status = rng.choice(["indicative", "active", "active", "active", "suspended", "closed"])
    if status == "indicative":
        return pid
    budgets.agree_budget(store, bid, allocation, "Agreed.", agreed_on=start)
    budgets.change_status(store, bid, "active", "Started.")
    # Month ends on purpose: the review clocks clamp 31-Aug + 3 months to 30-Nov.
    paid = sorted(rng.sample([date(2026, 5, 31), date(2026, 8, 31), date(2026, 3, 1),
                              date(2026, 7, 15), date(2026, 10, 31), date(2026, 11, 20)],
                             rng.randint(0, 4)))  # fmt: skip
    for on in paid:
        on = max(on, start)
        budgets.post_entry(
            store, bid, "payment", rng.randint(1, 12) * 50_000, on,
            line_id=None if rng.random() < 0.1 else line,
            evidence=None if rng.random() < 0.15 else "Receipt",
        )  # fmt: skip
    if rng.random() < 0.3:
        budgets.post_entry(store, bid, "commitment", rng.randint(1, 5) * 100_000, start)
    if paid and rng.random() < 0.5:
        held = min(paid[0] + timedelta(days=rng.randint(20, 120)), date(2026, 11, 30))
        budgets.record_review(
            store, bid, held, outcome="Fine.", plan_meets_needs=True, used_effectively=True,
            amount_sufficient=True, obligations_met=True,
        )  # fmt: skip
    if rng.random() < 0.25:
        budgets.request_review(
            store, bid, "health_change", date(2026, rng.randint(5, 11), rng.randint(1, 28))
        )
    if rng.random() < 0.15:
        budgets.create_budget(
            store, pid, kind=kind, funding_source=source, held_as=held_as,
            period_start=end + timedelta(days=1), period_end=end + timedelta(days=365),
            indicative_pence=allocation, renews_budget_id=bid,
        )  # fmt: skip
    if status != "active":
        budgets.change_status(store, bid, status, "As it happened.")
    return pid


def _flags_by_person(store: Store, today: date) -> dict:
    with store.engine.connect() as conn:
        rows = q.page(conn, q.CaseloadFilter(today=today), limit=1000)
        flagged = q.page(conn, q.CaseloadFilter(today=today, flag="budget_alert"), limit=1000)
    by_person = {r[q.COL["patient_id"]]: bool(r[q.COL["budget_alert"]]) for r in rows}
    assert {r[q.COL["patient_id"]] for r in flagged} == {p for p, f in by_person.items() if f}
    return by_person


def test_the_sql_flag_matches_the_budget_alerts_for_many_budgets(store: Store) -> None:
    clinician(store, Role.COMMUNITY_MATRON, "Pat Holder")
    rng = random.Random(17)
    people = [_random_budget(store, rng, n) for n in range(1, 41)]
    for today in DAYS:
        sql = _flags_by_person(store, today)
        wanted = {pid: False for pid in people}
        for b in budgets.summaries(store, today):
            wanted[b.row.patient_id] = wanted[b.row.patient_id] or bool(b.alerts)
        got = {pid: sql[pid.hex] for pid in people}
        assert got == wanted, today
        assert 0 < sum(got.values()) < len(people)  # the sample holds both answers


def test_with_projections_out_of_the_way_the_clocks_and_counts_still_agree(store: Store) -> None:
    """A share no projection reaches leaves the review clocks, evidence, unlinked payments and
    period endings to decide the flag alone."""
    clinician(store, Role.COMMUNITY_MATRON, "Pat Holder")
    rng = random.Random(23)
    people = [_random_budget(store, rng, n) for n in range(1, 41)]
    wide = Fraction(1000)
    for today in [*DAYS, date(2026, 8, 15), date(2026, 12, 20)]:
        expr = budget_alert_sql("c.patient_id", today, wide)
        with store.engine.connect() as conn:
            found = conn.exec_driver_sql(f"SELECT c.patient_id, {expr} FROM caseload_entries c")
            sql = {pid: flag for pid, flag in found}
        wanted = {pid: False for pid in people}
        for b in budgets.summaries(store, today, variance_share=wide):
            wanted[b.row.patient_id] = wanted[b.row.patient_id] or bool(b.alerts)
        assert {pid: bool(sql[pid.hex]) for pid in people} == wanted, today
        assert 0 < sum(wanted.values()) < len(people)


def test_the_flag_shows_on_the_caseload_row_with_the_others(store: Store) -> None:
    clinician(store, Role.COMMUNITY_MATRON, "Pat Holder")
    pid = person_on_caseload(store, 1)
    quiet = person_on_caseload(store, 2, family="Quiet")
    goals = plan_with_goals(store, pid)
    bid = budgets.create_budget(
        store, pid, kind="health", funding_source="nhs_chc", held_as="direct_payment",
        period_start=date(2026, 4, 1), period_end=date(2027, 3, 31), indicative_pence=1_000_000,
        risk_arrangements="Back-up agency.",
    )  # fmt: skip
    budgets.add_line(
        store, bid, description="PA", category="personal_assistants", amount_pence=20_000,
        frequency="weekly", starts_on=date(2026, 4, 1), goal_ids=[goals[0]],
    )  # fmt: skip
    day = date(2026, 5, 20)
    # Indicative: not live yet, so no alert.
    assert _flags_by_person(store, day) == {pid.hex: False, quiet.hex: False}
    budgets.agree_budget(store, bid, 1_000_000, "Agreed.", agreed_on=date(2026, 4, 1))
    budgets.change_status(store, bid, "active", "Started.")
    # Nothing spent seven weeks in: a projected underspend, as the budget's page says.
    kinds = {a.kind.value for a in budgets.summary(store, bid, day).alerts}
    assert kinds == {"projected_underspend"}
    assert _flags_by_person(store, day) == {pid.hex: True, quiet.hex: False}
    with store.engine.connect() as conn:
        rows = q.page(conn, q.CaseloadFilter(today=day))
    row = next(r for r in rows if r[q.COL["patient_id"]] == pid.hex)
    facts = CaseFacts(
        "active", None, None, False, True, None, budget_alert=bool(row[q.COL["budget_alert"]])
    )
    assert flags_for(facts, day) == [Flag.BUDGET_ALERT]
    assert Flag.BUDGET_ALERT.label == "Budget needs attention"
