"""Accounts, team membership, devices and tokens on the team server.

Passwords are argon2id hashes. Tokens are 256-bit random strings handed out once;
the server keeps only their SHA-256, so revoking one is deleting a row's validity
and a copy of the database cannot be used to sign in. Access tokens live minutes,
refresh tokens weeks and are rotated on every use.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from mdt_desktop.domain.roles import Role
from mdt_desktop.store.schema import Team, table_of

from . import models, rowlog

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


# Wrong passwords allowed for a name before sign-in pauses; the pause doubles with each
# further wrong one, up to the longest. A right password clears the count.
FREE_ATTEMPTS = 5
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(minutes=30)
# Counts for names with no wrong password for this long are forgotten.
FORGET_AFTER = timedelta(days=1)


class AuthError(Exception):
    """Sign-in refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 401, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class TeamInfo:
    id: uuid.UUID
    name: str
    code: str | None
    role: str


@dataclass(frozen=True)
class Principal:
    """Who is calling, from which device, and the teams the membership table gives them."""

    account_id: uuid.UUID
    name: str
    device_id: uuid.UUID
    teams: tuple[TeamInfo, ...] = field(default_factory=tuple)

    @property
    def team_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(t.id for t in self.teams)


def _now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_team(conn: Connection, name: str) -> uuid.UUID:
    teams = table_of(Team)
    found = conn.execute(
        select(teams.c.id).where(teams.c.name == name, teams.c.deleted_at.is_(None))
    ).scalar()
    if found is not None:
        return found  # type: ignore[no-any-return]
    team_id = uuid.uuid4()
    code = "".join(ch for ch in name.upper() if ch.isalnum())[:24] or None
    clock = rowlog.server_clock().now()
    taken = conn.execute(select(teams.c.id).where(teams.c.code == code)).scalar()
    conn.execute(
        insert(teams).values(
            id=team_id,
            name=name,
            code=None if taken else code,
            updated_at=clock,
            quorum_rule=None,
        )
    )
    rowlog.record_server_write(conn, "teams", team_id, team_id, ["name", "code"], clock)
    return team_id


def add_user(conn: Connection, name: str, password: str, team: str, role: str) -> uuid.UUID:
    """Create an account (or reset its password) and make it a member of ``team``."""
    name = name.strip()
    if not name:
        raise ValueError("a user needs a name")
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    role = Role(role).value
    accounts = models.accounts
    password_hash = _hasher.hash(password)
    account_id = conn.execute(select(accounts.c.id).where(accounts.c.name == name)).scalar()
    if account_id is None:
        account_id = uuid.uuid4()
        conn.execute(
            insert(accounts).values(
                id=account_id,
                name=name,
                password_hash=password_hash,
                created_at=_now(),
                disabled=False,
            )
        )
    else:
        conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(password_hash=password_hash, disabled=False)
        )
    # An administrator setting the password ends any pause after wrong ones.
    conn.execute(delete(models.login_throttle).where(models.login_throttle.c.name == name))
    team_id = ensure_team(conn, team)
    m = models.memberships
    existing = conn.execute(
        select(m.c.role).where(m.c.account_id == account_id, m.c.team_id == team_id)
    ).first()
    if existing is None:
        conn.execute(insert(m).values(account_id=account_id, team_id=team_id, role=role))
    else:
        conn.execute(
            update(m).where(m.c.account_id == account_id, m.c.team_id == team_id).values(role=role)
        )
    # The team's laptops learn of their colleague from the server, never from a laptop.
    rowlog.publish_profile(conn, account_id, name, team_id, role)
    return account_id  # type: ignore[no-any-return]


def remove_membership(conn: Connection, name: str, team: str) -> None:
    teams = table_of(Team)
    account_id = conn.execute(
        select(models.accounts.c.id).where(models.accounts.c.name == name)
    ).scalar()
    team_id = conn.execute(select(teams.c.id).where(teams.c.name == team)).scalar()
    conn.execute(
        models.memberships.delete().where(
            models.memberships.c.account_id == account_id,
            models.memberships.c.team_id == team_id,
        )
    )
    if account_id is not None and team_id is not None:
        rowlog.publish_profile(conn, account_id, name, team_id, None)


def teams_of(conn: Connection, account_id: uuid.UUID) -> tuple[TeamInfo, ...]:
    teams = table_of(Team)
    m = models.memberships
    rows = conn.execute(
        select(teams.c.id, teams.c.name, teams.c.code, m.c.role)
        .join(m, m.c.team_id == teams.c.id)
        .where(m.c.account_id == account_id, teams.c.deleted_at.is_(None))
        .order_by(teams.c.name)
    ).all()
    return tuple(TeamInfo(r.id, r.name, r.code, r.role) for r in rows)


def _issue(conn: Connection, account_id: uuid.UUID, device_id: uuid.UUID) -> dict[str, object]:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    conn.execute(
        insert(models.tokens),
        [
            {
                "token_hash": token_hash(access),
                "kind": "access",
                "account_id": account_id,
                "device_id": device_id,
                "issued_at": now,
                "expires_at": now + ACCESS_TTL,
            },
            {
                "token_hash": token_hash(refresh),
                "kind": "refresh",
                "account_id": account_id,
                "device_id": device_id,
                "issued_at": now,
                "expires_at": now + REFRESH_TTL,
            },
        ],
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int(ACCESS_TTL.total_seconds()),
    }


def _check_device(conn: Connection, account_id: uuid.UUID, device_id: uuid.UUID) -> None:
    d = models.devices
    revoked = conn.execute(
        select(d.c.revoked_at).where(d.c.id == device_id, d.c.account_id == account_id)
    ).first()
    if revoked is not None and revoked.revoked_at is not None:
        raise AuthError("this device has been revoked: ask your team's administrator", 403)


def _paused_for(conn: Connection, name: str) -> int:
    """Seconds until ``name`` may try a password again (0: now)."""
    lt = models.login_throttle
    until = conn.execute(select(lt.c.locked_until).where(lt.c.name == name)).scalar()
    if until is None:
        return 0
    return max(0, math.ceil((until - _now()).total_seconds()))


def _count_failure(conn: Connection, name: str) -> int:
    """Count a wrong password for ``name``; the pause it starts, in seconds (0: none yet)."""
    lt = models.login_throttle
    now = _now()
    failures = conn.execute(
        pg_insert(lt)
        .values(name=name, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[lt.c.name],
            set_={"failures": lt.c.failures + 1, "last_failure_at": now},
        )
        .returning(lt.c.failures)
    ).scalar_one()
    conn.execute(delete(lt).where(lt.c.last_failure_at < now - FORGET_AFTER))
    if failures < FREE_ATTEMPTS:
        return 0
    pause = min(FIRST_PAUSE * 2 ** (failures - FREE_ATTEMPTS), LONGEST_PAUSE)
    conn.execute(update(lt).where(lt.c.name == name).values(locked_until=now + pause))
    return int(pause.total_seconds())


def _pause_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "too many wrong passwords for this user name: sign-in is paused for "
        f"{minutes} minute{'s' if minutes != 1 else ''}"
    )


def login(
    conn: Connection, name: str, password: str, device_id: uuid.UUID, device_name: str
) -> dict[str, object]:
    """Tokens for a right password on a device that is not revoked.

    Each wrong password is counted against the name (in the caller's transaction,
    which must commit even when this raises: see the login endpoint).
    """
    paused = _paused_for(conn, name)
    if paused:
        # Not even checked: guesses during a pause cost the guesser a wait and learn nothing.
        raise AuthError(_pause_message(paused), status=429, retry_after=paused)
    a = models.accounts
    row = conn.execute(
        select(a.c.id, a.c.password_hash, a.c.disabled).where(a.c.name == name)
    ).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None or row.disabled:
        pause = _count_failure(conn, name)
        if pause:
            raise AuthError(
                f"the user name or password is wrong; {_pause_message(pause)}",
                status=429,
                retry_after=pause,
            )
        raise AuthError("the user name or password is wrong")
    conn.execute(delete(models.login_throttle).where(models.login_throttle.c.name == name))
    _check_device(conn, row.id, device_id)
    d = models.devices
    known = conn.execute(
        select(d.c.id).where(d.c.id == device_id, d.c.account_id == row.id)
    ).first()
    if known is None:
        conn.execute(
            insert(d).values(
                id=device_id,
                account_id=row.id,
                name=device_name[:200] or "device",
                registered_at=_now(),
                last_seen_at=_now(),
            )
        )
    return _issue(conn, row.id, device_id)


def refresh(conn: Connection, refresh_token: str) -> dict[str, object]:
    t = models.tokens
    row = conn.execute(
        select(t.c.account_id, t.c.device_id, t.c.expires_at, t.c.revoked_at)
        .where(t.c.token_hash == token_hash(refresh_token), t.c.kind == "refresh")
        .with_for_update()
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= _now():
        raise AuthError("the session has ended: sign in again")
    _check_device(conn, row.account_id, row.device_id)
    conn.execute(
        update(t).where(t.c.token_hash == token_hash(refresh_token)).values(revoked_at=_now())
    )
    return _issue(conn, row.account_id, row.device_id)


def logout(conn: Connection, principal: Principal) -> None:
    t = models.tokens
    conn.execute(
        update(t)
        .where(
            t.c.account_id == principal.account_id,
            t.c.device_id == principal.device_id,
            t.c.revoked_at.is_(None),
        )
        .values(revoked_at=_now())
    )


def authenticate(conn: Connection, access_token: str) -> Principal:
    t, a, d = models.tokens, models.accounts, models.devices
    row = conn.execute(
        select(a.c.id, a.c.name, a.c.disabled, t.c.device_id, t.c.expires_at, d.c.revoked_at)
        .join(t, t.c.account_id == a.c.id)
        .join(d, and_(d.c.id == t.c.device_id, d.c.account_id == a.c.id))
        .where(
            t.c.token_hash == token_hash(access_token),
            t.c.kind == "access",
            t.c.revoked_at.is_(None),
        )
    ).first()
    if row is None or row.expires_at <= _now() or row.disabled:
        raise AuthError("not signed in, or the session has expired")
    if row.revoked_at is not None:
        raise AuthError("this device has been revoked: ask your team's administrator", 403)
    return Principal(row.id, row.name, row.device_id, teams_of(conn, row.id))


def list_devices(conn: Connection, account_id: uuid.UUID) -> list[dict[str, object]]:
    d = models.devices
    rows = conn.execute(
        select(d).where(d.c.account_id == account_id).order_by(d.c.registered_at)
    ).all()
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "registered_at": r.registered_at.isoformat(),
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]


def revoke_device(conn: Connection, account_id: uuid.UUID, device_id: uuid.UUID) -> bool:
    """Revoke one of an account's devices and every token it holds; False if not theirs."""
    d, t = models.devices, models.tokens
    done = conn.execute(
        update(d)
        .where(d.c.id == device_id, d.c.account_id == account_id, d.c.revoked_at.is_(None))
        .values(revoked_at=_now())
    ).rowcount
    conn.execute(
        update(t)
        .where(t.c.device_id == device_id, t.c.account_id == account_id)
        .values(revoked_at=_now())
    )
    return bool(done)


def account_id_of(conn: Connection, name: str) -> uuid.UUID | None:
    return conn.execute(  # type: ignore[no-any-return]
        select(models.accounts.c.id).where(models.accounts.c.name == name)
    ).scalar()
