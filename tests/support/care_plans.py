"""Helpers for care plan tests: a team, a signed-in clinician, people on the caseload."""

from __future__ import annotations

import uuid
from datetime import date

from mdt_desktop.domain.nhs_number import make_test_number
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CaseloadEntry, Patient, Team, User


def clinician(store: Store, role: Role = Role.DISTRICT_NURSE, name: str = "Sam Carter") -> User:
    team = ensure_team(store, "Test Neighbourhood MDT")
    user = create_user(store, name, role, team)
    sign_in(store, user)
    return user


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
            nhs_number=make_test_number(serial),
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
