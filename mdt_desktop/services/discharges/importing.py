"""The hospital's feed of admissions and discharges, applied in one transaction.

Idempotent by the hospital's spell id: a second import of the same file writes nothing. A
newer feed moves a stay on (expected date, ward, ready date, discharge), each change kept in
the stay's history. People not on the registered list are reported, never created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import DischargeEventKind, DischargeStatus, Pathway
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.interop.admissions import AdmissionRecord, read_admissions
from mdt_desktop.interop.records import Rejection
from mdt_desktop.services import budgets
from mdt_desktop.store.bulk import collection_paused
from mdt_desktop.store.database import Store
from mdt_desktop.store.discharges_bulk import insert_new as bulk_insert
from mdt_desktop.store.schema import (
    DischargeEvent,
    DischargePlan,
    DischargeTask,
    HospitalAdmission,
    Patient,
)

from ._common import NewAdmission, NewEvents, NewPlan, _event
from .stay import close_stay, stay_values

FEED = "From the hospital's feed"
_CHUNK = 500  # ids per IN (…) look-up, well inside SQLite's variable limit


_Admission = HospitalAdmission | NewAdmission  # a stay already stored, or one the feed opens
_Plan = DischargePlan | NewPlan


@dataclass
class AdmissionImport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    discharged: int = 0
    not_on_register: list[Rejection] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "discharged": self.discharged,
            "not_on_register": [r.as_dict() for r in self.not_on_register],
            "rejected": [r.as_dict() for r in self.rejections],
            "skipped_files": self.skipped,
        }


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def import_admissions(
    store: Store, paths: Iterable[Path], *, team_id: uuid.UUID | None = None
) -> AdmissionImport:
    """Read the files, then apply every good row in one transaction (all or nothing)."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with collection_paused():
        result = _import(store, list(paths), team_id)
    budgets.follow_admissions(store)  # budget lines pause and restart with the stays
    return result


def _import(store: Store, paths: list[Path], team_id: uuid.UUID | None) -> AdmissionImport:
    parsed = read_admissions(paths)
    result = AdmissionImport(rejections=parsed.rejections, skipped=parsed.skipped)
    # Everything this import needs is read up front, so no query mid-way flushes the session.
    with store.transaction() as s, s.no_autoflush:
        patients = _patients(s, [r.nhs_number for r in parsed.records], team_id)
        stays = _stays(s, [r.spell_id for r in parsed.records], team_id)
        last_out = _last_discharges(s, [p.id for p in patients.values()])
        todo: list[tuple[AdmissionRecord, Any, _Admission, _Plan, bool]] = []
        opened: list[tuple[NewAdmission, NewPlan]] = []
        # In time order, so a stay in the file is checked against a discharge earlier in it.
        for rec in sorted(parsed.records, key=lambda r: r.admitted_at):
            patient = patients.get(rec.nhs_number)
            if patient is None:
                result.not_on_register.append(
                    Rejection(rec.file, rec.where, "nhs_number", "not on the registered list")
                )
                continue
            found = stays.get(rec.spell_id)
            if found is None:
                values = stay_values(
                    patient,
                    admitted_at=rec.admitted_at,
                    hospital=rec.hospital,
                    ward=rec.ward,
                    method=rec.admission_method,
                    spell_id=rec.spell_id,
                    last_discharge=last_out.get(patient.id),
                )
                opened.append((NewAdmission(values[0]), NewPlan(values[1])))
                todo.append((rec, patient, *opened[-1], True))
            else:
                todo.append((rec, patient, *found, False))
            if rec.discharged_at is not None:
                last_out[patient.id] = max(
                    rec.discharged_at, last_out.get(patient.id, rec.discharged_at)
                )
        old_plans = [t[3].id for t in todo if not t[4]]
        assessments, tasks = _assessments_of(s, old_plans), _tasks_of(s, old_plans)
        # New stays are filled in by the same rules as values outside the session (a plain
        # list collects the events they raise), then inserted in bulk with their outbox and
        # audit entries; stays already known move on through the ORM.
        raised = NewEvents()
        for rec, _patient, admission, plan, is_new in todo:
            into: Session | NewEvents = raised if is_new else s
            changed = _apply(into, store, rec, admission, plan)
            if rec.discharge_ready_on and changed:
                assessments.setdefault(plan.id, []).append(
                    rules.CriteriaAssessment(rec.discharge_ready_on, False)
                )
            if is_new:
                result.added += 1
            elif changed:
                result.updated += 1
            else:
                result.unchanged += 1
            if rec.discharged_at is not None and plan.status == DischargeStatus.IN_HOSPITAL:
                pathway = rec.pathway if rec.pathway is not None else plan.pathway
                close_stay(
                    into,
                    store,
                    plan,
                    admission,
                    discharged_at=rec.discharged_at,
                    pathway=Pathway(pathway) if pathway is not None else None,
                    destination=rec.discharge_destination,
                    method=rec.discharge_method,
                    assessments=assessments.get(plan.id, []),
                    tasks=tasks.get(plan.id, []),
                )
                result.discharged += 1
        s.flush()  # the known stays first, so the audit chain reads in the order applied
        # Parents before children: admissions, then their plans, then the plans' events.
        rows = [a.as_row() for a, _ in opened] + [p.as_row() for _, p in opened]
        bulk_insert(s, [*rows, *raised])
    return result


def _apply(
    s: Session | NewEvents,
    store: Store,
    rec: AdmissionRecord,
    admission: _Admission,
    plan: _Plan,
) -> bool:
    """Move a stay on to what the feed says; True when anything changed."""
    if plan.status != DischargeStatus.IN_HOSPITAL:
        return False  # a finished stay is history: the feed does not rewrite it
    changed = False
    if rec.ward and rec.ward != admission.ward:
        admission.ward = rec.ward
        changed = True
    if rec.expected_discharge_on and rec.expected_discharge_on != plan.expected_discharge_on:
        plan.expected_discharge_on = rec.expected_discharge_on
        _event(s, store, plan, DischargeEventKind.EDD, on=rec.expected_discharge_on, reason=FEED)
        changed = True
    if rec.discharge_ready_on and rec.discharge_ready_on != plan.ready_on:
        plan.ready_on = rec.discharge_ready_on
        _event(
            s,
            store,
            plan,
            DischargeEventKind.CRITERIA,
            on=rec.discharge_ready_on,
            meets_criteria=False,
            reason=FEED,
        )
        changed = True
    if rec.discharged_at is not None:
        changed = True
    return changed


def _patients(s: Session, numbers: Sequence[str], team_id: uuid.UUID | None) -> dict[str, Any]:
    """Who is on the register, by NHS number: only the id and team a stay needs (rows, not
    whole patients: loading 10,000 patients as objects costs more than the rest of a read)."""
    out: dict[str, Any] = {}
    wanted = sorted(set(numbers))
    for chunk in _chunks(wanted):
        q = select(Patient.nhs_number, Patient.id, Patient.team_id).where(
            Patient.nhs_number.in_(chunk), Patient.deleted_at.is_(None)
        )
        if team_id is not None:
            q = q.where(Patient.team_id == team_id)
        out.update((p.nhs_number, p) for p in s.execute(q) if p.nhs_number)
    return out


def _stays(
    s: Session, spells: Sequence[str], team_id: uuid.UUID | None
) -> dict[str, tuple[HospitalAdmission, DischargePlan]]:
    out: dict[str, tuple[HospitalAdmission, DischargePlan]] = {}
    for chunk in _chunks(sorted(set(spells))):
        q = (
            select(HospitalAdmission, DischargePlan)
            .join(DischargePlan, DischargePlan.admission_id == HospitalAdmission.id)
            .where(HospitalAdmission.spell_id.in_(chunk), HospitalAdmission.deleted_at.is_(None))
        )
        if team_id is not None:
            q = q.where(HospitalAdmission.team_id == team_id)
        for admission, plan in s.execute(q):
            out[admission.spell_id or ""] = (admission, plan)
    return out


def _assessments_of(
    s: Session, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[rules.CriteriaAssessment]]:
    out: dict[uuid.UUID, list[rules.CriteriaAssessment]] = {}
    for chunk in _chunks(plan_ids):
        rows = s.execute(
            select(
                DischargeEvent.discharge_plan_id, DischargeEvent.on, DischargeEvent.meets_criteria
            ).where(
                DischargeEvent.discharge_plan_id.in_(chunk),
                DischargeEvent.kind == DischargeEventKind.CRITERIA,
                DischargeEvent.deleted_at.is_(None),
            )
        )
        for plan_id, on, meets in rows:
            if on is not None:
                out.setdefault(plan_id, []).append(rules.CriteriaAssessment(on, bool(meets)))
    return out


def _tasks_of(s: Session, plan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[DischargeTask]]:
    out: dict[uuid.UUID, list[DischargeTask]] = {}
    for chunk in _chunks(plan_ids):
        q = select(DischargeTask).where(
            DischargeTask.discharge_plan_id.in_(chunk), DischargeTask.deleted_at.is_(None)
        )
        for task in s.scalars(q):
            out.setdefault(task.discharge_plan_id, []).append(task)
    return out


def _last_discharges(s: Session, patient_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    out: dict[uuid.UUID, datetime] = {}
    for chunk in _chunks(sorted(set(patient_ids))):
        rows = s.execute(
            select(HospitalAdmission.patient_id, func.max(HospitalAdmission.discharged_at))
            .where(
                HospitalAdmission.patient_id.in_(chunk),
                HospitalAdmission.discharged_at.is_not(None),
                HospitalAdmission.deleted_at.is_(None),
            )
            .group_by(HospitalAdmission.patient_id)
        )
        out.update({pid: at for pid, at in rows if at is not None})
    return out


__all__ = ["AdmissionImport", "import_admissions", "rules"]
