"""What the budget screens read: the Budgets page's rows and totals, one budget's whole page
(lines, ledger, history, reviews on each clock, decisions, the planned-against-actual
series), the person's care-plan goals, and the dashboard's figure.

Reads only; every write goes through the other modules of this package.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import (
    BudgetStatus,
    NextReview,
    ReviewClock,
    ReviewKind,
    ReviewReason,
)
from mdt_desktop.domain.care_plan import goal_label
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import BudgetReview, CarePlan, CarePlanVersion

from .overview import BudgetSummary, summaries, summary
from .reviews import hospital_surplus

# --- the Budgets page ---------------------------------------------------------------------

#: The status filter's "everything still in play" choice: all but closed budgets.
NOT_CLOSED = "not_closed"


@dataclass(frozen=True)
class BudgetFilter:
    status: str | None = NOT_CLOSED  # a BudgetStatus value, NOT_CLOSED, or None for all
    kind: str | None = None
    funding_source: str | None = None
    alert: str | None = None  # an AlertKind value, "any", or None

    def keeps(self, b: BudgetSummary) -> bool:
        r = b.row
        if self.status == NOT_CLOSED:
            if r.status == BudgetStatus.CLOSED.value:
                return False
        elif self.status is not None and r.status != self.status:
            return False
        if self.kind is not None and r.kind != self.kind:
            return False
        if self.funding_source is not None and r.funding_source != self.funding_source:
            return False
        if self.alert == "any":
            return bool(b.alerts)
        if self.alert is not None:
            return any(a.kind.value == self.alert for a in b.alerts)
        return True


@dataclass(frozen=True)
class Totals:
    budgets: int
    allocated: int
    spent: int
    available: int
    projected_end_balance: int


def filtered(rows: Iterable[BudgetSummary], where: BudgetFilter) -> list[BudgetSummary]:
    """The budgets a filter keeps. Alerts and projections are the domain's rules, worked
    out per budget in Python, so the page filters the team's summaries it already holds
    rather than asking SQL again (a filter change costs no read)."""
    return [b for b in rows if where.keeps(b)]


def totals(rows: Iterable[BudgetSummary]) -> Totals:
    n = allocated = spent = available = projected = 0
    for b in rows:
        f = b.row.figures
        n += 1
        allocated += f.allocated
        spent += f.spent
        available += f.available
        projected += b.projection.projected_balance
    return Totals(n, allocated, spent, available, projected)


def team_budgets(store: Store, team_id: uuid.UUID | None, today: date) -> list[BudgetSummary]:
    """Every budget of the team (all teams when None), with figures, projection and alerts."""
    return summaries(store, today, team_id=team_id)


def budgets_with_alerts(store: Store, today: date | None = None) -> int:
    """The dashboard's figure: budgets still running that have at least one alert."""
    return sum(1 for b in summaries(store, today or date.today()) if b.alerts and b.live)


# --- the care plan's goals ----------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    id: str  # the goal's stable id: a line follows it across versions of the plan
    label: str  # "Goal 2: Get out to the shops"


def plan_goals(store: Store, patient_id: uuid.UUID) -> list[Goal]:
    """The goals of the person's current care plan, in the plan's order."""
    with store.session() as s:
        content = _plan_content(s, patient_id)
    return [Goal(str(g["id"]), goal_label(content, g["id"])) for g in content.get("goals") or []]


def _plan_content(s: Session, patient_id: uuid.UUID) -> dict[str, Any]:
    plan = s.scalars(
        select(CarePlan).where(CarePlan.patient_id == patient_id, CarePlan.deleted_at.is_(None))
    ).first()
    if plan is None or plan.current_version_id is None:
        return {}
    version = s.get(CarePlanVersion, plan.current_version_id)
    return dict(version.content or {}) if version is not None else {}


# --- one budget's page --------------------------------------------------------------------


@dataclass(frozen=True)
class StatusStep:
    from_status: str | None
    to_status: str
    changed_at: datetime
    changed_by: str
    reason: str | None


@dataclass(frozen=True)
class ReviewRow:
    id: uuid.UUID
    kind: str
    reason: str
    requested_on: date
    held_on: date | None
    outcome: str | None
    recorded_by: str | None

    @property
    def waiting(self) -> bool:
        return self.held_on is None


@dataclass(frozen=True)
class ReconsiderationRow:
    id: uuid.UUID
    requested_on: date
    requested_by: str
    grounds: str
    outcome: str | None
    outcome_on: date | None
    outcome_reasons: str | None


@dataclass(frozen=True)
class DecisionRow:
    id: uuid.UUID
    kind: str
    grounds: tuple[str, ...]
    reasons: str
    decided_on: date
    amount_pence: int | None
    repay_by: date | None
    repayer: str | None
    decided_by: str
    notice_sent_on: date | None
    reconsiderations: tuple[ReconsiderationRow, ...]


@dataclass(frozen=True)
class ClockDue:
    """When the next review is due on one clock (or an event review, clock None)."""

    clock: ReviewClock | None
    due_on: date | None  # None: the clock has not started (no direct payment made yet)
    reason: ReviewReason

    @property
    def label(self) -> str:
        return self.clock.label if self.clock is not None else self.reason.label


@dataclass(frozen=True)
class SpendPoint:
    on: date
    planned: int  # pence planned to have been spent by this day, from the lines
    actual: int | None  # pence spent by this day (None: a day still to come)


@dataclass(frozen=True)
class BudgetPage:
    summary: BudgetSummary
    lines: list[reads.LineRow]
    ledger: list[reads.EntryRow]
    history: list[StatusStep]
    reviews: list[ReviewRow]
    decisions: list[DecisionRow]
    clocks: list[ClockDue]
    goals: dict[str, str]  # goal id -> its label in the current plan
    surplus: dict[uuid.UUID, int]  # paused line -> planned money unused since it paused
    spend: list[SpendPoint]
    today: date

    @property
    def row(self) -> reads.BudgetRow:
        return self.summary.row

    @property
    def entries_without_evidence(self) -> set[uuid.UUID]:
        """Direct payments still standing that have no receipt or invoice reference."""
        held = {ln.id: ln.held_as for ln in self.lines}
        return {
            e.id
            for e in self.ledger
            if e.kind == rules.EntryKind.PAYMENT.value
            and e.reversed_by is None
            and not (e.evidence or "").strip()
            and (held.get(e.line_id) if e.line_id else self.row.held_as)
            == rules.HeldAs.DIRECT_PAYMENT.value
        }


def budget_page(store: Store, budget_id: uuid.UUID, today: date | None = None) -> BudgetPage:
    """Everything a budget's page shows, read in one session after its summary."""
    today = today or date.today()
    head = summary(store, budget_id, today)
    with store.session() as s:
        lines = reads.line_rows(s, budget_id)
        ledger = reads.ledger_rows(s, budget_id)
        history = [
            StatusStep(h.from_status, h.to_status, h.changed_at, h.changed_by, h.reason)
            for h in reads.status_history(s, budget_id)
        ]
        reviews = [
            ReviewRow(r.id, r.kind, r.reason, r.requested_on, r.held_on, r.outcome, r.recorded_by)
            for r in s.scalars(
                select(BudgetReview)
                .where(BudgetReview.budget_id == budget_id, BudgetReview.deleted_at.is_(None))
                .order_by(BudgetReview.requested_on)
            )
        ]
        decisions = [
            DecisionRow(
                d.id,
                d.kind,
                tuple(d.grounds or ()),
                d.reasons,
                d.decided_on,
                d.amount_pence,
                d.repay_by,
                d.repayer,
                d.decided_by,
                d.notice_sent_on,
                tuple(
                    ReconsiderationRow(
                        r.id,
                        r.requested_on,
                        r.requested_by,
                        r.grounds,
                        r.outcome,
                        r.outcome_on,
                        r.outcome_reasons,
                    )
                    for r in reads.reconsiderations(s, d.id)
                ),
            )
            for d in reads.decisions(s, budget_id)
        ]
        firsts = reads.first_payments(s, [budget_id]).get(budget_id, {})
        facts = reads.review_facts(s, [budget_id]).get(budget_id, [])
        content = _plan_content(s, head.row.patient_id)
    parts = [(head.row.funding_source, head.row.held_as)]
    parts += [(ln.funding_source, ln.held_as) for ln in lines]
    goals = {str(g["id"]): goal_label(content, g["id"]) for g in content.get("goals") or []}
    surplus = {
        p.line_id: p.surplus_pence
        for p in hospital_surplus(store, head.row.patient_id, today)
        if p.budget_id == budget_id
    }
    return BudgetPage(
        summary=head,
        lines=lines,
        ledger=ledger,
        history=history,
        reviews=reviews,
        decisions=decisions,
        clocks=clocks_due(rules.clocks_for(parts), firsts, facts, head),
        goals=goals,
        surplus=surplus,
        spend=spend_series(head.row, lines, ledger, today),
        today=today,
    )


def clocks_due(
    clocks: Iterable[ReviewClock],
    firsts: dict[ReviewClock, date],
    facts: list[rules.ReviewFact],
    head: BudgetSummary,
) -> list[ClockDue]:
    """The next review on each clock the budget runs (a budget with NHS and social-care
    direct payments keeps both), then any review asked for after an event."""
    out = [
        ClockDue(
            c,
            rules.scheduled_due(c, firsts[c], facts) if c in firsts else None,
            ReviewReason.STATUTORY,
        )
        for c in sorted(set(clocks) | set(firsts), key=lambda c: c.value)
    ]
    waiting = [f for f in facts if f.kind is ReviewKind.EVENT and f.held_on is None]
    for f in sorted(waiting, key=lambda f: f.requested_on):
        out.append(ClockDue(None, f.requested_on + timedelta(days=rules.EVENT_REVIEW_DAYS),
                            f.reason))  # fmt: skip
    if not out and head.next_review is not None:
        # No direct payment: the team's yearly review with the care plan.
        nr: NextReview = head.next_review
        out.append(ClockDue(None, nr.due_on, nr.reason))
    return out


def _month_ends(start: date, end: date) -> list[date]:
    days, d = [start], start
    while True:
        nxt = rules.add_months(date(d.year, d.month, 1), 1) - timedelta(days=1)
        if nxt >= end:
            break
        days.append(nxt)
        d = nxt + timedelta(days=1)
    days.append(end)
    return days


def spend_series(
    row: reads.BudgetRow, lines: list[reads.LineRow], ledger: list[reads.EntryRow], today: date
) -> list[SpendPoint]:
    """Planned against actual cumulative spend at the start, each month's end and the end.

    Planned is each line's amount × its occurrences since the period began (to the line's
    end); actual is the ledger's spend to that day (reversals net off), shown up to today.
    """
    marks = set(_month_ends(row.period_start, row.period_end))
    if row.period_start <= today <= row.period_end:
        marks.add(today)  # the actual line ends where today is
    days = sorted(marks)
    spent = sorted((e.entry_on, e.spent_effect) for e in ledger if e.spent_effect)
    out, i, running = [], 0, 0
    for d in days:
        planned = sum(
            rules.planned_spend(
                ln.amount_pence,
                ln.frequency,
                ln.starts_on,
                row.period_start,
                min(d, ln.ends_on) if ln.ends_on else d,
            )
            for ln in lines
        )
        while i < len(spent) and spent[i][0] <= d:
            running += spent[i][1]
            i += 1
        out.append(SpendPoint(d, planned, running if d <= today else None))
    return out


__all__ = [
    "NOT_CLOSED",
    "BudgetFilter",
    "BudgetPage",
    "ClockDue",
    "DecisionRow",
    "Goal",
    "ReconsiderationRow",
    "ReviewRow",
    "SpendPoint",
    "StatusStep",
    "Totals",
    "budget_page",
    "budgets_with_alerts",
    "clocks_due",
    "filtered",
    "plan_goals",
    "spend_series",
    "team_budgets",
    "totals",
]
