"""FHIR as UK systems and bulk exports send it (#16) and the bounds on it (#14 finding 6)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mdt_desktop.interop import fhir
from mdt_desktop.interop.records import UnreadableFile
from mdt_desktop.services.importing import import_files
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CodedEntry, Patient

TODAY = date(2026, 11, 22)
SHARED = (
    Path(os.environ.get("MDT_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
    / "data"
    / "fhir-external"
)
N1, N2 = "9990000018", "9990000026"
SNOMED = "http://snomed.info/sct"
UKCORE_METHOD = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"


def _import(store: Store, *paths: Path):
    return import_files(store, list(paths), today=TODAY, stratify=False)


def _patient(pid: str, nhs: str, family: str = "Ellis") -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"family": family, "given": ["Ada"]}],
        "birthDate": "1941-03-14",
    }


def _bundle(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r} for r in resources
        ],
    }


def _coded(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return sorted((k, c) for k, c in s.execute(select(CodedEntry.kind, CodedEntry.code)))


def test_synthea_bulk_export_folder_with_its_log_imports(store: Store, tmp_path: Path) -> None:
    """The shared Synthea bundles, written out as a bulk export: NDJSON per type + a log."""
    by_type: dict[str, list[dict]] = {}
    for bundle in sorted(SHARED.glob("synthea-*.json")):
        text = bundle.read_text()
        entries = json.loads(text)["entry"]
        # A bulk export refers by Type/id, not by a Bundle's urn:uuid full URLs.
        for entry in entries:
            resource = entry["resource"]
            text = text.replace(
                f'"{entry["fullUrl"]}"', f'"{resource["resourceType"]}/{resource["id"]}"'
            )
        for entry in json.loads(text)["entry"]:
            resource = entry["resource"]
            by_type.setdefault(resource["resourceType"], []).append(resource)
    folder = tmp_path / "export"
    folder.mkdir()
    for rtype, resources in by_type.items():
        (folder / f"{rtype}.ndjson").write_text("\n".join(json.dumps(r) for r in resources))
    (folder / "log.ndjson").write_text(
        json.dumps({"transactionTime": "2026-11-01T00:00:00Z", "request": "$export"}) + "\n"
    )
    outcome = {"resourceType": "OperationOutcome", "id": "o1", "issue": [{"severity": "warning",
               "code": "processing", "diagnostics": "one resource left out"}]}  # fmt: skip
    (folder / "OperationOutcome.ndjson").write_text(json.dumps(outcome) + "\n")
    summary = _import(store, folder)
    assert summary.inserted == 5, [r.as_dict() for r in summary.rejections[:5]]
    assert any("log.ndjson: skipped" in note for note in summary.notes)
    assert any("OperationOutcome" in note for note in summary.notes)
    kinds = {kind for kind, _ in _coded(store)}
    assert {"condition", "medication"} <= kinds
    # Synthea's Observations and Procedures with SNOMED codes are read too.
    observed = {
        r["code"]["coding"][0]["code"]
        for r in by_type.get("Procedure", [])
        if r["code"]["coding"][0].get("system") == SNOMED
    }
    assert observed and observed & {code for _, code in _coded(store)}


def test_medication_reference_resolved_in_bundle_import_and_contained(
    store: Store, tmp_path: Path
) -> None:
    medication = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {"coding": [{"system": SNOMED, "code": "317896006",
                             "display": "Digoxin 125microgram tablets"}]},
    }  # fmt: skip
    same_bundle = {
        "resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": "Medication/m1"},
        "authoredOn": "2026-06-01",
    }  # fmt: skip
    contained = {
        "resourceType": "MedicationRequest", "id": "r2", "status": "active", "intent": "order",
        "contained": [{"resourceType": "Medication", "id": "med",
                       "code": {"coding": [{"system": SNOMED, "code": "322236009"}]}}],
        "subject": {"reference": "Patient/p1"}, "medicationReference": {"reference": "#med"},
        "authoredOn": "2026-06-01",
    }  # fmt: skip
    other_file = {
        "resourceType": "MedicationRequest", "id": "r3", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": "Medication/m2"},
        "authoredOn": "2026-06-01",
    }  # fmt: skip
    missing = {**other_file, "id": "r4", "medicationReference": {"reference": "Medication/zz"}}
    (tmp_path / "a.json").write_text(
        json.dumps(_bundle(_patient("p1", N1), medication, same_bundle, contained, other_file,
                           missing))
    )  # fmt: skip
    medication2 = {**medication, "id": "m2",
                   "code": {"coding": [{"system": SNOMED, "code": "318135007"}]}}  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(_bundle(medication2)))
    summary = _import(store, tmp_path / "a.json", tmp_path / "b.json")
    assert _coded(store) == [
        ("medication", "317896006"), ("medication", "318135007"), ("medication", "322236009"),
    ]  # fmt: skip
    assert [(r.where, "not in this import" in r.reason) for r in summary.rejections] == [
        ("MedicationRequest/r4", True)
    ]


def test_only_emergency_admissions_count(store: Store, tmp_path: Path) -> None:
    days = iter(range(1, 20))

    def stay(eid: str, **extra) -> dict:
        day = next(days)
        return {"resourceType": "Encounter", "id": eid, "status": "finished",
                "class": {"code": "IMP"}, "subject": {"reference": "Patient/p1"},
                "period": {"start": f"2026-09-{day:02d}", "end": f"2026-09-{day + 1:02d}"},
                **extra}  # fmt: skip

    def method(code: str) -> dict:
        return {"extension": [{"url": UKCORE_METHOD, "valueCodeableConcept": {"coding": [
            {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland",
             "code": code}]}}]}  # fmt: skip

    path = tmp_path / "stays.json"
    path.write_text(json.dumps(_bundle(
        _patient("p1", N1),
        stay("elective", **method("11")),
        stay("emergency", **method("21")),
        stay("planned-source", hospitalization={"admitSource": {"coding": [{"code": "gp"}]}}),
        stay("from-ae", hospitalization={"admitSource": {"coding": [{"code": "emd"}]}}),
        stay("unsaid"),
    )))  # fmt: skip
    summary = _import(store, path)
    assert [k for k, _ in _coded(store)] == ["admission", "admission"]
    assert not summary.rejections


def test_deep_nesting_is_refused_with_a_reason(store: Store, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"resourceType": "Patient", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(UnreadableFile, match="nested more than 64 levels"):
        _import(store, deep)
    medium = tmp_path / "medium.json"
    medium.write_text('{"resourceType": "Patient", "x": ' + "[" * 80 + "]" * 80 + "}")
    with pytest.raises(UnreadableFile, match="nested more than 64 levels"):
        _import(store, medium)
    with store.session() as s:
        assert s.scalars(select(Patient)).first() is None


def test_control_characters_from_fhir_are_rejected(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(_bundle(_patient("p1", N1, "Ell\u0000is"),
                                       _patient("p2", N2, "W" * 201))))  # fmt: skip
    summary = _import(store, path)
    reasons = {r.where: r.reason for r in summary.rejections}
    assert "control character (U+0000)" in reasons["Patient/p1"]
    assert "at most 200" in reasons["Patient/p2"]
    with store.session() as s:
        assert s.scalars(select(Patient)).first() is None


def test_depth_limit_is_above_what_real_bundles_use() -> None:
    for bundle in SHARED.glob("*.json"):
        fhir._check_depth(json.loads(bundle.read_text()), bundle.name)
