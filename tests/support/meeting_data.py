"""A small neighbourhood team for meeting tests: staff, people on the caseload, a referral."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CaseloadEntry,
    HospitalAdmission,
    Patient,
    Referral,
    RiskScore,
    Staff,
    Team,
)

TODAY = date(2026, 11, 23)
MEETING_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)

# Valid test-range NHS numbers (modulus 11).
NHS = ["9990000018", "9990000026", "9990000034", "9990000042", "9990000050", "9990000069"]
STAFF = [
    ("Dr Priya Raman", "gp"),
    ("Sue Palmer", "district_nurse"),
    ("Mark Fletcher", "social_worker"),
    ("Imran Shah", "pharmacist"),
    ("Paul Marshall", "administrator"),
]


@dataclass
class TeamData:
    team_id: uuid.UUID
    staff: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    nhs: dict[str, str] = field(default_factory=dict)


def person(s, family: str, given: str, nhs: str, team_id: uuid.UUID) -> Patient:
    p = Patient(
        team_id=team_id,
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        title="Mrs",
        date_of_birth=date(1938, 3, 9),
        sex="female",
    )
    s.add(p)
    s.flush()
    return p


def make_team(store: Store, quorum_rule: dict | None = None) -> TeamData:
    """Staff, four people on the caseload in different states, one waiting referral."""
    with store.transaction() as s:
        team = Team(name="Northside Neighbourhood MDT", code="NS", quorum_rule=quorum_rule)
        s.add(team)
        s.flush()
        data = TeamData(team.id)
        for name, role in STAFF:
            member = Staff(team_id=team.id, name=name, role=role, organisation="Northside")
            s.add(member)
            s.flush()
            data.staff[name] = member.id
        people = [
            ("Ashworth", "Edith", "review"),  # review due before the meeting
            ("Bhatti", "Nasreen", "escalated"),  # escalated since the last meeting
            ("Clarke", "Joan", "quiet"),  # on the caseload, nothing due
            ("Dunmore", "Irene", "admitted"),  # in hospital now
            ("Evans", "Megan", "referral"),  # waiting referral, not on the caseload
        ]
        for i, (family, given, state) in enumerate(people):
            p = person(s, family, given, NHS[i], team.id)
            data.people[family] = p.id
            data.nhs[family] = NHS[i]
            s.add(
                RiskScore(
                    patient_id=p.id,
                    family_name=family,
                    given_name=given,
                    nhs_number=NHS[i],
                    efi_category="severe",
                    efi_score=0.41,
                    risk_score=82.0,
                    segment="highest",
                    segment_rank=4,
                    reasons=[f"Severe frailty (eFI 0.41) for {given}", "2 emergency admissions"],
                    computed_at=datetime.now(UTC),
                )
            )
            if state == "referral":
                s.add(
                    Referral(
                        team_id=team.id,
                        patient_id=p.id,
                        reason="Falls at home, carer struggling",
                        urgency="soon",
                        referred_at=MEETING_AT - timedelta(days=3),
                        status="waiting",
                    )
                )
                continue
            s.add(
                CaseloadEntry(
                    team_id=team.id,
                    patient_id=p.id,
                    status="active",
                    started_on=TODAY - timedelta(days=90),
                    next_review_on=TODAY - timedelta(days=2)
                    if state == "review"
                    else TODAY + timedelta(days=60),
                    escalated_at=MEETING_AT - timedelta(days=4) if state == "escalated" else None,
                    escalation_reason="New pressure ulcer, family worried"
                    if state == "escalated"
                    else None,
                )
            )
            if state == "admitted":
                s.add(
                    HospitalAdmission(
                        team_id=team.id,
                        patient_id=p.id,
                        hospital="Northside General",
                        ward="Ward 7",
                        admitted_at=MEETING_AT - timedelta(days=6),
                        reason="Chest infection",
                    )
                )
    return data


OUTCOMES = ["continue", "step_up", "step_down", "refer", "close"]
FAMILIES = ["Abbott", "Barker", "Chowdhury", "Doyle", "Ekwueme", "Fitzgerald", "Gallagher",
            "Hussain", "Iqbal", "Jennings", "Kaur", "Lindqvist", "Murphy", "Nwosu", "O'Neill",
            "Pritchard", "Quinn", "Rahman", "Sandoval", "Thorne"]  # fmt: skip


def twenty_case_meeting(store: Store) -> tuple[uuid.UUID, list[dict]]:
    """A held meeting of 20 cases, each with a decision, a discussion and two actions.

    Returns the meeting id and, per case, what its minutes must say.
    """
    from mdt_desktop.domain.nhs_number import iter_test_numbers
    from mdt_desktop.services import meetings as m

    data = make_team(store)
    numbers = iter_test_numbers(4000)
    with store.transaction() as s:
        for family in FAMILIES:
            p = person(s, family, "Alex", next(numbers), data.team_id)
            data.people[family] = p.id
            data.nhs[family] = p.nhs_number or ""
            s.add(
                CaseloadEntry(
                    team_id=data.team_id,
                    patient_id=p.id,
                    status="active",
                    started_on=TODAY - timedelta(days=30),
                )
            )
    meeting = m.schedule_meeting(
        store, team_id=data.team_id, starts_at=MEETING_AT, location="Room 2"
    )
    for line in m.attendance(store, meeting):
        m.set_attendance(store, line.id, "present")
    for family in FAMILIES:
        m.add_person(store, meeting, data.people[family], f"Review of {family}")
    m.start_meeting(store, meeting)
    expected = []
    for n, line in enumerate(m.agenda(store, meeting)):
        outcome = OUTCOMES[n % len(OUTCOMES)]
        actions = (
            m.NewAction(f"Visit {n} at home", "Sue Palmer", None, TODAY + timedelta(days=7 + n)),
            m.NewAction(f"Medicines check {n}", "Imran Shah", None, TODAY + timedelta(days=9)),
        )
        m.record_outcome(
            store,
            line.id,
            m.Outcome(
                outcome,
                f"Discussion of case {n}: family & carers <present>.",
                referred_to="Falls clinic" if outcome == "refer" else None,
                next_review_on=None if outcome == "close" else TODAY + timedelta(days=28),
                actions=actions,
            ),
        )
        expected.append(
            {
                "name": line.name,
                "decision": m.agenda(store, meeting)[n].decision,
                "actions": [a.description for a in actions],
            }
        )
    m.close_meeting(store, meeting)
    return meeting, expected
