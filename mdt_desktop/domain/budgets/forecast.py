"""Planned spend from amount × frequency, burn rate and where the money is heading."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from .money import as_pence
from .vocab import Frequency


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or its last day if shorter (31 Jan → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrences(frequency: Frequency | str, first_on: date, start: date, end: date) -> int:
    """How many times a line falls due in ``start``..``end`` inclusive, starting ``first_on``."""
    frequency = Frequency(frequency)
    if end < start or end < first_on:
        return 0
    if frequency is Frequency.ONE_OFF:
        return 1 if start <= first_on <= end else 0
    if frequency in (Frequency.WEEKLY, Frequency.FOUR_WEEKLY):
        step = 7 if frequency is Frequency.WEEKLY else 28
        # The first due day on or after ``start``, then every ``step`` days until ``end``.
        skip = max(0, -(-(start - first_on).days // step))
        first = first_on + timedelta(days=skip * step)
        return 0 if first > end else (end - first).days // step + 1
    count, n = 0, 0
    while (due := add_months(first_on, n)) <= end:
        count += due >= start
        n += 1
    return count


def planned_spend(
    amount: int, frequency: Frequency | str, first_on: date, start: date, end: date
) -> int:
    """Planned pence for a line of ``amount`` each time over ``start``..``end``."""
    return as_pence(amount) * occurrences(frequency, first_on, start, end)


@dataclass(frozen=True)
class Projection:
    spent_so_far: int
    days_elapsed: int
    projected_spend: int  # by the period's end
    projected_balance: int  # at the period's end
    runs_out_on: date | None  # None if the money lasts the period

    @property
    def burn_per_day(self) -> Fraction:
        """Pence a day, exact (made only when asked for: reports project thousands)."""
        return Fraction(self.spent_so_far, self.days_elapsed)

    def variance_share(self, allocated: int) -> Fraction | None:
        """(projected spend − allocated) / allocated: over is positive; None with no allocation."""
        if allocated <= 0:
            return None
        return Fraction(self.projected_spend - allocated, allocated)


def _div_half_even(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2):
        q += 1
    return q


def project(
    *,
    period_start: date,
    period_end: date,
    today: date,
    spent: int,
    balance: int,
    committed: int = 0,
) -> Projection:
    """Straight-line projection from the spend so far.

    The burn rate is what has been spent per day since the period began (today counted);
    the rest of the period is assumed to go the same way. What is committed but not yet paid
    is counted as spend to come on top, since a commitment is a promise to pay.
    """
    as_of = min(max(today, period_start), period_end)
    elapsed = (as_of - period_start).days + 1
    remaining = (period_end - as_of).days
    spent = as_pence(spent)
    # Integer arithmetic throughout (the team report projects thousands of budgets): the
    # burn rate is spent/elapsed pence a day, rounded once, half to even, where pence result.
    future = _div_half_even(spent * remaining, elapsed) + max(0, committed)
    projected_balance = balance - future
    available = balance - max(0, committed)
    runs_out: date | None = None
    if available <= 0:
        runs_out = as_of
    elif spent > 0:
        days = -(-(available * elapsed) // spent)  # ceiling: the day it is gone
        # Compared in days first: a slow burn on a large balance lies beyond any date.
        runs_out = as_of + timedelta(days=days) if days <= remaining else None
    return Projection(spent, elapsed, spent + future, projected_balance, runs_out)
