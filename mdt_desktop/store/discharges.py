"""Reads for discharge planning: the in-reach board and one stay's tasks and history.

The board is one SQL statement: the team's active caseload now in hospital, with task counts
as correlated aggregates over ``discharge_tasks`` (indexed by plan), so 500 stays with 20 tasks
each are read in one pass rather than a query per person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.discharges import DischargeStatus, TaskStatus

from .schema import (
    CaseloadEntry,
    DischargeEvent,
    DischargePlan,
    DischargeTask,
    DischargeTaskTemplate,
    HospitalAdmission,
    Patient,
    Staff,
)


class BoardRow(NamedTuple):
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    family_name: str
    given_name: str
    nhs_number: str
    date_of_birth: date | None
    hospital: str | None
    ward: str | None
    admitted_at: datetime
    expected_discharge_on: date | None
    ready_on: date | None
    pathway: int | None
    destination_code: str | None
    delay_scheme: str | None
    delay_code: str | None
    delay_family: str | None
    readmission: bool
    coordinator_id: uuid.UUID | None
    coordinator: str | None
    open_tasks: int
    overdue_tasks: int
    unowned_tasks: int
    mine_tasks: int


def board_rows(
    s: Session, team_id: uuid.UUID | None, today: date, me: uuid.UUID | None = None
) -> list[BoardRow]:
    """Everyone on the team's active caseload now in hospital, longest ready first."""
    t = DischargeTask
    is_open = t.status == TaskStatus.OPEN

    def count(*conditions: Any) -> Any:
        return (
            select(func.count())
            .where(t.discharge_plan_id == DischargePlan.id, t.deleted_at.is_(None), *conditions)
            .correlate(DischargePlan)
            .scalar_subquery()
        )

    coordinator = Staff.__table__.alias("coordinator")
    stmt = (
        select(
            DischargePlan.id,
            DischargePlan.patient_id,
            Patient.family_name,
            Patient.given_name,
            Patient.nhs_number,
            Patient.date_of_birth,
            HospitalAdmission.hospital,
            HospitalAdmission.ward,
            HospitalAdmission.admitted_at,
            DischargePlan.expected_discharge_on,
            DischargePlan.ready_on,
            DischargePlan.pathway,
            DischargePlan.destination_code,
            DischargePlan.delay_scheme,
            DischargePlan.delay_code,
            DischargePlan.delay_family,
            DischargePlan.readmission,
            CaseloadEntry.care_coordinator_id,
            coordinator.c.name,
            count(is_open),
            count(is_open, t.due_on < today),
            count(is_open, t.owner_staff_id.is_(None), t.owner_name.is_(None)),
            count(is_open, t.owner_staff_id == me) if me is not None else literal(0),
        )
        .join(HospitalAdmission, HospitalAdmission.id == DischargePlan.admission_id)
        .join(Patient, Patient.id == DischargePlan.patient_id)
        .join(
            CaseloadEntry,
            and_(
                CaseloadEntry.patient_id == DischargePlan.patient_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                CaseloadEntry.deleted_at.is_(None),
            ),
        )
        .outerjoin(coordinator, coordinator.c.id == CaseloadEntry.care_coordinator_id)
        .where(
            DischargePlan.status == DischargeStatus.IN_HOSPITAL,
            DischargePlan.deleted_at.is_(None),
            HospitalAdmission.deleted_at.is_(None),
            CaseloadEntry.team_id == team_id,
        )
        .order_by(
            case((DischargePlan.ready_on.is_(None), 1), else_=0),
            DischargePlan.ready_on,
            HospitalAdmission.admitted_at,
        )
    )
    return [BoardRow._make(row) for row in s.execute(stmt)]


class TaskRow(NamedTuple):
    id: uuid.UUID
    template_key: str | None
    description: str
    organisation: str | None
    owner_staff_id: uuid.UUID | None
    owner_name: str | None
    due_on: date | None
    status: str
    completed_at: datetime | None
    completed_by: str | None


def tasks_of(s: Session, plan_id: uuid.UUID) -> list[TaskRow]:
    t = DischargeTask
    rows = s.execute(
        select(
            t.id,
            t.template_key,
            t.description,
            t.organisation,
            t.owner_staff_id,
            t.owner_name,
            t.due_on,
            t.status,
            t.completed_at,
            t.completed_by,
        )
        .where(t.discharge_plan_id == plan_id, t.deleted_at.is_(None))
        .order_by(case((t.due_on.is_(None), 1), else_=0), t.due_on, t.description)
    )
    return [TaskRow._make(r) for r in rows]


class EventRow(NamedTuple):
    kind: str
    on: date | None
    pathway: int | None
    code: str | None
    label: str | None
    meets_criteria: bool | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str


def history_of(s: Session, plan_id: uuid.UUID) -> list[EventRow]:
    e = DischargeEvent
    rows = s.execute(
        select(
            e.kind,
            e.on,
            e.pathway,
            e.code,
            e.label,
            e.meets_criteria,
            e.reason,
            e.recorded_at,
            e.recorded_by,
        )
        .where(e.discharge_plan_id == plan_id, e.deleted_at.is_(None))
        .order_by(e.recorded_at, e.id)
    )
    return [EventRow._make(r) for r in rows]


class FollowUpRow(NamedTuple):
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    due_on: date


def missed_follow_ups(s: Session, team_id: uuid.UUID | None, today: date) -> list[FollowUpRow]:
    """Discharged stays whose community follow-up is past due and not done."""
    p = DischargePlan
    rows = s.execute(
        select(p.id, p.patient_id, p.follow_up_due_on).where(
            p.team_id == team_id,
            p.status == DischargeStatus.DISCHARGED,
            p.follow_up_done_at.is_(None),
            p.follow_up_due_on < today,
            p.deleted_at.is_(None),
        )
    )
    return [FollowUpRow._make(r) for r in rows]


class StayRow(NamedTuple):
    plan_id: uuid.UUID
    hospital: str | None
    ward: str | None
    admitted_at: datetime
    discharged_at: datetime | None
    emergency: bool
    status: str
    pathway: int | None
    discharged_pathway: int | None
    ready_on: date | None
    readmission: bool
    follow_up_due_on: date | None
    follow_up_done_at: datetime | None


def stays_of(s: Session, patient_id: uuid.UUID) -> list[StayRow]:
    """One person's stays, newest first."""
    a, p = HospitalAdmission, DischargePlan
    rows = s.execute(
        select(
            p.id,
            a.hospital,
            a.ward,
            a.admitted_at,
            a.discharged_at,
            a.emergency,
            p.status,
            p.pathway,
            p.discharged_pathway,
            p.ready_on,
            p.readmission,
            p.follow_up_due_on,
            p.follow_up_done_at,
        )
        .join(a, a.id == p.admission_id)
        .where(p.patient_id == patient_id, p.deleted_at.is_(None), a.deleted_at.is_(None))
        .order_by(a.admitted_at.desc())
    )
    return [StayRow._make(r) for r in rows]


# --- a team's own task templates -------------------------------------------------------------

_TEMPLATE_IDS = uuid.UUID("5d1c0e52-7a43-4c5e-9f0b-0d3a1b7c9e21")  # namespace for the ids


def template_id(team_id: uuid.UUID | None, pathway: int) -> uuid.UUID:
    """One row per team and pathway, the same id on every laptop (offline edits meet)."""
    return uuid.uuid5(_TEMPLATE_IDS, f"{team_id or 'local'}:{int(pathway)}")


class TeamTemplateRow(NamedTuple):
    pathway: int | None
    tasks: list[dict[str, Any]] | None  # None: the national default is in use
    based_on_version: str | None
    edited_by: str | None
    edited_at: datetime | None


def team_template(s: Session, team_id: uuid.UUID | None, pathway: int) -> TeamTemplateRow | None:
    row = s.execute(
        select(
            DischargeTaskTemplate.pathway,
            DischargeTaskTemplate.tasks,
            DischargeTaskTemplate.based_on_version,
            DischargeTaskTemplate.edited_by,
            DischargeTaskTemplate.edited_at,
        ).where(
            DischargeTaskTemplate.id == template_id(team_id, pathway),
            DischargeTaskTemplate.deleted_at.is_(None),
        )
    ).first()
    return TeamTemplateRow(*row) if row is not None else None
