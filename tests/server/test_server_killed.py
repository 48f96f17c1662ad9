"""The server process and its PostgreSQL killed (SIGKILL) mid-push, then restarted."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import create_engine, text

from mdt_desktop.server import embedded
from mdt_desktop.store.clock import HybridLogicalClock

BIN = Path(sys.executable).parent
PASSWORD = "violet kettle harbour 7"
BATCH = 100


@pytest.fixture
def server_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mdt-kill-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(pgdata: Path, port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [str(BIN / "mdt-server"), "--embedded", str(pgdata), "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def _kill_everything(server: subprocess.Popen[str], pgdata: Path) -> None:
    """SIGKILL the server and every PostgreSQL process of its data folder: no goodbyes."""
    server.send_signal(signal.SIGKILL)
    server.wait()
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    family = [psutil.Process(postmaster), *psutil.Process(postmaster).children(recursive=True)]
    for process in family:
        process.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)


def _sign_in(url: str) -> dict[str, str]:
    answer = httpx.post(
        f"{url}/v1/auth/login",
        json={"username": "alice", "password": PASSWORD, "device_id": str(uuid.uuid4())},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _note(patient: uuid.UUID, n: int) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "table": "notes",
        "row_id": str(uuid.uuid4()),
        "op": "insert",
        "fields": {
            "patient_id": str(patient),
            "author_name": "Alice",
            "author_role": "district_nurse",
            "written_at": datetime.now(UTC).isoformat(),
            "text": f"note {n}",
        },
        "hlc": HybridLogicalClock().now(),
        "device_id": str(uuid.uuid4()),
    }


@pytest.mark.fault
def test_killed_mid_push_nothing_is_lost_or_doubled_and_the_clock_holds(
    server_dir: Path,
) -> None:
    pgdata, port = server_dir / "pg", _port()
    url = f"http://127.0.0.1:{port}"
    server = _start(pgdata, port)
    try:
        added = subprocess.run(
            [str(BIN / "mdt-server"), "add-user", "alice", "--team", "North",
             "--role", "district_nurse", "--embedded", str(pgdata)],
            env={**os.environ, "MDT_USER_PASSWORD": PASSWORD},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        auth = _sign_in(url)
        patient = uuid.uuid4()
        first = httpx.post(
            f"{url}/v1/sync/push",
            headers=auth,
            json={"changes": [{
                "change_id": str(uuid.uuid4()), "table": "patients", "row_id": str(patient),
                "op": "insert", "hlc": HybridLogicalClock().now(), "device_id": str(uuid.uuid4()),
                "fields": {"family_name": "KILL", "given_name": "Ada", "sex": "female",
                           "nhs_number": "9434765919", "registration_status": "registered",
                           "date_of_birth": date(1940, 1, 2).isoformat()},
            }]},
        )  # fmt: skip
        assert first.json()["results"][0]["status"] == "applied", first.text

        batches: list[list[dict[str, Any]]] = []
        answered: list[int] = []
        stop = threading.Event()

        def pusher() -> None:
            with httpx.Client(base_url=url, headers=auth, timeout=10) as c:
                while not stop.is_set():
                    batch = [_note(patient, len(batches) * BATCH + i) for i in range(BATCH)]
                    batches.append(batch)
                    try:
                        answer = c.post("/v1/sync/push", json={"changes": batch})
                    except httpx.HTTPError:
                        return  # the server died under this push
                    assert answer.status_code == 200, answer.text
                    answered.append(answer.json()["server_hlc"])

        thread = threading.Thread(target=pusher)
        thread.start()
        deadline = time.monotonic() + 20
        while len(answered) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        _kill_everything(server, pgdata)  # while a push is under way
        stop.set()
        thread.join(15)
        assert len(answered) >= 3 and len(batches) > len(answered)

        server = _start(pgdata, port)
        password = embedded.read_password(pgdata)
        socket_dir = (pgdata / "postmaster.pid").read_text().splitlines()[4]
        engine = create_engine(f"postgresql+psycopg://postgres:{password}@/mdt?host={socket_dir}")
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT last_hlc FROM server_clock")).scalar_one()
            newest = conn.execute(text("SELECT max(updated_at) FROM notes")).scalar_one()
        # Every committed row's clock is covered by the persisted one.
        assert kept >= max(answered) and kept >= newest
        # The client repeats every batch, answered or not: each change lands exactly once.
        auth = _sign_in(url)
        after: list[int] = []
        for batch in batches:
            answer = httpx.post(f"{url}/v1/sync/push", headers=auth, json={"changes": batch})
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()["results"]} == {"applied"}
            after.append(answer.json()["server_hlc"])
        assert min(after) > max(answered)  # the clock did not go back
        with engine.connect() as conn:
            counts = dict(
                conn.execute(text("SELECT text, count(*) FROM notes GROUP BY text")).all()
            )
        engine.dispose()
        assert set(counts) == {f"note {n}" for n in range(len(batches) * BATCH)}
        assert set(counts.values()) == {1}
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
