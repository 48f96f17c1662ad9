"""The statutory review clocks of direct payments.

NHS direct payments (NHS (Direct Payments) Regulations 2013 reg 14, read from its 2010
predecessor reg 17, which is verbatim in the sources): a review at least once within the first
three months of the payments being made, then at intervals not exceeding twelve months.
Social-care direct payments (Care and Support (Direct Payments) Regulations 2014 reg 7): within
six months, then at intervals of no more than twelve. An integrated budget with direct
payments from both keeps both clocks and is due at the earlier.

Only scheduled (statutory) reviews move a clock on. A review prompted by an event (a
significant change in health, money found insufficient, a hospital admission) is due soon
after the event and never moves a due date later: the statutory review is still owed on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .forecast import add_months
from .vocab import FundingSource, HeldAs, ReviewClock, ReviewKind, ReviewReason

FIRST_REVIEW_MONTHS = {ReviewClock.NHS_DIRECT_PAYMENT: 3, ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT: 6}
INTERVAL_MONTHS = 12
# How soon a review prompted by an event is due. The regulations say "must review" for money
# found insufficient but give no number of days; this is the team's working rule (docs/budgets.md).
EVENT_REVIEW_DAYS = 14
# A review shows as due this many days before its date.
REVIEW_DUE_WARNING_DAYS = 28


@dataclass(frozen=True)
class ReviewFact:
    """A review: held (``held_on``) or asked for and not yet held (``held_on`` None)."""

    kind: ReviewKind
    reason: ReviewReason
    requested_on: date
    held_on: date | None = None


def clock_for(source: FundingSource | str, held_as: HeldAs | str) -> ReviewClock | None:
    """The clock money of this source held this way runs on; None unless it is a direct payment."""
    if HeldAs(held_as) is not HeldAs.DIRECT_PAYMENT:
        return None
    if FundingSource(source).is_nhs:
        return ReviewClock.NHS_DIRECT_PAYMENT
    return ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT


def clocks_for(parts: Iterable[tuple[FundingSource | str, HeldAs | str]]) -> frozenset[ReviewClock]:
    return frozenset(c for s, h in parts if (c := clock_for(s, h)) is not None)


def scheduled_due(
    clock: ReviewClock, first_payment_on: date, reviews: Iterable[ReviewFact]
) -> date:
    """When the next statutory review is due on one clock."""
    held = [
        r.held_on
        for r in reviews
        if r.kind is ReviewKind.SCHEDULED
        and r.held_on is not None
        and r.held_on >= first_payment_on
    ]
    if not held:
        return add_months(first_payment_on, FIRST_REVIEW_MONTHS[clock])
    return add_months(max(held), INTERVAL_MONTHS)


def event_due(reviews: Iterable[ReviewFact]) -> date | None:
    """The earliest date by which a review asked for after an event is due, if one is waiting."""
    waiting = [
        r.requested_on + timedelta(days=EVENT_REVIEW_DAYS)
        for r in reviews
        if r.kind is ReviewKind.EVENT and r.held_on is None
    ]
    return min(waiting, default=None)


@dataclass(frozen=True)
class NextReview:
    due_on: date
    clock: ReviewClock | None  # None: an event review, or a budget without direct payments
    reason: ReviewReason


def next_review(
    first_payments: dict[ReviewClock, date],
    reviews: Iterable[ReviewFact],
    *,
    fallback_start: date | None = None,
) -> NextReview | None:
    """The earliest review owed across the budget's clocks and any waiting event review.

    ``first_payments`` holds, per clock the budget runs, the date of its first payment (a
    clock whose money has not been paid yet has no review due). ``fallback_start``: a budget
    with no direct payment is reviewed with the care plan at least yearly from its start
    (NHS England: revisited at each review) — the team's rule, not a statutory one.
    """
    reviews = list(reviews)
    owed: list[NextReview] = [
        NextReview(scheduled_due(clock, first, reviews), clock, ReviewReason.STATUTORY)
        for clock, first in first_payments.items()
    ]
    if not first_payments and fallback_start is not None:
        held = [r.held_on for r in reviews if r.kind is ReviewKind.SCHEDULED and r.held_on]
        base = max(held, default=fallback_start)
        owed.append(NextReview(add_months(base, INTERVAL_MONTHS), None, ReviewReason.STATUTORY))
    waiting = [r for r in reviews if r.kind is ReviewKind.EVENT and r.held_on is None]
    for r in waiting:
        owed.append(NextReview(r.requested_on + timedelta(days=EVENT_REVIEW_DAYS), None, r.reason))
    return min(owed, key=lambda n: n.due_on, default=None)
