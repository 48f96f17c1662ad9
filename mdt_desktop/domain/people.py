"""How people, dates and times are shown, in the NHS common user interface style."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from enum import StrEnum

from mdt_desktop.domain.vocab import Vocabulary

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NOT_KNOWN = "Not Known"


def display_name(family: str | None, given: str | None, title: str | None) -> str:
    """``FAMILY, Given (Title)``; "Not Known" without a family name."""
    if not family or not family.strip():
        return NOT_KNOWN
    name = family.strip().upper()
    if given and given.strip():
        name += f", {given.strip()}"
    if title and title.strip():
        name += f" ({title.strip()})"
    return name


def format_patient_date(d: date | None) -> str:
    """dd-Mmm-yyyy with English month names whatever the locale: 14-Jul-1945."""
    if d is None:
        return NOT_KNOWN
    return f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year:04d}"


def parse_patient_date(text: str) -> date:
    try:
        day, month, year = text.strip().split("-")
        return date(int(year), [m.lower() for m in MONTHS].index(month.lower()) + 1, int(day))
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a date like 14-Jul-1945") from None


def age_on(dob: date, on: date) -> int:
    """Completed years; a 29 February birthday falls on 1 March in other years."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def format_born(dob: date | None, today: date) -> str:
    if dob is None:
        return f"Born {NOT_KNOWN}"
    return f"Born {format_patient_date(dob)} ({age_on(dob, today)}y)"


class RegistrationStatus(Vocabulary):
    REGISTERED = "registered", "Registered"
    LEFT = "left", "Left the practice"
    DECEASED = "deceased", "Deceased"


class ConsentStatus(Vocabulary):
    """The person's consent to share their record with the team."""

    GIVEN = "given", "Given"
    DECLINED = "declined", "Declined"
    NOT_ASKED = "not_asked", "Not asked"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


_SEX_WORDS = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "o": Sex.OTHER,
    "other": Sex.OTHER,
    "i": Sex.OTHER,
    "indeterminate": Sex.OTHER,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
    "not known": Sex.UNKNOWN,
}


def parse_sex(text: str) -> Sex:
    try:
        return _SEX_WORDS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"{text!r} is not a recognised sex or gender") from None


def sex_label(sex: Sex | str) -> str:
    value = Sex(sex)
    return NOT_KNOWN if value is Sex.UNKNOWN else value.value.capitalize()


def format_local_datetime(dt: datetime, tz: tzinfo | None = None) -> str:
    """An aware UTC time shown in local time: 14-Jul-2026 09:05."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: times are stored as aware UTC")
    local = dt.astimezone(tz) if tz else dt.astimezone()
    return f"{format_patient_date(local.date())} {local.hour:02d}:{local.minute:02d}"
