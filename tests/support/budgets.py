"""Helpers for budget tests: a person with a care plan of two goals and an agreed budget."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets, care_plans
from mdt_desktop.store.database import Store

START, END = date(2026, 4, 1), date(2027, 3, 31)


@dataclass(frozen=True)
class Setup:
    patient_id: uuid.UUID
    budget_id: uuid.UUID
    goal_ids: tuple[str, str]
    pa_line: uuid.UUID
    equipment_line: uuid.UUID


def plan_with_goals(store: Store, patient_id: uuid.UUID) -> tuple[str, str]:
    content = cp.empty_content()
    content["goals"] = [{"outcome": "Stay living at home"}, {"outcome": "Get out to the shops"}]
    saved = care_plans.save_version(store, patient_id, content, None)
    assert saved.version is not None
    goals = saved.version.content["goals"]
    return goals[0]["id"], goals[1]["id"]


def agreed_budget(
    store: Store,
    serial: int = 1,
    *,
    held_as: str = "direct_payment",
    allocation: int = 2_600_000,
    active: bool = True,
) -> Setup:
    clinician(store, Role.COMMUNITY_MATRON, "Pat Holder")
    pid = person_on_caseload(store, serial)
    goals = plan_with_goals(store, pid)
    bid = budgets.create_budget(
        store, pid, kind="health", funding_source="nhs_chc", held_as=held_as,
        period_start=START, period_end=END, indicative_pence=allocation, holder="Zoë Nguyễn",
        risk_arrangements="Back-up agency if the PA is ill; monthly check-in call.",
        account_reference=f"CARD-{serial:04d}",
    )  # fmt: skip
    pa = budgets.add_line(
        store, bid, description="Personal assistant, 10 hours", category="personal_assistants",
        amount_pence=45_000, frequency="weekly", starts_on=START, goal_ids=[goals[0]],
        provider="Own PA",
    )  # fmt: skip
    kit = budgets.add_line(
        store, bid, description="Riser recliner chair", category="equipment",
        amount_pence=80_000, frequency="one_off", starts_on=date(2026, 5, 1),
        goal_ids=[goals[1]],
    )  # fmt: skip
    budgets.agree_budget(store, bid, allocation, "Agreed at the MDT of 25-Mar-2026.",
                         agreed_on=START)  # fmt: skip
    if active:
        budgets.change_status(store, bid, "active", "First month's payment made to the account.")
    return Setup(pid, bid, goals, pa, kit)
