"""Exporting a care plan: PDF and FHIR files, permission, audit; and the CLI command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select
from support.care_plans import NAMES, clinician, nhs_for, person_on_caseload, rich_content

from mdt_desktop import cli
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.domain.roles import Role
from mdt_desktop.interop.fhir import NHS_NUMBER_SYSTEM
from mdt_desktop.services import care_plans
from mdt_desktop.services.care_plan_export import export, export_fhir, export_pdf
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CareTeamMember, CaseloadEntry, Staff


def _plan(store: Store, serial: int = 1) -> object:
    clinician(store)
    pid = person_on_caseload(store, serial)
    care_plans.save_version(store, pid, rich_content(), None)
    return pid


def test_pdf_export_writes_the_file_and_audits_it(store: Store, tmp_path: Path) -> None:
    pid = _plan(store)
    out = tmp_path / "plan.pdf"
    result = export_pdf(store, pid, out)
    assert result.version_number == 1
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "NHS No. " + format_nhs_number(nhs_for(1)) in text
    assert "Produced by Sam Carter (District nurse)" in text
    for name in NAMES:
        assert name in text
    export_pdf(store, pid, tmp_path / "large.pdf", large_print=True)
    with store.session() as s:
        details = list(
            s.scalars(
                select(AuditEntry.detail).where(
                    AuditEntry.action == "export", AuditEntry.patient_id == pid
                )
            )
        )
    assert details == [
        "care plan version 1 as PDF to plan.pdf",
        "care plan version 1 as PDF (large print) to large.pdf",
    ]
    assert not list(tmp_path.glob("*.part"))


def test_export_needs_the_permission_and_a_plan(store: Store, tmp_path: Path) -> None:
    pid = _plan(store)
    clinician(store, Role.VOLUNTARY_SECTOR_WORKER, "Siobhán Kelly")
    with pytest.raises(NotPermitted, match="export records"):
        export_pdf(store, pid, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    clinician(store)
    other = person_on_caseload(store, 2)
    with pytest.raises(LookupError, match="no care plan"):
        export(store, other, tmp_path / "y.pdf")


def test_fhir_bundle_validates_and_carries_the_plan(store: Store, tmp_path: Path) -> None:
    pid = _plan(store)
    with store.transaction() as s:
        staff = Staff(name="Carol Hughes", role="care_coordinator", phone="01632 960123")
        s.add(staff)
        s.flush()
        s.scalars(select(CaseloadEntry)).first().care_coordinator_id = staff.id
        s.add(CareTeamMember(patient_id=pid, name="Ana Wiśniewska", relationship="carer"))
    out = tmp_path / "plan.json"
    export_fhir(store, pid, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds == ["Patient", "CarePlan", "Goal", "Goal", "Goal", "CareTeam"]
    for entry in data["entry"]:
        resource = entry["resource"]
        # Each resource validates against its own R4 model too (not only as a Bundle entry).
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    patient, plan = data["entry"][0]["resource"], data["entry"][1]["resource"]
    assert patient["identifier"] == [{"system": NHS_NUMBER_SYSTEM, "value": nhs_for(1)}]
    assert patient["name"][0]["family"] == "Nguyễn" and patient["name"][0]["given"] == ["Zoë"]
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["period"] == {"start": "2026-07-14", "end": "2026-10-12"}
    assert len(plan["goal"]) == 3 and len(plan["activity"]) == 4
    goal_urls = {e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Goal"}
    for activity in plan["activity"]:
        assert activity["detail"]["goal"][0]["reference"] in goal_urls
    goal = data["entry"][2]["resource"]
    assert goal["description"]["text"] == "Tea & <b>cake</b> with <para>friends</para>"
    assert goal["lifecycleStatus"] == "active"
    assert goal["target"][0]["dueDate"] == "2026-10-01"
    notes = "\n".join(n["text"] for n in plan["note"])
    assert "Contingency and crisis plan:\nEarly warning signs: More breathless" in notes
    team = data["entry"][-1]["resource"]
    members = [p["member"]["display"] for p in team["participant"]]
    assert members == ["Carol Hughes", "Ana Wiśniewska"]


def test_cli_export_careplan_pdf_and_fhir(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.mdt"
    assert cli.main(["init", "--store", str(path)]) == 0
    capsys.readouterr()
    with Store.open(path) as store:
        _plan(store, 5)
    nhs = format_nhs_number(nhs_for(5))
    out = tmp_path / "plan.pdf"
    code = cli.main(["export-careplan", "--store", str(path), "--nhs", nhs, "--out", str(out)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["version"] == 1 and result["exported_by"] == "Sam Carter"
    assert out.read_bytes().startswith(b"%PDF")
    large = tmp_path / "large.pdf"
    argv = ["export-careplan", "--store", str(path), "--nhs", nhs, "--out", str(large)]
    assert cli.main([*argv, "--large-print"]) == 0
    capsys.readouterr()
    fhir = tmp_path / "plan.json"
    argv = ["export-careplan", "--store", str(path), "--nhs", nhs, "--out", str(fhir)]
    assert cli.main([*argv, "--format", "fhir"]) == 0
    capsys.readouterr()
    Bundle.model_validate(json.loads(fhir.read_text(encoding="utf-8")))
    # Bad input: a clear message, nothing written.
    bad = tmp_path / "bad.pdf"
    argv = ["export-careplan", "--store", str(path), "--out", str(bad)]
    assert cli.main([*argv, "--nhs", "943 476 5918"]) == cli.EXIT_FAILED
    assert "modulus 11" in capsys.readouterr().err
    assert cli.main([*argv, "--nhs", "943 476 5919"]) == cli.EXIT_FAILED
    assert "No one with NHS number" in capsys.readouterr().err
    assert cli.main([*argv, "--nhs", nhs, "--format", "fhir", "--large-print"]) == 1
    assert "PDF only" in capsys.readouterr().err
    assert not bad.exists()


def test_fhir_plan_status_comes_from_the_caseload(store: Store, tmp_path: Path) -> None:
    pid = _plan(store)
    with store.transaction() as s:
        s.scalars(select(CaseloadEntry)).first().status = "stepped_down"
    out = tmp_path / "plan.json"
    export_fhir(store, pid, out)
    plan = json.loads(out.read_text(encoding="utf-8"))["entry"][1]["resource"]
    assert plan["status"] == "completed"
