"""Profiles and secrets: argon2id PINs, throttling kept in the store, approvals, server sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.postgres import add_user, password_of, sync

from mdt_desktop.domain.roles import Role
from mdt_desktop.services import users
from mdt_desktop.services.users import (
    ProfileError,
    SecretRefused,
    add_profile,
    create_user,
    pin_state,
    unlock_mode,
    verify_pin,
)
from mdt_desktop.store.database import Store
from mdt_desktop.store.keys import StoreKey
from mdt_desktop.store.schema import User

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_pins_are_slow_salted_argon2id_hashes(store: Store) -> None:
    sam = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None, pin="4321")
    again = create_user(store, "Alex Kim", Role.PHARMACIST, None, pin="4321")
    assert sam.pin_hash.startswith("$argon2id$") and "4321" not in sam.pin_hash
    assert sam.pin_hash != again.pin_hash  # salted
    verify_pin(store, sam, "4321")


def test_an_older_pbkdf2_pin_still_works_and_is_upgraded(store: Store) -> None:
    import hashlib

    salt = bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", b"2468", salt, 1000).hex()
    sam = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None)
    with store.transaction() as s:
        s.get(User, sam.id).pin_hash = f"pbkdf2_sha256$1000${salt.hex()}${digest}"
    sam = users.find_user(store, "Sam Carter")
    verify_pin(store, sam, "2468")
    assert users.find_user(store, "Sam Carter").pin_hash.startswith("$argon2id$")


def test_wrong_pins_pause_doubling_after_five_and_block_after_ten(store: Store) -> None:
    sam = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None, pin="4321")
    now = T0
    for _ in range(4):
        with pytest.raises(SecretRefused, match="not right"):
            verify_pin(store, sam, "0000", now)
        assert pin_state(store, sam, now).wait_seconds == 0
    pauses = []
    for _ in range(5):  # failures 5..9: each followed by a pause twice the last
        with pytest.raises(SecretRefused):
            verify_pin(store, sam, "0000", now)
        wait = pin_state(store, sam, now).wait_seconds
        pauses.append(wait)
        with pytest.raises(SecretRefused, match="Try again in"):
            verify_pin(store, sam, "4321", now)  # right, but during the pause: not checked
        now += timedelta(seconds=wait)
    assert pauses == [30, 60, 120, 240, 480]
    with pytest.raises(SecretRefused, match="no longer unlocks"):
        verify_pin(store, sam, "0000", now)  # the tenth
    with pytest.raises(SecretRefused, match="store passphrase, or sign in to the team server"):
        verify_pin(store, sam, "4321", now + timedelta(days=30))
    assert pin_state(store, sam).blocked


def test_the_count_survives_reopening_the_store(store: Store, store_key: StoreKey) -> None:
    sam = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None, pin="4321")
    for _ in range(3):
        with pytest.raises(SecretRefused):
            verify_pin(store, sam, "9999")
    path = store.path
    store.close()
    with Store.open(path, store_key) as again:
        assert pin_state(again, users.find_user(again, "Sam Carter")).failures == 3
        verify_pin(again, users.find_user(again, "Sam Carter"), "4321")
        assert pin_state(again, users.find_user(again, "Sam Carter")).failures == 0


def test_the_store_passphrase_unblocks_a_pin(tmp_path: Path) -> None:
    with Store.create(tmp_path / "p.mdt", StoreKey(passphrase="library card 1984")) as store:
        sam = create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None, pin="4321")
        for _ in range(10):
            with pytest.raises(SecretRefused):
                verify_pin(store, sam, "0000", T0)
        with pytest.raises(SecretRefused, match="not the store passphrase"):
            users.verify_passphrase(store, sam, "library card 1985")
        users.verify_passphrase(store, sam, "library card 1984")
        verify_pin(store, sam, "4321")


def test_a_new_profile_on_a_keyring_store_needs_a_pin_and_an_approval(store: Store) -> None:
    with pytest.raises(ProfileError, match="A PIN is needed"):
        add_profile(store, "Dr Priya Raman", "gp", "Team", None)
    gp = add_profile(store, "Dr Priya Raman", "gp", "Team", "1357")  # the first: no approval
    nurse_args = ("Sam Carter", "district_nurse", "Team", "2468")
    with pytest.raises(SecretRefused, match="administrator or GP"):
        add_profile(store, *nurse_args)
    with pytest.raises(SecretRefused, match="not right"):
        add_profile(store, *nurse_args, approver=gp, approver_pin="0000")
    sam = add_profile(store, *nurse_args, approver=gp, approver_pin="1357")
    with pytest.raises(SecretRefused, match="not an administrator or GP"):
        add_profile(store, "Alex Kim", "pharmacist", "Team", "1111", approver=sam,
                    approver_pin="2468")  # fmt: skip
    with pytest.raises(ProfileError, match="already a profile called"):
        add_profile(store, "sam carter", "gp", "Team", "1111", approver=gp, approver_pin="1357")


def _as_pulled(store: Store, name: str, role: str = "district_nurse") -> User:
    """A profile as a pull writes it: the row alone (PINs and sign-in times never sync)."""
    with store.transaction() as s:
        row = User(name=name, role=role, created_at=datetime.now(UTC))
        s.add(row)
    return users.find_user(store, name)


def test_a_profile_from_the_server_needs_a_server_sign_in_here(store: Store) -> None:
    create_user(store, "Sam Carter", Role.DISTRICT_NURSE, None, pin="4321")
    alex = _as_pulled(store, "Alex Kim")
    assert unlock_mode(store, alex) == "server"
    with pytest.raises(ProfileError, match="not connected to a team server"):
        users.sign_in_on_server(store, alex, "whatever", "1111")


def test_server_sign_in_sets_the_local_pin(make_store, server_engine, live_server) -> None:
    add_user(server_engine, "bob", "North MDT")
    add_user(server_engine, "alice", "North MDT")
    laptop = make_store("bob-laptop")
    assert sync(laptop, live_server, "bob").errors == []
    alice = _as_pulled(laptop, "alice")
    with pytest.raises(SecretRefused, match="did not sign alice in"):
        users.sign_in_on_server(laptop, alice, "not her password", "1111")
    assert unlock_mode(laptop, alice) == "server"
    users.sign_in_on_server(laptop, alice, password_of("alice"), "1111")
    alice = users.find_user(laptop, "alice")
    assert unlock_mode(laptop, alice) == "pin"
    verify_pin(laptop, alice, "1111")
    # The store's own sync sign-in (bob's) is left as it was.
    from mdt_desktop.services.sync import settings

    assert settings(laptop).username == "bob"
