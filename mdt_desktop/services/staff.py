"""The staff directory: the team's members and partner professionals, and who is "me".

A local user profile is linked to their entry in the directory (``User.staff_id``) so
that "My caseload", mentions and actions find the person signed in.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.permissions import Permission, allowed, require
from mdt_desktop.domain.roles import Role
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Staff, User

from .errors import NotFound


def list_staff(
    store: Store, team_id: uuid.UUID | None = None, *, include_inactive: bool = False
) -> list[Staff]:
    """The directory, by name; ``team_id`` narrows it to one team."""
    with store.session() as s:
        query = select(Staff).where(Staff.deleted_at.is_(None))
        if team_id is not None:
            query = query.where(Staff.team_id == team_id)
        if not include_inactive:
            query = query.where(Staff.active.is_(True))
        return list(s.scalars(query.order_by(func.lower(Staff.name))))


def coordinators(store: Store, team_id: uuid.UUID | None = None) -> list[Staff]:
    """Staff whose role may be a named care coordinator."""
    return [st for st in list_staff(store, team_id) if allowed(st.role, Permission.COORDINATE_CARE)]


def _clean_contact(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def add_staff(
    store: Store,
    *,
    name: str,
    role: Role | str,
    team_id: uuid.UUID | None,
    organisation: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Staff:
    require(store.actor.role, Permission.MANAGE_STAFF)
    name = clean_text(name, "the name", limit=200)
    role = Role(role)
    email = _clean_contact(email)
    if email is not None and ("@" not in email or " " in email):
        raise InvalidInput(f"{email!r} does not look like an email address.")
    with store.transaction() as s:
        staff = Staff(
            team_id=team_id,
            name=name,
            role=role.value,
            organisation=_clean_contact(organisation),
            email=email,
            phone=_clean_contact(phone),
            active=True,
        )
        s.add(staff)
    return staff


def update_staff(store: Store, staff_id: uuid.UUID, **changes: object) -> Staff:
    """Change name, role, organisation, email, phone or active; others are refused."""
    require(store.actor.role, Permission.MANAGE_STAFF)
    known = {"name", "role", "organisation", "email", "phone", "active"}
    unknown = set(changes) - known
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))}.")
    with store.transaction() as s:
        staff = s.get(Staff, staff_id)
        if staff is None or staff.deleted_at is not None:
            raise NotFound("That person is not in the staff directory.")
        for key, value in changes.items():
            if key == "name":
                value = clean_text(str(value), "the name", limit=200)
            elif key == "role":
                value = Role(str(value)).value
            elif key in ("organisation", "email", "phone"):
                value = _clean_contact(value)  # type: ignore[arg-type]
            setattr(staff, key, value)
    return staff


def staff_for_user(store: Store, user: User) -> Staff:
    """The directory entry of a signed-in user: linked, found by name and team, or added.

    Adding themselves needs no MANAGE_STAFF: everyone who uses the app is staff.
    """
    with store.transaction() as s:
        fresh = s.get(User, user.id)
        if fresh is None:
            raise NotFound("That user is not in this store.")
        if fresh.staff_id is not None:
            staff = s.get(Staff, fresh.staff_id)
            if staff is not None and staff.deleted_at is None:
                return staff
        staff = s.scalars(
            select(Staff).where(
                func.lower(Staff.name) == fresh.name.lower(),
                Staff.team_id.is_(fresh.team_id)
                if fresh.team_id is None
                else Staff.team_id == fresh.team_id,
                Staff.deleted_at.is_(None),
            )
        ).first()
        if staff is None:
            staff = Staff(team_id=fresh.team_id, name=fresh.name, role=fresh.role, active=True)
            s.add(staff)
            s.flush()
        fresh.staff_id = staff.id
        user.staff_id = staff.id
        return staff
