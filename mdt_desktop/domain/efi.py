"""The electronic Frailty Index (Clegg et al., Age Ageing 2016): 36 deficits, score = n / 36.

Categories use the published boundaries compared exactly as fractions, never after
rounding: fit ≤ 0.12 (0–4 deficits), mild ≤ 0.24 (5–8), moderate ≤ 0.36 (9–12),
severe > 0.36 (13 or more; 13/36 = 0.361). Only people aged 65 and over are scored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

from mdt_desktop.paths import resources_dir

from .snomed import concept_problem

EFI_AGE = 65
DEFICIT_COUNT = 36
# The published rule (Clegg et al. 2016): five or more different medicines prescribed in a
# 12-month period make the polypharmacy deficit.
POLYPHARMACY_EFI = 5
POLYPHARMACY_DAYS = 365
# The published code sets as files named efi-<deficit>.snomed.txt (code TAB term), as
# reproduced by e.g. the Greater Manchester SDE: their names, mapped to our deficit ids.
PUBLISHED_SET_NAMES = {
    "activity-limitation": "activity_limitation", "anaemia": "anaemia",
    "arthritis": "arthritis", "atrial-fibrillation": "atrial_fibrillation",
    "stroke-tia": "cerebrovascular_disease", "ckd": "chronic_kidney_disease",
    "diabetes": "diabetes", "dizziness": "dizziness", "dyspnoea": "dyspnoea",
    "falls": "falls", "foot-problems": "foot_problems",
    "fragility-fracture": "fragility_fracture", "hearing-loss": "hearing_impairment",
    "heart-failure": "heart_failure", "heart-valve-disease": "heart_valve_disease",
    "housebound": "housebound", "hypertension": "hypertension",
    "hypotension": "hypotension_syncope", "chd": "ischaemic_heart_disease",
    "cognitive-problems": "memory_cognitive", "mobility-problems": "mobility_transfer",
    "osteoporosis": "osteoporosis", "parkinsons": "parkinsonism_tremor",
    "peptic-ulcer": "peptic_ulcer", "pvd": "peripheral_vascular_disease",
    "care-requirement": "requirement_for_care", "respiratory-disease": "respiratory_disease",
    "skin-ulcer": "skin_ulcer", "sleep-disturbance": "sleep_disturbance",
    "social-vulnerability": "social_vulnerability", "thyroid-disorders": "thyroid_disease",
    "urinary-incontinence": "urinary_incontinence",
    "urinary-system-disease": "urinary_system_disease", "vision-problems": "visual_impairment",
    "weight-loss": "weight_loss_anorexia",
}  # fmt: skip


class CodeListError(ValueError):
    """A code list that cannot be used; the message says why."""


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
        raise CodeListError(f"the eFI has {DEFICIT_COUNT} deficits, the list has {len(deficits)}")
    ids = [d.id for d in deficits]
    if len(set(ids)) != len(ids):
        raise CodeListError("deficit ids must be unique")
    # A code may mark more than one deficit (the published sets share 48 codes): each
    # deficit it belongs to counts, and a deficit still counts once per person.


def _deficit(item: dict, where: str) -> Deficit:
    codes = []
    for entry in item.get("snomed", []):
        code = str(entry.get("code", "")).strip()
        problem = concept_problem(code)
        if problem:
            raise CodeListError(f"{where}, deficit {item.get('id')}: {problem}")
        if not str(entry.get("term") or "").strip():
            raise CodeListError(f"{where}, deficit {item.get('id')}: code {code} has no term")
        codes.append(code)
    return Deficit(
        id=str(item["id"]), name=str(item["name"]), codes=frozenset(codes), rule=item.get("rule")
    )


def parse_code_list(data: dict, where: str = "the code list") -> tuple[Deficit, ...]:
    """Deficits from the JSON form (resources/efi/deficits.json), every code checked."""
    if not isinstance(data, dict) or not isinstance(data.get("deficits"), list):
        raise CodeListError(f"{where}: a code list is an object with a 'deficits' list")
    try:
        deficits = tuple(_deficit(item, where) for item in data["deficits"])
    except (KeyError, TypeError, AttributeError):
        raise CodeListError(f"{where}: every deficit needs an id, a name and codes") from None
    _validate(deficits)
    return deficits


def read_published_sets(folder: Path, base: dict | None = None) -> dict:
    """The JSON form of a folder of published eFI code sets (efi-*.snomed.txt, code TAB
    term; found at any depth). Deficit names and polypharmacy come from ``base``."""
    base = base or json.loads((resources_dir() / "efi" / "deficits.json").read_text("utf-8"))
    by_id: dict[str, list[dict]] = {}
    for path in sorted(folder.rglob("efi-*.snomed.txt")):
        found = re.fullmatch(r"efi-(.+)\.snomed\.txt", path.name)
        deficit = PUBLISHED_SET_NAMES.get(found.group(1)) if found else None
        if deficit is None:
            raise CodeListError(f"{path.name}: not one of the eFI's code sets")
        entries = by_id.setdefault(deficit, [])
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            code, _, term = line.partition("\t")
            if not term.strip():
                raise CodeListError(
                    f"{path.name} line {number}: a code and its term, tab-separated"
                )
            entries.append({"code": code.strip(), "term": term.strip()})
    missing = sorted(set(PUBLISHED_SET_NAMES.values()) - set(by_id))
    if missing:
        raise CodeListError(f"{folder}: no code set for {', '.join(missing)}")
    return {
        "name": f"eFI code sets from {folder.name}",
        "source": f"published eFI code sets in SNOMED CT, read from {folder}",
        "deficits": [
            {**{k: v for k, v in item.items() if k != "snomed"},
             "snomed": by_id.get(item["id"], [])}
            for item in base["deficits"]
        ],
    }  # fmt: skip


@cache
def _load(path: Path) -> tuple[Deficit, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return parse_code_list(data, path.name)


def load_deficits(path: Path | None = None) -> tuple[Deficit, ...]:
    return _load(path or resources_dir() / "efi" / "deficits.json")


def shipped_list_name() -> str:
    data = json.loads((resources_dir() / "efi" / "deficits.json").read_text(encoding="utf-8"))
    return str(data.get("name") or "deficits.json")


def code_index(deficits: Iterable[Deficit]) -> dict[str, tuple[str, ...]]:
    """SNOMED CT code → every deficit id it marks, for stratifying."""
    index: dict[str, list[str]] = {}
    for d in deficits:
        for code in d.codes:
            index.setdefault(code, []).append(d.id)
    return {code: tuple(ids) for code, ids in index.items()}


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
    medicines_12m: int,
    age: int | None,
    deficits: tuple[Deficit, ...] | None = None,
) -> EfiResult:
    """``medicines_12m``: different medicines prescribed in the last 12 months."""
    deficits = deficits or load_deficits()
    index = code_index(deficits)
    names = {d.id: d.name for d in deficits}
    present = {names[i] for c in codes for i in index.get(c, ())}
    if medicines_12m >= POLYPHARMACY_EFI:
        present.add(names["polypharmacy"])
    return result_from_deficits(present, age)
