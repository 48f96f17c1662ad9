"""Sync on loopback: a real team server (mdt-server in its own process) on PostgreSQL.

Figures: the first pull of a whole team into a new store, a round with 100 changes
each way, a push of 10,000 changes, and 20 clients syncing at once. Baselines in the
same run: reading the same rows straight from PostgreSQL with psycopg, and a bare
HTTP round trip to the server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "benchmark password"
PASSPHRASE = "benchmark store passphrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store(path: Path) -> Any:
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import StoreKey

    return Store.create(path, StoreKey(passphrase=PASSPHRASE))


def _round(store: Any, url: str, user: str) -> tuple[Any, float]:
    from mdt_desktop.sync.client import SyncClient

    t = time.perf_counter()
    with SyncClient(store, url, user, PASSWORD) as client:
        summary = client.run_round()
    return summary, time.perf_counter() - t


def _touch_patients(store: Any, count: int, offset: int, label: str) -> None:
    from sqlalchemy import select

    from mdt_desktop.store.schema import Patient

    with store.transaction() as s:
        patients = s.scalars(select(Patient).order_by(Patient.id).offset(offset).limit(count)).all()
        for n, patient in enumerate(patients):
            patient.postcode = f"{label}{n % 1000:03d}"[:8]


def bench_sync(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.server import db
    from mdt_desktop.services.demo import generate_demo
    from mdt_desktop.services.stratify import stratify_store

    patients = getattr(args, "sync_patients", 50_000)
    pg_parent = Path(tempfile.mkdtemp(prefix="mdt-bench-pg-"))
    pg_parent.chmod(0o755)
    pg_url, pg = db.start_embedded(pg_parent / "data")
    server = None
    try:
        engine = db.make_engine(pg_url)
        db.upgrade(engine)
        from mdt_desktop.server import accounts

        with engine.begin() as conn:
            for name, team in (("alice", "North"), ("carol", "North"), ("dave", "East")):
                accounts.add_user(conn, name, PASSWORD, team, "district_nurse")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        server = subprocess.Popen(
            [
                str(BIN / "mdt-server"),
                "--database-url",
                pg_url.render_as_string(False),
                "--port",
                str(port),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)

        a = _store(work / "sync-a.mdt")
        demo = generate_demo(a, patients, seed=1)
        snapshot, snapshot_s = _round(a, url, "alice")
        b = _store(work / "sync-b.mdt")
        first, first_s = _round(b, url, "carol")
        t = time.perf_counter()
        stratify_store(b)
        stratify_s = time.perf_counter() - t

        # Baseline: the same rows straight out of PostgreSQL.
        import psycopg

        t = time.perf_counter()
        with psycopg.connect(pg_url.set(drivername="postgresql").render_as_string(False)) as c:
            rows = 0
            for table in ("patients", "coded_entries", "practices", "staff", "users", "teams"):
                rows += len(c.execute(f"SELECT * FROM {table}").fetchall())
        baseline_select_s = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(20):
            httpx.get(f"{url}/health")
        http_ms = (time.perf_counter() - t) / 20 * 1000

        # 100 changes each way.
        _touch_patients(a, 100, 0, "A")
        _round(a, url, "alice")
        _touch_patients(b, 100, 5000 % max(patients, 1), "B")
        both, both_s = _round(b, url, "carol")

        # A push of 10,000 changes.
        _touch_patients(a, 10_000, 0, "P")
        big, big_s = _round(a, url, "alice")

        crowd = _twenty_at_once(work, url, env)
        a.close()
        b.close()
        result: dict[str, Any] = {
            "team_patients": demo.patients,
            "team_rows": first.pulled,
            "first_push_of_whole_store": {
                "changes": snapshot.pushed,
                "seconds": round(snapshot_s, 2),
            },
            "first_pull": {
                "rows": first.pulled,
                "seconds": round(first_s, 2),
                "rows_per_second": round(first.pulled / first_s),
                "then_stratify_seconds": round(stratify_s, 2),
                "baseline_psycopg_select_same_rows_seconds": round(baseline_select_s, 2),
                "target": "50,000-patient team <= 30 s",
                "pass": first_s <= 30 * max(1.0, patients / 50_000),
            },
            "round_100_each_way": {
                "pushed": both.pushed,
                "pulled": both.pulled,
                "seconds": round(both_s, 3),
                "baseline_http_round_trip_ms": round(http_ms, 2),
                "target": "<= 1 s",
                "pass": both_s <= 1.0 and both.pushed == 100 and both.pulled >= 100,
            },
            "push_10000": {
                "pushed": big.pushed,
                "seconds": round(big_s, 2),
                "changes_per_second": round(big.pushed / big_s),
                "target": "<= 15 s",
                "pass": big_s <= 15 and big.pushed == 10_000,
            },
            "twenty_clients_at_once": crowd,
        }
        result["pass"] = all(
            part["pass"] for part in result.values() if isinstance(part, dict) and "pass" in part
        )
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        pg.cleanup()
        shutil.rmtree(pg_parent, ignore_errors=True)


def _twenty_at_once(work: Path, url: str, env: dict[str, str]) -> dict[str, Any]:
    """20 laptops of team East, each with 25 changes, all running `mdt sync` together."""
    from mdt_desktop.services.demo import generate_demo

    seed_store = _store(work / "east-seed.mdt")
    generate_demo(seed_store, 500, seed=9)
    _round(seed_store, url, "dave")
    seed_store.close()
    paths = []
    for n in range(int(os.environ.get("MDT_BENCH_CLIENTS", "20"))):
        path = work / f"east-{n}.mdt"
        store = _store(path)
        _round(store, url, "dave")
        _touch_patients(store, 25, n * 25, f"E{n}")
        store.close()
        paths.append(path)
    env = dict(env, MDT_PASSPHRASE=PASSPHRASE, MDT_SYNC_PASSWORD=PASSWORD)
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(BIN / "mdt"), "sync", "--store", str(p)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for p in paths
    ]
    results = [(p.wait(120), p.stdout.read() if p.stdout else "") for p in procs]
    if os.environ.get("MDT_BENCH_DEBUG"):
        print(results[:2], [p.stderr.read()[:500] for p in procs[:2] if p.stderr], file=sys.stderr)
    wall = time.perf_counter() - t
    errors = []
    pushed = 0
    for code, out in results:
        try:
            summary = json.loads(out)
        except ValueError:
            errors.append(f"exit {code}: {out[:200]}")
            continue
        errors.extend(summary.get("errors", []))
        pushed += int(summary.get("pushed", 0))
        if code != 0:
            errors.append(f"exit {code}")
    return {
        "clients": len(paths),
        "pushed": pushed,
        "wall_seconds": round(wall, 2),
        "errors": errors,
        "target": "20 clients at once, no errors",
        "pass": not errors and pushed == 20 * 25,
    }


if __name__ == "__main__":  # a quick run on its own: python -m tests.perf.bench_sync 5000
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    parsed = argparse.Namespace(sync_patients=int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
    with tempfile.TemporaryDirectory(prefix="mdt-bench-sync-") as tmp:
        print(json.dumps(bench_sync(Path(tmp), parsed), indent=2))
