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
        live = BudgetStatus(r.status) in rules.LIVE_STATUSES
        projection = rules.project(
            period_start=r.period_start,
            period_end=r.period_end,
            today=today,
            spent=r.figures.spent,
            balance=r.figures.balance,
            committed=r.figures.committed,
        )
        nxt = (
            rules.next_review(
                firsts.get(r.id, {}), reviews.get(r.id, []), fallback_start=r.period_start
            )
            if live
            else None
        )
        facts = rules.AlertFacts(
            allocated=r.figures.allocated,
            period_end=r.period_end,
            projection=projection,
            next_review=nxt,
            payments_without_evidence=r.payments_without_evidence,
            unlinked_payments=r.unlinked_payments,
            renewed=r.renewed,
            live=live,
        )
        out.append(
            BudgetSummary(r, projection, nxt, rules.budget_alerts(facts, today, variance_share))
        )
    return out


def summary(store: Store, budget_id: uuid.UUID, today: date) -> BudgetSummary:
    found = summaries(store, today, budget_ids=[budget_id])
    if not found:
        raise LookupError("That budget is not in this store.")
    return found[0]


@dataclass(frozen=True)
class TeamReport:
    as_of: date
    by_kind: list[reads.ReportGroup]
    by_source: list[reads.ReportGroup]
    reviews_overdue: list[BudgetSummary]
    alert_counts: dict[str, int]
    budgets: int


def _groups(rows: list[BudgetSummary], key: str) -> list[reads.ReportGroup]:
    """Per kind or source, the sums of the budgets' SQL totals (budgets, not entries, here)."""
    acc: dict[str, list[int]] = {}
    for b in rows:
        if b.row.status == BudgetStatus.CLOSED.value:
            continue
        f = b.row.figures
        t = acc.setdefault(getattr(b.row, key), [0, 0, 0, 0, 0])
        for i, v in enumerate((1, f.allocated, f.committed, f.spent, f.balance)):
            t[i] += v
    return [reads.ReportGroup(k, *v) for k, v in sorted(acc.items())]


def team_report(store: Store, today: date, team_id: uuid.UUID | None = None) -> TeamReport:
    """Allocated, committed and spent by type and by funding source; reviews overdue."""
    all_ = summaries(store, today, team_id=team_id)
    by_kind, by_source = _groups(all_, "kind"), _groups(all_, "funding_source")
    overdue = [b for b in all_ if any(a.kind is rules.AlertKind.REVIEW_OVERDUE for a in b.alerts)]
    counts: dict[str, int] = {}
    for b in all_:
        for a in b.alerts:
            counts[a.kind.value] = counts.get(a.kind.value, 0) + 1
    live = sum(1 for b in all_ if b.live)
    return TeamReport(today, by_kind, by_source, overdue, counts, live)
