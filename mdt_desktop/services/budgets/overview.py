"""What a budget stands at: figures, projection, next review and alerts; the team report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.orm import Session

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import Alert, BudgetStatus, NextReview, Projection
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store


@dataclass(frozen=True)
class BudgetSummary:
    row: reads.BudgetRow
    projection: Projection
    next_review: NextReview | None
    alerts: tuple[Alert, ...]

    @property
    def live(self) -> bool:
        return BudgetStatus(self.row.status) in rules.LIVE_STATUSES

    def as_json(self) -> dict[str, object]:
        r = self.row
        return {
            "id": str(r.id),
            "person": r.person,
            "nhs_number": r.nhs_number,
            "kind": r.kind,
            "funding_source": r.funding_source,
            "held_as": r.held_as,
            "status": r.status,
            "period_start": r.period_start.isoformat(),
            "period_end": r.period_end.isoformat(),
            "allocation_pence": r.figures.allocated,
            "committed_pence": r.figures.committed,
            "spent_pence": r.figures.spent,
            "balance_pence": r.figures.balance,
            "available_pence": r.figures.available,
            "projected_end_balance_pence": self.projection.projected_balance,
            "runs_out_on": (
                self.projection.runs_out_on.isoformat() if self.projection.runs_out_on else None
            ),
            "next_review_on": self.next_review.due_on.isoformat() if self.next_review else None,
            "next_review_reason": self.next_review.reason.value if self.next_review else None,
            "alerts": [{"kind": a.kind.value, "message": a.message} for a in self.alerts],
        }


def summaries(
    store: Store,
    today: date,
    *,
    team_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    budget_ids: list[uuid.UUID] | None = None,
    variance_share: Fraction = rules.DEFAULT_VARIANCE_SHARE,
) -> list[BudgetSummary]:
    """Every budget asked for with its projection, review and alerts: three queries in all."""
    with store.session() as s:
        return summaries_in(
            s, today, team_id=team_id, patient_id=patient_id, budget_ids=budget_ids,
            variance_share=variance_share,
        )  # fmt: skip


def summaries_in(
    s: Session,
    today: date,
    *,
    team_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    budget_ids: list[uuid.UUID] | None = None,
    variance_share: Fraction = rules.DEFAULT_VARIANCE_SHARE,
) -> list[BudgetSummary]:
    """:func:`summaries` inside a session another feature already holds (the agenda's)."""
    firsts: dict[uuid.UUID, dict[rules.ReviewClock, date]] = {}
    rows = reads.budget_rows(
        s, team_id=team_id, patient_id=patient_id, budget_ids=budget_ids,
        first_payments=firsts,
    )  # fmt: skip
    ids = None if budget_ids is None and patient_id is None else [r.id for r in rows]
    reviews = reads.review_facts(s, ids)
    out = []
    for r in rows:
        projection, alerts, nxt = _alerts_of_row(
            r, firsts.get(r.id, {}), reviews.get(r.id, []), today, variance_share
        )
        out.append(BudgetSummary(r, projection, nxt, alerts))
    return out


def _alerts_of_row(
    r: reads.BudgetRow,
    firsts: dict[rules.ReviewClock, date],
    reviews: list[rules.ReviewFact],
    today: date,
    variance_share: Fraction,
) -> tuple[Projection, tuple[Alert, ...], NextReview | None]:
    inputs = reads.AlertInputs(
        r.id, r.family_name, r.given_name, r.nhs_number, r.funding_source, r.period_start,
        r.period_end, r.figures, r.payments_without_evidence, r.unlinked_payments, r.renewed,
        firsts,
    )  # fmt: skip
    live = BudgetStatus(r.status) in rules.LIVE_STATUSES
    if not live:
        projection = _projection(inputs, today)
        return projection, (), None
    projection, alerts, nxt = _alerts(inputs, reviews, today, variance_share)
    return projection, alerts, nxt


def _projection(r: reads.AlertInputs, today: date) -> Projection:
    return rules.project(
        period_start=r.period_start,
        period_end=r.period_end,
        today=today,
        spent=r.figures.spent,
        balance=r.figures.balance,
        committed=r.figures.committed,
    )


def _alerts(
    r: reads.AlertInputs, reviews: list[rules.ReviewFact], today: date, variance_share: Fraction
) -> tuple[Projection, tuple[Alert, ...], NextReview | None]:
    """A live budget's projection, alerts and next review, by the budgets' one set of rules."""
    projection = _projection(r, today)
    nxt = rules.next_review(r.first_payments, reviews, fallback_start=r.period_start)
    facts = rules.AlertFacts(
        allocated=r.figures.allocated,
        period_end=r.period_end,
        projection=projection,
        next_review=nxt,
        payments_without_evidence=r.payments_without_evidence,
        unlinked_payments=r.unlinked_payments,
        renewed=r.renewed,
        live=True,
    )
    return projection, rules.budget_alerts(facts, today, variance_share), nxt


def summary(store: Store, budget_id: uuid.UUID, today: date) -> BudgetSummary:
    found = summaries(store, today, budget_ids=[budget_id])
    if not found:
        raise LookupError("That budget is not in this store.")
    return found[0]


@dataclass(frozen=True)
class OverdueReview:
    """A budget on the team report's list of reviews overdue."""

    budget_id: uuid.UUID
    person: str
    nhs_number: str | None
    funding_source: str
    review: NextReview


@dataclass(frozen=True)
class TeamReport:
    as_of: date
    by_kind: list[reads.ReportGroup]
    by_source: list[reads.ReportGroup]
    reviews_overdue: list[OverdueReview]
    alert_counts: dict[str, int]
    budgets: int


def team_report(store: Store, today: date, team_id: uuid.UUID | None = None) -> TeamReport:
    """Allocated, committed and spent by type and by funding source; reviews overdue.

    The sums are SQL GROUP BYs over the per-budget totals; per live budget one lean row is
    read (no free text) and run through the rules every budget's page uses.
    """
    live = [st.value for st in rules.LIVE_STATUSES]
    closed = [BudgetStatus.CLOSED.value]
    with store.session() as s:
        by_kind = reads.report_groups(s, "kind", team_id, closed)
        by_source = reads.report_groups(s, "funding_source", team_id, closed)
        inputs = reads.alert_inputs(s, team_id, live)
        reviews = reads.review_facts(s, team_id=team_id)
    counts: dict[str, int] = {}
    overdue: list[OverdueReview] = []
    for r in inputs:
        _, alerts, nxt = _alerts(r, reviews.get(r.id, []), today, rules.DEFAULT_VARIANCE_SHARE)
        for a in alerts:
            counts[a.kind.value] = counts.get(a.kind.value, 0) + 1
            if a.kind is rules.AlertKind.REVIEW_OVERDUE and nxt is not None:
                overdue.append(OverdueReview(r.id, r.person, r.nhs_number, r.funding_source, nxt))
    overdue.sort(key=lambda o: (o.person, o.review.due_on))
    return TeamReport(today, by_kind, by_source, overdue, counts, len(inputs))
