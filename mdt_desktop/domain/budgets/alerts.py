"""What needs attention on a budget: the alerts on the budget, the caseload and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from .forecast import Projection
from .money import format_pence
from .reviews import REVIEW_DUE_WARNING_DAYS, NextReview
from .vocab import AlertKind

DEFAULT_VARIANCE_SHARE = Fraction(1, 10)  # 10 %: configurable per call
PERIOD_ENDING_DAYS = 60


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str


@dataclass(frozen=True)
class AlertFacts:
    """The figures alerts are worked out from (one budget, from the store's aggregates)."""

    allocated: int
    period_end: date
    projection: Projection
    next_review: NextReview | None
    payments_without_evidence: int  # direct-payment payments with no receipt or invoice
    unlinked_payments: int  # payments not on a budget line of the care plan
    renewed: bool  # a budget for the next period exists
    live: bool = True


def budget_alerts(
    facts: AlertFacts, today: date, variance_share: Fraction = DEFAULT_VARIANCE_SHARE
) -> tuple[Alert, ...]:
    out: list[Alert] = []
    if not facts.live:
        return ()
    # (projected − allocated) / allocated against the share, cross-multiplied in integers.
    alloc, projected = facts.allocated, facts.projection.projected_spend
    num, den = variance_share.numerator, variance_share.denominator
    over = alloc > 0 and (projected - alloc) * den > num * alloc
    under = alloc > 0 and (alloc - projected) * den > num * alloc
    if over:
        out.append(
            Alert(
                AlertKind.PROJECTED_OVERSPEND,
                f"At the current rate {format_pence(facts.projection.projected_spend)} will be "
                f"spent by the end of the period, more than the "
                f"{format_pence(facts.allocated)} allocated.",
            )
        )
    elif under:
        out.append(
            Alert(
                AlertKind.PROJECTED_UNDERSPEND,
                f"At the current rate only {format_pence(facts.projection.projected_spend)} of "
                f"the {format_pence(facts.allocated)} allocated will be used by the end of the "
                "period.",
            )
        )
    if facts.payments_without_evidence:
        n = facts.payments_without_evidence
        out.append(
            Alert(
                AlertKind.MISSING_EVIDENCE,
                f"{n} direct payment{'s have' if n > 1 else ' has'} no receipt or invoice "
                "reference.",
            )
        )
    if facts.unlinked_payments:
        n = facts.unlinked_payments
        out.append(
            Alert(
                AlertKind.UNLINKED_PAYMENT,
                f"{n} payment{'s are' if n > 1 else ' is'} not linked to a line of the care plan.",
            )
        )
    nr = facts.next_review
    if nr is not None:
        if nr.due_on < today:
            out.append(
                Alert(
                    AlertKind.REVIEW_OVERDUE,
                    f"The review was due on {nr.due_on:%d-%b-%Y} ({nr.reason.label.lower()}).",
                )
            )
        elif nr.due_on <= today + timedelta(days=REVIEW_DUE_WARNING_DAYS):
            out.append(
                Alert(
                    AlertKind.REVIEW_DUE,
                    f"A review is due by {nr.due_on:%d-%b-%Y} ({nr.reason.label.lower()}).",
                )
            )
    if not facts.renewed and today <= facts.period_end <= today + timedelta(
        days=PERIOD_ENDING_DAYS
    ):
        out.append(
            Alert(
                AlertKind.PERIOD_ENDING,
                f"The budget period ends on {facts.period_end:%d-%b-%Y} and no budget for the "
                "next period has been set up.",
            )
        )
    return tuple(out)
