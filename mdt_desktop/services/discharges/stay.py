"""A stay's ends: the admission (with the readmission check), the discharge, the follow-up."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    DischargeStatus,
    Pathway,
    TaskAnchor,
    TaskStatus,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    DischargePlan,
    HospitalAdmission,
    Patient,
)

from ._common import DischargeError, Stay, _assessments, _event, _now, _plan, _tasks


def record_admission(
    store: Store,
    patient_id: uuid.UUID,
    *,
    admitted_at: datetime,
    hospital: str,
    ward: str | None = None,
    method: str | None = None,
    reason: str | None = None,
    contact: str | None = None,
    spell_id: str | None = None,
) -> Stay:
    """A stay for someone on the register (on the caseload or not), with its empty plan.

    ``method`` is the NHS Data Dictionary admission method code; only 2x codes are
    emergencies. An emergency admission 0-29 days after a discharge is flagged as a (crude)
    readmission.
    """
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    if admitted_at.tzinfo is None:
        raise DischargeError("The admission time needs its time zone.")
    if admitted_at > _now():
        raise DischargeError("An admission cannot be recorded in the future.")
    hospital = clean_text(hospital, "the hospital", limit=200)
    kind = rules.admission_kind(method)
    with store.transaction() as s:
        patient = s.get(Patient, patient_id)
        if patient is None or patient.deleted_at is not None:
            raise DischargeError("That person is not on the registered list in this store.")
        open_stay = s.scalars(
            select(HospitalAdmission.id).where(
                HospitalAdmission.patient_id == patient_id,
                HospitalAdmission.discharged_at.is_(None),
                HospitalAdmission.deleted_at.is_(None),
            )
        ).first()
        if open_stay is not None:
            raise DischargeError(
                "This person is already in hospital: record that discharge before a new stay."
            )
        last_out = s.scalars(
            select(HospitalAdmission.discharged_at)
            .where(
                HospitalAdmission.patient_id == patient_id,
                HospitalAdmission.discharged_at.is_not(None),
                HospitalAdmission.deleted_at.is_(None),
            )
            .order_by(HospitalAdmission.discharged_at.desc())
            .limit(1)
        ).first()
        admission = HospitalAdmission(
            team_id=patient.team_id,
            patient_id=patient_id,
            hospital=hospital,
            ward=(ward or "").strip() or None,
            admitted_at=admitted_at,
            reason=(reason or "").strip() or None,
            emergency=kind is rules.AdmissionKind.EMERGENCY,
            admission_method=(method or "").strip() or None,
            contact=(contact or "").strip() or None,
            spell_id=(spell_id or "").strip() or None,
        )
        s.add(admission)
        s.flush()
        readmission = last_out is not None and rules.is_readmission(last_out, admitted_at, kind)
        plan = DischargePlan(
            team_id=patient.team_id,
            admission_id=admission.id,
            patient_id=patient_id,
            status=DischargeStatus.IN_HOSPITAL,
            readmission=readmission,
        )
        s.add(plan)
        s.flush()
        return Stay(admission.id, plan.id, readmission)


def record_discharge(
    store: Store,
    plan_id: uuid.UUID,
    *,
    discharged_at: datetime,
    pathway: int,
    destination: str,
    method: str = "1",
) -> date:
    """The person left hospital: returns the date the community follow-up is due.

    Open hospital-side tasks (those counted from the pathway) are closed as cancelled; tasks
    counted from the discharge get their due dates; the follow-up is due in the working days
    set for the pathway. Destination and method are NHS Data Dictionary codes.
    """
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    actual = Pathway(pathway)
    try:
        rules.nhs_dd_table("discharge_destination").get(destination)
        rules.nhs_dd_table("discharge_method").get(method)
    except KeyError as exc:
        raise DischargeError(f"Not a national code: {exc.args[0]}.") from None
    if discharged_at.tzinfo is None:
        raise DischargeError("The discharge time needs its time zone.")
    out_on = rules.local_date(discharged_at)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        admission = s.get(HospitalAdmission, plan.admission_id)
        assert admission is not None
        if discharged_at < admission.admitted_at or discharged_at > _now():
            raise DischargeError("The discharge must be after the admission and not in the future.")
        admission.discharged_at = discharged_at
        plan.status = DischargeStatus.DISCHARGED
        plan.discharged_pathway = int(actual)
        plan.discharge_destination, plan.discharge_method = destination, method
        plan.ready_on = rules.discharge_ready_date(_assessments(s, plan.id), finished=True)
        plan.follow_up_due_on = rules.follow_up_due(actual, out_on)
        for task in _tasks(s, plan.id):
            if task.status != TaskStatus.OPEN:
                continue
            if task.anchor == TaskAnchor.PATHWAY:
                task.status = TaskStatus.CANCELLED
            elif task.working_days is not None:
                task.due_on = rules.add_working_days(out_on, task.working_days)
        if plan.delay_code is not None:
            _event(s, store, plan, DischargeEventKind.DELAY_ENDED, on=out_on)
            plan.delay_code = plan.delay_scheme = plan.delay_family = None
        _event(
            s,
            store,
            plan,
            DischargeEventKind.DISCHARGE,
            on=out_on,
            pathway=int(actual),
            code=destination,
        )
        return plan.follow_up_due_on


def complete_follow_up(store: Store, plan_id: uuid.UUID, note: str) -> None:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    note = clean_text(note, "what the follow-up found", limit=4000)
    with store.transaction() as s:
        plan = _plan(s, plan_id, open_only=False)
        if plan.status != DischargeStatus.DISCHARGED:
            raise DischargeError("The follow-up comes after the discharge.")
        if plan.follow_up_done_at is not None:
            raise DischargeError("The follow-up has already been recorded.")
        plan.follow_up_done_at = _now()
        plan.follow_up_by = store.actor.name
        plan.follow_up_note = note
        _event(s, store, plan, DischargeEventKind.FOLLOW_UP, on=rules.local_date(_now()))
