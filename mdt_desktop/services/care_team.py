"""A person's care team: professionals (from the directory or outside it), carers and
next of kin, and which professional leads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CareTeamMember, Patient, Staff

from .errors import NotFound

RELATIONSHIPS = {
    "professional": "Professional",
    "carer": "Carer",
    "next_of_kin": "Next of kin",
}


@dataclass(frozen=True)
class MemberInput:
    """A new member: either ``staff_id`` (details copied from the directory) or a name."""

    relationship: str = "professional"
    staff_id: uuid.UUID | None = None
    name: str = ""
    role: str | None = None
    organisation: str | None = None
    contact: str | None = None
    is_lead: bool = False


def members(store: Store, patient_id: uuid.UUID) -> list[CareTeamMember]:
    """Lead first, then professionals, carers, next of kin; by name within each."""
    order = {"professional": 0, "carer": 1, "next_of_kin": 2}
    with store.session() as s:
        rows = list(
            s.scalars(
                select(CareTeamMember).where(
                    CareTeamMember.patient_id == patient_id, CareTeamMember.deleted_at.is_(None)
                )
            )
        )
    rows.sort(key=lambda m: (not m.is_lead, order.get(m.relationship, 9), m.name.lower()))
    return rows


def add_member(store: Store, patient_id: uuid.UUID, member: MemberInput) -> CareTeamMember:
    require(store.actor.role, Permission.MANAGE_CARE_TEAM)
    if member.relationship not in RELATIONSHIPS:
        raise InvalidInput(f"Relationship is one of {', '.join(RELATIONSHIPS)}.")
    if member.is_lead and member.relationship != "professional":
        raise InvalidInput("The lead professional must be a professional.")
    with store.transaction() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That person is not in this store.")
        existing = list(
            s.scalars(
                select(CareTeamMember).where(
                    CareTeamMember.patient_id == patient_id, CareTeamMember.deleted_at.is_(None)
                )
            )
        )
        if member.staff_id is not None:
            staff = s.get(Staff, member.staff_id)
            if staff is None or staff.deleted_at is not None:
                raise NotFound("That colleague is not in the staff directory.")
            if any(m.staff_id == staff.id for m in existing):
                raise InvalidInput(f"{staff.name} is already in the care team.")
            name, org = staff.name, staff.organisation
            role: str | None = staff.role
            contact = member.contact or staff.phone or staff.email
        else:
            name = clean_text(member.name, "the name", limit=200)
            role = (member.role or "").strip() or None
            org = (member.organisation or "").strip() or None
            contact = (member.contact or "").strip() or None
        if member.is_lead:
            for m in existing:
                m.is_lead = False
        row = CareTeamMember(
            team_id=patient.team_id,
            patient_id=patient_id,
            staff_id=member.staff_id,
            name=name,
            role=role,
            organisation=org,
            contact=contact,
            relationship=member.relationship,
            is_lead=member.is_lead,
        )
        s.add(row)
    return row


def remove_member(store: Store, member_id: uuid.UUID) -> None:
    """Tombstoned, not deleted: the change syncs and stays in the audit log."""
    from datetime import UTC, datetime

    require(store.actor.role, Permission.MANAGE_CARE_TEAM)
    with store.transaction() as s:
        row = s.get(CareTeamMember, member_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("That member is not in the care team.")
        row.deleted_at = datetime.now(UTC)


def set_lead(store: Store, member_id: uuid.UUID) -> None:
    require(store.actor.role, Permission.MANAGE_CARE_TEAM)
    with store.transaction() as s:
        row = s.get(CareTeamMember, member_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("That member is not in the care team.")
        if row.relationship != "professional":
            raise InvalidInput("The lead professional must be a professional.")
        for other in s.scalars(
            select(CareTeamMember).where(
                CareTeamMember.patient_id == row.patient_id,
                CareTeamMember.deleted_at.is_(None),
                CareTeamMember.is_lead.is_(True),
            )
        ):
            if other.id != row.id:
                other.is_lead = False
        row.is_lead = True
