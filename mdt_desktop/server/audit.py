"""The team server's copy of each laptop's audit log: the anchor outside the store.

A laptop sends its audit entries with each sync round. Each must follow the last one
held for that device (its sequence number and previous hash) and carry the hash its
fields give (store/audit.py): an entry already held must come again unchanged. So a
laptop whose chain was cut short or rewritten and re-chained cannot overwrite what the
server holds, and its own check against what the server acknowledged fails. Entries are
kept per team, append-only; roles with the audit permission may read them.
"""

# No "from __future__ import annotations": FastAPI must see the dependency types given
# to router() itself, not their names.

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Connection

from mdt_desktop.domain.permissions import Permission, allowed
from mdt_desktop.store.audit import GENESIS_HASH, entry_hash

from . import models
from .accounts import Principal

MAX_ENTRIES = 2000


class EntryIn(BaseModel):
    seq: int = Field(ge=1)
    at: datetime
    user_id: uuid.UUID | None = None
    user_name: str = Field(max_length=200)
    role: str = Field(max_length=64)
    device_id: uuid.UUID
    action: str = Field(max_length=16)
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    patient_id: uuid.UUID | None = None
    detail: str | None = Field(default=None, max_length=100_000)
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class AuditPushIn(BaseModel):
    team_id: uuid.UUID
    entries: list[EntryIn] = Field(max_length=MAX_ENTRIES)


class HeadOut(BaseModel):
    seq: int
    hash: str


def _head(conn: Connection, device_id: uuid.UUID) -> tuple[int, str]:
    t = models.audit_entries
    row = conn.execute(
        select(t.c.seq, t.c.hash).where(t.c.device_id == device_id)
        .order_by(t.c.seq.desc()).limit(1)
    ).first()  # fmt: skip
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def _held(conn: Connection, device_id: uuid.UUID, seqs: list[int]) -> dict[int, str]:
    t = models.audit_entries
    rows = conn.execute(
        select(t.c.seq, t.c.hash).where(t.c.device_id == device_id, t.c.seq.in_(seqs))
    )
    return {int(seq): str(h) for seq, h in rows}


def append_entries(conn: Connection, who: Principal, body: AuditPushIn) -> HeadOut:
    """Keep what follows the chain held for the caller's device; refuse anything else."""
    device = who.device_id
    last_seq, last_hash = _head(conn, device)
    held = _held(conn, device, [e.seq for e in body.entries if e.seq <= last_seq])
    rows: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for entry in body.entries:
        fields = entry.model_dump(exclude={"hash"})
        if entry.device_id != device:
            raise HTTPException(422, f"audit entry {entry.seq} names another device")
        if entry_hash(**fields) != entry.hash:
            raise HTTPException(422, f"audit entry {entry.seq} does not match its own hash")
        if entry.seq <= last_seq:
            if held.get(entry.seq) != entry.hash:
                raise HTTPException(
                    409,
                    f"audit entry {entry.seq} differs from the one the server already holds "
                    "for this device: the laptop's audit log was changed",
                )
            continue
        if entry.seq != last_seq + 1 or entry.prev_hash != last_hash:
            raise HTTPException(
                409, f"audit entry {entry.seq} does not follow entry {last_seq} held here"
            )
        rows.append({**fields, "hash": entry.hash, "team_id": body.team_id,
                     "account_id": who.account_id, "received_at": now})  # fmt: skip
        last_seq, last_hash = entry.seq, entry.hash
    if rows:
        conn.execute(models.audit_entries.insert(), rows)
    return HeadOut(seq=last_seq, hash=last_hash)


def router(conn_dep: Any, who_dep: Any) -> APIRouter:
    """The endpoints, given the app's transaction and caller dependencies."""
    api = APIRouter()

    def team_role(who: Principal, team_id: uuid.UUID) -> str:
        for team in who.teams:
            if team.id == team_id:
                return team.role
        # Same answer whether the team exists or not: nothing about other teams leaks.
        raise HTTPException(404, "no such team among yours")

    @api.post("/v1/audit/entries", response_model=HeadOut)
    def push_audit(body: AuditPushIn, conn: conn_dep, who: who_dep) -> HeadOut:
        team_role(who, body.team_id)
        return append_entries(conn, who, body)

    @api.get("/v1/teams/{team_id}/audit")
    def read_audit(
        team_id: uuid.UUID,
        conn: conn_dep,
        who: who_dep,
        after: int = Query(default=0, ge=0),
        device_id: uuid.UUID | None = None,
        limit: int = Query(default=500, ge=1, le=MAX_ENTRIES),
    ) -> list[dict[str, Any]]:
        if not allowed(team_role(who, team_id), Permission.VIEW_AUDIT):
            raise HTTPException(403, "your role on this team may not view the audit log")
        t = models.audit_entries
        query = select(t).where(t.c.team_id == team_id, t.c.seq > after)
        if device_id is not None:
            query = query.where(t.c.device_id == device_id)
        rows = conn.execute(query.order_by(t.c.device_id, t.c.seq).limit(limit)).mappings()
        return [{k: v for k, v in r.items() if k != "account_id"} for r in rows]

    return api
