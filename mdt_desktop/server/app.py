"""The team server's HTTP API (FastAPI). Stateless: any replica can answer any call.

Every endpoint but sign-in resolves the caller from a bearer token and takes the
caller's teams from the membership table; nothing a client sends widens that scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from mdt_desktop import __version__ as app_version
from mdt_desktop.store.schema import SyncConflict, table_of

from . import accounts, audit, models, push, rowlog
from .accounts import AuthError, Principal
from .limits import DEFAULT_MAX_BODY, BodyLimit

# Changes in one push: the client cuts its batches to this (sync/client.py PUSH_BATCH).
MAX_PUSH = 1000


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    device_id: uuid.UUID
    device_name: str = Field(default="device", max_length=200)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class TeamOut(BaseModel):
    id: uuid.UUID
    name: str
    code: str | None
    role: str


class MeOut(BaseModel):
    account_id: uuid.UUID
    name: str
    device_id: uuid.UUID
    teams: list[TeamOut]
    server_hlc: int


class ChangeIn(BaseModel):
    change_id: uuid.UUID
    table: str = Field(max_length=64)
    row_id: uuid.UUID
    op: Literal["insert", "update", "delete"]
    fields: dict[str, Any]
    hlc: int = Field(ge=0, lt=2**63)
    device_id: uuid.UUID


class PushIn(BaseModel):
    changes: list[ChangeIn] = Field(max_length=MAX_PUSH)


class ResultOut(BaseModel):
    change_id: uuid.UUID
    status: Literal["applied", "superseded", "conflict", "rejected"]
    reason: str | None = None
    conflict_id: uuid.UUID | None = None
    remote_fields: dict[str, Any] | None = None


class PushOut(BaseModel):
    results: list[ResultOut]
    server_hlc: int


class RowOut(BaseModel):
    table: str
    id: uuid.UUID
    hlc: int
    deleted: bool
    fields: dict[str, Any]


class PullOut(BaseModel):
    changes: list[RowOut]
    cursor: str
    has_more: bool
    reset: bool
    reset_reason: str | None
    skipped_own: int
    teams: list[uuid.UUID]
    server_hlc: int


class MemberOut(BaseModel):
    name: str
    role: str


class DeviceOut(BaseModel):
    id: uuid.UUID
    name: str
    registered_at: str
    revoked: bool


class ConflictOut(BaseModel):
    id: uuid.UUID
    table_name: str
    row_id: uuid.UUID
    kind: str
    local_fields: dict[str, Any] | None
    remote_fields: dict[str, Any] | None
    detected_at: str


_bearer = HTTPBearer(auto_error=False)


def _transaction(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.begin() as conn:
        yield conn


# The transaction commits when the endpoint returns and *before* the answer is sent: a
# client that hears "applied" may delete its outbox entry, so the change must be durable.
_TRANSACTION = Depends(_transaction, scope="function")


def _principal(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    conn: Annotated[Connection, _TRANSACTION],
) -> Principal:
    if creds is None:
        raise AuthError("sign in first")
    return accounts.authenticate(conn, creds.credentials)


Conn = Annotated[Connection, _TRANSACTION]
Who = Annotated[Principal, Depends(_principal, scope="function")]


def create_app(engine: Engine, max_body: int = DEFAULT_MAX_BODY, docs: bool = False) -> FastAPI:
    """The API over one database engine (pooled connections to PostgreSQL).

    ``max_body``: the largest request body read, in bytes. ``docs``: serve the interactive
    description at /docs (off by default: it maps the API for anyone who can reach it).
    """
    app = FastAPI(
        title="MDT Desktop team server",
        version=app_version,
        description="Team-scoped sync of the MDT's shared caseload between laptops.",
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.engine = engine
    app.add_middleware(BodyLimit, max_bytes=max_body)
    with engine.begin() as conn:
        rowlog.restore_clock(conn)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what, never the value: a 422 must not echo a password or a record.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()[:20]
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    app.include_router(audit.router(Conn, Who))

    def auth_response(exc: AuthError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(AuthError)
    def _auth_error(request: Request, exc: AuthError) -> JSONResponse:
        return auth_response(exc)

    def member_of(who: Principal, team_id: uuid.UUID) -> None:
        # Same answer whether the team exists or not: nothing about other teams leaks.
        if team_id not in who.team_ids:
            raise HTTPException(404, "no such team among yours")

    @app.get("/health")
    def health(conn: Conn) -> dict[str, str]:
        conn.execute(select(1))
        return {"status": "ok"}

    @app.post(
        "/v1/auth/login",
        response_model=TokensOut,
        responses={401: {"description": "wrong name or password"},
                   429: {"description": "paused after repeated wrong passwords"}},
    )  # fmt: skip
    def login(body: LoginIn, conn: Conn, request: Request) -> Any:
        address = request.client.host if request.client else ""
        try:
            return accounts.login(
                conn, body.username, body.password, body.device_id, body.device_name, address
            )
        except AuthError as exc:
            # Answered, not raised: the wrong password it counted must be committed.
            return auth_response(exc)

    @app.post("/v1/auth/refresh", response_model=TokensOut)
    def refresh(body: RefreshIn, conn: Conn) -> Any:
        try:
            return accounts.refresh(conn, body.refresh_token)
        except AuthError as exc:
            # Answered, not raised: a replay's revocation of the family must be committed.
            return auth_response(exc)

    @app.post("/v1/auth/logout", status_code=204)
    def logout(who: Who, conn: Conn) -> None:
        accounts.logout(conn, who)

    @app.get("/v1/me", response_model=MeOut)
    def me(who: Who) -> dict[str, Any]:
        return {
            "account_id": who.account_id,
            "name": who.name,
            "device_id": who.device_id,
            "teams": [t.__dict__ for t in who.teams],
            "server_hlc": rowlog.server_clock().now(),
        }

    @app.get("/v1/devices", response_model=list[DeviceOut])
    def devices(who: Who, conn: Conn) -> list[dict[str, Any]]:
        return accounts.list_devices(conn, who.account_id)

    @app.post("/v1/devices/{device_id}/revoke", status_code=204)
    def revoke(device_id: uuid.UUID, who: Who, conn: Conn) -> None:
        if not accounts.revoke_device(conn, who.account_id, device_id):
            raise HTTPException(404, "no such device among yours")

    @app.get("/v1/teams/{team_id}/members", response_model=list[MemberOut])
    def members(team_id: uuid.UUID, who: Who, conn: Conn) -> list[dict[str, Any]]:
        member_of(who, team_id)
        a, m = models.accounts, models.memberships
        rows = conn.execute(
            select(a.c.name, m.c.role)
            .join(m, m.c.account_id == a.c.id)
            .where(m.c.team_id == team_id)
            .order_by(a.c.name)
        ).all()
        return [{"name": r.name, "role": r.role} for r in rows]

    @app.get("/v1/teams/{team_id}/conflicts", response_model=list[ConflictOut])
    def conflicts(team_id: uuid.UUID, who: Who, conn: Conn) -> list[dict[str, Any]]:
        member_of(who, team_id)
        c = table_of(SyncConflict)
        log = models.row_log
        rows = conn.execute(
            select(c)
            .join(log, (log.c.table_name == c.c.table_name) & (log.c.row_id == c.c.row_id))
            .where(log.c.team_id == team_id, c.c.resolved_at.is_(None))
            .order_by(c.c.detected_at)
        ).all()
        return [{**dict(r._mapping), "detected_at": r.detected_at.isoformat()} for r in rows]

    @app.post("/v1/sync/push", response_model=PushOut)
    def push_changes(body: PushIn, who: Who, conn: Conn) -> JSONResponse:
        changes = [
            push.Change(c.change_id, c.table, c.row_id, c.op, c.fields, c.hlc, who.device_id)
            for c in body.changes
        ]
        outcomes = push.apply_batch(conn, who, changes)
        server_hlc = rowlog.server_clock().now()
        # Last in the transaction: it locks the clock's row until the commit.
        rowlog.persist_clock(conn, server_hlc)
        return JSONResponse({"results": [o.as_dict() for o in outcomes], "server_hlc": server_hlc})

    @app.get("/v1/sync/pull", response_model=PullOut)
    def pull(
        who: Who,
        conn: Conn,
        cursor: Annotated[str | None, Query(max_length=2000)] = None,
        limit: Annotated[int, Query(ge=1, le=rowlog.PULL_LIMIT_MAX)] = 2000,
    ) -> Response:
        # Rows are encoded straight to JSON: re-validating thousands per page costs more
        # than the query.
        page = rowlog.pull(conn, who.team_ids, who.device_id, cursor, limit)
        return Response(rowlog.render_page(page), media_type="application/json")

    return app
