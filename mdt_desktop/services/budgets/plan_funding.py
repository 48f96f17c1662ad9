"""What a person's budgets fund in their care plan: the lines per goal, with their spend.

The care-plan editor shows this beside the goals and in the budget section; lines name goals
by their stable ids, so a line follows its goal across the plan's versions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import BudgetStatus, format_pence
from mdt_desktop.domain.budgets import vocab as words
from mdt_desktop.domain.people import format_patient_date as fmt
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store

# An indicative budget is already what the plan is written around; a closed one is history.
SHOWN = tuple(st.value for st in (*rules.LIVE_STATUSES, BudgetStatus.INDICATIVE))


@dataclass(frozen=True)
class FundedLine:
    line_id: uuid.UUID
    budget_id: uuid.UUID
    description: str
    category: str  # its label: "Personal assistants"
    provider: str  # "Not named" when none is recorded
    planned: str  # "£450.00 weekly"
    planned_to_date_pence: int  # what the plan says should have been spent by now
    spent_pence: int
    goal_ids: tuple[str, ...]
    paused: bool

    @property
    def spent(self) -> str:
        return format_pence(self.spent_pence)


@dataclass(frozen=True)
class FundingBudget:
    budget_id: uuid.UUID
    heading: str  # "Personal health budget (NHS Continuing Healthcare), direct payment, …"
    allocation_pence: int
    spent_pence: int
    balance_pence: int
    lines: tuple[FundedLine, ...]

    @property
    def totals(self) -> str:
        return (
            f"{format_pence(self.allocation_pence)} allocated, {format_pence(self.spent_pence)} "
            f"spent, {format_pence(self.balance_pence)} left"
        )


@dataclass(frozen=True)
class PlanFunding:
    budgets: tuple[FundingBudget, ...]

    def for_goal(self, goal_id: str) -> list[FundedLine]:
        return [ln for b in self.budgets for ln in b.lines if goal_id in ln.goal_ids]

    def unlinked(self) -> list[FundedLine]:
        """Lines that serve no goal of the plan (worth a look at the next review)."""
        return [ln for b in self.budgets for ln in b.lines if not ln.goal_ids]


def plan_funding(store: Store, patient_id: uuid.UUID, today: date | None = None) -> PlanFunding:
    """The person's budgets (live or indicative), each line with its planned and actual spend."""
    today = today or date.today()
    out = []
    with store.session() as s:
        for b in reads.budget_rows(s, patient_id=patient_id, statuses=list(SHOWN)):
            lines = []
            for ln in reads.line_rows(s, b.id):
                end = min(today, ln.ends_on or b.period_end, b.period_end)
                start = max(b.period_start, ln.starts_on)
                lines.append(
                    FundedLine(
                        ln.id,
                        b.id,
                        ln.description,
                        words.LineCategory(ln.category).label,
                        ln.provider or "Not named",
                        f"{format_pence(ln.amount_pence)} "
                        f"{words.Frequency(ln.frequency).label.lower()}",
                        rules.planned_spend(
                            ln.amount_pence, ln.frequency, ln.starts_on, start, end
                        ),
                        ln.figures.spent,
                        ln.goal_ids,
                        ln.paused_at is not None,
                    )
                )
            amount = b.figures.allocated or b.allocation_pence or b.indicative_pence or 0
            heading = (
                f"{words.BudgetKind(b.kind).label} ({words.FundingSource(b.funding_source).label}"
                f"), {words.HeldAs(b.held_as).label.lower()}, {fmt(b.period_start)} to "
                f"{fmt(b.period_end)} ({words.BudgetStatus(b.status).label.lower()})"
            )
            out.append(
                FundingBudget(
                    b.id, heading, amount, b.figures.spent, b.figures.balance, tuple(lines)
                )
            )
    return PlanFunding(tuple(out))
