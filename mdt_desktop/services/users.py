"""Local user profiles and teams: who is using this laptop or meeting-room PC."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from mdt_desktop.domain.roles import Role
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Team, User

PIN_ITERATIONS = 200_000
CURRENT_USER_KEY = "current_user_id"


def hash_pin(pin: str) -> str:
    """PBKDF2-SHA256 with a random salt; the PIN itself is never stored."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise InvalidInput("A PIN is 4 to 12 digits.")
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PIN_ITERATIONS)
    return f"pbkdf2_sha256${PIN_ITERATIONS}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    return hmac.compare_digest(digest.hex(), digest_hex)


def ensure_team(store: Store, name: str, code: str | None = None) -> Team:
    with store.transaction() as s:
        team = s.scalars(select(Team).where(Team.name == name, Team.deleted_at.is_(None))).first()
        if team is None:
            team = Team(name=name, code=code)
            s.add(team)
        return team


def create_user(
    store: Store, name: str, role: Role | str, team: Team | None, pin: str | None = None
) -> User:
    role = Role(role) if not isinstance(role, Role) else role
    if not name.strip():
        raise InvalidInput("A user needs a name.")
    with store.transaction() as s:
        user = User(
            name=name.strip(),
            role=role.value,
            team_id=team.id if team else None,
            pin_hash=hash_pin(pin) if pin else None,
            created_at=datetime.now(UTC),
        )
        s.add(user)
    # Everyone who uses the app is in the staff directory, so colleagues can mention them.
    from .staff import staff_for_user

    staff_for_user(store, user)
    return user


def list_users(store: Store) -> list[User]:
    with store.session() as s:
        return list(s.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.name)))


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role)


def sign_in(store: Store, user: User) -> None:
    """Make ``user`` the one the audit log names, and remember them for next time."""
    store.set_actor(actor_for(user))
    with store.transaction() as s:
        s.get(User, user.id).last_login_at = datetime.now(UTC)  # type: ignore[union-attr]
    store.set_meta(CURRENT_USER_KEY, str(user.id))
    store.audit("login", "users", user.id)


def current_user(store: Store) -> User | None:
    user_id = store.meta().get(CURRENT_USER_KEY)
    if not user_id:
        return None
    with store.session() as s:
        return s.get(User, uuid.UUID(user_id))
