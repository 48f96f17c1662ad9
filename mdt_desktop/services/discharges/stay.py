"""A stay's ends: the admission (with the readmission check), the discharge, the follow-up.

``open_stay`` and ``close_stay`` work inside a caller's transaction, so a person recording a
stay by hand and the hospital feed's import apply the same rules.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from mdt_desktop.services import budgets
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import DischargePlan, DischargeTask, HospitalAdmission, Patient

from ._common import (
    DischargeError,
    NewAdmission,
    NewEvents,
    NewPlan,
    Stay,
    _assessments,
    _event,
    _now,
    _plan,
    _tasks,
)


def _last_discharge(s: Session, patient_id: uuid.UUID) -> datetime | None:
    return s.scalars(
        select(HospitalAdmission.discharged_at)
        .where(
            HospitalAdmission.patient_id == patient_id,
            HospitalAdmission.discharged_at.is_not(None),
            HospitalAdmission.deleted_at.is_(None),
        )
        .order_by(HospitalAdmission.discharged_at.desc())
        .limit(1)
    ).first()


class _Person(Protocol):
    """Who the stay is for: a patient, or a row of one's id and team (the import's)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def team_id(self) -> uuid.UUID | None: ...


def stay_values(  # noqa: PLR0913 - one keyword per fact of the stay
    patient: _Person,
    *,
    admitted_at: datetime,
    hospital: str | None,
    ward: str | None = None,
    method: str | None = None,
    reason: str | None = None,
    contact: str | None = None,
    spell_id: str | None = None,
    last_discharge: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The column values of a new admission and its empty plan, with the crude 30-day
    readmission flag: the one place a new stay's rules live, for a stay recorded by hand
    (:func:`new_stay`) and for the feed's thousands (inserted in bulk as values).
    """
    kind = rules.admission_kind(method)
    # Ids given here, not at flush: an import opens thousands of stays in one flush.
    admission_id, plan_id = uuid.uuid4(), uuid.uuid4()
    admission = {
        "id": admission_id,
        "team_id": patient.team_id,
        "patient_id": patient.id,
        "hospital": hospital,
        "ward": (ward or "").strip() or None,
        "admitted_at": admitted_at,
        "reason": (reason or "").strip() or None,
        "emergency": kind is rules.AdmissionKind.EMERGENCY,
        "admission_method": (method or "").strip() or None,
        "contact": (contact or "").strip() or None,
        "spell_id": (spell_id or "").strip() or None,
    }
    plan = {
        "id": plan_id,
        "team_id": patient.team_id,
        "admission_id": admission_id,
        "patient_id": patient.id,
        "status": DischargeStatus.IN_HOSPITAL,
        "readmission": last_discharge is not None
        and rules.is_readmission(last_discharge, admitted_at, kind),
    }
    return admission, plan


def new_stay(patient: _Person, **facts: Any) -> tuple[HospitalAdmission, DischargePlan]:
    """The admission and its empty plan as mapped objects (``facts`` as for
    :func:`stay_values`).

    Not yet in the session: the store has no ORM relationships, so the caller flushes the
    admission before adding the plan.
    """
    admission, plan = stay_values(patient, **facts)
    return HospitalAdmission(**admission), DischargePlan(**plan)


def record_admission(  # noqa: PLR0913 - one keyword per fact of the stay
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
    with store.transaction() as s:
        patient = s.get(Patient, patient_id)
        if patient is None or patient.deleted_at is not None:
            raise DischargeError("That person is not on the registered list in this store.")
        open_already = s.scalars(
            select(HospitalAdmission.id).where(
                HospitalAdmission.patient_id == patient_id,
                HospitalAdmission.discharged_at.is_(None),
                HospitalAdmission.deleted_at.is_(None),
            )
        ).first()
        if open_already is not None:
            raise DischargeError(
                "This person is already in hospital: record that discharge before a new stay."
            )
        admission, plan = new_stay(
            patient,
            admitted_at=admitted_at,
            hospital=hospital,
            ward=ward,
            method=method,
            reason=reason,
            contact=contact,
            spell_id=spell_id,
            last_discharge=_last_discharge(s, patient_id),
        )
        s.add(admission)
        s.flush()
        s.add(plan)
        stay = Stay(admission.id, plan.id, plan.readmission)
    budgets.follow_admissions(store)  # home care and personal assistants pause in hospital
    return stay


def close_stay(  # noqa: PLR0913 - the import passes what it read in bulk
    s: Session | NewEvents,
    store: Store,
    plan: DischargePlan | NewPlan,
    admission: HospitalAdmission | NewAdmission,
    *,
    discharged_at: datetime,
    pathway: Pathway | None,
    destination: str | None,
    method: str | None,
    assessments: list[rules.CriteriaAssessment] | None = None,
    tasks: list[DischargeTask] | None = None,
) -> date:
    """The person left hospital; returns the date the community follow-up is due.

    ``assessments`` and ``tasks`` may be given by a caller that read them for many stays at
    once (the import); otherwise they are read here.

    Open hospital-side tasks (counted from the pathway) are closed as cancelled; tasks
    counted from the discharge get their due dates; the follow-up is due in the working days
    set for the pathway; a delay in force ends.
    """
    out_on = rules.local_date(discharged_at)
    admission.discharged_at = discharged_at
    plan.status = DischargeStatus.DISCHARGED
    plan.discharged_pathway = int(pathway) if pathway is not None else None
    plan.discharge_destination, plan.discharge_method = destination, method
    if assessments is None or tasks is None:
        assert isinstance(s, Session), "a stay not yet stored has its assessments and tasks given"
        assessments = _assessments(s, plan.id) if assessments is None else assessments
        tasks = _tasks(s, plan.id) if tasks is None else tasks
    plan.ready_on = rules.discharge_ready_date(assessments, finished=True) or plan.ready_on
    plan.follow_up_due_on = rules.follow_up_due(pathway, out_on)
    for task in tasks:
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
        pathway=plan.discharged_pathway,
        code=destination,
    )
    return plan.follow_up_due_on


def record_discharge(
    store: Store,
    plan_id: uuid.UUID,
    *,
    discharged_at: datetime,
    pathway: int,
    destination: str,
    method: str = "1",
) -> date:
    """Record that the person left hospital (NHS Data Dictionary destination and method)."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    actual = Pathway(pathway)
    try:
        rules.nhs_dd_table("discharge_destination").get(destination)
        rules.nhs_dd_table("discharge_method").get(method)
    except KeyError as exc:
        raise DischargeError(f"Not a national code: {exc.args[0]}.") from None
    if discharged_at.tzinfo is None:
        raise DischargeError("The discharge time needs its time zone.")
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        admission = s.get(HospitalAdmission, plan.admission_id)
        assert admission is not None
        if discharged_at < admission.admitted_at or discharged_at > _now():
            raise DischargeError("The discharge must be after the admission and not in the future.")
        due = close_stay(
            s,
            store,
            plan,
            admission,
            discharged_at=discharged_at,
            pathway=actual,
            destination=destination,
            method=method,
        )
    budgets.follow_admissions(store)  # paused budget lines restart at home
    return due


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
