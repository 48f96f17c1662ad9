"""Money as integer pence: never a float, formatted £1,234.56.

Shares and rates are exact fractions; a result in pence is rounded once, half to even
(the banker's rounding the NDIS ledger design uses per line), so totals are sums of
rounded lines and a statement always adds up.
"""

from __future__ import annotations

import re
from fractions import Fraction
from numbers import Rational


class Pence(int):
    """An amount of money in pence. ``str()`` gives £1,234.56 (−£12.00 when negative)."""

    def __new__(cls, value: object) -> Pence:
        return super().__new__(cls, as_pence(value))

    def __str__(self) -> str:
        return format_pence(self)

    def __repr__(self) -> str:
        return f"Pence({int(self)})"


def as_pence(value: object) -> int:
    """An int of pence; a float, a bool or a string is refused, so none reaches the store."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"Money is whole pence; {value!r} ({type(value).__name__}) is not a whole number."
        )
    return int(value)


def format_pence(pence: int) -> str:
    sign = "−" if pence < 0 else ""
    pounds, p = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{p:02d}"


_AMOUNT = re.compile(
    r"^(?P<sign>[-−]?)\s*£?\s*(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<p>\d{1,2}))?$"
)


def parse_pence(text: str) -> int:
    """'£1,234.56', '1234.5', '-12' → pence. More than two decimal places is refused."""
    cleaned = str(text).strip()
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()  # accountants' brackets
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValueError(f"{text!r} is not an amount of money in pounds and pence.")
    pounds = int(match["pounds"].replace(",", ""))
    pence = int((match["p"] or "0").ljust(2, "0"))
    total = pounds * 100 + pence
    if match["sign"] or negative:
        total = -total
    return total


def round_half_even(value: Rational | Fraction | int) -> int:
    """An exact amount of pence rounded once to a whole penny, half to even."""
    return round(Fraction(value))


def share(percent: int | Fraction) -> Fraction:
    """A percentage as an exact fraction (10 → 1/10)."""
    return Fraction(percent) / 100
