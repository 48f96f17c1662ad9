"""Local user profiles and teams: who is using this laptop or meeting-room PC.

Who may act as a profile here:

- a profile with a PIN: whoever knows the PIN (or, on a passphrase store, the store
  passphrase). On a store whose key is in the keyring a PIN is mandatory, because the
  computer's own login is all that opened the store.
- a profile that came from the team server (pulled with sync) has no PIN here: it can be
  used on this computer only after its owner signs in to the team server from it, which
  is when its local PIN is set.
- a new profile on a keyring store needs an existing administrator's or GP's PIN (on a
  passphrase store, the passphrase). The one exception is a store where nobody holds a PIN
  yet (just made with `mdt init`): its first profile is made freely, with a PIN.

PIN guesses are throttled per profile: after 5 wrong ones each further guess waits,
the pause doubling each time; after 10 the PIN no longer unlocks at all until the store
passphrase or a team-server sign-in proves who it is. The counts live in the store, so
restarting the app does not reset them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from mdt_desktop.domain.roles import Role
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Team, User

CURRENT_USER_KEY = "current_user_id"
# store_meta keys (local, never synced): wrong PINs so far, and profiles usable here.
FAILURES_KEY = "pin_failures:"
LOCAL_PROFILE_KEY = "profile_here:"

FREE_ATTEMPTS = 5
MAX_ATTEMPTS = 10
FIRST_PAUSE_SECONDS = 30
# Roles whose PIN lets someone new onto a keyring store.
APPROVER_ROLES = frozenset({Role.ADMINISTRATOR.value, Role.GP.value})

# argon2id with its library defaults (64 MiB, 3 passes): a stolen store's PIN hashes cost
# an attacker about as much per guess as the lock screen costs its user.
_hasher = PasswordHasher()


class ProfileError(InvalidInput):
    """A sign-in, unlock or new profile refused; the message is for the person."""


class SecretRefused(ProfileError):
    """A PIN, passphrase or server password that did not prove who someone is."""


# --- PINs ----------------------------------------------------------------------------------


def pin_problem(pin: str) -> str | None:
    """Why a PIN is not acceptable as a new PIN, or None."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        return "A PIN is 4 to 12 digits."
    return None


def hash_pin(pin: str) -> str:
    """A slow salted argon2id hash; the PIN itself is never stored."""
    problem = pin_problem(pin)
    if problem:
        raise ProfileError(problem)
    return _hasher.hash(pin)


def check_pin(pin: str, stored: str | None) -> bool:
    """Whether ``pin`` matches ``stored`` (argon2id, or a PBKDF2 hash from older versions)."""
    if not stored or not pin:
        return False
    if stored.startswith("pbkdf2_sha256$"):
        try:
            _, iterations, salt_hex, digest_hex = stored.split("$")
            digest = hashlib.pbkdf2_hmac(
                "sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations)
            )
        except ValueError:
            return False
        return hmac.compare_digest(digest.hex(), digest_hex)
    try:
        return _hasher.verify(stored, pin)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PinState:
    """How far a profile's wrong PINs have gone."""

    failures: int
    wait_seconds: int  # before the next guess is even checked
    blocked: bool  # only the passphrase or a server sign-in unlocks now

    def message(self, name: str) -> str | None:
        if self.blocked:
            return (
                f"{name}'s PIN was entered wrongly {MAX_ATTEMPTS} times, so it no longer "
                "unlocks MDT Desktop. Use the store passphrase, or sign in to the team server."
            )
        if self.wait_seconds:
            return f"Too many wrong PINs. Try again in {_seconds(self.wait_seconds)}."
        return None


def _seconds(n: int) -> str:
    if n < 60:
        return f"{n} second{'s' if n != 1 else ''}"
    minutes = -(-n // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _pause_after(failures: int) -> int:
    """The pause before the next guess: none for the first 5, then 30 s doubling."""
    if failures < FREE_ATTEMPTS:
        return 0
    return FIRST_PAUSE_SECONDS * 2 ** (failures - FREE_ATTEMPTS)


def pin_state(store: Store, user: User, now: datetime | None = None) -> PinState:
    now = now or datetime.now(UTC)
    raw = store.meta().get(FAILURES_KEY + str(user.id))
    if not raw:
        return PinState(0, 0, False)
    count_text, _, last_text = raw.partition(" ")
    failures = int(count_text)
    if failures >= MAX_ATTEMPTS:
        return PinState(failures, 0, True)
    last = datetime.fromisoformat(last_text)
    left = _pause_after(failures) - (now - last).total_seconds()
    return PinState(failures, max(0, int(left + 0.999)), False)


def _record_failure(store: Store, user: User, failures: int, now: datetime) -> None:
    store.set_meta(FAILURES_KEY + str(user.id), f"{failures} {now.isoformat()}")


def _clear_failures(store: Store, user: User) -> None:
    if FAILURES_KEY + str(user.id) in store.meta():
        store.delete_meta(FAILURES_KEY + str(user.id))


def verify_pin(store: Store, user: User, pin: str, now: datetime | None = None) -> None:
    """Prove ``user``'s PIN, counting wrong ones; raises SecretRefused with the reason."""
    now = now or datetime.now(UTC)
    stored = _pin_hash(store, user)
    if not stored:
        raise SecretRefused(f"{user.name} has no PIN on this computer.")
    state = pin_state(store, user, now)
    refusal = state.message(user.name)
    if refusal:
        raise SecretRefused(refusal)
    if check_pin(pin, stored):
        _clear_failures(store, user)
        if not stored.startswith("$argon2"):
            set_pin(store, user, pin)  # an older PBKDF2 hash: upgraded once proven
        return
    failures = state.failures + 1
    _record_failure(store, user, failures, now)
    after = pin_state(store, user, now)
    if after.blocked:
        raise SecretRefused(f"That PIN is not right. {after.message(user.name)}")
    if after.wait_seconds:
        raise SecretRefused(f"That PIN is not right. Try again in {_seconds(after.wait_seconds)}.")
    left = FREE_ATTEMPTS - failures
    raise SecretRefused(
        f"That PIN is not right. {left} more tr{'y' if left == 1 else 'ies'} before a pause."
    )


def _pin_hash(store: Store, user: User) -> str | None:
    with store.session() as s:
        row = s.get(User, user.id)
        return row.pin_hash if row is not None else None


def set_pin(store: Store, user: User, pin: str) -> None:
    """Give ``user`` a new PIN on this computer (the caller has proved who they are)."""
    hashed = hash_pin(pin)
    with store.transaction() as s:
        row = s.get(User, user.id)
        if row is None:
            raise ProfileError(f"{user.name} has no profile in this store.")
        row.pin_hash = hashed
    user.pin_hash = hashed
    _clear_failures(store, user)
    _mark_local(store, user)


def _mark_local(store: Store, user: User) -> None:
    store.set_meta(LOCAL_PROFILE_KEY + str(user.id), datetime.now(UTC).isoformat())


def passphrase_proves(store: Store, passphrase: str) -> bool:
    """Whether ``passphrase`` opens this store (a second, read-only open)."""
    from mdt_desktop.store.keys import StoreLockedError

    if store.key_kind != "passphrase" or not passphrase:
        return False
    try:
        Store.open(store.path, passphrase=passphrase, upgrade=False).close()
    except StoreLockedError:
        return False
    return True


def verify_passphrase(store: Store, user: User | None, passphrase: str) -> None:
    """The store passphrase stands for anyone's secret; proving it clears a blocked PIN."""
    if store.key_kind != "passphrase":
        raise SecretRefused("This store has no passphrase: its key is in the keyring.")
    if not passphrase_proves(store, passphrase):
        raise SecretRefused("That is not the store passphrase.")
    if user is not None:
        _clear_failures(store, user)


# --- what a profile needs here ---------------------------------------------------------------


def usable_here(store: Store, user: User) -> bool:
    """Made on this computer or signed in here before (a pulled profile is neither).

    PIN hashes and sign-in times never sync, so a profile pulled from the team server
    has neither until its owner signs in to the server from this computer.
    """
    if user.pin_hash or user.last_login_at is not None:
        return True
    return LOCAL_PROFILE_KEY + str(user.id) in store.meta()


def needs_server_sign_in(store: Store, user: User) -> bool:
    return not usable_here(store, user)


def unlock_mode(store: Store, user: User) -> str:
    """What proves who ``user`` is here.

    "pin" (on a passphrase store the passphrase also works), "passphrase" (a PIN-less
    profile on a passphrase store), "server" (a profile from the team server not yet
    used here) or "approval" (a PIN-less profile on a keyring store: an administrator's
    or GP's PIN lets its owner set one).
    """
    if not usable_here(store, user):
        return "server"
    if user.pin_hash:
        return "pin"
    if store.key_kind == "passphrase":
        return "passphrase"
    return "approval"


def approvers(store: Store) -> list[User]:
    """Administrators and GPs whose PIN can let someone new onto this computer."""
    return [u for u in list_users(store) if u.role in APPROVER_ROLES and u.pin_hash]


def anyone_has_pin(store: Store) -> bool:
    return any(u.pin_hash for u in list_users(store))


def approval_needed(store: Store) -> bool:
    """Whether a new profile (or a PIN for a PIN-less one) needs someone's approval.

    Not on a store where nobody holds a PIN yet: its first profile is its owner's.
    """
    return store.key_kind == "passphrase" or anyone_has_pin(store)


def approve(
    store: Store, approver: User | None = None, pin: str = "", passphrase: str = ""
) -> None:
    """Prove an administrator's or GP's PIN, or the store passphrase; raises if neither."""
    if passphrase:
        verify_passphrase(store, approver, passphrase)
        return
    if approver is None:
        if store.key_kind == "passphrase":
            raise SecretRefused("Enter the store passphrase.")
        raise SecretRefused("Choose the administrator or GP who is letting them in.")
    if approver.role not in APPROVER_ROLES:
        raise SecretRefused(
            f"{approver.name} is not an administrator or GP, so cannot add someone new."
        )
    verify_pin(store, approver, pin)


# --- profiles -------------------------------------------------------------------------------


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
    """Write a profile. The rules about who may add one are in :func:`add_profile`."""
    role = Role(role) if not isinstance(role, Role) else role
    if not name.strip():
        raise ProfileError("A profile needs a name.")
    with store.transaction() as s:
        user = User(
            name=name.strip(),
            role=role.value,
            team_id=team.id if team else None,
            pin_hash=hash_pin(pin) if pin else None,
            created_at=datetime.now(UTC),
        )
        s.add(user)
    _mark_local(store, user)
    # Everyone who uses the app is in the staff directory, so colleagues can mention them.
    from .staff import staff_for_user

    staff_for_user(store, user)
    return user


def add_profile(  # noqa: PLR0913 - one keyword per fact of a new profile
    store: Store,
    name: str,
    role: Role | str,
    team_name: str,
    pin: str | None,
    *,
    approver: User | None = None,
    approver_pin: str = "",
    passphrase: str = "",
    approved: bool = False,
) -> User:
    """A new person on this computer, with the checks the lock screen and `mdt user add` share.

    ``approved`` means the caller has already proved an approval (the lock screen proves it
    before showing the profile form).
    """
    name = name.strip()
    if not name:
        raise ProfileError("Enter the person's name.")
    if len(name) > 200:
        raise ProfileError("A name is at most 200 characters.")
    try:
        Role(role)
    except ValueError:
        raise ProfileError(
            f"{role!r} is not a role here; use one of {', '.join(r.value for r in Role)}."
        ) from None
    if not team_name.strip():
        raise ProfileError("Enter the team's name.")
    if pin:
        problem = pin_problem(pin)
        if problem:
            raise ProfileError(problem)
    elif store.key_kind != "passphrase":
        raise ProfileError(
            "A PIN is needed: this store's key is in the keyring, so the PIN is what "
            "keeps others out when MDT Desktop locks."
        )
    if any(u.name.lower() == name.lower() for u in list_users(store)):
        raise ProfileError(f"There is already a profile called {name} in this store.")
    if not approved and approval_needed(store):
        approve(store, approver, approver_pin, passphrase)
    team = ensure_team(store, team_name.strip())
    return create_user(store, name, role, team, pin=pin or None)


def list_users(store: Store) -> list[User]:
    with store.session() as s:
        return list(s.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.name)))


def find_user(store: Store, name: str) -> User:
    matches = [u for u in list_users(store) if u.name.lower() == name.strip().lower()]
    if not matches:
        raise ProfileError(f"There is no user profile called {name!r} in this store.")
    return matches[0]


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role)


def sign_in(store: Store, user: User) -> None:
    """Make ``user`` the one the audit log names, and remember them for next time.

    The caller has proved who they are (see :func:`unlock_mode`).
    """
    store.set_actor(actor_for(user))
    now = datetime.now(UTC)
    with store.transaction() as s:
        s.get(User, user.id).last_login_at = now  # type: ignore[union-attr]
    user.last_login_at = now
    store.set_meta(CURRENT_USER_KEY, str(user.id))
    store.audit("login", "users", user.id)


def current_user(store: Store) -> User | None:
    user_id = store.meta().get(CURRENT_USER_KEY)
    if not user_id:
        return None
    with store.session() as s:
        return s.get(User, uuid.UUID(user_id))


# --- first use of a team-server profile --------------------------------------------------------

ServerCheck = Callable[[str, str, str], str]


def sign_in_on_server(
    store: Store,
    user: User,
    password: str,
    new_pin: str,
    *,
    check: ServerCheck | None = None,
) -> None:
    """``user``'s owner proves their server password here (online); their PIN is set now.

    Also how a blocked PIN is replaced. ``check(server_url, name, password)`` returns the
    account's name on the server; by default the configured team server is asked.
    """
    from . import sync

    problem = pin_problem(new_pin)
    if problem:
        raise ProfileError(f"Choose a new PIN for this computer. {problem}")
    if not password:
        raise SecretRefused("Enter your team server password.")
    server_url = sync.settings(store).server_url
    if not server_url:
        raise ProfileError(
            "This computer is not connected to a team server, so "
            f"{user.name} cannot sign in to it here."
        )
    if check is None:
        from mdt_desktop.sync.client import check_password

        def check(url: str, name: str, secret: str) -> str:
            return check_password(url, name, secret, store.device_id)

    from mdt_desktop.sync.client import SyncError

    try:
        account = check(server_url, user.name, password)
    except SyncError as exc:
        raise SecretRefused(f"The team server did not sign {user.name} in: {exc}.") from None
    if account.lower() != user.name.lower():
        raise SecretRefused(
            f"The team server signed in {account}, not {user.name}: nothing was changed."
        )
    set_pin(store, user, new_pin)
