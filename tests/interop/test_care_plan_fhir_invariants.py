"""The care-plan FHIR export against the R4 models and the R4 invariants that pydantic
models skip, evaluated with FHIRPath (fhirpathpy, R4 model for choice types)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate
from fhirpathpy.models import models
from support.care_plans import rich_content

from mdt_desktop.domain.snomed import concept_problem
from mdt_desktop.interop.care_plan_fhir import (
    UK_CORE_CARE_PLAN,
    UK_CORE_CARE_TEAM,
    UK_CORE_PATIENT,
    CarePlanExport,
    CareTeamPerson,
    care_plan_bundle,
)

R4 = models["r4"]
# The R4 (4.0.1) invariants of the resources we write, as the specification states them.
# ctm-1 uses resolve(), which needs a server; a member given by display only passes it.
INVARIANTS: dict[str, dict[str, str]] = {
    "Goal": {
        "gol-1": "Goal.target.all((detail.exists() and measure.exists()) or detail.exists().not())",
    },
    "CarePlan": {
        "cpl-3": "CarePlan.activity.all(detail.empty() or reference.empty())",
    },
    "CareTeam": {
        "ctm-1": "CareTeam.participant.all(onBehalfOf.exists() implies "
        "(member.reference.empty() or member.reference.startsWith('Practitioner/')))",
    },
    "Patient": {
        "pat-1": "Patient.contact.all(name.exists() or telecom.exists() or address.exists() "
        "or organization.exists())",
    },
    "*": {
        "dom-2": "contained.contained.empty()",
        "dom-3": "contained.all(%resource.descendants().reference.contains('#' + id) or "
        "descendants().reference.contains('#'))",
        "dom-4": "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",
        "dom-5": "contained.meta.security.empty()",
    },
    "Bundle": {
        "bdl-1": "total.empty() or (type = 'searchset') or (type = 'history')",
        "bdl-2": "(type = 'searchset') or entry.search.empty()",
        "bdl-3": "entry.request.empty() or type = 'batch' or type = 'transaction' "
        "or type = 'history'",
        "bdl-4": "entry.response.empty() or type = 'batch-response' "
        "or type = 'transaction-response' or type = 'history'",
        "bdl-5": "entry.all(resource.exists() or request.exists() or response.exists())",
        "bdl-7": "(type = 'history') or entry.where(fullUrl.exists())"
        ".select(fullUrl & resource.meta.versionId).isDistinct()",
        "bdl-8": "entry.all(fullUrl.contains('/_history/').not())",
    },
}


def violations(resource: dict) -> list[str]:
    broken = []
    rules = {**INVARIANTS["*"], **INVARIANTS.get(resource["resourceType"], {})}
    for name, expression in rules.items():
        if name == "dom-3" and not resource.get("contained"):
            continue
        result = evaluate(resource, expression, {"resource": resource}, R4)
        if result != [True]:
            broken.append(f"{resource['resourceType']} {name}: {result}")
    return broken


def _export(plan_status: str = "agreed", caseload: str | None = "active") -> dict:
    plan_id = uuid.UUID(int=7)
    return care_plan_bundle(
        CarePlanExport(
            patient_id=uuid.UUID(int=1), nhs_number="9990000018", family_name="Nguyễn",
            given_name="Zoë", title="Ms", sex="female", date_of_birth=date(1941, 3, 14),
            plan_id=plan_id, plan_status=plan_status, version_id=uuid.UUID(int=8),
            version_number=2, saved_at=datetime(2026, 11, 1, tzinfo=UTC), saved_by="Dr Ellis",
            content=rich_content(), team_name="North MDT",
            care_team=[
                CareTeamPerson("Carol Hughes", "Care coordinator (Community matron)", "NHS"),
                CareTeamPerson("Sam Lee", "community_matron"),
                CareTeamPerson("Pat Shah", "physiotherapist", "Trust"),
                CareTeamPerson("Ana Wiśniewska", "Carer"),
            ],
            caseload_status=caseload,
        ),
        now=datetime(2026, 11, 2, tzinfo=UTC),
    )  # fmt: skip


def test_every_resource_validates_and_keeps_the_r4_invariants() -> None:
    bundle = _export()
    Bundle.model_validate(bundle)
    assert violations(bundle) == []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert violations(resource) == [], resource["resourceType"]


def test_goals_carry_their_measure_as_the_target_measure() -> None:
    goals = [e["resource"] for e in _export()["entry"] if e["resource"]["resourceType"] == "Goal"]
    measured = [g for g in goals if any("measure" in t for t in g.get("target", []))]
    assert measured, "the rich plan has measured goals"
    for goal in goals:
        for target in goal.get("target", []):
            assert not any(k.startswith("detail") for k in target)


def test_the_invariant_check_can_fail() -> None:
    """The check is real: yesterday's Goal (a detail with no measure) breaks gol-1."""
    broken = {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "x"},
        "subject": {"reference": "urn:uuid:1"},
        "target": [{"detailString": "twice"}],
    }
    assert violations(broken) == ["Goal gol-1: [False]"]


def test_snomed_codes_for_roles_and_category_and_uk_core_profiles() -> None:
    bundle = _export()
    by_type = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    plan, team = by_type["CarePlan"], by_type["CareTeam"]
    assert plan["category"][0]["coding"][0] == {
        "system": "http://snomed.info/sct", "code": "734163000", "display": "Care plan",
    }  # fmt: skip
    roles = [p["role"][0] for p in team["participant"]]
    assert [r["text"] for r in roles] == [
        "Care coordinator (Community matron)", "Community matron", "Physiotherapist", "Carer",
    ]  # fmt: skip
    assert "community_matron" not in str(team)
    codes = [r["coding"][0]["code"] for r in roles if "coding" in r]
    assert codes == ["223366009", "106292003", "36682004"]
    for code in [*codes, "734163000"]:
        assert concept_problem(code) is None
    assert by_type["Patient"]["meta"]["profile"] == [UK_CORE_PATIENT]
    assert plan["meta"]["profile"] == [UK_CORE_CARE_PLAN]
    assert team["meta"]["profile"] == [UK_CORE_CARE_TEAM]


@pytest.mark.parametrize(
    ("plan_status", "caseload", "expected"),
    [
        ("agreed", "active", "active"),
        ("agreed", "closed", "completed"),
        ("agreed", "stepped_down", "completed"),
        ("agreed", "declined", "revoked"),
        ("agreed", None, "active"),
        ("draft", "closed", "draft"),
        ("closed", "active", "completed"),
    ],
)
def test_plan_status_follows_the_caseload(plan_status: str, caseload: str | None,
                                          expected: str) -> None:  # fmt: skip
    plan = next(e["resource"] for e in _export(plan_status, caseload)["entry"]
                if e["resource"]["resourceType"] == "CarePlan")  # fmt: skip
    assert plan["status"] == expected
