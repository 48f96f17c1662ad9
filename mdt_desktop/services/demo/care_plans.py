"""Demo care plans: most active caseload entries get a plan with a few versions.

Versions are written as a team would: a first draft, then goals and actions, then the plan
agreed with the person, sometimes a later goal update. Review dates spread from overdue to
months ahead, so the review flags show.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.care_plans import agreement_holds
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CarePlan,
    CarePlanVersion,
    CaseloadEntry,
    Patient,
    Staff,
    table_of,
)

ABOUT = [
    "I have lived in this house for {years} years and I want to stay here. My {pet} keeps me "
    "company. I like {hobby} and I do not want to go back into hospital.",
    "My family matters most to me. My {relative} visits most days. I used to love {hobby}; "
    "I would like to get back to it, even a little.",
    "I want to stay independent and do things for myself for as long as I can. I get lonely "
    "in the afternoons. I enjoy {hobby} and a chat with my neighbour.",
    "I am a carer for my {relative} and I worry about what happens to them if I get ill. "
    "Please talk to me, not about me.",
]
PETS = ["cat", "dog", "budgie", "old cat, Biscuit"]
HOBBIES = ["gardening", "doing the crossword", "church on Sundays", "watching the football",
           "knitting", "going to the day centre", "baking"]  # fmt: skip
RELATIVES = ["daughter", "son", "husband", "wife", "niece", "grandson"]
NEEDS = [
    "Falls: two in the last six months, both at night.",
    "Breathless walking up the stairs (heart failure).",
    "Low mood since my husband died.",
    "Struggling to manage my medicines; some doses missed.",
    "Memory problems; my family are worried about me cooking.",
    "Leg ulcer that is slow to heal.",
    "Pain in both knees that stops me going out.",
    "Lost weight this year; not eating well.",
]
GOALS = [
    ("Walk to the corner shop on my own", "I can get there and back twice a week"),
    ("Sleep through the night without getting up to the toilet more than once", "My diary"),
    ("No more falls", "No falls reported at the next review"),
    ("Feel less lonely", "I go to the lunch club every week"),
    ("Take my medicines as prescribed", "The blister pack is empty at the end of each week"),
    ("Stay out of hospital this winter", "No unplanned admissions"),
    ("Have my leg ulcer healed", "The nurse says it has healed"),
    ("Put on some weight", "Back to 60 kg"),
]
ACTIONS = [
    ("Strength and balance exercises", Role.PHYSIOTHERAPIST, "Twice a week for 12 weeks"),
    ("Medication review and a blister pack", Role.PHARMACIST, "By the end of the month"),
    ("Home safety check and grab rails", Role.OCCUPATIONAL_THERAPIST, "Within 4 weeks"),
    ("Introduce to the lunch club and befriending service", Role.VOLUNTARY_SECTOR_WORKER,
     "Next week"),
    ("Leg ulcer dressing", Role.DISTRICT_NURSE, "Every Monday and Thursday"),
    ("Carer's assessment", Role.SOCIAL_WORKER, "Within 6 weeks"),
    ("Heart failure review and weight monitoring", Role.COMMUNITY_MATRON, "Every two weeks"),
    ("Memory assessment referral", Role.GP, "This month"),
]  # fmt: skip
WARNING_SIGNS = [
    "More breathless than usual, ankles swelling, weight up by 2 kg in 3 days.",
    "Not eating, more confused than usual, not getting out of bed.",
    "A fall, or feeling dizzy when standing up.",
    "Low mood with thoughts of not wanting to go on.",
]
WHAT_TO_DO = [
    "Take the extra water tablet as the heart failure nurse explained, then ring the surgery.",
    "Ring the care coordinator the same day. If it is out of hours, ring 111.",
    "Stay where you are if you cannot get up safely and press the pendant alarm.",
]
PLACES = ["At home", "At home, with my family around me", "In the hospice if home is not possible"]
SUPPORT = [
    "My {relative} (main carer) visits daily. Neighbour has a key. Carers twice a day.",
    "My {relative} lives 50 miles away and rings every evening. Meals on wheels on weekdays.",
    "Church friends visit on Wednesdays. Pendant alarm with the council's careline.",
]
MEDICINES = [
    "Ramipril 5 mg once a day; bisoprolol 2.5 mg once a day; furosemide 40 mg in the morning.",
    "Metformin 500 mg twice a day; atorvastatin 20 mg at night; paracetamol when needed.",
    "Sertraline 50 mg in the morning; alendronic acid once a week (Mondays).",
]
HOW = list(cp.AGREED_HOW)


def _content(rng: random.Random, staff_by_role: dict[str, str]) -> dict[str, Any]:
    relative = rng.choice(RELATIVES)
    c = cp.empty_content()
    c["about_me"] = rng.choice(ABOUT).format(
        years=rng.randint(12, 55), pet=rng.choice(PETS), hobby=rng.choice(HOBBIES),
        relative=relative,
    )  # fmt: skip
    c["needs"] = "\n".join(rng.sample(NEEDS, rng.randint(2, 4)))
    c["support_network"] = rng.choice(SUPPORT).format(relative=relative)
    c["medicines"] = rng.choice(MEDICINES)
    return c


def _add_goals(
    rng: random.Random, c: dict[str, Any], staff_by_role: dict[str, str], agreed_on: date
) -> None:
    for outcome, measure in rng.sample(GOALS, rng.randint(2, 4)):
        c["goals"].append(
            {
                "id": cp.new_id(),
                "outcome": outcome,
                "measure": measure,
                "target_date": (
                    agreed_on + timedelta(days=rng.choice((42, 56, 90, 120)))
                ).isoformat(),
                "status": rng.choice(("not_started", "in_progress", "in_progress")),
            }
        )
    for what, role, when in rng.sample(ACTIONS, rng.randint(2, 4)):
        who = staff_by_role.get(role.value)
        c["actions"].append(
            {
                "id": cp.new_id(),
                "what": what,
                "who": f"{who} ({role.label})" if who else role.label,
                "when": when,
                "goal_id": rng.choice(c["goals"])["id"],
            }
        )
    c["contingency"] = {
        "warning_signs": rng.choice(WARNING_SIGNS),
        "what_to_do": rng.choice(WHAT_TO_DO),
        "in_hours": "Care coordinator, then the surgery on 01632 960 000",
        "out_of_hours": "NHS 111; the district nursing night service on 01632 960 999",
    }
    c["future_care"] = {
        "place_of_care": rng.choice(PLACES),
        "place_of_death": rng.choice(["", "", "At home"]),
        "other": rng.choice(["", "I do not want to be resuscitated (ReSPECT form in the "
                             "kitchen drawer).", "Please call me by my first name."]),
    }  # fmt: skip


def add_demo_care_plans(store: Store, seed: int = 1, today: date | None = None) -> int:
    """Give about four in five active caseload entries a plan of 2–4 versions.

    Does nothing (returns 0) when there is no active caseload, or plans already exist.
    Like the rest of the demo it is a bulk load: one transaction, one "import" audit entry,
    no outbox entries (a store's first sync uploads what it holds).
    """
    today = today or date.today()
    rng = random.Random(seed * 7919 + 5)
    with store.session() as s:
        if s.scalar(select(CarePlan.id).limit(1)) is not None:
            return 0
        entries = list(
            s.execute(
                select(CaseloadEntry.patient_id, CaseloadEntry.team_id, CaseloadEntry.started_on)
                .join(Patient, Patient.id == CaseloadEntry.patient_id)
                .where(
                    CaseloadEntry.status == CaseloadStatus.ACTIVE,
                    CaseloadEntry.deleted_at.is_(None),
                )
                .order_by(Patient.nhs_number)
            ).all()
        )
        staff = list(s.execute(select(Staff.name, Staff.role).where(Staff.active)).all())
    if not entries:
        return 0
    staff_by_role = {role: name for name, role in staff}
    authors = [name for name, role in staff if role != Role.ADMINISTRATOR.value] or [
        "MDT Desktop demo"
    ]
    plans: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    seen: set[uuid.UUID] = set()
    for patient_id, team_id, started_on in entries:
        if patient_id in seen or rng.random() >= 0.8:
            continue
        seen.add(patient_id)
        _one_plan(rng, patient_id, team_id, started_on, today, staff_by_role, authors,
                  plans, versions)  # fmt: skip
    clock = store.context.clock.now()
    user = bulk.db_uuid(store.actor.user_id)
    with bulk.bulk_transaction(store) as conn:
        plan_writer = bulk.BulkWriter(
            conn,
            table_of(CarePlan),
            ["id", "team_id", "patient_id", "current_version_id", "status", "review_on",
             "updated_at", "updated_by"],
        )  # fmt: skip
        plan_writer.write([(*row, clock, user) for row in plans])
        version_writer = bulk.BulkWriter(
            conn,
            table_of(CarePlanVersion),
            ["id", "team_id", "care_plan_id", "number", "parent_id", "author_name",
             "created_at", "change_summary", "content", "review_on", "agreed_on", "agreed_how",
             "copy_given", "updated_at", "updated_by"],
        )  # fmt: skip
        version_writer.write([(*row, clock, user) for row in versions])
        plan_writer.close()
        version_writer.close()
    store.audit(
        "import",
        "care_plans",
        detail=f"demo care plans: {len(plans)} plans, {len(versions)} versions, seed {seed}",
    )
    return len(plans)


def _one_plan(
    rng: random.Random,
    patient_id: uuid.UUID,
    team_id: uuid.UUID | None,
    started_on: date,
    today: date,
    staff_by_role: dict[str, str],
    authors: list[str],
    plans: list[tuple[Any, ...]],
    versions: list[tuple[Any, ...]],
) -> None:
    # Review dates from a month overdue to three months ahead, weighted so that every flag
    # (overdue, due within 7 days, within 14 days, not yet due) shows on a small caseload.
    low, high = rng.choices([(-30, -1), (0, 7), (8, 14), (15, 90)], weights=[2, 2, 2, 4])[0]
    review_on = today + timedelta(days=rng.randint(low, high))
    agreed_on = min(review_on - timedelta(days=90), today - timedelta(days=2))
    first_day = max(started_on, agreed_on - timedelta(days=rng.randint(7, 30)))
    first_day = min(first_day, agreed_on)
    drafts: list[tuple[date, dict[str, Any]]] = []
    c = _content(rng, staff_by_role)
    drafts.append((first_day, copy.deepcopy(c)))
    _add_goals(rng, c, staff_by_role, agreed_on)
    middle = first_day + (agreed_on - first_day) / 2
    drafts.append((middle, copy.deepcopy(c)))
    c["review"] = {
        "agreed_on": agreed_on.isoformat(),
        "agreed_how": rng.choice(HOW),
        "copy_given": rng.random() < 0.85,
        "review_on": review_on.isoformat(),
    }
    drafts.append((agreed_on, copy.deepcopy(c)))
    if rng.random() < 0.5 and agreed_on + timedelta(days=10) < today:
        goal = rng.choice(c["goals"])
        goal["status"] = rng.choice(("in_progress", "achieved"))
        update_day = agreed_on + timedelta(days=rng.randint(10, 40))
        if goal["status"] == "achieved":
            # Reviewed with the person at that visit: agreed again. Otherwise the plan
            # shows as changed since agreed, to agree again (the team's next step).
            c["review"]["agreed_on"] = min(update_day, today).isoformat()
        drafts.append((update_day, copy.deepcopy(c)))
    plan_id = uuid.uuid4()
    team = bulk.db_uuid(team_id)
    previous_id: uuid.UUID | None = None
    previous: dict[str, Any] | None = None
    holds = False
    for number, (when, raw) in enumerate(drafts, start=1):
        content = cp.normalise(raw)
        # The same rule as a save in the app: an agreement is to the version agreed.
        holds = agreement_holds(content, previous, holds)
        at = datetime.combine(min(when, today), time(9 + rng.randint(0, 7), rng.randint(0, 59)))
        review = content["review"]
        version_id = uuid.uuid4()
        versions.append(
            (
                bulk.db_uuid(version_id),
                team,
                bulk.db_uuid(plan_id),
                number,
                bulk.db_uuid(previous_id),
                rng.choice(authors),
                bulk.db_datetime(at.replace(tzinfo=UTC)),
                cp.summarise_changes(previous, content),
                json.dumps(content),
                review["review_on"] or None,
                (review["agreed_on"] or None) if holds else None,
                review["agreed_how"] or None,
                1 if review["copy_given"] else 0,
            )
        )
        previous_id, previous = version_id, content
    plans.append(
        (
            bulk.db_uuid(plan_id),
            team,
            bulk.db_uuid(patient_id),
            bulk.db_uuid(previous_id),
            "agreed" if holds else "draft",
            review_on.isoformat(),
        )
    )
