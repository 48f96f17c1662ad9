"""Sync with the team server, for the `mdt sync` command and the app's background sync."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mdt_desktop.store import syncing
from mdt_desktop.store.database import Store
from mdt_desktop.sync.client import SyncClient, SyncError, SyncSummary

log = logging.getLogger(__name__)
# Pulled rows that change what case finding shows: stratify after them.
_STRATIFY_AFTER = {"patients", "coded_entries", "caseload_entries", "referrals"}


@dataclass(frozen=True)
class SyncSettings:
    server_url: str | None
    username: str | None


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    last_synced_at: datetime | None
    pending: int
    conflicts_open: int
    last_error: str | None


def settings(store: Store) -> SyncSettings:
    meta = store.meta()
    return SyncSettings(meta.get(syncing.META_SERVER), meta.get(syncing.META_USER))


def configure(store: Store, server_url: str, username: str) -> None:
    """Remember the server and user; a different one signs in afresh."""
    from mdt_desktop.sync.client import normalise_url

    url = normalise_url(server_url)
    if not username.strip():
        raise SyncError("a user name is needed")
    current = settings(store)
    values: dict[str, str | None] = {
        syncing.META_SERVER: url,
        syncing.META_USER: username.strip(),
    }
    if (current.server_url, current.username) != (url, username.strip()):
        values[syncing.META_REFRESH] = None
    syncing.set_meta_values(store, values)


def status(store: Store) -> SyncStatus:
    meta = store.meta()
    last = meta.get(syncing.META_LAST_SYNC)
    return SyncStatus(
        configured=bool(meta.get(syncing.META_SERVER) and meta.get(syncing.META_USER)),
        last_synced_at=datetime.fromisoformat(last) if last else None,
        pending=syncing.pending_count(store),
        conflicts_open=syncing.open_conflicts(store),
        last_error=meta.get(syncing.META_LAST_ERROR),
    )


def sync_now(
    store: Store,
    server_url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    **client_options: Any,
) -> SyncSummary:
    """One round; the server and user given are remembered for the next time."""
    if server_url or username:
        current = settings(store)
        configure(store, server_url or current.server_url or "", username or current.username or "")
    current = settings(store)
    if not current.server_url or not current.username:
        raise SyncError("no server is set up: give the server's address and your user name")
    try:
        with SyncClient(
            store, current.server_url, current.username, password, **client_options
        ) as client:
            summary = client.run_round()
    except SyncError as exc:
        syncing.set_meta_values(store, {syncing.META_LAST_ERROR: str(exc)})
        raise
    if summary.care_plans_pulled:
        from mdt_desktop.services.care_plans import reconcile_plans

        # Versions saved on two laptops from the same base: ask for the merge in the plan.
        reconcile_plans(store, summary.care_plans_pulled)
    if summary.tables_pulled & _STRATIFY_AFTER:
        from mdt_desktop.services.stratify import stratify_store

        stratify_store(store)
    return summary
