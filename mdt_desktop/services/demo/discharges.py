"""Demo discharge plans for the demo caseload's hospital stays.

Each stay the demo caseload made gets a plan: expected dates (some passed), ward-round
assessments and the ready dates they lead to, pathways in roughly the national mix (most
home with no new support, fewest to a care home), proposed tasks with some owners and some
done, delay reasons from the current national scheme, follow-ups after discharge (one
missed) and one emergency readmission within 30 days. All in one transaction.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    DischargeStatus,
    Pathway,
    TaskStatus,
)
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    DischargeEvent,
    DischargePlan,
    DischargeTask,
    HospitalAdmission,
    Staff,
)

PATHWAY_MIX = (0, 0, 0, 0, 1, 1, 1, 2, 3)
DEMO_BY = "Demo data"


@dataclass(frozen=True)
class DemoDischarges:
    in_hospital: int
    discharged: int
    delayed: int
    readmissions: int
    missed_follow_ups: int


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def add_demo_discharges(store: Store, seed: int, today: date) -> DemoDischarges:
    rng = random.Random(seed * 7919 + 18)
    los7 = rules.delay_scheme()
    delays = [c for c in los7.codes if c.code != "OTHER"]
    with store.transaction() as s:
        stays = s.scalars(
            select(HospitalAdmission)
            .where(
                HospitalAdmission.deleted_at.is_(None),
                ~select(DischargePlan.id)
                .where(DischargePlan.admission_id == HospitalAdmission.id)
                .exists(),
            )
            .order_by(HospitalAdmission.admitted_at, HospitalAdmission.id)
        ).all()
        staff = s.scalars(select(Staff).where(Staff.deleted_at.is_(None))).all()
        plans: list[DischargePlan] = []
        rest: list[object] = []
        delayed = missed = 0

        def event(plan: DischargePlan, kind: DischargeEventKind, on: date, **kw: object) -> None:
            rest.append(
                DischargeEvent(
                    team_id=plan.team_id,
                    discharge_plan_id=plan.id,
                    kind=kind,
                    on=on,
                    recorded_at=_noon(min(on, today)),
                    recorded_by=DEMO_BY,
                    **kw,
                )
            )

        for n, stay in enumerate(stays):
            stay.admission_method = stay.admission_method or "21"
            admitted = rules.local_date(stay.admitted_at)
            plan = DischargePlan(
                id=uuid.uuid4(),
                team_id=stay.team_id,
                admission_id=stay.id,
                patient_id=stay.patient_id,
                status=DischargeStatus.IN_HOSPITAL,
                readmission=False,
            )
            plans.append(plan)
            plan.expected_discharge_on = admitted + timedelta(days=rng.randint(3, 12))
            event(plan, DischargeEventKind.EDD, admitted + timedelta(days=1))
            ends = rules.local_date(stay.discharged_at) if stay.discharged_at else today
            ready = admitted + timedelta(days=rng.randint(1, max(1, (ends - admitted).days)))
            if ready <= ends and rng.random() < 0.7:
                event(plan, DischargeEventKind.CRITERIA, admitted, meets_criteria=True)
                event(plan, DischargeEventKind.CRITERIA, ready, meets_criteria=False)
                plan.ready_on = ready
                pathway = Pathway(rng.choice(PATHWAY_MIX))
                plan.pathway = int(pathway)
                options = rules.destinations_for(pathway)
                destination = options[0] if pathway == 0 else rng.choice(options)
                plan.destination_code, plan.destination_version = (
                    destination.code,
                    destination.version,
                )
                event(
                    plan, DischargeEventKind.PATHWAY, ready, pathway=int(pathway),
                    scheme=destination.scheme, version=destination.version,
                    code=destination.code, label=destination.label,
                )  # fmt: skip
                for t in rules.propose_tasks(pathway, ready):
                    owner = rng.choice(staff) if staff and rng.random() < 0.7 else None
                    done = t.due_on is not None and t.due_on < today and rng.random() < 0.6
                    rest.append(
                        DischargeTask(
                            team_id=plan.team_id,
                            discharge_plan_id=plan.id,
                            template_key=t.key,
                            description=t.title,
                            organisation=t.organisation,
                            anchor=t.anchor,
                            working_days=t.working_days,
                            due_on=t.due_on,
                            owner_staff_id=owner.id if owner else None,
                            owner_name=owner.name if owner else None,
                            status=TaskStatus.DONE if done else TaskStatus.OPEN,
                            completed_at=_noon(t.due_on) if done and t.due_on else None,
                            completed_by=owner.name if done and owner else None,
                        )
                    )
                if stay.discharged_at is None and pathway != 0 and rng.random() < 0.6:
                    reason = rng.choice(delays)
                    plan.delay_code, plan.delay_scheme = reason.code, reason.scheme
                    plan.delay_family = reason.family
                    event(
                        plan, DischargeEventKind.DELAY, min(ready + timedelta(days=1), today),
                        scheme=reason.scheme, version=reason.version, code=reason.code,
                        label=reason.label, family=reason.family,
                    )  # fmt: skip
                    delayed += 1
            if stay.discharged_at is not None:
                out = rules.local_date(stay.discharged_at)
                pathway_out = Pathway(plan.pathway) if plan.pathway is not None else Pathway(0)
                plan.status = DischargeStatus.DISCHARGED
                plan.discharged_pathway = int(pathway_out)
                plan.discharge_destination = "19" if pathway_out in (0, 1) else "56"
                plan.discharge_method = "1"
                plan.follow_up_due_on = rules.follow_up_due(pathway_out, out)
                event(plan, DischargeEventKind.DISCHARGE, out, pathway=int(pathway_out))
                if plan.follow_up_due_on < today and missed == 0 and n % 2:
                    missed += 1  # left undone: the board and agenda show it
                elif plan.follow_up_due_on <= today:
                    plan.follow_up_done_at = _noon(plan.follow_up_due_on)
                    plan.follow_up_by = rng.choice(staff).name if staff else DEMO_BY
                    plan.follow_up_note = "Seen at home; settling back in, no new concerns."
        readmissions = _one_readmission(s, stays, plans, today)
        s.add_all(plans)
        s.flush()  # plans before their events and tasks (no ORM relationships order them)
        s.add_all(rest)
    return DemoDischarges(
        in_hospital=sum(1 for p in plans if p.status == DischargeStatus.IN_HOSPITAL),
        discharged=sum(1 for p in plans if p.status == DischargeStatus.DISCHARGED),
        delayed=delayed,
        readmissions=readmissions,
        missed_follow_ups=missed,
    )


def _one_readmission(
    s: object, stays: Sequence[HospitalAdmission], plans: list[DischargePlan], today: date
) -> int:
    """Someone sent home, back in as an emergency within 30 days (up to nine days later)."""
    in_now = {a.patient_id for a in stays if a.discharged_at is None}
    for stay in stays:
        if stay.discharged_at is None or stay.patient_id in in_now:
            continue
        home_for = min(9, (today - rules.local_date(stay.discharged_at)).days)
        if home_for < 1:
            continue
        back = stay.discharged_at + timedelta(days=home_for)
        again = HospitalAdmission(
            id=uuid.uuid4(),
            team_id=stay.team_id,
            patient_id=stay.patient_id,
            hospital=stay.hospital,
            ward=stay.ward,
            admitted_at=back,
            reason="Readmitted: breathless, chest infection",
            emergency=True,
            admission_method="21",
        )
        s.add(again)  # type: ignore[attr-defined]
        s.flush()  # type: ignore[attr-defined]
        plans.append(
            DischargePlan(
                id=uuid.uuid4(),
                team_id=stay.team_id,
                admission_id=again.id,
                patient_id=stay.patient_id,
                status=DischargeStatus.IN_HOSPITAL,
                readmission=rules.is_readmission(
                    stay.discharged_at, back, rules.AdmissionKind.EMERGENCY
                ),
                expected_discharge_on=rules.local_date(back) + timedelta(days=5),
            )
        )
        return 1
    return 0
