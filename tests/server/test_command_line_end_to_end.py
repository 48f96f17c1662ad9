"""End to end from the command line: embedded server, add-user, demo, sync, status."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        MDT_PASSPHRASE="a long enough passphrase for tests",
        **extra,
    )
    env.pop("MDT_SYNC_PASSWORD", None)
    env.pop("MDT_USER_PASSWORD", None)
    env.update(extra)
    return env


def _run(*args: str, **env: str) -> dict:
    done = subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        env=_env(**env),
        stdin=subprocess.DEVNULL,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture
def server_dir() -> Iterator[Path]:
    # Outside pytest's temporary root (see tests/support/postgres.py).
    folder = Path(tempfile.mkdtemp(prefix="mdt-e2e-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_two_users_of_one_team_share_a_caseload_and_another_team_sees_none(
    server_dir: Path, tmp_path: Path
) -> None:
    pgdata = server_dir / "pg"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "mdt-server"), "--embedded", str(pgdata), "--port", str(port)],
        env=_env(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        # The same folder again: these commands use the running PostgreSQL.
        for name, team, role in (
            ("alice", "North Leeds", "community_matron"),  # the demo holds budgets
            ("carol", "North Leeds", "gp"),
            ("bob", "South Leeds", "social_worker"),
        ):
            added = _run(
                "mdt-server",
                "add-user",
                name,
                "--team",
                team,
                "--role",
                role,
                "--embedded",
                str(pgdata),
                MDT_USER_PASSWORD=f"{name} password 1",
            )
            assert added["teams"][0]["name"] == team

        a, b, c = (tmp_path / f"{n}.mdt" for n in "abc")
        for store in (a, b, c):
            _run("mdt", "init", "--store", str(store), "--passphrase")
        _run("mdt", "demo", "--store", str(a), "--patients", "200")
        first = _run(
            "mdt",
            "sync",
            "--store",
            str(a),
            "--server",
            url,
            "--user",
            "alice",
            MDT_SYNC_PASSWORD="alice password 1",
        )
        assert first["errors"] == [] and first["pushed"] > 200 and first["conflicts"] == 0
        pulled = _run(
            "mdt",
            "sync",
            "--store",
            str(b),
            "--server",
            url,
            "--user",
            "carol",
            MDT_SYNC_PASSWORD="carol password 1",
        )
        assert pulled["errors"] == [] and pulled["pulled"] >= first["pushed"]
        other = _run(
            "mdt",
            "sync",
            "--store",
            str(c),
            "--server",
            url,
            "--user",
            "bob",
            MDT_SYNC_PASSWORD="bob password 1",
        )
        assert other["errors"] == []

        status_a = _run("mdt", "status", "--store", str(a), "--json")
        status_b = _run("mdt", "status", "--store", str(b), "--json")
        status_c = _run("mdt", "status", "--store", str(c), "--json")
        for status in (status_a, status_b, status_c):
            status["counts"].pop("audit_entries")  # each laptop's own log, never synced
        assert status_a["counts"] == status_b["counts"]
        assert status_a["counts"]["patients"] == 200
        assert all(v == 0 for v in status_c["counts"].values()), status_c["counts"]

        # The server and user are remembered, and the session: no password the second time.
        again = _run("mdt", "sync", "--store", str(a))
        assert again["errors"] == [] and again["pushed"] == 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # The last process using the folder stops PostgreSQL.
    time.sleep(1)
    assert not (pgdata / "postmaster.pid").exists()


def test_a_wrong_password_is_reported_in_the_summary(server_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "x.mdt"
    _run("mdt", "init", "--store", str(store), "--passphrase")
    done = subprocess.run(
        [
            str(BIN / "mdt"),
            "sync",
            "--store",
            str(store),
            "--server",
            "http://127.0.0.1:9",
            "--user",
            "nobody",
        ],
        capture_output=True,
        text=True,
        env=_env(MDT_SYNC_PASSWORD="x"),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert summary["errors"] and "could not be reached" in summary["errors"][0]


def test_the_server_speaks_tls_with_the_given_certificate(tmp_path: Path, server_engine) -> None:
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = _free_port()
    database_url = server_engine.url.render_as_string(hide_password=False)
    server = subprocess.Popen(
        [
            str(BIN / "mdt-server"),
            "--database-url",
            database_url,
            "--port",
            str(port),
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(key),
        ],
        env=_env(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                trusted = ssl.create_default_context(cafile=str(cert))
                answer = httpx.get(f"https://127.0.0.1:{port}/health", verify=trusted, timeout=2)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert answer.json() == {"status": "ok"}
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)  # no plain HTTP
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
