"""Planning the discharge: expected date, criteria to reside, pathway, delay reasons."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    Pathway,
    TaskStatus,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    DischargeCriterion,
    DischargeEvent,
    DischargeTask,
    HospitalAdmission,
)

from ._common import DischargeError, _assessments, _event, _now, _plan, _tasks
from .templates import template_set


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
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        # The team's own version of the pathway's tasks when it has one, else the default.
        proposals = rules.propose_tasks(
            chosen, day, templates=template_set(s, plan.team_id, chosen)
        )
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
