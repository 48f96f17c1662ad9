"""eFI boundaries, code lists, the risk score and the four levels of need."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest

from mdt_desktop.domain import efi, risk
from mdt_desktop.paths import resources_dir

DEFICITS = efi.load_deficits()
NAMES = sorted(d.name for d in DEFICITS if d.codes)


def _first_code(name: str) -> str:
    return next(sorted(d.codes)[0] for d in DEFICITS if d.name == name)


def codes_for(n: int) -> list[str]:
    return [_first_code(name) for name in NAMES[:n]]


@pytest.mark.parametrize(
    ("count", "category"),
    [(0, "fit"), (4, "fit"), (5, "mild"), (8, "mild"), (9, "moderate"), (12, "moderate"),
     (13, "severe"), (20, "severe")],
)  # fmt: skip
def test_category_boundaries(count: int, category: str) -> None:
    result = efi.compute_efi(codes_for(count), medicines_12m=0, age=80)
    assert result.count == count and result.category == category


def test_thirteen_deficits_is_severe_at_0_361() -> None:
    result = efi.compute_efi(codes_for(13), 0, 70)
    assert result.score == 0.361 and result.category == "severe"
    assert efi.compute_efi(codes_for(12), 0, 70).score == 0.333


def test_age_64_is_not_applicable_and_65_is() -> None:
    codes = codes_for(10)
    young = efi.compute_efi(codes, 0, 64)
    assert not young.applicable and young.category == "not_applicable" and young.score is None
    assert efi.compute_efi(codes, 0, 65).category == "moderate"
    assert efi.compute_efi(codes, 0, None).category == "not_applicable"


def test_polypharmacy_deficit_at_five_medicines() -> None:
    assert "Polypharmacy" not in efi.compute_efi([], 4, 80).deficits
    assert efi.compute_efi([], 5, 80).deficits == ("Polypharmacy",)


def test_two_codes_of_one_deficit_count_once() -> None:
    falls = next(d for d in DEFICITS if d.id == "falls")
    assert len(falls.codes) >= 2
    assert efi.compute_efi(list(falls.codes), 0, 80).count == 1


def test_code_list_is_well_formed() -> None:
    from mdt_desktop.domain.snomed import concept_problem

    data = json.loads((resources_dir() / "efi" / "deficits.json").read_text())
    assert len(data["deficits"]) == 36
    assert len({d["id"] for d in data["deficits"]}) == 36
    for deficit in data["deficits"]:
        for entry in deficit["snomed"]:
            # Every code a valid SNOMED CT concept id (Verhoeff, partition) with a term.
            assert concept_problem(entry["code"]) is None, (deficit["id"], entry)
            assert entry["term"].strip(), entry


def test_the_invalid_and_misfiled_codes_are_gone() -> None:
    index = efi.code_index(DEFICITS)
    for invalid in ("299474006", "408425003", "224255008", "22839006"):
        assert invalid not in index
    assert "weight_loss_anorexia" not in index.get("248062006", ())  # self-harm terms
    assert "urinary_incontinence" not in index.get("4800001", ())  # pyuria
    # Lives in a nursing home: requirement for care, not social vulnerability.
    assert index.get("160734000") == ("requirement_for_care",)


def test_a_code_in_two_deficits_scores_both(tmp_path) -> None:
    data = json.loads((resources_dir() / "efi" / "deficits.json").read_text())
    shared = data["deficits"][0]["snomed"][0]
    data["deficits"][1]["snomed"].append(shared)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    deficits = efi.load_deficits(path)
    result = efi.compute_efi([shared["code"], shared["code"]], 0, 80, deficits)
    assert result.count == 2
    assert set(result.deficits) == {data["deficits"][0]["name"], data["deficits"][1]["name"]}


def test_a_broken_list_is_refused(tmp_path) -> None:
    data = json.loads((resources_dir() / "efi" / "deficits.json").read_text())
    bad = tmp_path / "bad.json"
    data["deficits"][1]["snomed"].append({"code": "299474006", "term": "Foot problem"})
    bad.write_text(json.dumps(data))
    with pytest.raises(efi.CodeListError, match="Verhoeff"):
        efi.load_deficits(bad)
    data["deficits"][1]["snomed"][-1] = {"code": "1912002", "term": " "}
    bad.write_text(json.dumps(data))
    with pytest.raises(efi.CodeListError, match="no term"):
        efi.load_deficits(bad)
    data["deficits"][1]["snomed"][-1] = {"code": "191201018", "term": "a description id"}
    bad.write_text(json.dumps(data))
    with pytest.raises(efi.CodeListError, match="partition 01"):
        efi.load_deficits(bad)
    data["deficits"][1]["snomed"].pop()
    data["deficits"].pop()
    bad.write_text(json.dumps(data))
    with pytest.raises(efi.CodeListError, match="36 deficits"):
        efi.load_deficits(bad)


def test_published_code_sets_read_from_a_folder(tmp_path) -> None:
    """The published sets' file layout (efi-<name>.snomed.txt, code TAB term)."""
    for index, name in enumerate(efi.PUBLISHED_SET_NAMES):
        folder = tmp_path / "sets" / name / "1"
        folder.mkdir(parents=True)
        lines = ["1912002\tFall (event)"] if name == "falls" else []
        lines.append("49808004\tOld-age (finding)" if index % 2 else "52448006\tDementia")
        (folder / f"efi-{name}.snomed.txt").write_text("\n".join(lines) + "\n")
    data = efi.read_published_sets(tmp_path / "sets")
    deficits = efi.parse_code_list(data)
    index = efi.code_index(deficits)
    assert len(index["49808004"]) == 17 and len(index["52448006"]) == 18
    assert index["1912002"] == ("falls",)
    assert next(d for d in deficits if d.id == "polypharmacy").rule


def test_band_boundaries_unchanged() -> None:
    assert [efi.categorise(n) for n in (0, 4, 5, 8, 9, 12, 13, 36)] == [
        "fit", "fit", "mild", "mild", "moderate", "moderate", "severe", "severe",
    ]  # fmt: skip
    assert (
        (Fraction(12, 100), "fit"), (Fraction(24, 100), "mild"), (Fraction(36, 100), "moderate"),
    ) == efi.BOUNDARIES  # fmt: skip


def _inputs(**kw) -> risk.RiskInputs:
    values = dict(
        age=70,
        efi=efi.result_from_deficits([], 70),
        admissions_12m=0,
        ae_attendances_12m=0,
        repeat_medications=0,
        long_term_conditions=0,
    )
    values.update(kw)
    return risk.RiskInputs(**values)


def _efi(n: int, age: int = 80) -> efi.EfiResult:
    return efi.result_from_deficits(NAMES[:n], age)


@pytest.mark.parametrize(
    ("kw", "segment"),
    [
        ({}, "whole_population"),
        ({"ae_attendances_12m": 1}, "whole_population"),
        ({"ae_attendances_12m": 2}, "urgent"),
        ({"admissions_12m": 1}, "urgent"),
        ({"admissions_12m": 2}, "highest"),
        ({"long_term_conditions": 1}, "whole_population"),
        ({"long_term_conditions": 2}, "ongoing"),
        ({"repeat_medications": 9}, "whole_population"),
        ({"repeat_medications": 10}, "ongoing"),
        ({"efi": _efi(8)}, "whole_population"),
        ({"efi": _efi(9)}, "ongoing"),
        ({"efi": _efi(9), "admissions_12m": 1}, "highest"),
        ({"efi": _efi(13)}, "highest"),
        ({"long_term_conditions": 3, "admissions_12m": 1}, "ongoing"),
    ],
)
def test_segment_rules_and_boundaries(kw: dict, segment: str) -> None:
    assert risk.assess(_inputs(**kw)).segment == segment


def test_under_65_with_admissions_is_urgent_without_an_efi() -> None:
    young = _inputs(age=40, efi=efi.result_from_deficits(NAMES[:15], 40), admissions_12m=1)
    result = risk.assess(young)
    assert result.segment == "urgent"
    assert not any(r.startswith("eFI") for r in result.reasons)


def test_reasons_in_words() -> None:
    inputs = _inputs(
        age=87,
        efi=_efi(14, 87),
        admissions_12m=2,
        ae_attendances_12m=3,
        repeat_medications=12,
        long_term_conditions=4,
        last_admission=date(2026, 3, 1),
    )
    reasons = risk.assess(inputs).reasons
    shown = ", ".join(n.lower() for n in NAMES[:5])
    assert reasons == (
        f"eFI severe — 14 deficits: {shown} and 9 more",
        "2 emergency admissions in the last 12 months (latest 01-Mar-2026)",
        "3 A&E attendances in the last 12 months",
        "12 repeat medicines (polypharmacy)",
        "4 long-term conditions",
        "Aged 87",
    )
    one = risk.assess(_inputs(admissions_12m=1, last_admission=date(2026, 7, 14))).reasons
    assert one == ("1 emergency admission in the last 12 months (14-Jul-2026)",)
    assert risk.assess(_inputs()).reasons == ()


def test_score_rises_with_admissions_and_is_capped() -> None:
    scores = [risk.score(_inputs(admissions_12m=n)) for n in range(4)]
    assert scores[0] < scores[1] < scores[2] == scores[3]
    worst = _inputs(age=95, efi=_efi(20, 95), admissions_12m=5, ae_attendances_12m=9,
                    repeat_medications=15, long_term_conditions=9)  # fmt: skip
    assert risk.score(worst) == 100.0
