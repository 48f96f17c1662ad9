"""Discharge planning from the community side: a stay, its dates and history, tasks, follow-up.

Every change that matters afterwards (expected date, criteria to reside, pathway, delay
reason, the discharge itself, the follow-up) is an append-only ``discharge_events`` row
written in the same transaction as the plan's current values, so the board reads one row per
stay and the history is never lost. Rules (ready date, working days, readmission, templates)
live in ``domain/discharges.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

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
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.discharges import BoardRow
from mdt_desktop.store.schema import (
    DischargeCriterion,
    DischargeEvent,
    DischargePlan,
    DischargeTask,
    HospitalAdmission,
    Patient,
    Staff,
)


class DischargeError(ValueError):
    """Something a person asked for that the discharge rules refuse; a sentence for them."""


@dataclass(frozen=True)
class Stay:
    admission_id: uuid.UUID
    plan_id: uuid.UUID
    readmission: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _plan(s: Session, plan_id: uuid.UUID, *, open_only: bool = True) -> DischargePlan:
    plan = s.get(DischargePlan, plan_id)
    if plan is None or plan.deleted_at is not None:
        raise DischargeError("That stay is not in this store.")
    if open_only and plan.status != DischargeStatus.IN_HOSPITAL:
        raise DischargeError("That stay has ended: the person is no longer in hospital.")
    return plan


def _event(s: Session, store: Store, plan: DischargePlan, kind: DischargeEventKind, **values):
    event = DischargeEvent(
        team_id=plan.team_id,
        discharge_plan_id=plan.id,
        kind=kind,
        recorded_at=_now(),
        recorded_by=store.actor.name,
        **values,
    )
    s.add(event)
    return event


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


def set_expected_date(store: Store, plan_id: uuid.UUID, on: date, reason: str = "") -> None:
    """Set or change the expected date of discharge; each change is kept with who and why."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        admission = s.get(HospitalAdmission, plan.admission_id)
        assert admission is not None
        if on < rules.local_date(admission.admitted_at):
            raise DischargeError("The expected date of discharge cannot be before the admission.")
        if plan.expected_discharge_on is not None and not reason.strip():
            raise DischargeError("Say why the expected date of discharge changed.")
        plan.expected_discharge_on = on
        _event(s, store, plan, DischargeEventKind.EDD, on=on, reason=reason.strip() or None)


def assess_criteria_to_reside(
    store: Store, plan_id: uuid.UUID, on: date, *, meets_criteria: bool
) -> date | None:
    """Record a ward-round assessment; returns the discharge ready date it leads to."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        _event(s, store, plan, DischargeEventKind.CRITERIA, on=on, meets_criteria=meets_criteria)
        s.flush()
        plan.ready_on = rules.discharge_ready_date(_assessments(s, plan.id), finished=False)
        return plan.ready_on


def _assessments(s: Session, plan_id: uuid.UUID) -> list[rules.CriteriaAssessment]:
    rows = s.execute(
        select(DischargeEvent.on, DischargeEvent.meets_criteria).where(
            DischargeEvent.discharge_plan_id == plan_id,
            DischargeEvent.kind == DischargeEventKind.CRITERIA,
            DischargeEvent.deleted_at.is_(None),
        )
    ).all()
    return [rules.CriteriaAssessment(on, bool(meets)) for on, meets in rows if on is not None]


def choose_pathway(
    store: Store,
    plan_id: uuid.UUID,
    pathway: int,
    *,
    destination: str | None = None,
    reason: str = "",
    today: date | None = None,
) -> list[uuid.UUID]:
    """Plan a pathway (and destination); proposes its template tasks. Returns new task ids.

    Changing the pathway keeps the earlier one in the history; tasks from the earlier
    pathway that the new one does not bring are cancelled if still open.
    """
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    chosen = Pathway(pathway)
    code = None
    if destination:
        code = rules.destinations().get(destination)
        if code.pathway != int(chosen):
            raise DischargeError(f"{code.label} is not a destination of {chosen.label}.")
    day = today or rules.local_date(_now())
    proposals = rules.propose_tasks(chosen, day)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        if plan.pathway is not None and plan.pathway != int(chosen) and not reason.strip():
            raise DischargeError("Say why the pathway changed.")
        plan.pathway = int(chosen)
        plan.destination_code = code.code if code else None
        plan.destination_version = code.version if code else None
        _event(
            s,
            store,
            plan,
            DischargeEventKind.PATHWAY,
            on=day,
            pathway=int(chosen),
            scheme=code.scheme if code else None,
            version=code.version if code else None,
            code=code.code if code else None,
            label=code.label if code else None,
            reason=reason.strip() or None,
        )
        existing = {t.template_key: t for t in _tasks(s, plan.id) if t.template_key}
        wanted = {p.key for p in proposals}
        for key, task in existing.items():
            if key not in wanted and task.status == TaskStatus.OPEN:
                task.status = TaskStatus.CANCELLED
        new_ids = []
        for p in proposals:
            if p.key in existing:
                if existing[p.key].status == TaskStatus.CANCELLED:
                    existing[p.key].status = TaskStatus.OPEN
                continue
            task = DischargeTask(
                team_id=plan.team_id,
                discharge_plan_id=plan.id,
                template_key=p.key,
                description=p.title,
                organisation=p.organisation,
                anchor=p.anchor,
                working_days=p.working_days,
                due_on=p.due_on,
                status=TaskStatus.OPEN,
            )
            s.add(task)
            s.flush()
            new_ids.append(task.id)
        return new_ids


def _tasks(s: Session, plan_id: uuid.UUID) -> list[DischargeTask]:
    return list(
        s.scalars(
            select(DischargeTask).where(
                DischargeTask.discharge_plan_id == plan_id, DischargeTask.deleted_at.is_(None)
            )
        )
    )


def set_delay(
    store: Store,
    plan_id: uuid.UUID,
    code: str | None,
    *,
    on: date,
    scheme: str | None = None,
    detail: str = "",
) -> None:
    """The delay reason in force from ``on`` (None: no longer delayed); earlier ones are kept."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    reason = rules.delay_scheme(scheme).get(code) if code else None
    if reason is not None and reason.code == "OTHER" and not detail.strip():
        raise DischargeError("Give the detail of the delay when the reason is Other.")
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        if reason is None:
            if plan.delay_code is None:
                raise DischargeError("No delay reason is in force.")
            _event(s, store, plan, DischargeEventKind.DELAY_ENDED, on=on)
            plan.delay_code = plan.delay_scheme = plan.delay_family = None
            return
        _event(
            s,
            store,
            plan,
            DischargeEventKind.DELAY,
            on=on,
            scheme=reason.scheme,
            version=reason.version,
            code=reason.code,
            label=reason.label,
            family=reason.family,
            reason=detail.strip() or None,
        )
        plan.delay_code, plan.delay_scheme = reason.code, reason.scheme
        plan.delay_family = reason.family


def delay_history(store: Store, plan_id: uuid.UUID) -> list[rules.DelaySpell]:
    """Each delay reason with the dates it was in force (a later reason ends the one before)."""
    with store.session() as s:
        events = s.scalars(
            select(DischargeEvent)
            .where(
                DischargeEvent.discharge_plan_id == plan_id,
                DischargeEvent.kind.in_([DischargeEventKind.DELAY, DischargeEventKind.DELAY_ENDED]),
                DischargeEvent.deleted_at.is_(None),
            )
            .order_by(DischargeEvent.on, DischargeEvent.recorded_at)
        ).all()
    spells: list[rules.DelaySpell] = []
    for e in events:
        if spells and spells[-1].end is None:
            last = spells[-1]
            spells[-1] = rules.DelaySpell(last.scheme, last.version, last.code, last.start, e.on)
        if e.kind == DischargeEventKind.DELAY and e.on is not None:
            spells.append(
                rules.DelaySpell(e.scheme or "", e.version or "", e.code or "", e.on, None)
            )
    return spells


def add_criterion(store: Store, plan_id: uuid.UUID, text: str) -> uuid.UUID:
    """An item of the clinical criteria for discharge (never "back to baseline")."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    text = clean_text(text, "the criterion", limit=500)
    if "baseline" in text.lower():
        raise DischargeError(
            "Clinical criteria for discharge say what the person must reach, never "
            "'back to baseline'."
        )
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        row = DischargeCriterion(team_id=plan.team_id, discharge_plan_id=plan.id, text=text)
        s.add(row)
        s.flush()
        return row.id


def mark_criterion(store: Store, criterion_id: uuid.UUID, met_on: date | None) -> None:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        row = s.get(DischargeCriterion, criterion_id)
        if row is None or row.deleted_at is not None:
            raise DischargeError("That criterion is not in this store.")
        _plan(s, row.discharge_plan_id)
        row.met_on = met_on


def add_task(
    store: Store,
    plan_id: uuid.UUID,
    description: str,
    *,
    organisation: str | None = None,
    due_on: date | None = None,
) -> uuid.UUID:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    description = clean_text(description, "the task", limit=500)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        task = DischargeTask(
            team_id=plan.team_id,
            discharge_plan_id=plan.id,
            description=description,
            organisation=(organisation or "").strip() or None,
            anchor=TaskAnchor.PATHWAY,
            due_on=due_on,
            status=TaskStatus.OPEN,
        )
        s.add(task)
        s.flush()
        return task.id


def assign_task(
    store: Store, task_id: uuid.UUID, *, staff_id: uuid.UUID | None = None, name: str = ""
) -> None:
    """Give a task a named owner: someone in the staff directory, or a named person elsewhere."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        task = _task(s, task_id)
        if staff_id is not None:
            staff = s.get(Staff, staff_id)
            if staff is None or staff.deleted_at is not None:
                raise DischargeError("That person is not in the staff directory.")
            task.owner_staff_id, task.owner_name = staff.id, staff.name
        else:
            task.owner_staff_id = None
            task.owner_name = clean_text(name, "the owner's name", limit=200)


def _task(s: Session, task_id: uuid.UUID) -> DischargeTask:
    task = s.get(DischargeTask, task_id)
    if task is None or task.deleted_at is not None:
        raise DischargeError("That task is not in this store.")
    return task


def complete_task(store: Store, task_id: uuid.UUID) -> None:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        task = _task(s, task_id)
        if task.status != TaskStatus.OPEN:
            raise DischargeError("That task is not open.")
        task.status = TaskStatus.DONE
        task.completed_at = _now()
        task.completed_by = store.actor.name


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


# --- the in-reach board ----------------------------------------------------------------------


class BoardFlag(StrEnum):
    EDD_PASSED = "edd_passed"
    READY_NO_PATHWAY = "ready_no_pathway"
    TASK_OVERDUE = "task_overdue"
    TASK_UNOWNED = "task_unowned"
    READMISSION = "readmission"

    @property
    def label(self) -> str:
        return {
            "edd_passed": "Expected date passed",
            "ready_no_pathway": "Ready, no pathway",
            "task_overdue": "Task overdue",
            "task_unowned": "Task without an owner",
            "readmission": "Readmitted within 30 days (crude)",
        }[self.value]


@dataclass(frozen=True)
class BoardLine:
    row: BoardRow
    days_in: int
    since_ready: rules.DaysSince | None
    delay_label: str | None
    flags: tuple[BoardFlag, ...]


@dataclass(frozen=True)
class BoardFilter:
    hospital: str | None = None
    pathway: int | None = None
    delay_family: str | None = None
    owner_staff_id: uuid.UUID | None = None  # "mine": tasks owned, or the coordinator
    flag: BoardFlag | None = None


def _delay_label(scheme: str | None, code: str | None) -> str | None:
    if not code:
        return None
    try:
        return rules.delay_scheme(scheme).get(code).label
    except KeyError:
        return code


def board(
    store: Store,
    team_id: uuid.UUID | None,
    *,
    today: date | None = None,
    where: BoardFilter | None = None,
    me: uuid.UUID | None = None,
) -> list[BoardLine]:
    """The team's people in hospital, longest since ready first, with what holds each up."""
    day = today or rules.local_date(_now())
    chosen = where or BoardFilter()
    owner = chosen.owner_staff_id or me
    with store.session() as s:
        rows = reads.board_rows(s, team_id, day, owner)
    lines = []
    for r in rows:
        flags = []
        if r.expected_discharge_on is not None and r.expected_discharge_on < day:
            flags.append(BoardFlag.EDD_PASSED)
        if r.ready_on is not None and r.pathway is None:
            flags.append(BoardFlag.READY_NO_PATHWAY)
        if r.overdue_tasks:
            flags.append(BoardFlag.TASK_OVERDUE)
        if r.unowned_tasks:
            flags.append(BoardFlag.TASK_UNOWNED)
        if r.readmission:
            flags.append(BoardFlag.READMISSION)
        line = BoardLine(
            row=r,
            days_in=rules.days_since(rules.local_date(r.admitted_at), day).calendar,
            since_ready=rules.days_since(r.ready_on, day) if r.ready_on else None,
            delay_label=_delay_label(r.delay_scheme, r.delay_code),
            flags=tuple(flags),
        )
        if chosen.hospital and r.hospital != chosen.hospital:
            continue
        if chosen.pathway is not None and r.pathway != chosen.pathway:
            continue
        if chosen.delay_family and r.delay_family != chosen.delay_family:
            continue
        if chosen.owner_staff_id and not (
            r.mine_tasks or r.coordinator_id == chosen.owner_staff_id
        ):
            continue
        if chosen.flag and chosen.flag not in line.flags:
            continue
        lines.append(line)
    return lines


def escalate_missed_follow_ups(
    store: Store, team_id: uuid.UUID | None, today: date | None = None
) -> int:
    """Put each person whose follow-up was missed on the next MDT agenda (once per stay)."""
    from .notes import escalate_to_next_mdt

    day = today or rules.local_date(_now())
    with store.session() as s:
        missed = reads.missed_follow_ups(s, team_id, day)
        already = set(
            s.scalars(
                select(DischargeEvent.discharge_plan_id).where(
                    DischargeEvent.kind == DischargeEventKind.FOLLOW_UP,
                    DischargeEvent.reason == _MISSED,
                )
            )
        )
    done = 0
    for m in missed:
        if m.plan_id in already:
            continue
        try:
            escalate_to_next_mdt(
                store,
                m.patient_id,
                f"Community follow-up after discharge missed (due {m.due_on:%d-%b-%Y}).",
            )
        except ValueError:
            continue  # no longer on the caseload: nothing to escalate
        with store.transaction() as s:
            plan = _plan(s, m.plan_id, open_only=False)
            _event(s, store, plan, DischargeEventKind.FOLLOW_UP, on=day, reason=_MISSED)
        done += 1
    return done


_MISSED = "missed: escalated to the next MDT meeting"
