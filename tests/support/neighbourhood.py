"""People, a team and colleagues for the caseload, notes and record tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.users import actor_for, create_user, ensure_team, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient, Practice, Staff, Team, User


@dataclass
class Neighbourhood:
    team: Team
    practice: Practice
    patients: list[uuid.UUID]
    nurse: User  # a district nurse: may accept referrals
    admin: User  # an administrator: may not
    coordinator: Staff
    social_worker: Staff
    volunteer: Staff


def add_patient(store: Store, team: Team, practice: Practice, n: int) -> uuid.UUID:
    with store.transaction() as s:
        patient = Patient(
            team_id=team.id,
            nhs_number=next(iter_test_numbers(500 + 10 * n)),
            family_name=["Ward", "Okafor", "Nowak", "Smith"][n % 4],
            given_name=["Edith", "Joseph", "Maria", "Alan"][n % 4],
            title=["Mrs", "Mr", "Ms", "Mr"][n % 4],
            date_of_birth=date(1935 + n, 7, 14),
            sex=["female", "male", "female", "male"][n % 4],
            practice_id=practice.id,
        )
        s.add(patient)
    return patient.id


def act_as(store: Store, user: User) -> None:
    store.set_actor(actor_for(user))


def build_neighbourhood(store: Store) -> Neighbourhood:
    """A team, a practice, four people, colleagues, and a district nurse signed in."""
    team = ensure_team(store, "Test Neighbourhood MDT")
    with store.transaction() as s:
        practice = Practice(team_id=team.id, ods_code="B99001", name="Meadowbank Surgery")
        s.add(practice)
        coordinator = Staff(
            team_id=team.id,
            name="Carol Hughes",
            role=Role.CARE_COORDINATOR.value,
            organisation="Northside PCN",
            phone="0113 496 0000",
            active=True,
        )
        social = Staff(
            team_id=team.id,
            name="Mark Fletcher",
            role=Role.SOCIAL_WORKER.value,
            organisation="Adult Social Care",
            active=True,
        )
        volunteer = Staff(
            team_id=team.id,
            name="Siobhán Kelly",
            role=Role.VOLUNTARY_SECTOR_WORKER.value,
            active=True,
        )
        s.add_all([coordinator, social, volunteer])
    patients = [add_patient(store, team, practice, n) for n in range(4)]
    nurse = create_user(store, "Sue Palmer", Role.DISTRICT_NURSE, team)
    admin = create_user(store, "Paul Marshall", Role.ADMINISTRATOR, team)
    sign_in(store, nurse)
    return Neighbourhood(team, practice, patients, nurse, admin, coordinator, social, volunteer)
