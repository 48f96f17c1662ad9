"""NHS numbers: ten digits, the last a modulus 11 check digit (NHS Data Dictionary)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
TEST_RANGE_PREFIX = "999"


class InvalidNhsNumber(ValueError):
    """Says why a number is not a valid NHS number."""


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when it computes to 10 (never issued)."""
    if len(first_nine) != 9:
        raise ValueError("nine digits are needed")
    # Unrolled: imports validate millions of numbers.
    o = [ord(c) - 48 for c in first_nine]
    total = 10 * o[0] + 9 * o[1] + 8 * o[2] + 7 * o[3] + 6 * o[4] + 5 * o[5] + 4 * o[6]
    total += 3 * o[7] + 2 * o[8]
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


# Ten digits, or 3-3-4 with one space or one hyphen in both places (943 476 5919,
# 943-476-5919). Tabs, newlines and other separators are refused: they come from broken
# exports, not from people writing the number.
_SHAPE = re.compile(r"[0-9]{10}|[0-9]{3}( |-)[0-9]{3}\1[0-9]{4}")


def normalise(text: str) -> str:
    """The ten digits of a number written plainly or 3-3-4; InvalidNhsNumber says why not."""
    value = text.strip(" ")
    if not value:
        raise InvalidNhsNumber("no NHS number given")
    if not _SHAPE.fullmatch(value):
        digits = value.replace(" ", "").replace("-", "")
        if digits.isascii() and digits.isdigit() and len(digits) != 10:
            raise InvalidNhsNumber(f"an NHS number has 10 digits, {value!r} has {len(digits)}")
        if not value.isprintable():
            raise InvalidNhsNumber(f"{value!r} has a tab, newline or other control character in it")
        if digits.isascii() and digits.isdigit():
            raise InvalidNhsNumber(
                f"{value!r}: only a space or a hyphen may separate the 3-3-4 groups"
            )
        raise InvalidNhsNumber(f"{value!r} is not all digits")
    digits = value.replace(" ", "").replace("-", "")
    if digits == digits[0] * 10:
        raise InvalidNhsNumber(f"{value!r} is a placeholder (one digit repeated), not a number")
    return digits


@lru_cache(maxsize=1 << 18)
def validate(text: str) -> str:
    """The normalised ten digits of a valid number; InvalidNhsNumber says why not."""
    digits = normalise(text)
    expected = check_digit(digits[:9])
    if expected is None:
        raise InvalidNhsNumber(f"{format_nhs_number(digits)} cannot be valid: check digit is 10")
    if expected != int(digits[9]):
        raise InvalidNhsNumber(f"{format_nhs_number(digits)} fails the modulus 11 check")
    return digits


def is_valid(text: str) -> bool:
    try:
        validate(text)
    except InvalidNhsNumber:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    """3-3-4 with spaces, as the NHS shows it: 943 476 5919."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def iter_test_numbers(start: int = 0) -> Iterator[str]:
    """Valid numbers from the reserved test range 999…, serial ``start`` onwards.

    Serials whose check digit would be 10 are skipped, so the sequence is
    deterministic and every number it yields is valid and unique.
    """
    for serial in range(start, 1_000_000):
        nine = f"{TEST_RANGE_PREFIX}{serial:06d}"
        digit = check_digit(nine)
        if digit is not None:
            yield f"{nine}{digit}"


def make_test_number(serial: int) -> str:
    """The first valid test-range number at or after ``serial``."""
    return next(iter_test_numbers(serial))
