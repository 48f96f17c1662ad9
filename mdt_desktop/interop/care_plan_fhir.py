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

from .fhir import NHS_NUMBER_SYSTEM

UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
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
        target["detailString"] = goal["measure"]
    if target:
        resource["target"] = [target]
    return resource


def _care_team(e: CarePlanExport, team_uuid: str) -> dict[str, Any]:
    participants = []
    for person in e.care_team:
        participant: dict[str, Any] = {"member": {"display": person.name}}
        if person.role:
            participant["role"] = [{"text": person.role}]
        if person.organisation:
            participant["onBehalfOf"] = {"display": person.organisation}
        participants.append(participant)
    resource: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": team_uuid,
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
        "meta": {"versionId": str(e.version_number), "lastUpdated": saved},
        "identifier": [{"system": PLAN_ID_SYSTEM, "value": str(e.plan_id)}],
        "status": {"draft": "draft", "agreed": "active", "closed": "completed"}.get(
            e.plan_status, "unknown"
        ),
        "intent": "plan",
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
