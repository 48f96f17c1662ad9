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


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> date:
    """dd/mm/yyyy, dd-Mmm-yyyy or ISO yyyy-mm-dd (with an optional time, which is dropped).

    Raises ValueError("impossible date …") when the parts do not make a real day.
    """
    value = text.strip()
    if not value:
        raise ValueError("missing date")
    try:
        if "/" in value:
            d, m, y = value.split("/")
            return date(int(y), int(m), int(d))
        parts = value.split("-")
        if len(parts) == 3 and parts[1].isalpha():
            month = _MONTHS.get(parts[1].lower()[:3])
            if month is None:
                raise ValueError
            return date(int(parts[2]), month, int(parts[0]))
        if len(value) >= 10 and value[4] == "-":
            return date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        pass
    if re.match(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$|^\d{1,2}-[A-Za-z]{3}-\d{4}$", value):
        raise ValueError(f"impossible date {value!r}")
    raise ValueError(f"unrecognised date {value!r} (use dd/mm/yyyy, dd-Mmm-yyyy or yyyy-mm-dd)")


@lru_cache(maxsize=1 << 16)
def parse_iso(text: str) -> str:
    """``parse_date`` as ISO text, cached: a list has few distinct dates and many rows."""
    return parse_date(text).isoformat()
