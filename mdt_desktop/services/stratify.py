"""Risk stratification of the whole registered list: eFI, admissions, medicines, segments."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from mdt_desktop.domain import efi, risk
from mdt_desktop.domain.people import age_on
from mdt_desktop.paths import resources_dir
from mdt_desktop.services.efi_codes import code_list
from mdt_desktop.store.bulk import bulk_transaction
from mdt_desktop.store.database import Store
from mdt_desktop.store.risk_inputs import gather, replace_scores


@dataclass(frozen=True)
class StratifySummary:
    people: int
    by_segment: dict[str, int]
    by_efi: dict[str, int]
    seconds: float


@cache
def ltc_codes() -> frozenset[str]:
    data = json.loads((resources_dir() / "ltc_codes.json").read_text(encoding="utf-8"))
    items = data.get("codes", data) if isinstance(data, dict) else data
    codes = set()
    for item in items:
        codes.add(str(item["code"]) if isinstance(item, dict) else str(item))
    return frozenset(codes)


def stratify_store(
    store: Store,
    today: date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> StratifySummary:
    """Recompute every registered person's risk in one transaction."""
    started = time.perf_counter()
    today = today or date.today()
    deficits = code_list(store)[1]
    names = {d.id: d.name for d in deficits}
    index = efi.code_index(deficits)
    by_segment = dict.fromkeys(risk.SEGMENTS, 0)
    by_efi: dict[str, int] = {}
    rows: list[tuple] = []
    # Most people share a handful of combinations of deficits and counts, so the rules
    # run once per combination. The key holds exactly what the rules read: the age only
    # from 85 (score and words), otherwise whether the eFI applies; the medicine count
    # only from 10 (polypharmacy; five or more is already a deficit name).
    outcomes: dict[tuple, tuple[efi.EfiResult, risk.RiskAssessment, int, str]] = {}
    with bulk_transaction(store) as conn:
        people = list(gather(conn, index, ltc_codes(), today))
        total = len(people)
        for n, person in enumerate(people, 1):
            dob = person.date_of_birth
            age = age_on(dob, today) if dob else None
            deficit_ids = person.deficits
            if person.medicines_12m >= efi.POLYPHARMACY_EFI:
                deficit_ids = deficit_ids | {"polypharmacy"}
            present = tuple(sorted(names[d] for d in deficit_ids if d in names))
            efi_age = None if age is None else (65 if age >= efi.EFI_AGE else 0)
            admissions = person.admissions_12m
            key = (
                present,
                age if age is not None and age >= 85 else efi_age,
                admissions,
                person.last_admission if admissions else None,
                person.ae_attendances_12m,
                person.repeat_medications if person.repeat_medications >= risk.POLYPHARMACY else 0,
                person.long_term_conditions,
            )
            outcome = outcomes.get(key)
            if outcome is None:
                result = efi.result_from_deficits(present, efi_age)
                assessment = risk.assess(
                    risk.RiskInputs(
                        age=key[1],
                        efi=result,
                        admissions_12m=admissions,
                        ae_attendances_12m=person.ae_attendances_12m,
                        repeat_medications=person.repeat_medications,
                        long_term_conditions=person.long_term_conditions,
                        last_admission=person.last_admission,
                    )
                )
                reasons = json.dumps(list(assessment.reasons), ensure_ascii=False)
                outcome = (result, assessment, risk.SEGMENTS.index(assessment.segment) + 1, reasons)
                outcomes[key] = outcome
            result, assessment, rank, reasons_json = outcome
            by_segment[assessment.segment] += 1
            by_efi[result.category] = by_efi.get(result.category, 0) + 1
            family, given, title, nhs, practice = person.shown
            rows.append(
                (
                    person.patient_id,
                    family,
                    given,
                    title,
                    nhs,
                    practice,
                    person.date_of_birth.isoformat() if person.date_of_birth else None,
                    person.caseload_status,
                    age,
                    result.count if result.applicable else 0,
                    result.score,
                    result.category,
                    person.admissions_12m,
                    person.ae_attendances_12m,
                    person.repeat_medications,
                    person.long_term_conditions,
                    assessment.score,
                    assessment.segment,
                    rank,
                    reasons_json,
                )
            )
            if progress and n % 50_000 == 0:
                progress("stratifying", n, total)
        replace_scores(conn, rows, datetime.now(UTC))
    return StratifySummary(
        people=len(rows),
        by_segment=by_segment,
        by_efi=by_efi,
        seconds=time.perf_counter() - started,
    )
