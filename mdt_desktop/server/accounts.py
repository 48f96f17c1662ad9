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
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from mdt_desktop.domain.roles import Role
from mdt_desktop.store.schema import Team, table_of

from . import models, rowlog

ACCESS_TTL = timedelta(minutes=15)
# The absolute end of a sign-in: refreshing rotates the tokens but never moves this.
REFRESH_TTL = timedelta(days=30)
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")

MIN_PASSWORD_LENGTH = 12
# Each argon2 hash holds about 64 MiB for tens of milliseconds: without a bound, forty
# parallel sign-ins hold gigabytes. Callers past the bound wait their turn, up to a point.
MAX_CONCURRENT_HASHES = 2
HASH_WAIT_SECONDS = 10.0


class _HashGate:
    """A semaphore around password hashing that also remembers its busiest moment."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.busy = 0
        self.peak = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=HASH_WAIT_SECONDS):
            raise AuthError("the server is busy signing people in: try again in a minute", 503, 30)
        with self._lock:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            yield
        finally:
            with self._lock:
                self.busy -= 1
            self._slots.release()


HASHING = _HashGate(MAX_CONCURRENT_HASHES)


def _hash(password: str) -> str:
    with HASHING.slot():
        return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    with HASHING.slot():
        try:
            return bool(_hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False


def check_password_policy(password: str, name: str = "") -> None:
    """Refuse a password that is short, common or easily guessed (ValueError says why)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    from zxcvbn import zxcvbn
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    if password.lower() in _common_passwords(FREQUENCY_LISTS):
        raise ValueError("that password is on a list of common passwords: choose another")
    # zxcvbn's cost grows with length; the first 100 characters decide well enough.
    if zxcvbn(password[:100], user_inputs=[name] if name else [])["score"] < 3:
        raise ValueError(
            "that password is too easy to guess (a common word, name, date or pattern): "
            "a few unrelated words together are stronger"
        )


_COMMON: frozenset[str] | None = None


def _common_passwords(lists: dict[str, list[str]]) -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        _COMMON = frozenset(lists["passwords"])
    return _COMMON


# Wrong passwords allowed for a name from one client address before sign-in from that
# address pauses; the pause doubles with each further wrong one, up to the longest. A right
# password clears the count. From all addresses together, NAME_WIDE_ATTEMPTS pause the
# name too, but only for devices that have never signed in as it: a stranger cannot keep
# a colleague's own laptop out.
FREE_ATTEMPTS = 5
NAME_WIDE_ATTEMPTS = 20
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


def find_team(conn: Connection, name: str) -> uuid.UUID | None:
    """The team called ``name``, ignoring case and surrounding spaces.

    Team names are matched without regard to case everywhere an administrator types one:
    "north leeds" is "North Leeds", never a second team beside it.
    """
    teams = table_of(Team)
    found = (
        conn.execute(
            select(teams.c.id)
            .where(func.lower(teams.c.name) == name.strip().lower(), teams.c.deleted_at.is_(None))
            .order_by(teams.c.name)
        )
        .scalars()
        .all()
    )
    if len(found) > 1:
        raise ValueError(f"more than one team is called {name!r} (in different cases)")
    return found[0] if found else None


def ensure_team(conn: Connection, name: str) -> uuid.UUID:
    name = name.strip()
    if not name:
        raise ValueError("a team needs a name")
    found = find_team(conn, name)
    if found is not None:
        return found
    teams = table_of(Team)
    team_id = uuid.uuid4()
    code = "".join(ch for ch in name.upper() if ch.isalnum())[:24] or None
    clock = rowlog.server_clock().now()
    rowlog.persist_clock(conn, clock)
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
    check_password_policy(password, name)
    try:
        role = Role(role).value
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"there is no role {role!r}: the roles are {known}") from None
    accounts = models.accounts
    password_hash = _hash(password)
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
        # A new password ends every session the old one started, on every device.
        revoke_all_tokens(conn, account_id)
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


def remove_membership(conn: Connection, name: str, team: str) -> str:
    """Take ``name`` out of ``team``; the team's name as stored. ValueError says what is wrong.

    Removed from their last team, the account's every token is revoked at once.
    """
    account_id = account_id_of(conn, name)
    if account_id is None:
        raise ValueError(f"there is no user {name!r}")
    team_id = find_team(conn, team)
    if team_id is None:
        raise ValueError(f"there is no team {team!r}")
    m = models.memberships
    removed = conn.execute(
        m.delete().where(m.c.account_id == account_id, m.c.team_id == team_id)
    ).rowcount
    stored = conn.execute(select(table_of(Team).c.name).where(table_of(Team).c.id == team_id))
    team_name = str(stored.scalar_one())
    if not removed:
        raise ValueError(f"{name} is not a member of {team_name}")
    rowlog.publish_profile(conn, account_id, name, team_id, None)  # the profile goes too
    left = conn.execute(select(func.count()).select_from(m).where(m.c.account_id == account_id))
    if not left.scalar_one():
        revoke_all_tokens(conn, account_id)
    return team_name


def set_disabled(conn: Connection, name: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; disabling revokes every token it holds."""
    account_id = account_id_of(conn, name)
    if account_id is None:
        raise ValueError(f"there is no user {name!r}")
    a = models.accounts
    conn.execute(update(a).where(a.c.id == account_id).values(disabled=disabled))
    if disabled:
        revoke_all_tokens(conn, account_id)


def revoke_all_tokens(conn: Connection, account_id: uuid.UUID) -> None:
    t = models.tokens
    conn.execute(
        update(t)
        .where(t.c.account_id == account_id, t.c.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


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


def _issue(
    conn: Connection,
    account_id: uuid.UUID,
    device_id: uuid.UUID,
    family_id: uuid.UUID | None = None,
    ends_at: datetime | None = None,
) -> dict[str, object]:
    """A new access and refresh token in ``family_id`` (a new family: a new sign-in)."""
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    family_id = family_id or uuid.uuid4()
    ends_at = ends_at or now + REFRESH_TTL
    conn.execute(
        insert(models.tokens),
        [
            {
                "token_hash": token_hash(access),
                "kind": "access",
                "account_id": account_id,
                "device_id": device_id,
                "issued_at": now,
                "expires_at": min(now + ACCESS_TTL, ends_at),
                "family_id": family_id,
            },
            {
                "token_hash": token_hash(refresh),
                "kind": "refresh",
                "account_id": account_id,
                "device_id": device_id,
                "issued_at": now,
                "expires_at": ends_at,
                "family_id": family_id,
            },
        ],
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int((min(now + ACCESS_TTL, ends_at) - now).total_seconds()),
    }


def _check_device(conn: Connection, account_id: uuid.UUID, device_id: uuid.UUID) -> None:
    d = models.devices
    revoked = conn.execute(
        select(d.c.revoked_at).where(d.c.id == device_id, d.c.account_id == account_id)
    ).first()
    if revoked is not None and revoked.revoked_at is not None:
        raise AuthError("this device has been revoked: ask your team's administrator", 403)


def _known_device(conn: Connection, name: str, device_id: uuid.UUID) -> bool:
    """Has ``device_id`` signed in as ``name`` before (and not been revoked)?"""
    a, d = models.accounts, models.devices
    return (
        conn.execute(
            select(d.c.id)
            .join(a, a.c.id == d.c.account_id)
            .where(a.c.name == name, d.c.id == device_id, d.c.revoked_at.is_(None))
        ).first()
        is not None
    )


def _paused_for(conn: Connection, name: str, address: str, device_id: uuid.UUID) -> int:
    """Seconds until ``name`` may try a password again from here (0: now)."""
    lt = models.login_throttle
    rows = conn.execute(
        select(lt.c.address, lt.c.locked_until).where(
            lt.c.name == name,
            or_(lt.c.address == address, lt.c.address == models.NAME_WIDE),
            lt.c.locked_until > _now(),
        )
    ).all()
    until = [r.locked_until for r in rows if r.address == address]
    if any(r.address == models.NAME_WIDE for r in rows) and not _known_device(
        conn, name, device_id
    ):
        until += [r.locked_until for r in rows if r.address == models.NAME_WIDE]
    if not until:
        return 0
    return max(0, math.ceil((max(until) - _now()).total_seconds()))


def _count_failure(conn: Connection, name: str, address: str) -> int:
    """Count a wrong password for ``name`` from ``address`` and from everywhere; the pause
    it starts from ``address``, in seconds (0: none yet)."""
    lt = models.login_throttle
    now = _now()
    pause_here = 0
    for where, free in ((address, FREE_ATTEMPTS), (models.NAME_WIDE, NAME_WIDE_ATTEMPTS)):
        failures = conn.execute(
            pg_insert(lt)
            .values(name=name, address=where, failures=1, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=[lt.c.name, lt.c.address],
                set_={"failures": lt.c.failures + 1, "last_failure_at": now},
            )
            .returning(lt.c.failures)
        ).scalar_one()
        if failures < free:
            continue
        pause = min(FIRST_PAUSE * 2 ** (failures - free), LONGEST_PAUSE)
        conn.execute(
            update(lt)
            .where(lt.c.name == name, lt.c.address == where)
            .values(locked_until=now + pause)
        )
        if where == address:
            pause_here = int(pause.total_seconds())
    conn.execute(delete(lt).where(lt.c.last_failure_at < now - FORGET_AFTER))
    return pause_here


def _pause_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "too many wrong passwords for this user name: sign-in is paused for "
        f"{minutes} minute{'s' if minutes != 1 else ''}"
    )


def login(
    conn: Connection,
    name: str,
    password: str,
    device_id: uuid.UUID,
    device_name: str,
    address: str = "",
) -> dict[str, object]:
    """Tokens for a right password on a device that is not revoked.

    Each wrong password is counted against the name and the client's ``address`` (in the
    caller's transaction, which must commit even when this raises: see the login endpoint).
    """
    address = (address or "unknown")[:64]
    paused = _paused_for(conn, name, address, device_id)
    if paused:
        # Not even checked: guesses during a pause cost the guesser a wait and learn nothing.
        raise AuthError(_pause_message(paused), status=429, retry_after=paused)
    a = models.accounts
    row = conn.execute(
        select(a.c.id, a.c.password_hash, a.c.disabled).where(a.c.name == name)
    ).first()
    if not _verify(row.password_hash if row else _DUMMY_HASH, password):
        row = None
    if row is None or row.disabled:
        pause = _count_failure(conn, name, address)
        if pause:
            raise AuthError(
                f"the user name or password is wrong; {_pause_message(pause)}",
                status=429,
                retry_after=pause,
            )
        raise AuthError("the user name or password is wrong")
    lt = models.login_throttle
    # The right password clears this address's count; the name-wide one stays, so that
    # guesses from elsewhere keep counting while the owner works.
    conn.execute(delete(lt).where(lt.c.name == name, lt.c.address == address))
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
    """New tokens for a refresh token, which is spent; the family's end does not move.

    A spent refresh token presented again means two holders: the thief's copy or the
    owner's, no telling which, so the whole family is revoked and both must sign in.
    Revocations are committed even though this raises (see the refresh endpoint).
    """
    t, a = models.tokens, models.accounts
    row = conn.execute(
        select(t.c.account_id, t.c.device_id, t.c.expires_at, t.c.revoked_at, t.c.family_id)
        .where(t.c.token_hash == token_hash(refresh_token), t.c.kind == "refresh")
        .with_for_update()
    ).first()
    if row is None or row.expires_at <= _now():
        raise AuthError("the session has ended: sign in again")
    if row.revoked_at is not None:
        if row.family_id is not None:
            conn.execute(
                update(t)
                .where(t.c.family_id == row.family_id, t.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
        raise AuthError("the session has ended: sign in again")
    disabled = conn.execute(select(a.c.disabled).where(a.c.id == row.account_id)).scalar()
    if disabled or not teams_of(conn, row.account_id):
        raise AuthError("the session has ended: sign in again")
    _check_device(conn, row.account_id, row.device_id)
    conn.execute(
        update(t).where(t.c.token_hash == token_hash(refresh_token)).values(revoked_at=_now())
    )
    return _issue(conn, row.account_id, row.device_id, row.family_id, row.expires_at)


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
