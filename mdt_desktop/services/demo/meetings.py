"""Demo MDT meetings drawn from the demo caseload: three past fortnightly meetings with
attendance, decisions, discussions and actions (some overdue, some done), and the next
meeting with its proposed agenda (including the case not reached last time).

Written through the meetings services, so every rule (quorum, one transaction per
outcome, carry forward, caseload changes) holds for the demo as for real use.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.meetings import ActionStatus, Attendance, DecisionOutcome
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Action, CaseloadEntry, Meeting

DISCUSSIONS = [
    "Daughter reports more confusion in the evenings; no falls since the last review.",
    "Mobility worse after the chest infection; physiotherapy assessment agreed.",
    "Medicines reviewed with the pharmacist: two stopped, blister pack started.",
    "Carer under strain; carer's assessment offered and accepted.",
    "Pressure area care going well; skin intact at the last district nurse visit.",
    "Lives alone, managing with the morning package of care; wants to stay at home.",
    "Weight loss noted; dietitian referral and food diary agreed with her.",
    "Breathless on exertion; rescue pack in place, knows when to use it.",
    "Low mood since her husband died; bereavement support offered.",
    "Two A&E visits after falls; falls clinic and home hazard check agreed.",
]
ACTIONS = [
    "Medication review",
    "Home visit to review pressure areas",
    "Carer's assessment",
    "Refer to falls clinic",
    "Occupational therapy home assessment",
    "Phone daughter to agree the plan",
    "Update the care plan with the new goals",
    "Check bloods and repeat prescription",
    "Arrange memory assessment",
    "Befriending service introduction",
]
SERVICES = ["Memory assessment service", "Falls clinic", "Community heart failure team",
            "Palliative care team", "Dietetics"]  # fmt: skip
OUTCOME_WEIGHTS = [(DecisionOutcome.CONTINUE, 60), (DecisionOutcome.STEP_UP, 10),
                   (DecisionOutcome.STEP_DOWN, 12), (DecisionOutcome.REFER, 12),
                   (DecisionOutcome.CLOSE, 6)]  # fmt: skip


def _at(day: date, hour: int = 13) -> datetime:
    return datetime.combine(day, time(hour, 0)).astimezone().astimezone(UTC)


def _demo_team(store: Store, team_id: uuid.UUID | None = None) -> uuid.UUID | None:
    """``team_id``, else the team holding the most people on its caseload (None: no
    caseload, or the team already has meetings)."""
    with store.session() as s:
        if team_id is not None:
            held = s.scalar(
                select(func.count())
                .select_from(CaseloadEntry)
                .where(
                    CaseloadEntry.team_id == team_id,
                    CaseloadEntry.status == CaseloadStatus.ACTIVE,
                    CaseloadEntry.deleted_at.is_(None),
                )
            )
            already = s.scalar(
                select(func.count()).select_from(Meeting).where(Meeting.team_id == team_id)
            )
            return team_id if held and not already else None
        row = s.execute(
            select(CaseloadEntry.team_id, func.count())
            .where(
                CaseloadEntry.status == CaseloadStatus.ACTIVE, CaseloadEntry.deleted_at.is_(None)
            )
            .group_by(CaseloadEntry.team_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        if row is None or row[0] is None:
            return None
        already = s.scalar(
            select(func.count()).select_from(Meeting).where(Meeting.team_id == row[0])
        )
        return None if already else row[0]


def add_demo_meetings(
    store: Store, seed: int, today: date, team_id: uuid.UUID | None = None
) -> int:
    """Past meetings with minutes and actions, and one upcoming with a proposed agenda.

    Returns the number of meetings made; 0 when there is no caseload (or the team already
    has meetings).
    """
    team_id = _demo_team(store, team_id)
    if team_id is None:
        return 0
    rng = random.Random(seed * 7919 + 6)
    staff = svc.staff_choices(store, team_id)
    if not staff:
        return 0
    with store.session() as s:
        caseload = list(
            s.scalars(
                select(CaseloadEntry.patient_id)
                .where(
                    CaseloadEntry.team_id == team_id,
                    CaseloadEntry.status == CaseloadStatus.ACTIVE,
                    CaseloadEntry.deleted_at.is_(None),
                )
                .order_by(CaseloadEntry.started_on, CaseloadEntry.id)
            )
        )
    with store.session() as s:
        coordinators = dict(
            s.execute(
                select(CaseloadEntry.patient_id, CaseloadEntry.care_coordinator_id).where(
                    CaseloadEntry.team_id == team_id, CaseloadEntry.deleted_at.is_(None)
                )
            ).all()
        )
    gp = [x for x in staff if x[2] == "gp"]
    chair = gp[0][0] if gp else staff[0][0]
    note_taker = next((x[0] for x in staff if x[2] == "administrator"), staff[-1][0])
    made = 0
    past_days = [today - timedelta(days=d) for d in (42, 28, 14)]
    for n, day in enumerate(past_days):
        meeting = svc.schedule_meeting(
            store,
            team_id=team_id,
            starts_at=_at(day),
            location="Meadowbank Surgery, meeting room 2",
            video_link="https://meet.example.nhs.uk/northside-mdt",
            chair_staff_id=chair,
            note_taker_staff_id=note_taker,
        )
        made += 1
        lines = svc.attendance(store, meeting)
        # The chair and the note-taker are there; two others are not.
        others = [a for a in lines if a.staff_id not in (chair, note_taker)]
        away = rng.sample(others, k=min(2, max(0, len(others) - 3)))
        for person in lines:
            value = Attendance.PRESENT
            if person in away:
                value = Attendance.APOLOGIES if away.index(person) == 0 else Attendance.ABSENT
            svc.set_attendance(store, person.id, value)
        if n == 1:
            svc.add_attendee(
                store, meeting, name="Dr Kofi Asante", role="geriatrician", is_guest=True
            )
        svc.build_agenda(store, meeting, today=day)
        on_agenda = {line.patient_id for line in svc.agenda(store, meeting)}
        extra = [p for p in caseload if p not in on_agenda]
        for pid in rng.sample(extra, k=min(len(extra), max(0, 7 - len(on_agenda)))):
            svc.add_person(store, meeting, pid, "Routine review by the team")
        svc.start_meeting(store, meeting)
        present = [
            (a.staff_id, a.name)
            for a in svc.attendance(store, meeting)
            if a.attendance == Attendance.PRESENT
        ]
        agenda = svc.agenda(store, meeting)
        # The last meeting ran out of time for its final case: it is carried forward.
        discuss = agenda[:-1] if n == len(past_days) - 1 and len(agenda) > 1 else agenda
        for line in discuss:
            outcomes, weights = zip(*OUTCOME_WEIGHTS, strict=True)
            outcome = rng.choices(outcomes, weights)[0]
            actions = []
            lead = coordinators.get(line.patient_id)
            for i in range(rng.choice((0, 1, 1, 2))):
                owner_id, owner = rng.choice(present)
                if i == 0 and lead in dict(present):
                    # The person's care coordinator, when there, takes the first action.
                    owner_id, owner = lead, dict(present)[lead]
                actions.append(
                    svc.NewAction(
                        rng.choice(ACTIONS),
                        owner,
                        owner_id,
                        day + timedelta(days=rng.choice((7, 10, 14, 21, 28))),
                    )
                )
            svc.record_outcome(
                store,
                line.id,
                svc.Outcome(
                    outcome,
                    rng.choice(DISCUSSIONS),
                    referred_to=rng.choice(SERVICES) if outcome == DecisionOutcome.REFER else None,
                    next_review_on=None
                    if outcome == DecisionOutcome.CLOSE
                    else day + timedelta(days=rng.choice((28, 42, 56, 84))),
                    actions=tuple(actions),
                ),
            )
        svc.close_meeting(store, meeting)
        # About half of the actions from older meetings are done; the rest may be overdue.
        with store.session() as s:
            open_ids = list(
                s.scalars(
                    select(Action.id).where(
                        Action.meeting_id == meeting, Action.status == ActionStatus.OPEN
                    )
                )
            )
        if n < len(past_days) - 1:
            for action_id in open_ids:
                if rng.random() < 0.5:
                    svc.complete_action(store, action_id)
    upcoming = svc.schedule_meeting(
        store,
        team_id=team_id,
        starts_at=_at(today + timedelta(days=(7 - today.weekday() + 2) % 7 or 7)),
        location="Meadowbank Surgery, meeting room 2",
        video_link="https://meet.example.nhs.uk/northside-mdt",
        chair_staff_id=chair,
        note_taker_staff_id=note_taker,
    )
    svc.build_agenda(store, upcoming, today=today)
    return made + 1
