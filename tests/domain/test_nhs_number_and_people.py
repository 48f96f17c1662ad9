"""NHS numbers (modulus 11), names, patient-facing dates, ages and roles."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mdt_desktop.domain import nhs_number as nhs
from mdt_desktop.domain.people import (
    Sex,
    age_on,
    display_name,
    format_born,
    format_local_datetime,
    format_patient_date,
    parse_patient_date,
    parse_sex,
    sex_label,
)
from mdt_desktop.domain.roles import Role, parse_role


def _reference_check_digit(nine: str) -> int | None:
    """An independent statement of the rule: weights 10..2, 11 → 0, 10 → invalid."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    remainder = 11 - (total % 11)
    return {11: 0, 10: None}.get(remainder, remainder)


def test_the_documented_example_is_valid_and_formats_3_3_4() -> None:
    assert nhs.is_valid("9434765919")
    assert nhs.validate("943 476 5919") == "9434765919"
    assert nhs.validate(" 943-476-5919 ") == "9434765919"
    assert nhs.format_nhs_number("9434765919") == "943 476 5919"


def test_every_number_in_a_range_agrees_with_the_rule() -> None:
    """All 100,000 nine-digit stems 999000000–999099999, and every tenth digit of them."""
    check_digit_ten = 0
    for stem in range(999_000_000, 999_100_000):
        nine = str(stem)
        expected = _reference_check_digit(nine)
        assert nhs.check_digit(nine) == expected
        if expected is None:
            check_digit_ten += 1
            for last in "0123456789":
                assert not nhs.is_valid(nine + last)
        else:
            assert nhs.is_valid(nine + str(expected))
            assert not nhs.is_valid(nine + str((expected + 1) % 10))
    assert check_digit_ten > 8000  # about one stem in eleven


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "no NHS number"),
        ("94347659", "10 digits"),
        ("94347659190", "10 digits"),
        ("94347659A9", "not all digits"),
        ("9434765918", "modulus 11"),
        ("9990000000", "check digit is 10"),
        ("٩٤٣٤٧٦٥٩١٩", "not all digits"),
    ],
)
def test_invalid_numbers_say_why(text: str, why: str) -> None:
    with pytest.raises(nhs.InvalidNhsNumber, match=why):
        nhs.validate(text)


def test_test_range_numbers_are_valid_unique_and_999() -> None:
    numbers = []
    for number in nhs.iter_test_numbers():
        numbers.append(number)
        if len(numbers) == 5000:
            break
    assert all(n.startswith("999") and nhs.is_valid(n) for n in numbers)
    assert len(set(numbers)) == 5000
    assert nhs.make_test_number(0) == numbers[0]


def test_names_in_the_nhs_style() -> None:
    assert display_name("Smith", "John", "Mr") == "SMITH, John (Mr)"
    assert display_name("Ó Ceallaigh", "Zoë", None) == "Ó CEALLAIGH, Zoë"
    assert display_name("nguyễn", "Thi", "Ms") == "NGUYỄN, Thi (Ms)"
    assert display_name(None, "John", "Mr") == "Not Known"
    assert display_name("  ", "John", None) == "Not Known"


def test_patient_facing_dates_whatever_the_locale() -> None:
    import locale

    assert format_patient_date(date(1945, 7, 14)) == "14-Jul-1945"
    assert format_patient_date(date(2026, 1, 5)) == "05-Jan-2026"
    assert format_patient_date(None) == "Not Known"
    assert parse_patient_date("14-jul-1945") == date(1945, 7, 14)
    with pytest.raises(ValueError):
        parse_patient_date("14 July 1945")
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
    try:
        assert format_patient_date(date(2026, 3, 9)) == "09-Mar-2026"
    finally:
        locale.setlocale(locale.LC_TIME, "C")


def test_ages_and_birthdays() -> None:
    dob = date(1945, 7, 14)
    assert age_on(dob, date(2026, 7, 13)) == 80
    assert age_on(dob, date(2026, 7, 14)) == 81
    leap = date(2000, 2, 29)
    assert age_on(leap, date(2023, 2, 28)) == 22
    assert age_on(leap, date(2023, 3, 1)) == 23
    assert format_born(dob, date(2026, 11, 22)) == "Born 14-Jul-1945 (81y)"
    assert format_born(None, date(2026, 11, 22)) == "Born Not Known"


def test_sex_words() -> None:
    assert parse_sex("F") is Sex.FEMALE and parse_sex("male") is Sex.MALE
    assert parse_sex("Indeterminate") is Sex.OTHER and parse_sex("U") is Sex.UNKNOWN
    assert sex_label("unknown") == "Not Known" and sex_label(Sex.FEMALE) == "Female"
    with pytest.raises(ValueError):
        parse_sex("X")


def test_local_times_from_aware_utc() -> None:
    moment = datetime(2026, 7, 14, 8, 5, tzinfo=UTC)
    bst = timezone(timedelta(hours=1))
    assert format_local_datetime(moment, bst) == "14-Jul-2026 09:05"
    with pytest.raises(ValueError):
        format_local_datetime(datetime(2026, 7, 14, 8, 5))


def test_roles() -> None:
    assert len(Role) == 13
    assert Role.GP.label == "GP" and Role.DISTRICT_NURSE.label == "District nurse"
    assert parse_role("district nurse") is Role.DISTRICT_NURSE
    assert parse_role("gp") is Role.GP
    with pytest.raises(ValueError):
        parse_role("surgeon")
