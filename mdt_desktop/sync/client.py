"""One sync round with the team server: sign in, bind, push the outbox, pull, conflicts.

Safe to stop at any moment: an outbox entry is removed only after the server's
answer for it has been written down, a repeated push is recognised by its change
id, and each pulled page is written together with the cursor that follows it.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from mdt_desktop.store import syncing
from mdt_desktop.store.database import Store

log = logging.getLogger(__name__)
AUDIT_BATCH = 2000
# The server takes at most 1000 changes and 8 MiB in one push (unless configured lower);
# a batch is cut to fit both, with room to spare for the envelope.
PUSH_BATCH = 1000
PUSH_BYTES = 4 * 1024 * 1024
PULL_PAGE = 5000


def encode_changes(wire: list[dict[str, Any]]) -> list[str]:
    """Each change as compact JSON: measured to cut the batch, then sent as it is."""
    return [json.dumps(change, separators=(",", ":")) for change in wire]


def fitting(encoded: list[str], max_bytes: int = PUSH_BYTES) -> int:
    """How many leading encoded changes fit in one push body (at least one)."""
    total = 0
    for count, change in enumerate(encoded):
        total += len(change.encode()) + 1
        if total > max_bytes:
            return max(1, count)
    return len(encoded)


class SyncError(Exception):
    """A round could not finish; nothing is lost and the next round carries on."""


class NeedPassword(SyncError):
    """The server wants the password again (first sync, or the session ended)."""


class NotPermitted(SyncError):
    """The server refused this user or device (wrong password, revoked device)."""


@dataclass
class SyncSummary:
    pushed: int = 0
    applied: int = 0
    superseded: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    kept_local: int = 0
    queued_from_store: int = 0
    reset: bool = False
    tables_pulled: set[str] = field(default_factory=set)
    care_plans_pulled: set[uuid.UUID] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pending: int = 0
    conflicts_open: int = 0
    team: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "applied": self.applied,
            "superseded": self.superseded,
            "rejected": self.rejected,
            "kept_local": self.kept_local,
            "queued_from_store": self.queued_from_store,
            "full_resync": self.reset,
            "pending": self.pending,
            "conflicts_open": self.conflicts_open,
            "team": self.team,
            "seconds": round(self.seconds, 3),
        }


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SyncError(f"{url!r} is not a server address (it starts with https:// or http://)")
    return url


class SyncClient:
    """Talks to one server for one user of one store."""

    def __init__(
        self,
        store: Store,
        server_url: str,
        username: str,
        password: str | None = None,
        *,
        timeout: float = 60.0,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.store = store
        self.server_url = normalise_url(server_url)
        self.username = username
        self._password = password
        self._access: str | None = None
        self._http = httpx.Client(
            base_url=self.server_url, timeout=timeout, verify=verify, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._access}"} if self._access else {}
        headers.update(kw.pop("headers", {}))
        try:
            response = self._http.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            reason = f"{exc.__class__.__name__}: {exc}"
            raise SyncError(f"the server could not be reached ({reason})") from None
        if response.status_code in (401, 403):
            detail = _detail(response)
            if response.status_code == 403:
                raise NotPermitted(detail)
            raise NeedPassword(detail)
        if response.status_code == 429:  # sign-in paused after wrong passwords: say so plainly
            raise SyncError(f"the server refused to sign in: {_detail(response)}")
        if response.status_code >= 400:
            raise SyncError(f"the server answered {response.status_code}: {_detail(response)}")
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError:
            raise SyncError("the server's answer was cut off or garbled") from None

    def sign_in(self) -> None:
        meta = self.store.meta()
        token = meta.get(syncing.META_REFRESH)
        same = (
            meta.get(syncing.META_SERVER) == self.server_url
            and meta.get(syncing.META_USER) == self.username
        )
        tokens = None
        if token and same:
            try:
                tokens = self._call("POST", "/v1/auth/refresh", json={"refresh_token": token})
            except NeedPassword:
                tokens = None
        if tokens is None:
            if not self._password:
                raise NeedPassword(f"the password of {self.username} is needed to sign in")
            tokens = self._call(
                "POST",
                "/v1/auth/login",
                json={
                    "username": self.username,
                    "password": self._password,
                    "device_id": str(self.store.device_id),
                    "device_name": socket.gethostname(),
                },
            )
        self._access = tokens["access_token"]
        # Kept in the encrypted store so later rounds need no password.
        syncing.set_meta_values(
            self.store,
            {
                syncing.META_SERVER: self.server_url,
                syncing.META_USER: self.username,
                syncing.META_REFRESH: tokens["refresh_token"],
            },
        )

    def sign_out(self) -> None:
        if self._access:
            try:
                self._call("POST", "/v1/auth/logout")
            finally:
                syncing.set_meta_values(self.store, {syncing.META_REFRESH: None})

    # --- the round ------------------------------------------------------------------------

    def run_round(self) -> SyncSummary:
        started = time.perf_counter()
        summary = SyncSummary()
        self.sign_in()
        me = self._call("GET", "/v1/me")
        self.store.context.clock.update(int(me["server_hlc"]))
        team = self._bind(me["teams"])
        summary.team = team["name"]
        meta = self.store.meta()
        swept_from = int(meta.get(syncing.META_SWEPT, "0"))
        summary.queued_from_store = syncing.sweep(self.store, swept_from)
        self._push(summary)
        self._push_audit(uuid.UUID(team["id"]))
        self._pull(summary, {uuid.UUID(t["id"]) for t in me["teams"]})
        conflicts = self._call("GET", f"/v1/teams/{team['id']}/conflicts")
        syncing.record_server_conflicts(self.store, conflicts)
        syncing.set_meta_values(
            self.store,
            {
                syncing.META_SWEPT: str(self.store.context.clock.last),
                syncing.META_LAST_SYNC: datetime.now(UTC).isoformat(),
                syncing.META_LAST_ERROR: None,
            },
        )
        summary.pending = syncing.pending_count(self.store)
        summary.conflicts_open = syncing.open_conflicts(self.store)
        summary.seconds = time.perf_counter() - started
        return summary

    def _bind(self, teams: list[dict[str, Any]]) -> dict[str, Any]:
        if not teams:
            raise NotPermitted(f"{self.username} is not a member of any team on this server")
        bound = self.store.meta().get(syncing.META_TEAM)
        if bound:
            for team in teams:
                if team["id"] == bound:
                    return team
            raise NotPermitted(
                f"{self.username} is no longer a member of the team this store belongs to"
            )
        team = teams[0]
        moved = syncing.bind_to_team(
            self.store, uuid.UUID(team["id"]), team["name"], team.get("code")
        )
        log.info("store bound to team %s (%d rows moved to it)", team["name"], moved)
        self.store.audit("update", "sync", team["id"], detail=f"bound to team {team['name']}")
        return team

    def _push(self, summary: SyncSummary) -> None:
        device = self.store.device_id
        while True:
            batch = syncing.pending(self.store, PUSH_BATCH)
            if not batch:
                return
            fetched = len(batch)
            encoded = encode_changes([p.as_wire(device) for p in batch])
            sent = fitting(encoded)
            batch = batch[:sent]
            body = '{"changes":[' + ",".join(encoded[:sent]) + "]}"
            answer = self._call(
                "POST",
                "/v1/sync/push",
                content=body.encode(),
                headers={"Content-Type": "application/json"},
            )
            results = answer["results"]
            if len(results) != len(batch):
                raise SyncError("the server answered for a different number of changes")
            counts = syncing.acknowledge(self.store, batch, results)
            self.store.context.clock.update(int(answer["server_hlc"]))
            summary.pushed += len(batch)
            summary.applied += counts.get("applied", 0)
            summary.superseded += counts.get("superseded", 0)
            summary.conflicts += counts.get("conflict", 0)
            summary.rejected += counts.get("rejected", 0)
            for result in results:
                if result["status"] == "rejected":
                    summary.errors.append(f"{result['change_id']}: {result['reason']}")
            if fetched < PUSH_BATCH and sent == fetched:
                return

    def _push_audit(self, team_id: uuid.UUID) -> None:
        """Send the audit entries the server has not acknowledged; keep what it answers."""
        from mdt_desktop.store import audit

        while True:
            with self.store.session() as s:
                sent = audit.entries_to_send(s, AUDIT_BATCH)
            if not sent:
                return
            head = self._call(
                "POST", "/v1/audit/entries", json={"team_id": str(team_id), "entries": sent}
            )
            with self.store.transaction() as s:
                audit.record_acknowledged(s, sent, (int(head["seq"]), str(head["hash"])))
            if len(sent) < AUDIT_BATCH:
                return

    def _pull(self, summary: SyncSummary, teams: set[uuid.UUID]) -> None:
        """Pages in order; the next one is fetched while this one is written.

        Each page is written together with the cursor after it, so a round stopped
        anywhere carries on from the last page written.
        """

        def fetch(cursor: str | None) -> Any:
            params: dict[str, Any] = {"limit": PULL_PAGE}
            if cursor:
                params["cursor"] = cursor
            return self._call("GET", "/v1/sync/pull", params=params)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mdt-pull") as ahead:
            page = fetch(self.store.meta().get(syncing.META_CURSOR))
            while True:
                following = ahead.submit(fetch, page["cursor"]) if page["has_more"] else None
                purge = None
                if page["reset"]:
                    summary.reset = True
                    purge = {uuid.UUID(t) for t in page["teams"]}
                try:
                    counts = syncing.apply_pulled(
                        self.store, page["changes"], page["cursor"], purge
                    )
                except BaseException:
                    if following is not None:
                        following.cancel()
                    raise
                self.store.context.clock.update(int(page["server_hlc"]))
                summary.pulled += counts["rows"]
                summary.kept_local += counts["kept_local"]
                summary.tables_pulled.update(c["table"] for c in page["changes"])
                summary.care_plans_pulled.update(
                    uuid.UUID(str(c["fields"]["care_plan_id"]))
                    for c in page["changes"]
                    if c["table"] == "care_plan_versions" and c["fields"].get("care_plan_id")
                )
                if following is None:
                    return
                page = following.result()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else response.reason_phrase


def check_password(
    server_url: str,
    username: str,
    password: str,
    device_id: uuid.UUID,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Prove a team member's server password from this device; their account name.

    For the first use of a server profile on a laptop (services/users.py): the session it
    opens is closed at once and nothing is kept, so the store's own sync sign-in is untouched.
    """
    with httpx.Client(
        base_url=normalise_url(server_url), timeout=timeout, transport=transport
    ) as http:
        try:
            response = http.post(
                "/v1/auth/login",
                json={
                    "username": username,
                    "password": password,
                    "device_id": str(device_id),
                    "device_name": socket.gethostname(),
                },
            )
            if response.status_code >= 400:
                raise SyncError(_detail(response))
            access = response.json()["access_token"]
            headers = {"Authorization": f"Bearer {access}"}
            me = http.get("/v1/me", headers=headers)
            if me.status_code >= 400:
                raise SyncError(_detail(me))
            name = str(me.json()["name"])
            http.post("/v1/auth/logout", headers=headers)
        except httpx.HTTPError as exc:
            raise SyncError(f"the server could not be reached ({exc.__class__.__name__})") from None
        except (ValueError, KeyError, TypeError):
            raise SyncError("the server's answer was cut off or garbled") from None
    return name
