"""Helpers for care plan tests: a team, a signed-in clinician, people on the caseload."""

from __future__ import annotations

import uuid
from datetime import date

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CaseloadEntry, Patient, Team, User


def clinician(store: Store, role: Role = Role.DISTRICT_NURSE, name: str = "Sam Carter") -> User:
    team = ensure_team(store, "Test Neighbourhood MDT")
    user = create_user(store, name, role, team)
    sign_in(store, user)
    return user


def nhs_for(serial: int) -> str:
    """A distinct valid test-range NHS number per serial (some serials have no valid number)."""
    for n, number in enumerate(iter_test_numbers()):
        if n == serial:
            return number
    raise ValueError(serial)


def person_on_caseload(
    store: Store,
    serial: int = 1,
    *,
    family: str = "Nguyễn",
    given: str = "Zoë",
    title: str | None = "Ms",
    active: bool = True,
) -> uuid.UUID:
    with store.transaction() as s:
        team = s.query(Team).first()
        patient = Patient(
            team_id=team.id if team else None,
            nhs_number=nhs_for(serial),
            title=title,
            family_name=family,
            given_name=given,
            date_of_birth=date(1945, 7, 14),
            sex="female",
        )
        s.add(patient)
        s.flush()
        s.add(
            CaseloadEntry(
                team_id=team.id if team else None,
                patient_id=patient.id,
                status="active" if active else "closed",
                started_on=date(2026, 1, 5),
            )
        )
        return patient.id


NAMES = ["Zoë", "Ó Ceallaigh", "Wiśniewska", "Nguyễn"]
MARKUP = "Tea & <b>cake</b> with <para>friends</para>"


def rich_content(goals: int = 3, actions: int = 4) -> dict:
    """A full plan with every section filled; more goals and actions make more pages."""
    from mdt_desktop.domain import care_plan as cp

    c = cp.empty_content()
    c["about_me"] = (
        "I have lived here for 40 years and want to stay at home. My granddaughter Zoë visits "
        "on Sundays; my neighbours Mrs Ó Ceallaigh and Mr Wiśniewska have a key."
    )
    c["needs"] = "Falls: two in six months.\nBreathless on the stairs.\nLonely in the afternoons."
    c["goals"] = [
        {
            "id": f"g{i}",
            "outcome": MARKUP if i == 0 else f"Goal number {i}: walk to the shop and back",
            "measure": "I can do it twice a week",
            "target_date": "2026-10-01",
            "status": "in_progress",
        }
        for i in range(goals)
    ]
    c["actions"] = [
        {
            "id": f"a{i}",
            "what": f"Action {i}: strength and balance exercises",
            "who": "Liam Price (Physiotherapist), Nguyễn Community Trust",
            "when": "Twice a week for 12 weeks",
            "goal_id": f"g{i % max(goals, 1)}" if goals else "",
        }
        for i in range(actions)
    ]
    c["contingency"] = {
        "warning_signs": "More breathless, ankles swelling",
        "what_to_do": "Take the extra water tablet, then ring the surgery",
        "in_hours": "Care coordinator 01632 960123",
        "out_of_hours": "NHS 111",
    }
    c["future_care"] = {
        "place_of_care": "At home",
        "place_of_death": "At home, with my family",
        "other": "Call me by my first name.",
    }
    c["support_network"] = "Daughter (main carer); neighbours; church friends."
    c["medicines"] = "Ramipril 5 mg once a day; furosemide 40 mg in the morning."
    c["budget"] = "£12,000.00 direct payment.\n- Personal assistant: £450.50, weekly"
    c["review"] = {
        "agreed_on": "2026-07-14",
        "agreed_how": "At home visit",
        "copy_given": True,
        "review_on": "2026-10-12",
    }
    return c
