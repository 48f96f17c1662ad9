"""What an import reads, before it touches the store: people, coded entries, rejections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from mdt_desktop.domain.people import MONTHS

# GP practice ODS codes: one letter and five digits (e.g. B86001, Y02345).
PRACTICE_CODE = re.compile(r"^[A-Z][0-9]{5}$")
SNOMED_CODE = re.compile(r"^[0-9]{6,18}$")
_MONTHS = {m.lower(): i + 1 for i, m in enumerate(MONTHS)}


# Bounds on what an import keeps (docs/import-formats.md): longer values are rejected.
MAX_NAME = 200  # a family name or given name
MAX_TITLE = 40  # a title (Mrs, Dr, Rev Canon): the column holds 40
MAX_TEXT = 10_000  # free text: a term or description
# C0 controls and DEL: never part of a name or a code, and a row holding one cannot sync.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Markers in the row stream, rejected by the checking loop with their line.
UNCLOSED: list[str] = ["\x00unclosed"]
UNPAIRED: list[str] = ["\x00unpaired"]


class Marked(list):
    """A row that cannot be read, carrying its field and the reason (rejected with its line)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__()
        self.field, self.reason = field, reason


def text_problem(label: str, value: str, limit: int = MAX_NAME) -> str | None:
    """Why a read text cannot be kept (a control character, too long), or None."""
    if len(value) > limit:
        return f"the {label} is {len(value):,} characters long; at most {limit:,} are kept"
    found = CONTROL.search(value)
    if found:
        return f"the {label} holds a control character (U+{ord(found.group()):04X})"
    return None


class UnreadableFile(Exception):
    """The file as a whole could not be read: nothing from it was imported."""


# What the store writer takes, as plain tuples: cheap to build, to pickle between the
# reading process and the writer, and to bind. Dates are ISO text, as SQLite stores them.
# A person's key is the NHS number, or (source system, source id) when it is not known.
PatientKey = str | tuple[str, str]
# (nhs_number, source_system, source_id, title, family_name, given_name, date_of_birth,
#  sex, postcode, practice_code, registration_date, date_of_death, file, where)
PatientRow = tuple[
    str | None, str | None, str | None, str | None, str, str | None, str, str,
    str | None, str | None, str | None, str | None, str, str | int,
]  # fmt: skip
# (patient key, code, term, recorded_on, kind, ended_on, file, where)
CodedRow = tuple[PatientKey, str, str | None, str | None, str, str | None, str, str | int]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Rejection:
    file: str
    where: str  # "line 12" or "Patient/abc"
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "where": self.where, "field": self.field, "reason": self.reason}


@dataclass(slots=True)
class PatientRecord:
    nhs_number: str | None
    family_name: str
    given_name: str | None
    title: str | None
    date_of_birth: date
    sex: str
    postcode: str | None
    practice_code: str | None
    registration_date: date | None = None
    date_of_death: date | None = None
    source_system: str | None = None
    source_id: str | None = None
    where: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Who this is across imports: the NHS number, else the source identifier."""
        if self.nhs_number:
            return ("nhs", self.nhs_number)
        return (self.source_system or "", self.source_id or "")

    def row(self, file: str) -> PatientRow:
        return (
            self.nhs_number, self.source_system, self.source_id, self.title, self.family_name,
            self.given_name, self.date_of_birth.isoformat(), self.sex, self.postcode,
            self.practice_code, _iso(self.registration_date), _iso(self.date_of_death),
            file, self.where,
        )  # fmt: skip


@dataclass(slots=True)
class CodedRecord:
    patient_key: tuple[str, str]
    code: str
    term: str | None
    recorded_on: date | None
    kind: str
    ended_on: date | None = None
    source: str | None = None
    # "line 12" or "Condition/abc"; a bare line number is kept as an int (cheaper in bulk).
    where_: str | int = ""

    def row(self) -> CodedRow:
        kind, value = self.patient_key
        key: PatientKey = value if kind == "nhs" else self.patient_key
        return (
            key, self.code, self.term, _iso(self.recorded_on), self.kind, _iso(self.ended_on),
            self.source or "", self.where_,
        )  # fmt: skip


@dataclass
class ParsedFile:
    path: str
    kind: str  # "patients", "coded_entries" or "fhir"
    patients: list[PatientRow] = field(default_factory=list)
    coded: list[CodedRow] = field(default_factory=list)
    # A coded-entries CSV read lazily, while the import writes (see services/importing).
    coded_stream: Iterator[CodedRow] | None = None
    size_bytes: int = 0
    # Data lines in the file, counted before reading it: sizes progress before rows are read.
    rows_hint: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    read: int = 0
    coded_read: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    columns: dict[str, Any] = field(default_factory=dict)
    # The supplier layout the file is in (interop.layouts), and its row reader.
    layout: Any = None
    reader: Any = None


EARLIEST_YEAR = 1880


def check_date(day: date, text: str, today: date | None = None) -> date:
    """A read date kept only when it can be real: from 1880, and not after ``today``."""
    if day.year < EARLIEST_YEAR:
        raise ValueError(f"date {text.strip()!r} is before {EARLIEST_YEAR}")
    if today is not None and day > today:
        raise ValueError(f"date {text.strip()!r} is in the future")
    return day


def _two_digit(value: str) -> ValueError:
    return ValueError(f"two-digit year: ambiguous ({value!r})")


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> date:
    """dd/mm/yyyy, dd-Mmm-yyyy, dd Mmm yyyy or ISO yyyy-mm-dd (an optional time is dropped).

    A two-digit year is refused ("two-digit year: ambiguous"), never guessed; so is a year
    before 1880. Raises ValueError("impossible date …") when the parts make no real day.
    """
    value = text.strip()
    if not value:
        raise ValueError("missing date")
    try:
        if "/" in value:
            d, m, y = value.split(" ")[0].split("/")
            if len(y) != 4:
                raise _two_digit(value)
            return check_date(date(int(y), int(m), int(d)), value)
        parts = value.split("-") if "-" in value[:6] else value.split(" ")
        if len(parts) >= 3 and parts[1].isalpha():
            month = _MONTHS.get(parts[1].lower()[:3])
            if month is None or len(parts[1]) not in (3, len(MONTHS[month - 1])):
                raise ValueError
            if len(parts[2]) != 4:
                raise _two_digit(value)
            return check_date(date(int(parts[2]), month, int(parts[0])), value)
        if len(value) >= 10 and value[4] == "-":
            return check_date(date(int(value[0:4]), int(value[5:7]), int(value[8:10])), value)
    except ValueError as exc:
        if str(exc).startswith(("two-digit", "date ")):
            raise
    if re.match(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$|^\d{1,2}[- ][A-Za-z]{3}[- ]\d{4}$", value):
        raise ValueError(f"impossible date {value!r}")
    raise ValueError(
        f"unrecognised date {value!r} (use dd/mm/yyyy, dd-Mmm-yyyy, dd Mmm yyyy or yyyy-mm-dd)"
    )


@lru_cache(maxsize=1 << 16)
def parse_iso(text: str) -> str:
    """``parse_date`` as ISO text, cached: a list has few distinct dates and many rows."""
    return parse_date(text).isoformat()
