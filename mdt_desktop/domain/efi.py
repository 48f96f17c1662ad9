"""The electronic Frailty Index (Clegg et al., Age Ageing 2016): 36 deficits, score = n / 36.

Categories use the published boundaries compared exactly as fractions, never after
rounding: fit ≤ 0.12 (0–4 deficits), mild ≤ 0.24 (5–8), moderate ≤ 0.36 (9–12),
severe > 0.36 (13 or more; 13/36 = 0.361). Only people aged 65 and over are scored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from mdt_desktop.paths import resources_dir

EFI_AGE = 65
DEFICIT_COUNT = 36
POLYPHARMACY_EFI = 5  # distinct current repeat medicines that make the polypharmacy deficit
BOUNDARIES = (
    (Fraction(12, 100), "fit"),
    (Fraction(24, 100), "mild"),
    (Fraction(36, 100), "moderate"),
)
CATEGORY_LABELS = {
    "fit": "Fit",
    "mild": "Mild frailty",
    "moderate": "Moderate frailty",
    "severe": "Severe frailty",
    "not_applicable": "eFI not applicable",
}


@dataclass(frozen=True)
class Deficit:
    id: str
    name: str
    codes: frozenset[str]
    rule: str | None = None


@dataclass(frozen=True)
class EfiResult:
    applicable: bool
    deficits: tuple[str, ...]  # names, sorted
    count: int
    score: float | None  # three decimal places
    category: str  # fit / mild / moderate / severe / not_applicable


def _validate(deficits: tuple[Deficit, ...]) -> None:
    if len(deficits) != DEFICIT_COUNT:
        raise ValueError(f"the eFI has {DEFICIT_COUNT} deficits, the list has {len(deficits)}")
    ids = [d.id for d in deficits]
    if len(set(ids)) != len(ids):
        raise ValueError("deficit ids must be unique")
    owner: dict[str, str] = {}
    for d in deficits:
        for code in d.codes:
            if code in owner:
                raise ValueError(f"code {code} is in both {owner[code]} and {d.id}")
            owner[code] = d.id


@cache
def _load(path: Path) -> tuple[Deficit, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    deficits = tuple(
        Deficit(
            id=item["id"],
            name=item["name"],
            codes=frozenset(str(c["code"]) for c in item.get("snomed", [])),
            rule=item.get("rule"),
        )
        for item in data["deficits"]
    )
    _validate(deficits)
    return deficits


def load_deficits(path: Path | None = None) -> tuple[Deficit, ...]:
    return _load(path or resources_dir() / "efi" / "deficits.json")


def code_index(deficits: Iterable[Deficit]) -> dict[str, str]:
    """SNOMED CT code → deficit id, for stratifying in SQL."""
    return {code: d.id for d in deficits for code in d.codes}


def _categorise_exactly(count: int) -> str:
    score = Fraction(count, DEFICIT_COUNT)
    for upper, name in BOUNDARIES:
        if score <= upper:
            return name
    return "severe"


# Exact fractions are slow; there are only 37 possible counts, so look them up.
_BY_COUNT = tuple(_categorise_exactly(n) for n in range(DEFICIT_COUNT + 1))


def categorise(count: int) -> str:
    return _BY_COUNT[min(count, DEFICIT_COUNT)]


def result_from_deficits(names: Iterable[str], age: int | None) -> EfiResult:
    """The eFI of someone with these deficit names present (duplicates count once)."""
    present = tuple(sorted(set(names)))
    if age is None or age < EFI_AGE:
        return EfiResult(False, present, len(present), None, "not_applicable")
    count = len(present)
    return EfiResult(True, present, count, round(count / DEFICIT_COUNT, 3), categorise(count))


def compute_efi(
    codes: Iterable[str],
    repeat_medications: int,
    age: int | None,
    deficits: tuple[Deficit, ...] | None = None,
) -> EfiResult:
    deficits = deficits or load_deficits()
    index = code_index(deficits)
    names = {d.id: d.name for d in deficits}
    present = {names[index[c]] for c in codes if c in index}
    if repeat_medications >= POLYPHARMACY_EFI:
        present.add(names["polypharmacy"])
    return result_from_deficits(present, age)
