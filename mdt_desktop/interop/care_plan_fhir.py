"""FHIR R4 export of a care plan: a collection Bundle of Patient, CarePlan, Goal(s), CareTeam.

The Patient follows UK Core (NHS number under https://fhir.nhs.uk/Id/nhs-number, with its
verification status where we know it). Sections FHIR has no element for (what matters to
the person, the crisis plan, future care preferences) travel as CarePlan notes, each
starting with its heading, so a receiving system shows them in words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.roles import parse_role

from .fhir import NHS_NUMBER_SYSTEM

UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
UK_CORE_CARE_PLAN = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-CarePlan"
UK_CORE_CARE_TEAM = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-CareTeam"
SNOMED = "http://snomed.info/sct"
# CarePlan.category: 734163000 |Care plan (record artifact)|.
CARE_PLAN_CATEGORY = {"system": SNOMED, "code": "734163000", "display": "Care plan"}
# Care-team roles as SNOMED CT occupations. Roles with no occupation concept of their own
# that we could confirm take the nearest parent (a nurse, a doctor, a health professional);
# the team's own word always travels as the text.
ROLE_CODES: dict[str, tuple[str, str]] = {
    "gp": ("62247001", "General practitioner"),
    "practice_nurse": ("106292003", "Professional nurse"),
    "district_nurse": ("106292003", "Professional nurse"),
    "community_matron": ("106292003", "Professional nurse"),
    "social_worker": ("106328005", "Social worker"),
    "geriatrician": ("158965000", "Medical practitioner"),
    "mental_health_practitioner": ("223366009", "Healthcare professional"),
    "pharmacist": ("46255001", "Pharmacist"),
    "occupational_therapist": ("80546007", "Occupational therapist"),
    "physiotherapist": ("36682004", "Physiotherapist"),
    "care_coordinator": ("223366009", "Healthcare professional"),
}
# CarePlan.status from the person's place on the caseload: a plan of a closed or
# stepped-down case is completed, of a declined referral revoked; a draft stays a draft.
CASELOAD_PLAN_STATUS = {
    "active": "active",
    "waiting": "active",
    "closed": "completed",
    "stepped_down": "completed",
    "declined": "revoked",
}
PLAN_ID_SYSTEM = "https://mdt-desktop.example/Id/care-plan"

# Goal.lifecycleStatus and Goal.achievementStatus for our four plain-word statuses.
_GOAL_STATUS = {
    "not_started": ("accepted", None),
    "in_progress": ("active", ("in-progress", "In Progress")),
    "achieved": ("completed", ("achieved", "Achieved")),
    "no_longer_relevant": ("cancelled", ("not-attainable", "Not Attainable")),
}
_ACTIVITY_STATUS = {"not_started": "not-started", "in_progress": "in-progress"}


@dataclass(frozen=True)
class CareTeamPerson:
    name: str
    role: str | None = None
    organisation: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class CarePlanExport:
    patient_id: uuid.UUID
    nhs_number: str | None
    family_name: str
    given_name: str | None
    title: str | None
    sex: str
    date_of_birth: date | None
    plan_id: uuid.UUID
    plan_status: str  # draft / agreed / closed
    version_id: uuid.UUID
    version_number: int
    saved_at: datetime
    saved_by: str
    content: dict[str, Any]
    team_name: str | None = None
    care_team: list[CareTeamPerson] = field(default_factory=list)
    # The person's caseload entry status (active, closed, stepped_down…), if any.
    caseload_status: str | None = None


def _ref(kind: str, rid: uuid.UUID | str) -> str:
    return f"urn:uuid:{rid}"


def _patient(e: CarePlanExport) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "family": e.family_name}
    if e.given_name:
        name["given"] = e.given_name.split()
    if e.title:
        name["prefix"] = [e.title]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(e.patient_id),
        "meta": {"profile": [UK_CORE_PATIENT]},
        "name": [name],
        "gender": e.sex if e.sex in ("male", "female", "other", "unknown") else "unknown",
    }
    if e.nhs_number:
        resource["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": e.nhs_number}]
    if e.date_of_birth:
        resource["birthDate"] = e.date_of_birth.isoformat()
    return resource


def _goal(e: CarePlanExport, goal: dict[str, Any], goal_uuid: str) -> dict[str, Any]:
    lifecycle, achievement = _GOAL_STATUS[goal["status"]]
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": goal_uuid,
        "identifier": [{"system": PLAN_ID_SYSTEM + "/goal", "value": goal["id"]}],
        "lifecycleStatus": lifecycle,
        "description": {"text": goal["outcome"]},
        "subject": {"reference": _ref("Patient", e.patient_id)},
    }
    if achievement:
        code, display = achievement
        resource["achievementStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    "code": code,
                    "display": display,
                }
            ],
            "text": cp.GOAL_STATUSES[goal["status"]],
        }
    target: dict[str, Any] = {}
    if goal["target_date"]:
        target["dueDate"] = goal["target_date"]
    if goal["measure"]:
        # gol-1: a target's detail needs a measure; the measure is said in words, so it
        # travels as the measure itself (what is measured), with no detail value.
        target["measure"] = {"text": goal["measure"]}
    if target:
        resource["target"] = [target]
    return resource


def plan_status(plan: str, caseload: str | None) -> str:
    """CarePlan.status: the plan's own state, then the person's place on the caseload."""
    if plan == "draft":
        return "draft"
    if plan == "closed":
        return "completed"
    if caseload in CASELOAD_PLAN_STATUS:
        return CASELOAD_PLAN_STATUS[caseload]
    return "active" if plan == "agreed" else "unknown"


def _role(text: str) -> dict[str, Any]:
    """A care-team role as a CodeableConcept: the team's word, and its SNOMED CT occupation."""
    shown, value = text, None
    if text.lower().startswith("care coordinator"):
        value = "care_coordinator"
    else:
        try:
            role = parse_role(text)
        except ValueError:
            role = None
        if role is not None:
            value = role.value
            shown = role.label if text == role.value else text
    concept: dict[str, Any] = {"text": shown}
    coded = ROLE_CODES.get(value or "")
    if coded:
        concept["coding"] = [{"system": SNOMED, "code": coded[0], "display": coded[1]}]
    return concept


def _care_team(e: CarePlanExport, team_uuid: str) -> dict[str, Any]:
    participants = []
    for person in e.care_team:
        participant: dict[str, Any] = {"member": {"display": person.name}}
        if person.role:
            participant["role"] = [_role(person.role)]
        if person.organisation:
            participant["onBehalfOf"] = {"display": person.organisation}
        participants.append(participant)
    resource: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": team_uuid,
        "meta": {"profile": [UK_CORE_CARE_TEAM]},
        "status": "active",
        "name": e.team_name or "Neighbourhood multidisciplinary team",
        "subject": {"reference": _ref("Patient", e.patient_id)},
    }
    if participants:
        resource["participant"] = participants
    return resource


def _notes(content: dict[str, Any], when: str) -> list[dict[str, Any]]:
    notes = []
    for key in (
        "about_me",
        "needs",
        "contingency",
        "future_care",
        "support_network",
        "medicines",
        "budget",
        "review",
    ):
        text = cp.section_text(content, key)
        if text:
            title = cp.SECTION_BY_KEY[key].title
            notes.append({"text": f"{title}:\n{text}", "time": when})
    return notes


def care_plan_bundle(e: CarePlanExport, *, now: datetime | None = None) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict (ids are stable: the same plan exports the same ids)."""
    content = cp.normalise(e.content)
    now = now or datetime.now(UTC)
    saved = e.saved_at.astimezone(UTC).isoformat()
    goal_ids = {g["id"]: str(uuid.uuid5(e.plan_id, "goal:" + g["id"])) for g in content["goals"]}
    team_uuid = str(uuid.uuid5(e.plan_id, "care-team"))
    plan_uuid = str(e.version_id)
    activities = []
    for action in content["actions"]:
        goal = next((g for g in content["goals"] if g["id"] == action["goal_id"]), None)
        detail: dict[str, Any] = {
            "status": _ACTIVITY_STATUS.get(goal["status"], "in-progress") if goal else "scheduled",
            "description": action["what"],
        }
        if action["who"]:
            detail["performer"] = [{"display": action["who"]}]
        if action["when"]:
            detail["scheduledString"] = action["when"]
        if goal:
            detail["goal"] = [{"reference": _ref("Goal", goal_ids[goal["id"]])}]
        activities.append({"detail": detail})
    review = content["review"]
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": plan_uuid,
        "meta": {
            "versionId": str(e.version_number),
            "lastUpdated": saved,
            "profile": [UK_CORE_CARE_PLAN],
        },
        "identifier": [{"system": PLAN_ID_SYSTEM, "value": str(e.plan_id)}],
        "status": plan_status(e.plan_status, e.caseload_status),
        "intent": "plan",
        "category": [{"coding": [CARE_PLAN_CATEGORY], "text": "Care plan"}],
        "title": "Shared care plan",
        "subject": {"reference": _ref("Patient", e.patient_id)},
        "created": saved,
        "author": {"display": e.saved_by},
        "careTeam": [{"reference": _ref("CareTeam", team_uuid)}],
        "goal": [{"reference": _ref("Goal", gid)} for gid in goal_ids.values()],
    }
    if content["about_me"]:
        plan["description"] = content["about_me"]
    if review["agreed_on"] or review["review_on"]:
        period: dict[str, str] = {}
        if review["agreed_on"]:
            period["start"] = review["agreed_on"]
        if review["review_on"]:
            period["end"] = review["review_on"]
        plan["period"] = period
    if activities:
        plan["activity"] = activities
    notes = _notes(content, saved)
    if notes:
        plan["note"] = notes
    if not plan["goal"]:
        del plan["goal"]
    resources = [
        _patient(e),
        plan,
        *[_goal(e, g, goal_ids[g["id"]]) for g in content["goals"]],
        _care_team(e, team_uuid),
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": now.astimezone(UTC).isoformat()},
        "type": "collection",
        "timestamp": now.astimezone(UTC).isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
