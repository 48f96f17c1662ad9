"""A transparent risk score and the four levels of need of a Primary and Acute Care System.

Score (0–100, capped): eFI mild 10 / moderate 20 / severe 30; 15 per emergency admission in
the last 12 months (at most 30); 5 per A&E attendance (at most 15); 10 for polypharmacy
(10 or more repeat medicines); 3 per long-term condition (at most 15); 5 for age 85 or over.

Segments, lowest to highest need; the first rule that matches, from the top, wins:

- highest care needs: severe frailty; or 2+ emergency admissions in 12 months; or moderate
  frailty with 1+ admission;
- ongoing care needs: 2+ long-term conditions; or moderate frailty; or polypharmacy (10+
  repeat medicines);
- urgent care needs: 1+ emergency admission in 12 months; or 2+ A&E attendances;
- whole population: everyone else (prevention and wellbeing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .efi import EfiResult
from .people import format_patient_date

POLYPHARMACY = 10
SEGMENTS = ("whole_population", "urgent", "ongoing", "highest")
SEGMENT_LABELS = {
    "whole_population": "Whole population",
    "urgent": "Urgent care needs",
    "ongoing": "Ongoing care needs",
    "highest": "Highest care needs",
}
EFI_POINTS = {"mild": 10, "moderate": 20, "severe": 30}
SHOWN_DEFICITS = 5


@dataclass(frozen=True)
class RiskInputs:
    age: int | None
    efi: EfiResult
    admissions_12m: int
    ae_attendances_12m: int
    repeat_medications: int
    long_term_conditions: int
    last_admission: date | None = None


@dataclass(frozen=True)
class RiskAssessment:
    score: float
    segment: str
    reasons: tuple[str, ...]


def score(inputs: RiskInputs) -> float:
    points = EFI_POINTS.get(inputs.efi.category, 0)
    points += min(15 * inputs.admissions_12m, 30)
    points += min(5 * inputs.ae_attendances_12m, 15)
    points += 10 if inputs.repeat_medications >= POLYPHARMACY else 0
    points += min(3 * inputs.long_term_conditions, 15)
    points += 5 if inputs.age is not None and inputs.age >= 85 else 0
    return round(float(min(points, 100)), 1)


def segment(inputs: RiskInputs) -> str:
    frailty = inputs.efi.category
    admissions = inputs.admissions_12m
    if frailty == "severe" or admissions >= 2 or (frailty == "moderate" and admissions >= 1):
        return "highest"
    if (
        inputs.long_term_conditions >= 2
        or frailty == "moderate"
        or inputs.repeat_medications >= POLYPHARMACY
    ):
        return "ongoing"
    if admissions >= 1 or inputs.ae_attendances_12m >= 2:
        return "urgent"
    return "whole_population"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def reasons(inputs: RiskInputs) -> tuple[str, ...]:
    """Why this person is flagged, in words a clinician reads at a glance."""
    out: list[str] = []
    efi = inputs.efi
    if efi.applicable and efi.category in EFI_POINTS:
        names = [n.lower() for n in efi.deficits]
        shown = ", ".join(names[:SHOWN_DEFICITS])
        if len(names) > SHOWN_DEFICITS:
            shown += f" and {len(names) - SHOWN_DEFICITS} more"
        out.append(f"eFI {efi.category} — {_plural(efi.count, 'deficit', 'deficits')}: {shown}")
    if inputs.admissions_12m:
        text = _plural(inputs.admissions_12m, "emergency admission", "emergency admissions")
        text += " in the last 12 months"
        if inputs.last_admission is not None:
            latest = format_patient_date(inputs.last_admission)
            text += f" ({latest})" if inputs.admissions_12m == 1 else f" (latest {latest})"
        out.append(text)
    if inputs.ae_attendances_12m >= 2:
        out.append(
            _plural(inputs.ae_attendances_12m, "A&E attendance", "A&E attendances")
            + " in the last 12 months"
        )
    if inputs.repeat_medications >= POLYPHARMACY:
        out.append(f"{inputs.repeat_medications} repeat medicines (polypharmacy)")
    if inputs.long_term_conditions >= 2:
        out.append(f"{inputs.long_term_conditions} long-term conditions")
    if inputs.age is not None and inputs.age >= 85:
        out.append(f"Aged {inputs.age}")
    return tuple(out)


def assess(inputs: RiskInputs) -> RiskAssessment:
    return RiskAssessment(score(inputs), segment(inputs), reasons(inputs))
