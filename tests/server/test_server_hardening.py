"""The team server as an attacker with an account finds it (issue 13, findings 4-6).

Each test speaks HTTP to a live server on loopback over the real PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from support.postgres import LiveServer, add_user, password_of

from mdt_desktop.server import accounts, app, rowlog
from mdt_desktop.server.cli import main as server_main
from mdt_desktop.store.clock import HybridLogicalClock, decode, encode
from mdt_desktop.store.schema import Patient, table_of
from mdt_desktop.sync import client as sync_client


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        yield c


def _login(
    http: httpx.Client, name: str, device: uuid.UUID | None = None, password: str | None = None
) -> httpx.Response:
    return http.post(
        "/v1/auth/login",
        json={
            "username": name,
            "password": password or password_of(name),
            "device_id": str(device or uuid.uuid4()),
        },
    )


def _tokens(http: httpx.Client, name: str, device: uuid.UUID | None = None) -> dict[str, Any]:
    response = _login(http, name, device)
    assert response.status_code == 200, response.text
    return response.json()


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _patient(row_id: uuid.UUID, hlc: int, name: str = "HONEST") -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "table": "patients",
        "row_id": str(row_id),
        "op": "insert",
        "fields": {
            "family_name": name,
            "given_name": "Ada",
            "nhs_number": "9434765919",
            "date_of_birth": date(1940, 1, 2).isoformat(),
            "sex": "female",
            "registration_status": "registered",
        },
        "hlc": hlc,
        "device_id": str(uuid.uuid4()),
    }


def _edit(row_id: uuid.UUID, hlc: int, name: str) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "table": "patients",
        "row_id": str(row_id),
        "op": "update",
        "fields": {"family_name": name},
        "hlc": hlc,
        "device_id": str(uuid.uuid4()),
    }


def _push(http: httpx.Client, tokens: dict[str, Any], *changes: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/v1/sync/push", json={"changes": list(changes)}, headers=_auth(tokens))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# --- finding 4: the server clock ------------------------------------------------------------


def test_a_clock_far_ahead_neither_drives_the_server_nor_wins(
    live_server: LiveServer, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(live_server.engine, "mallory", "North")
    add_user(live_server.engine, "alice", "North")
    mallory, alice = _tokens(http, "mallory"), _tokens(http, "alice")
    row = uuid.uuid4()
    start = _push(http, alice, _patient(row, HybridLogicalClock().now()))["server_hlc"]
    # Each push claims the server's last answer plus 59 s (inside the old 60 s allowance).
    ahead = start
    with caplog.at_level("WARNING", logger="mdt_desktop.server.push"):
        for _ in range(5):
            claimed = encode(decode(ahead)[0] + 59_000, 0)
            answer = _push(http, mallory, _edit(row, claimed, "FORGED"))
            ahead = answer["server_hlc"]
        far = encode(decode(ahead)[0] + 86_400_000, 0)  # a day ahead
        _push(http, mallory, _edit(row, far, "FORGED"))
    assert "ahead of the server's" in caplog.text
    wall_ms = HybridLogicalClock().now() >> 16
    # The server never ran ahead of its own wall clock...
    assert decode(ahead)[0] <= wall_ms + 1000
    with live_server.engine.connect() as conn:
        stored = conn.execute(
            select(table_of(Patient).c.updated_at).where(table_of(Patient).c.id == row)
        ).scalar_one()
    assert decode(stored)[0] <= wall_ms + 1000  # ...and the row keeps the server's time.
    # An honest edit made after those pushes wins.
    time.sleep(0.01)
    honest = _push(http, alice, _edit(row, HybridLogicalClock().now(), "HONEST AGAIN"))
    assert honest["results"][0]["status"] == "applied"


def test_the_last_issued_clock_is_kept_in_postgresql(
    live_server: LiveServer, http: httpx.Client
) -> None:
    add_user(live_server.engine, "alice", "North")
    alice = _tokens(http, "alice")
    answer = _push(http, alice, _patient(uuid.uuid4(), HybridLogicalClock().now()))
    with live_server.engine.connect() as conn:
        kept = conn.execute(text("SELECT last_hlc FROM server_clock")).scalar_one()
        assert kept >= answer["server_hlc"]
        # A server started on a machine whose wall clock stepped back a year still
        # issues values after every one it issued before.
        behind = HybridLogicalClock(wall=lambda: decode(kept)[0] - 365 * 86_400_000)
        rowlog.restore_clock(conn, behind)
    assert behind.now() > kept


# --- finding 5: sessions --------------------------------------------------------------------


def test_a_password_reset_ends_every_session(live_server: LiveServer, http: httpx.Client) -> None:
    add_user(live_server.engine, "alice", "North")
    laptop, phone = _tokens(http, "alice"), _tokens(http, "alice")
    add_user(live_server.engine, "alice", "North")  # the administrator sets a new password
    for tokens in (laptop, phone):
        assert http.get("/v1/me", headers=_auth(tokens)).status_code == 401
        refreshed = http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 401


def test_disabling_or_leaving_every_team_ends_every_session(
    live_server: LiveServer, http: httpx.Client
) -> None:
    add_user(live_server.engine, "alice", "North")
    add_user(live_server.engine, "bob", "North")
    alice, bob = _tokens(http, "alice"), _tokens(http, "bob")
    with live_server.engine.begin() as conn:
        accounts.set_disabled(conn, "alice")
        accounts.remove_membership(conn, "bob", "north")  # team names ignore case
    for tokens in (alice, bob):
        assert http.get("/v1/me", headers=_auth(tokens)).status_code == 401
        refreshed = http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 401
    assert _login(http, "alice").status_code == 401


def test_a_replayed_refresh_token_revokes_its_whole_family(
    live_server: LiveServer, http: httpx.Client
) -> None:
    add_user(live_server.engine, "alice", "North")
    first = _tokens(http, "alice")
    other_sign_in = _tokens(http, "alice")
    second = http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    assert http.get("/v1/me", headers=_auth(second)).status_code == 200
    # A thief replays the spent token: refused, and the owner's newer tokens end too.
    replay = http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert http.get("/v1/me", headers=_auth(second)).status_code == 401
    again = http.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    # Another sign-in of the same person is another family, untouched.
    assert http.get("/v1/me", headers=_auth(other_sign_in)).status_code == 200


def test_refreshing_never_outlives_the_sign_in(live_server: LiveServer, http: httpx.Client) -> None:
    add_user(live_server.engine, "alice", "North")
    tokens = _tokens(http, "alice")
    with live_server.engine.begin() as conn:  # the sign-in was 30 days and a second ago
        conn.execute(
            text("UPDATE server_tokens SET expires_at = now() - interval '1 second' "
                 "WHERE kind = 'refresh'")
        )  # fmt: skip
    late = http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert late.status_code == 401
    # Rotation keeps the family's end: a refreshed token expires when the first would have.
    tokens = _tokens(http, "alice")
    fresh = http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    with live_server.engine.connect() as conn:
        ends = conn.execute(
            text("SELECT DISTINCT expires_at FROM server_tokens WHERE kind = 'refresh' "
                 "AND family_id = (SELECT family_id FROM server_tokens WHERE token_hash = :h)"),
            {"h": accounts.token_hash(fresh["refresh_token"])},
        ).scalars().all()  # fmt: skip
    assert len(ends) == 1


def _admin(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str]:
    code = server_main([*argv, "--database-url", url])
    return code, capsys.readouterr().err


def test_admin_commands_fail_plainly_on_what_does_not_exist(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    add_user(live_server.engine, "alice", "North Leeds")
    url = live_server.engine.url.render_as_string(hide_password=False)
    assert _admin(capsys, url, "remove-member", "nobody", "--team", "North Leeds") == (
        1,
        "mdt-server: there is no user 'nobody'\n",
    )
    assert _admin(capsys, url, "remove-member", "alice", "--team", "Leeds South") == (
        1,
        "mdt-server: there is no team 'Leeds South'\n",
    )
    code, err = _admin(capsys, url, "revoke-device", "alice", str(uuid.uuid4()))
    assert code == 1 and "has no active device" in err
    assert _admin(capsys, url, "disable-user", "nobody")[0] == 1
    # Case is ignored in team names: this removes her from "North Leeds" itself.
    assert (
        server_main(["remove-member", "alice", "--team", "north leeds", "--database-url", url]) == 0
    )
    out = capsys.readouterr().out
    assert json.loads(out)["removed_from"] == "North Leeds"
    with live_server.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM server_memberships")).scalar_one()
    assert left == 0
    code, err = _admin(capsys, url, "remove-member", "alice", "--team", "North Leeds")
    assert code == 1 and "is not a member of North Leeds" in err


# --- finding 6: limits before work ----------------------------------------------------------


def _raw_post(url: str, path: str, head_length: int, body: bytes) -> tuple[int, bytes]:
    """POST over a plain socket, so the declared length can differ from what is sent."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {head_length}\r\n\r\n".encode()
        )
        # The server may answer and close before the body is all sent.
        with contextlib.suppress(OSError):
            s.sendall(body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and b'"}' in answer:
                break
    return int(answer.split(b" ", 2)[1]), answer


def test_a_large_body_is_refused_while_it_is_read(live_server: LiveServer) -> None:
    # Declared too large: refused before a byte of the body is read.
    status, answer = _raw_post(live_server.url, "/v1/auth/login", 200 * 1024 * 1024, b"{")
    assert status == 413 and b"larger than this server accepts" in answer
    # Declared small but streamed large (chunked): refused once the limit passes.
    big = b'{"username": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    response = httpx.post(
        f"{live_server.url}/v1/auth/login",
        content=iter([big[i : i + 65536] for i in range(0, len(big), 65536)]),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert b"aaaa" not in response.content


def test_a_push_is_capped_and_the_client_cuts_batches_to_fit(
    live_server: LiveServer, http: httpx.Client
) -> None:
    add_user(live_server.engine, "alice", "North")
    alice = _tokens(http, "alice")
    too_many = [_edit(uuid.uuid4(), 1, "X") for _ in range(app.MAX_PUSH + 1)]
    response = http.post("/v1/sync/push", json={"changes": too_many}, headers=_auth(alice))
    assert response.status_code == 422
    with live_server.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM server_applied_changes")).scalar() == 0
    assert sync_client.PUSH_BATCH <= app.MAX_PUSH
    encoded = sync_client.encode_changes([{"fields": {"text": "x" * 1000}}] * 10_000)
    cut = sync_client.fitting(encoded)
    assert 0 < cut < len(encoded)
    assert len(",".join(encoded[:cut])) < 8 * 1024 * 1024


def test_parallel_sign_ins_hash_a_bounded_number_at_once(
    live_server: LiveServer, http: httpx.Client
) -> None:
    add_user(live_server.engine, "alice", "North")
    accounts.HASHING.peak = 0
    results: list[int] = []

    def one() -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            results.append(_login(c, "alice").status_code)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 12
    assert 1 <= accounts.HASHING.peak <= accounts.MAX_CONCURRENT_HASHES


def _from(address: str, live_server: LiveServer) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=live_server.url, transport=transport, timeout=30)


def test_a_stranger_cannot_lock_a_user_out(live_server: LiveServer) -> None:
    add_user(live_server.engine, "alice", "North")
    laptop = uuid.uuid4()
    with _from("127.0.0.1", live_server) as home:
        assert _login(home, "alice", laptop).status_code == 200
    # Wrong passwords from elsewhere, repeated past every pause, from many addresses.
    for n in range(accounts.NAME_WIDE_ATTEMPTS + 2):
        with _from(f"127.0.0.{10 + n // accounts.FREE_ATTEMPTS}", live_server) as away:
            assert _login(away, "alice", password="a wrong guess").status_code in (401, 429)
    with _from("127.0.0.10", live_server) as away:
        assert _login(away, "alice", password="a wrong guess").status_code == 429
    with _from("127.0.0.1", live_server) as home:
        # Alice's own laptop signs in; a device never seen before waits out the pause.
        assert _login(home, "alice", laptop).status_code == 200
        assert _login(home, "alice").status_code == 429


def test_validation_errors_never_echo_what_was_sent(http: httpx.Client) -> None:
    response = http.post(
        "/v1/auth/login",
        json={"username": "alice", "password": "Secret-Pa55word!" * 100, "device_id": "x"},
    )
    assert response.status_code == 422
    assert "Secret-Pa55word" not in response.text and '"x"' not in response.text


@pytest.mark.parametrize(
    "body",
    [
        '{"changes": [{"change_id": "%s", "table": "patients", "row_id": "%s", "op": "update",'
        ' "fields": {}, "hlc": Infinity, "device_id": "%s"}]}',
        '{"changes": [{"change_id": "%s", "table": "patients", "row_id": "%s", "op": "update",'
        ' "fields": {}, "hlc": 1e30, "device_id": "%s"}]}',
        '{"changes": [{"change_id": "%s", "table": "patients", "row_id": "%s", "op": "update",'
        ' "fields": {"family_name": NaN}, "hlc": 5, "device_id": "%s"}]}',
    ],
)
def test_malformed_numbers_are_refused_not_crashed_on(
    live_server: LiveServer, http: httpx.Client, body: str
) -> None:
    add_user(live_server.engine, "alice", "North")
    alice = _tokens(http, "alice")
    ids = (uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    response = http.post(
        "/v1/sync/push",
        content=body % ids,
        headers={**_auth(alice), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and response.json()["results"][0]["status"] == "rejected"
    ), response.text


@pytest.mark.parametrize(
    "state",
    [{"lo": "abc"}, {"lo": 0, "hi": 5, "tx": [1], "sq": 1}, {"lo": 1e30}, {"lo": 2**70}],
)
def test_malformed_cursors_start_over_instead_of_crashing(
    live_server: LiveServer, http: httpx.Client, state: dict[str, Any]
) -> None:
    add_user(live_server.engine, "alice", "North")
    alice = _tokens(http, "alice")
    first = http.get("/v1/sync/pull", headers=_auth(alice)).json()
    real = rowlog.decode_cursor(first["cursor"])
    cursor = rowlog.encode_cursor({"s": real["s"], "f": real["f"], **state})
    response = http.get("/v1/sync/pull", params={"cursor": cursor}, headers=_auth(alice))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["reset"] and "not one this server gave out" in page["reset_reason"]


def test_a_password_needs_twelve_characters_and_not_a_common_one(
    live_server: LiveServer,
) -> None:
    for weak in ("short-pass1", "password1234", "qwertyuiop123", "alicealicealice"):
        with live_server.engine.begin() as conn, pytest.raises(ValueError, match="password"):
            accounts.add_user(conn, "alice", weak, "North", "gp")
    with live_server.engine.begin() as conn:
        accounts.add_user(conn, "alice", "violet kettle harbour", "North", "gp")


def test_plain_http_is_refused_off_loopback_and_docs_are_off(
    http: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    code = server_main(["--host", "0.0.0.0", "--database-url", "postgresql://u@/nowhere"])
    assert code == 1
    assert "refusing to serve plain HTTP on 0.0.0.0" in capsys.readouterr().err
    assert http.get("/docs").status_code == 404
    assert http.get("/openapi.json").status_code == 404
