"""Demo personal budgets: a few per cent of the active caseload, each with its months of ledger.

Four kinds of budget a neighbourhood team holds: NHS Continuing Healthcare (a direct payment
for personal assistants and home care), section 117 aftercare (a third-party budget for
therapies and activities), a personal wheelchair budget (notional, one-off equipment) and a
learning-disability integrated budget (NHS and social-care money, a direct payment). Six to
twelve months into the period; most direct payments reviewed on time, some overdue; one budget
spending fast enough to be projected over; one card statement with a line that matches nothing.
Rows go in through Core in one transaction, as the rest of the demo does; the next sync's sweep
queues them.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, text

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import add_months
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Budget,
    BudgetLine,
    BudgetReview,
    BudgetStatementImport,
    BudgetStatementTransaction,
    BudgetStatusChange,
    LedgerEntry,
    table_of,
)

SHARE_OF_ACTIVE = 0.04
# (kind, source, held_as, allocation, lines: (description, category, amount, frequency,
# provider, source or None))
LineSpec = tuple[str, str, int, str, str, str | None]
PROFILES: tuple[tuple[str, str, str, int, tuple[LineSpec, ...]], ...] = (
    ("health", "nhs_chc", "direct_payment", 3_900_000, (
        ("Personal assistants, 14 hours a week", "personal_assistants", 42_000, "weekly",
         "Own PAs", None),
        ("Home care, morning calls", "home_care", 28_000, "weekly", "Brightside Home Care", None),
        ("Profiling bed and mattress", "equipment", 140_000, "one_off", "Mobility Direct", None),
    )),
    ("health", "s117_aftercare", "third_party", 1_800_000, (
        ("Psychology sessions", "therapies", 60_000, "four_weekly", "Calder Talking Therapies",
         None),
        ("Allotment and gardening group", "activities", 9_000, "weekly", "Green Shoots CIC",
         None),
        ("Travel to sessions", "transport", 4_000, "weekly", "Town Taxis", None),
    )),
    ("health", "personal_wheelchair", "notional", 320_000, (
        ("Lightweight active wheelchair", "equipment", 290_000, "one_off", "Wheel Freedom", None),
        ("Cushion and servicing", "equipment", 30_000, "one_off", "Wheel Freedom", None),
    )),
    ("integrated", "other_nhs", "direct_payment", 2_600_000, (
        ("Personal assistant support", "personal_assistants", 36_000, "weekly", "Own PAs", None),
        ("Short breaks", "respite", 45_000, "monthly", "Meadow View Respite", None),
        ("Day opportunities", "activities", 12_000, "weekly", "Riverside Day Service",
         "social_care"),
    )),
)  # fmt: skip
REVIEW_OUTCOMES = (
    "Plan still meets needs; money used as agreed.",
    "Working well; PA hours to stay the same.",
    "Goals progressing; keep the budget as it is.",
)


@dataclass(frozen=True)
class DemoBudgets:
    budgets: int
    entries: int
    overdue_reviews: int
    overspend_budget: uuid.UUID | None
    unmatched_transactions: int


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def add_demo_budgets(store: Store, seed: int, today: date) -> DemoBudgets | None:
    """Budgets for a few per cent of active cases; None when there is no active caseload."""
    rng = random.Random(seed * 104729 + 17)
    with store.engine.connect() as conn:
        cases = conn.execute(
            text(
                "SELECT c.patient_id, c.team_id, v.content FROM caseload_entries c "
                "LEFT JOIN care_plans cp ON cp.patient_id = c.patient_id AND cp.deleted_at IS NULL "
                "LEFT JOIN care_plan_versions v ON v.id = cp.current_version_id "
                "WHERE c.status = 'active' AND c.deleted_at IS NULL ORDER BY c.started_on, c.id"
            )
        ).all()
    if not cases:
        return None
    count = max(min(4, len(cases)), round(len(cases) * SHARE_OF_ACTIVE))
    chosen = rng.sample(list(cases), count)
    clock = store.context.clock.now()
    by = store.actor.user_id
    stamp = {"updated_at": clock, "updated_by": by}
    rows: dict[str, list[dict[str, Any]]] = {
        "budgets": [], "status": [], "lines": [], "entries": [], "reviews": [], "tx": [],
    }  # fmt: skip
    overdue = 0
    overspend: uuid.UUID | None = None
    card_budget: tuple[uuid.UUID, uuid.UUID, dict[str, Any]] | None = None
    for n, (patient_hex, team_hex, content) in enumerate(chosen):
        patient_id, team_id = uuid.UUID(str(patient_hex)), uuid.UUID(str(team_hex))
        kind, source, held_as, allocation, line_specs = PROFILES[n % len(PROFILES)]
        months_in = rng.randint(6, 12) if n % 7 else 11
        start = add_months(date(today.year, today.month, 1), -months_in)
        end = add_months(start, 12) - timedelta(days=1)
        bid = _uid(rng)
        goals = [g["id"] for g in ((content or {}) if isinstance(content, dict) else {}).get(
            "goals", []
        )] if content else []  # fmt: skip
        account = f"PHB-{seed:02d}{n:04d}" if held_as == "direct_payment" else None
        rows["budgets"].append({
            "id": bid, "team_id": team_id, "patient_id": patient_id, "kind": kind,
            "funding_source": source, "held_as": held_as, "status": "active",
            "period_start": start, "period_end": end, "indicative_pence": allocation,
            "allocation_pence": allocation, "holder": "The person" if held_as == "direct_payment"
            else "Team budget holder", "managed_account": n % 3 == 0,
            "risk_arrangements": "Back-up care agency named in the plan; monthly call from the "
            "care coordinator; PA cover from the agency's bank.", "account_reference": account,
            "created_at": _at(start - timedelta(days=21)), **stamp,
        })  # fmt: skip
        for at, old, new, why in (
            (start - timedelta(days=21), None, "indicative", "Indicative budget set."),
            (start - timedelta(days=7), "indicative", "agreed", "Agreed at the MDT."),
            (start, "agreed", "active", "Money available from the period's start."),
        ):
            rows["status"].append({
                "id": _uid(rng), "team_id": team_id, "budget_id": bid, "from_status": old,
                "to_status": new, "changed_at": _at(at), "changed_by": "Demo budget holder",
                "reason": why, **stamp,
            })  # fmt: skip
        rows["entries"].append(_entry(rng, bid, team_id, None, "allocation", allocation, start,
                                      held_as, source, "Agreed at the MDT.", stamp))  # fmt: skip
        fast = overspend is None and held_as == "direct_payment" and n >= 3
        first_payment: date | None = None
        for k, (desc, category, amount, freq, provider, line_source) in enumerate(line_specs):
            lid = _uid(rng)
            rows["lines"].append({
                "id": lid, "team_id": team_id, "budget_id": bid, "description": desc,
                "category": category, "provider": provider,
                "funding_source": line_source or source, "held_as": held_as,
                "goal_ids": goals[k % len(goals): k % len(goals) + 1] if goals else [],
                "amount_pence": amount, "frequency": freq, "starts_on": start, **stamp,
            })  # fmt: skip
            due = start
            step = 0
            while due <= today and due <= end:
                paid = amount * (13 if fast else rng.randint(9, 10)) // 10
                evidence = None if rng.random() < 0.05 else f"INV-{rng.randint(10000, 99999)}"
                rows["entries"].append(
                    _entry(
                        rng,
                        bid,
                        team_id,
                        lid,
                        "payment",
                        paid,
                        due,
                        held_as,
                        line_source or source,
                        None,
                        stamp,
                        evidence,
                        provider,
                    )
                )
                first_payment = min(first_payment or due, due)
                step += 1
                if freq == "one_off":
                    break
                days = 7 if freq == "weekly" else 28
                due = (
                    add_months(start, step)
                    if freq == "monthly"
                    else start + timedelta(days=step * days)
                )
        if fast:
            overspend = bid
        # Direct payments on the statutory clock; other budgets reviewed with the plan.
        if held_as == "direct_payment" and n % 4 == 3:
            overdue += 1  # the first review was never held: it shows as overdue
        else:
            held = (first_payment or start) + timedelta(days=rng.randint(60, 85))
            while held <= today:
                rows["reviews"].append({
                    "id": _uid(rng), "team_id": team_id, "budget_id": bid,
                    "kind": "scheduled", "reason": "statutory", "requested_on": held,
                    "held_on": held, "plan_meets_needs": True, "used_effectively": True,
                    "amount_sufficient": True, "obligations_met": True,
                    "outcome": rng.choice(REVIEW_OUTCOMES), "recorded_by": "Demo reviewer",
                    "recorded_at": _at(held), **stamp,
                })  # fmt: skip
                held = add_months(held, rng.randint(10, 12))
        if card_budget is None and account:
            card_budget = (bid, team_id, {"account": account})
    unmatched = 0
    imports: list[dict[str, Any]] = []
    if card_budget is not None:
        bid, team_id, info = card_budget
        import_id = _uid(rng)
        shop_on = today - timedelta(days=5)
        imports.append({
            "id": import_id, "team_id": team_id, "file_sha256": _uid(rng).hex * 2,
            "file_name": "prepaid-card-demo.csv", "imported_at": _at(today),
            "imported_by": "Demo budget holder", "rows_read": 1, "matched": 0, "unmatched": 1,
            "duplicates": 0, "rejections": [], "statement_balance_pence": None, **stamp,
        })  # fmt: skip
        rows["tx"].append({
            "id": _uid(rng), "team_id": team_id, "import_id": import_id, "row_number": 2,
            "fingerprint": _uid(rng).hex * 2, "transaction_on": shop_on,
            "amount_pence": -2_340, "payee": "Corner Shop", "reference": "CARD 4471",
            "account_reference": info["account"], "match_status": "unmatched",
            "budget_id": bid, "unmatched_reason": "No line of the budget has Corner Shop as its "
            "provider: it is not linked to a service in the care plan.", **stamp,
        })  # fmt: skip
        unmatched = 1
    with bulk.bulk_transaction(store) as conn:
        for model, data in (
            (Budget, rows["budgets"]), (BudgetStatusChange, rows["status"]),
            (BudgetLine, rows["lines"]), (LedgerEntry, rows["entries"]),
            (BudgetReview, rows["reviews"]), (BudgetStatementImport, imports),
            (BudgetStatementTransaction, rows["tx"]),
        ):  # fmt: skip
            if data:
                conn.execute(insert(table_of(model)), data)
    return DemoBudgets(len(rows["budgets"]), len(rows["entries"]), overdue, overspend, unmatched)


def _uid(rng: random.Random) -> uuid.UUID:
    """Ids from the seed: the same seed gives the same demo, row for row."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _entry(
    rng: random.Random,
    bid: uuid.UUID, team_id: uuid.UUID, lid: uuid.UUID | None, kind: str, amount: int, on: date,
    held_as: str, source: str, note: str | None, stamp: dict[str, Any],
    evidence: str | None = None, payee: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    eff = rules.effects_of(kind, amount)
    return {
        "id": _uid(rng), "team_id": team_id, "budget_id": bid, "line_id": lid, "kind": kind,
        "counts_as": kind, "held_as": held_as, "funding_source": source, "entry_on": on,
        "amount_pence": amount, "allocated_effect": eff.allocated, "balance_effect": eff.balance,
        "spent_effect": eff.spent, "committed_effect": eff.committed, "evidence": evidence,
        "payee": payee, "note": note, "posted_at": _at(on), "posted_by": "Demo budget holder",
        **stamp,
    }  # fmt: skip
