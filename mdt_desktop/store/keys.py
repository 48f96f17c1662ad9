"""Where a store's key comes from: a random raw key in the OS keyring, or a passphrase.

A raw 256-bit key skips SQLCipher's key derivation, so opening is fast. When no
secure keyring backend is usable (a headless Linux without Secret Service), the
store is protected by a passphrase instead and SQLCipher derives the key.

The keyring entry is named after the store file's SQLCipher salt (its first 16
bytes, random and never encrypted), so a store copied or moved keeps finding its
key and no side file is needed. Nothing here writes a key or passphrase to disk.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

KEYRING_SERVICE = "mdt-desktop-store"
PASSPHRASE_ENV = "MDT_PASSPHRASE"
SALT_BYTES = 16
MIN_PASSPHRASE_LENGTH = 8

# Backends that would keep the key in the clear on disk, or keep nothing at all.
_INSECURE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
}


class StoreLockedError(Exception):
    """The store could not be unlocked; the file has not been touched."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This store could not be unlocked: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class StoreKey:
    """Either a raw 32-byte key or a passphrase. repr never shows the secret."""

    raw: bytes | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if (self.raw is None) == (self.passphrase is None):
            raise ValueError("a StoreKey is either a raw key or a passphrase")
        if self.raw is not None and len(self.raw) != 32:
            raise ValueError("a raw key is 32 bytes")

    @property
    def kind(self) -> str:
        return "keyring" if self.raw is not None else "passphrase"

    def pragma_value(self) -> str:
        """The value for ``PRAGMA key``: SQLCipher's ``x'…'`` form marks a raw key."""
        if self.raw is not None:
            return f"x'{self.raw.hex()}'"
        assert self.passphrase is not None
        return self.passphrase

    @classmethod
    def generate(cls) -> StoreKey:
        return cls(raw=secrets.token_bytes(32))


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def keyring_usable() -> bool:
    """True when the active keyring backend can keep a secret securely."""
    try:
        backend = keyring.get_keyring()
    except Exception:  # a misconfigured backend is the same as none
        return False
    name = _backend_name(backend)
    if name in _INSECURE_BACKENDS:
        return False
    # ChainerBackend with no usable members reports a priority of 0 or less.
    try:
        return float(backend.priority) > 0  # type: ignore[attr-defined]
    except Exception:
        return True


def store_salt_id(path: Path) -> str:
    """Hex of the store file's salt: a stable, non-secret id readable without the key."""
    with open(path, "rb") as handle:
        salt = handle.read(SALT_BYTES)
    if len(salt) < SALT_BYTES:
        raise StoreLockedError(f"{path} is empty or too short to be a store")
    return salt.hex()


def save_to_keyring(path: Path, key: StoreKey) -> None:
    if key.raw is None:
        raise ValueError("only raw keys are kept in the keyring")
    keyring.set_password(KEYRING_SERVICE, store_salt_id(path), key.raw.hex())


def load_from_keyring(path: Path) -> StoreKey | None:
    if not keyring_usable():
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, store_salt_id(path))
    except keyring.errors.KeyringError as exc:
        log.warning("keyring lookup failed: %s", exc)
        return None
    if value is None:
        return None
    try:
        return StoreKey(raw=bytes.fromhex(value))
    except ValueError:
        return None


def passphrase_from_env() -> str | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValueError(f"a passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters")


def resolve_key(path: Path, passphrase: str | None = None) -> StoreKey:
    """The key to try for an existing store: the keyring's, else a passphrase.

    An explicit passphrase wins; then the keyring entry for this file; then
    ``MDT_PASSPHRASE``. Raises :class:`StoreLockedError` when there is nothing to try.
    """
    if passphrase:
        return StoreKey(passphrase=passphrase)
    from_keyring = load_from_keyring(path)
    if from_keyring is not None:
        return from_keyring
    env = passphrase_from_env()
    if env:
        return StoreKey(passphrase=env)
    if keyring_usable():
        reason = "its key is not in this computer's keyring and no passphrase was given"
    else:
        reason = (
            f"no keyring is available and no passphrase was given (set {PASSPHRASE_ENV} "
            "or enter it when asked)"
        )
    raise StoreLockedError(reason)
