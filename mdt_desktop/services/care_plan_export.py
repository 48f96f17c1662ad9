"""Export a person's care plan: the PDF they take home, or a FHIR Bundle. Both audited."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.domain.roles import Role
from mdt_desktop.interop.care_plan_fhir import CarePlanExport, CareTeamPerson, care_plan_bundle
from mdt_desktop.reports.care_plan import CarePlanDocument, build_care_plan_pdf
from mdt_desktop.services.care_plans import VersionInfo, history, load_plan
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.services.patients import patient_banner
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CareTeamMember, CaseloadEntry, Patient, Staff, Team

from .errors import NotFound

FORMATS = ("pdf", "fhir")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    version_number: int


def _role_label(role: str | None) -> str | None:
    if not role:
        return None
    try:
        return Role(role).label
    except ValueError:
        return role


def _version(store: Store, patient_id: uuid.UUID, version_id: uuid.UUID | None) -> VersionInfo:
    state = load_plan(store, patient_id)
    if state is None or state.current is None:
        raise NotFound("This person has no care plan yet: save one first.")
    if version_id is None or version_id == state.current.id:
        return state.current
    for v in history(store, patient_id):
        if v.id == version_id:
            return v
    raise NotFound("That version is not part of this person's plan.")


def _care_team(store: Store, patient_id: uuid.UUID) -> tuple[list[CareTeamPerson], str | None]:
    """The people around the person (care coordinator first) and the coordinator's line."""
    people: list[CareTeamPerson] = []
    coordinator_line = None
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry)
            .where(
                CaseloadEntry.patient_id == patient_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                CaseloadEntry.deleted_at.is_(None),
            )
            .order_by(CaseloadEntry.started_on.desc())
        ).first()
        if entry and entry.care_coordinator_id:
            staff = s.get(Staff, entry.care_coordinator_id)
            if staff:
                role = _role_label(staff.role)
                people.append(
                    CareTeamPerson(
                        staff.name, f"Care coordinator ({role})", staff.organisation, staff.phone
                    )
                )
                coordinator_line = ", ".join(p for p in (staff.name, role, staff.phone) if p)
        for member in s.scalars(
            select(CareTeamMember)
            .where(CareTeamMember.patient_id == patient_id, CareTeamMember.deleted_at.is_(None))
            .order_by(CareTeamMember.is_lead.desc(), CareTeamMember.name)
        ):
            role = member.role or {"carer": "Carer", "next_of_kin": "Next of kin"}.get(
                member.relationship
            )
            people.append(CareTeamPerson(member.name, role, member.organisation, member.contact))
    return people, coordinator_line


def _produced_by(store: Store) -> str:
    role = _role_label(store.actor.role)
    return f"{store.actor.name} ({role})" if role and role != "system" else store.actor.name


def care_plan_document(
    store: Store,
    patient_id: uuid.UUID,
    *,
    version_id: uuid.UUID | None = None,
    today: date | None = None,
) -> CarePlanDocument:
    version = _version(store, patient_id, version_id)
    banner = patient_banner(store, patient_id, today)
    _people, coordinator = _care_team(store, patient_id)
    return CarePlanDocument(
        running_line=banner.one_line,
        person_name=banner.name,
        version_number=version.number,
        saved_at=version.created_at,
        saved_by=version.author_name,
        content=version.content,
        produced_by=_produced_by(store),
        produced_at=datetime.now(UTC),
        care_coordinator=coordinator,
        today=today,
        changed_since_agreed=version.changed_since_agreed,
    )


def _write(path: Path, data: bytes) -> None:
    """All at once through a side file, so a failure never leaves half a document."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"The folder {path.parent} does not exist.")
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def export_pdf(
    store: Store,
    patient_id: uuid.UUID,
    out: Path,
    *,
    large_print: bool = False,
    version_id: uuid.UUID | None = None,
    today: date | None = None,
) -> ExportResult:
    require(store.actor.role, Permission.EXPORT_RECORD)
    doc = care_plan_document(store, patient_id, version_id=version_id, today=today)
    data = build_care_plan_pdf(doc, large_print=large_print)
    _write(out, data)
    store.audit(
        "export",
        "care_plans",
        None,
        patient_id,
        detail=f"care plan version {doc.version_number} as PDF"
        + (" (large print)" if large_print else "")
        + f" to {Path(out).name}",
    )
    return ExportResult(Path(out), doc.version_number)


def fhir_export_data(
    store: Store, patient_id: uuid.UUID, version_id: uuid.UUID | None = None
) -> CarePlanExport:
    version = _version(store, patient_id, version_id)
    people, _line = _care_team(store, patient_id)
    state = load_plan(store, patient_id)
    assert state is not None
    with store.session() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That person is not in this store.")
        team = s.get(Team, patient.team_id) if patient.team_id else None
        caseload_status = s.scalars(
            select(CaseloadEntry.status)
            .where(CaseloadEntry.patient_id == patient_id, CaseloadEntry.deleted_at.is_(None))
            .order_by(CaseloadEntry.started_on.desc())
        ).first()
        return CarePlanExport(
            patient_id=patient.id,
            nhs_number=patient.nhs_number,
            family_name=patient.family_name,
            given_name=patient.given_name,
            title=patient.title,
            sex=patient.sex,
            date_of_birth=patient.date_of_birth,
            plan_id=state.plan_id,
            plan_status=state.status,
            version_id=version.id,
            version_number=version.number,
            saved_at=version.created_at,
            saved_by=version.author_name,
            content=version.content,
            team_name=team.name if team else None,
            care_team=people,
            caseload_status=caseload_status,
        )


def export_fhir(
    store: Store, patient_id: uuid.UUID, out: Path, *, version_id: uuid.UUID | None = None
) -> ExportResult:
    require(store.actor.role, Permission.EXPORT_RECORD)
    data = fhir_export_data(store, patient_id, version_id)
    bundle = care_plan_bundle(data)
    _write(out, json.dumps(bundle, indent=2, ensure_ascii=False).encode("utf-8"))
    store.audit(
        "export",
        "care_plans",
        data.plan_id,
        patient_id,
        detail=f"care plan version {data.version_number} as FHIR to {Path(out).name}",
    )
    return ExportResult(Path(out), data.version_number)


def export(
    store: Store,
    patient_id: uuid.UUID,
    out: Path,
    *,
    fmt: str = "pdf",
    large_print: bool = False,
) -> ExportResult:
    if fmt not in FORMATS:
        raise InvalidInput(f"The format is one of {', '.join(FORMATS)}.")
    if fmt == "fhir":
        if large_print:
            raise InvalidInput("Large print applies to the PDF only.")
        return export_fhir(store, patient_id, out)
    return export_pdf(store, patient_id, out, large_print=large_print)
