"""The hospital's feed: CSV and FHIR Encounters, idempotent by spell id, rejections kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.neighbourhood import Neighbourhood

from mdt_desktop.domain.discharges import DischargeStatus
from mdt_desktop.interop.admissions import read_admissions
from mdt_desktop.interop.records import UnreadableFile
from mdt_desktop.services.discharges._common import NewAdmission, NewPlan
from mdt_desktop.services.discharges.importing import import_admissions
from mdt_desktop.services.discharges.stay import new_stay, stay_values
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import DischargeEvent, DischargePlan, HospitalAdmission, Patient

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fhir-external"
SYNTHEA = EXTERNAL / (
    "synthea-r4-bundle_m1915-deceased2020_chf-af-osteoporosis_Kendall_Keeling.json"
)
HEADER = (
    "Spell ID,NHS Number,Hospital,Ward,Admitted At,Admission Method,Expected Discharge On,"
    "Discharge Ready On,Discharged At,Discharge Destination,Discharge Method,Pathway\n"
)


def nhs(store: Store, hood: Neighbourhood, n: int) -> str:
    with store.session() as s:
        return s.get(Patient, hood.patients[n]).nhs_number


def counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (HospitalAdmission, DischargePlan, DischargeEvent)
        )


def test_csv_feed_adds_moves_on_and_repeats_as_nothing(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    a, b = nhs(store, hood, 0), nhs(store, hood, 1)
    feed = tmp_path / "adt.csv"
    feed.write_text(
        HEADER
        + f"S1,{a},St James's,J27,2026-11-20T09:30:00,21,2026-11-27,,,,,\n"
        + f"S2,{b},LGI,L8,2026-11-01T10:00:00Z,11,,,2026-11-05T16:00:00Z,19,1,0\n"
        + "S3,9999999998,LGI,L8,2026-11-01T10:00:00,21,,,,,,\n"  # not a valid NHS number
        + f"S4,{a},LGI,L8,yesterday,21,,,,,,\n"
        + f"S5,{a},LGI,L8,2026-11-02T10:00:00,99,,,,,,\n"
        + f"S6,{b},LGI,L8,2026-11-10T10:00:00,21,,,2026-11-09T10:00:00,,,\n"
        + "S7,9990000018,LGI,L8,2026-11-10T10:00:00,21,,,,,,\n"  # valid, not registered
        + f"S1,{a},St James's,J27,2026-11-20T09:30:00,21,,,,,,\n"
    )
    first = import_admissions(store, [feed])
    assert (first.added, first.discharged) == (2, 1)
    reasons = {(r.where, r.field): r.reason for r in first.rejections}
    assert ("line 4", "nhs_number") in reasons
    assert "ISO 8601" in reasons[("line 5", "admitted_at")]
    assert "not an NHS Data Dictionary code" in reasons[("line 6", "admission_method")]
    assert reasons[("line 7", "discharged_at")] == "before the admission"
    assert "the same spell" in reasons[("line 9", "spell_id")]
    assert [r.where for r in first.not_on_register] == ["line 8"]
    with store.session() as s:
        created = s.scalars(select(Patient).where(Patient.nhs_number == "9990000018")).first()
    assert created is None  # reported, never created
    before = counts(store)

    again = import_admissions(store, [feed])
    assert (again.added, again.updated, again.unchanged, again.discharged) == (0, 0, 2, 0)
    assert counts(store) == before

    feed.write_text(
        HEADER + f"S1,{a},St James's,J29,2026-11-20T09:30:00,21,2026-11-30,2026-11-26,,,,\n"
    )
    moved = import_admissions(store, [feed])
    assert (moved.updated, moved.unchanged) == (1, 0)
    with store.session() as s:
        plan = s.scalars(
            select(DischargePlan).where(DischargePlan.expected_discharge_on.is_not(None))
        ).one()
        edds = s.scalars(
            select(DischargeEvent.on)
            .where(DischargeEvent.kind == "edd")
            .order_by(DischargeEvent.recorded_at)
        ).all()
    assert plan.ready_on.isoformat() == "2026-11-26" and plan.status == DischargeStatus.IN_HOSPITAL
    assert [x.isoformat() for x in edds] == ["2026-11-27", "2026-11-30"]  # history kept


def test_a_readmission_within_one_file_is_flagged(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    a = nhs(store, hood, 2)
    feed = tmp_path / "adt.csv"
    feed.write_text(
        HEADER
        + f"R2,{a},LGI,L8,2026-11-20T09:30:00,22,,,,,,\n"
        + f"R1,{a},LGI,L8,2026-11-01T10:00:00Z,21,,,2026-11-05T16:00:00Z,19,1,1\n"
    )
    result = import_admissions(store, [feed])
    assert result.added == 2
    with store.session() as s:
        flags = dict(
            s.execute(
                select(HospitalAdmission.spell_id, DischargePlan.readmission).join(
                    DischargePlan, DischargePlan.admission_id == HospitalAdmission.id
                )
            ).all()
        )
    assert flags == {"R1": False, "R2": True}


def test_fhir_encounters_from_a_real_synthea_bundle(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    bundle = json.loads(SYNTHEA.read_text())
    inpatient = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Encounter" and e["resource"]["class"]["code"] == "IMP"
    ]
    assert inpatient, "the Synthea bundle holds inpatient stays"
    as_sent = tmp_path / "synthea.json"
    as_sent.write_text(SYNTHEA.read_text())
    unknown = import_admissions(store, [as_sent])
    # A US patient has no NHS number: every stay is a rejection with its reason, none a crash.
    assert unknown.added == 0
    assert {r.field for r in unknown.rejections} == {"nhs_number"}
    assert len(unknown.rejections) == len(inpatient)

    # The same bundle as a UK sender would give it: the patient's NHS number, and UK Core's
    # admission-method extension on one stay (elective), admitSource emd on another.
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Patient":
            r["identifier"].append(
                {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs(store, hood, 3)}
            )
    inpatient[0]["extension"] = [
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
            "valueCodeableConcept": {"coding": [{"code": "11"}]},
        }
    ]
    inpatient[1].setdefault("hospitalization", {})["admitSource"] = {"coding": [{"code": "emd"}]}
    uk = tmp_path / "uk.json"
    uk.write_text(json.dumps(bundle))
    result = import_admissions(store, [uk])
    assert result.added == len(inpatient) and not result.rejections
    with store.session() as s:
        stays = s.execute(
            select(
                HospitalAdmission.spell_id,
                HospitalAdmission.emergency,
                HospitalAdmission.admission_method,
            )
        ).all()
    methods = {spell: (emergency, method) for spell, emergency, method in stays}
    first_spell = inpatient[0]["id"]  # Synthea gives no identifier: the id stands in
    assert methods[first_spell] == (False, "11")  # elective: never an emergency
    assert methods[inpatient[1]["id"]] == (True, "21")  # through the emergency department
    for other in inpatient[2:]:
        assert methods[other["id"]] == (False, None)  # unknown is not counted as emergency
    assert import_admissions(store, [uk]).added == 0  # idempotent by spell id


def test_an_unreadable_feed_is_refused_whole(
    store: Store, hood: Neighbourhood, tmp_path: Path
) -> None:
    bad = tmp_path / "adt.csv"
    bad.write_text("Patient,When\nx,y\n")
    with pytest.raises(UnreadableFile, match="no column spell_id"):
        import_admissions(store, [bad])
    assert counts(store) == (0, 0, 0)


@pytest.mark.parametrize(
    ("ward", "kept"),
    [("J\x0727", False), ("J27\x7f", False), ("J\t27", False), ("Ward 27 – Æsir", True)],
)
def test_a_control_character_in_a_cell_rejects_the_row(
    tmp_path: Path, ward: str, kept: bool
) -> None:
    feed = tmp_path / "adt.csv"
    feed.write_text(
        HEADER + f"S1,943 476 5919,St James's,{ward},2026-11-02T09:00:00Z,21,,,,,,\n",
        encoding="utf-8",
    )
    parsed = read_admissions([feed])
    assert [r.ward for r in parsed.records] == ([ward] if kept else [])
    assert [(r.field, r.reason) for r in parsed.rejections] == (
        [] if kept else [("ward", "contains control characters")]
    )


def test_a_stay_the_feed_opens_reads_and_moves_on_as_a_stored_one(
    store: Store, hood: Neighbourhood
) -> None:
    with store.session() as s:
        patient = s.get(Patient, hood.patients[0])
        facts = dict(admitted_at=datetime(2026, 11, 2, 9, tzinfo=UTC), hospital="St James's",
                     ward=" J27 ", method="21", spell_id="S1")  # fmt: skip
        admission, plan = stay_values(patient, **facts)
        stored = new_stay(patient, **facts)
    new_plan = NewPlan(plan)
    # The same rules give the values and the mapped objects.
    assert {k: v for k, v in vars(stored[0]).items() if not k.startswith("_")}.keys() == (
        admission.keys()
    )
    assert NewAdmission(admission).ward == stored[0].ward == "J27"
    assert new_plan.status == DischargeStatus.IN_HOSPITAL and new_plan.ready_on is None
    new_plan.ready_on = date(2026, 11, 18)
    assert new_plan.as_row() == (DischargePlan, {**plan, "ready_on": date(2026, 11, 18)})
    with pytest.raises(AttributeError, match="no attribute 'ready'"):
        new_plan.ready  # noqa: B018 - a name that is not a column is an error, not None
