"""Benchmarks: `python3 dev.py bench [--patients N] [--only a,b]` prints one JSON document.

Every figure is compared with a baseline measured in the same run on the same
machine (plain SQLite beside SQLCipher, a bare Qt window beside the app), and
with the target from the issue that set it. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mdt_desktop.store.keys import StoreKey  # noqa: E402

Result = dict[str, Any]


def _median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


def _fresh_store(folder: Path, name: str, key: StoreKey) -> Any:
    from mdt_desktop.store.database import Store

    return Store.create(folder / name, key)


def bench_store_open(work: Path, args: argparse.Namespace) -> Result:
    """Open + first query, raw key vs passphrase (key derivation) vs plain SQLite."""
    import sqlcipher3

    from mdt_desktop.services.demo import generate_demo
    from mdt_desktop.store.database import Store

    raw = StoreKey.generate()
    phrase = StoreKey(passphrase="benchmark passphrase")
    for name, key in (("raw.mdt", raw), ("phrase.mdt", phrase)):
        with _fresh_store(work, name, key) as store:
            generate_demo(store, 2000, seed=1)

    def open_with(path: Path, key: StoreKey) -> Callable[[], None]:
        def go() -> None:
            store = Store.open(path, key)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM patients").scalar()
            store.close()

        return go

    plain = work / "plain.db"
    conn = sqlcipher3.connect(plain)
    conn.execute("CREATE TABLE patients (id)")
    conn.commit()
    conn.close()

    def open_plain() -> None:
        c = sqlcipher3.connect(plain)
        c.execute("SELECT count(*) FROM patients").fetchone()
        c.close()

    raw_ms, _ = _median_ms(open_with(work / "raw.mdt", raw), args.repeat)
    phrase_ms, _ = _median_ms(open_with(work / "phrase.mdt", phrase), max(3, args.repeat // 3))
    plain_ms, _ = _median_ms(open_plain, args.repeat)
    return {
        "raw_key_open_ms_median": round(raw_ms, 1),
        "passphrase_open_ms_median": round(phrase_ms, 1),
        "baseline_plain_sqlite_open_ms_median": round(plain_ms, 2),
        "target": "raw key open <= 50 ms",
        "pass": raw_ms <= 50,
    }


def bench_demo(work: Path, args: argparse.Namespace) -> Result:
    from mdt_desktop.services.demo import generate_demo

    key = StoreKey.generate()
    store = _fresh_store(work, "demo.mdt", key)
    t = time.perf_counter()
    summary = generate_demo(store, args.patients, seed=1)
    seconds = time.perf_counter() - t
    store.close()
    args.demo_store = (work / "demo.mdt", key)
    return {
        "patients": summary.patients,
        "coded_entries": summary.coded_entries,
        "seconds": round(seconds, 2),
        "patients_per_second": round(summary.patients / seconds),
        "target": "250,000 patients < 60 s",
        "pass": seconds < 60 * max(1.0, args.patients / 250_000),
    }


def _bulk_rows(n: int) -> list[tuple]:
    rng = random.Random(42)
    codes = ["38341003", "44054006", "13645005", "84114007", "49436004", "52448006"]
    patients = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(max(1, n // 4))]
    return [
        (
            uuid.UUID(int=rng.getrandbits(128)).hex,
            rng.choice(patients),
            rng.choice(codes),
            "Some condition term",
            f"20{rng.randrange(10, 26)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
            "condition",
            0,
        )
        for _ in range(n)
    ]


def bench_bulk_insert(work: Path, args: argparse.Namespace) -> Result:
    """The same executemany of coded entries into an encrypted store and a plain file."""
    import sqlcipher3
    from sqlalchemy import create_engine

    from mdt_desktop.store import migrate

    n = args.bulk_rows
    rows = _bulk_rows(n)
    sql = (
        "INSERT INTO coded_entries (id, patient_id, code, term, recorded_on, kind, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )

    def load(conn: Any) -> float:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-262144")
        # Foreign keys off in both: the rows point at patients that are not loaded here.
        conn.execute("PRAGMA foreign_keys=OFF")
        t = time.perf_counter()
        cur = conn.cursor()
        for i in range(0, len(rows), 20_000):
            cur.executemany(sql, rows[i : i + 20_000])
        conn.commit()
        return time.perf_counter() - t

    results = {}
    for label in ("plain", "encrypted"):
        timings = []
        for attempt in range(args.bulk_repeat):
            path = work / f"bulk-{label}-{attempt}.db"
            key = StoreKey.generate() if label == "encrypted" else None
            if key:
                _fresh_store(work, path.name, key).close()
            else:
                engine = create_engine(f"sqlite:///{path}")
                with engine.begin() as c:
                    migrate.upgrade(c)
                engine.dispose()
            conn = sqlcipher3.connect(path)
            if key:
                conn.execute(f'PRAGMA key = "{key.pragma_value()}"')
            timings.append(load(conn))
            conn.close()
        results[label] = statistics.median(timings)
    ratio = results["encrypted"] / results["plain"]
    return {
        "rows": n,
        "plain_sqlite_s": round(results["plain"], 3),
        "encrypted_s": round(results["encrypted"], 3),
        "ratio": round(ratio, 3),
        "target": "encrypted / plain <= 1.3",
        "pass": ratio <= 1.3,
    }


def _time_process(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {proc.stderr[-2000:]}")
    return elapsed


BARE_QT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1366, 768); w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def bench_cold_start(work: Path, args: argparse.Namespace) -> Result:
    """Process start to the main window shown and painted, on the demo store."""
    if getattr(args, "demo_store", None) is None:
        bench_demo(work, args)
    path, key = args.demo_store
    from mdt_desktop.services.users import create_user, ensure_team, list_users, sign_in
    from mdt_desktop.store.database import Store

    with Store.open(path, key) as store:  # the app would otherwise ask who is using it
        if not list_users(store):
            sign_in(store, create_user(store, "Bench User", "gp", ensure_team(store, "Bench")))
    keyring_file = work / "keyring.json"
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="file_keyring.FileTestKeyring",
        MDT_TEST_KEYRING_FILE=str(keyring_file),
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "support"), str(ROOT)]),
        QT_QPA_PLATFORM=env.get("QT_QPA_PLATFORM", "offscreen"),
        MDT_DATA_DIR=str(work / "userdata"),
    )
    # Hand the raw key to the test keyring the way the app's own keyring path would find it.
    from mdt_desktop.store import keys

    keyring_file.write_text(
        json.dumps({f"{keys.KEYRING_SERVICE}/{keys.store_salt_id(path)}": key.raw.hex()})
    )
    app_cmd = [sys.executable, "-m", "mdt_desktop.gui.app", "--store", str(path)]
    app_cmd.append("--quit-after-shown")
    bare_cmd = [sys.executable, "-c", BARE_QT]
    _time_process(app_cmd, env)  # warm the OS file cache once, as a second launch would be
    app_times = [_time_process(app_cmd, env) for _ in range(args.cold_repeat)]
    bare_times = [_time_process(bare_cmd, env) for _ in range(args.cold_repeat)]
    app_s, bare_s = statistics.median(app_times), statistics.median(bare_times)
    return {
        "patients_in_store": args.patients,
        "app_to_main_window_s_median": round(app_s, 3),
        "baseline_bare_qt_window_s_median": round(bare_s, 3),
        "overhead_s": round(app_s - bare_s, 3),
        "target": "cold start to a shown main window <= 2 s",
        "pass": app_s <= 2.0,
    }


def bench_import_layouts(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_import import bench_import_layouts as run

    return run(work, args)


def bench_import(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_import import bench_import as run

    return run(work, args)


def bench_stratify(work: Path, args: argparse.Namespace) -> Result:
    """eFI, admissions, medicines and segments for everyone in the demo store."""
    from mdt_desktop.services.stratify import stratify_store
    from mdt_desktop.store.database import Store

    if getattr(args, "demo_store", None) is None:
        bench_demo(work, args)
    path, key = args.demo_store
    store = Store.open(path, key)
    t = time.perf_counter()
    summary = stratify_store(store)
    seconds = time.perf_counter() - t
    with store.engine.connect() as conn:
        t = time.perf_counter()
        conn.exec_driver_sql(
            "SELECT patient_id, count(*) FROM coded_entries GROUP BY patient_id"
        ).fetchall()
        scan = time.perf_counter() - t
    store.close()
    return {
        "people": summary.people,
        "by_segment": summary.by_segment,
        "seconds": round(seconds, 2),
        "baseline_one_group_by_over_coded_entries_s": round(scan, 2),
        "target": "stratifying 250,000 <= 10 s",
        "pass": seconds <= 10 * max(1.0, args.patients / 250_000),
    }


def bench_case_finding(work: Path, args: argparse.Namespace) -> Result:
    """Filter + sort + first page, and search as you type, on the whole demo list."""
    from mdt_desktop.store import case_finding as cf
    from mdt_desktop.store.database import Store

    if getattr(args, "demo_store", None) is None:
        bench_demo(work, args)
    path, key = args.demo_store
    store = Store.open(path, key)
    f = cf.CaseFindingFilter
    views = [(f(), sort, desc) for sort in cf.SORTS for desc in (False, True)] + [
        (f(age_min=65, efi_category="severe"), "efi", True),
        (f(segment="highest"), "name", False),
        (f(segment="ongoing", not_on_caseload=True), "risk", True),
        (f(not_on_caseload=True, min_admissions=1), "risk", True),
        (f(practice_code="B86003", age_min=75, age_max=84), "name", False),
        (f(age_min=85), "age", True),
        (f(min_admissions=2), "admissions", True),
        (f(efi_category="moderate", practice_code="B86001"), "risk", True),
    ]
    typed = ["w", "wa", "war", "ward", "ward,", "ward, e", "ward, ei", "o", "o'", "o'b",
             "9", "99", "999", "999 1", "999 12", "nguy", "ó c", "smith ol"]  # fmt: skip

    def timings(queries: list[tuple]) -> list[float]:
        out = []
        with store.engine.connect() as conn:
            for flt, sort, desc in queries:
                cf.page(conn, flt, sort, desc, 0, 200)  # warm
                samples = []
                for _ in range(5):
                    t = time.perf_counter()
                    cf.page(conn, flt, sort, desc, 0, 200)
                    samples.append((time.perf_counter() - t) * 1000)
                out.append(statistics.median(samples))
        return out

    view_ms = timings(views)
    search_ms = timings([(f(search=text), "name", False) for text in typed])
    # Baseline: the same first page straight off the primary key, no filter or order.
    with store.engine.connect() as conn:
        t = time.perf_counter()
        conn.exec_driver_sql("SELECT * FROM risk_scores LIMIT 200").fetchall()
        baseline = (time.perf_counter() - t) * 1000
    store.close()
    return {
        "views": len(views),
        "filter_sort_first_page_ms_median": round(statistics.median(view_ms), 2),
        "filter_sort_first_page_ms_max": round(max(view_ms), 1),
        "search_as_you_type_ms_median": round(statistics.median(search_ms), 2),
        "search_as_you_type_ms_max": round(max(search_ms), 1),
        "baseline_unordered_first_page_ms": round(baseline, 2),
        "target": "filter+sort+first page <= 50 ms median; search <= 30 ms median",
        "pass": statistics.median(view_ms) <= 50 and statistics.median(search_ms) <= 30,
    }


def bench_care_plan_pdf(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_care_plan import bench_care_plan_pdf as run

    return run(work, args)


def bench_minutes(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_minutes import bench_minutes as run

    return run(work, args)


def bench_caseload(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_caseload import bench_caseload as run

    return run(work, args)


def bench_sync(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_sync import bench_sync as run

    return run(work, args)


def bench_discharges(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_discharges import bench_discharges as run

    return run(work, args)


def bench_budgets(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_budgets import bench_budgets as run

    return run(work, args)


def bench_budgets_page(work: Path, args: argparse.Namespace) -> Result:
    from tests.perf.bench_budgets import bench_budgets_page as run

    return run(work, args)


BENCHMARKS: dict[str, Callable[[Path, argparse.Namespace], Result]] = {
    "store_open": bench_store_open,
    "import": bench_import,
    "import_layouts": bench_import_layouts,
    "bulk_insert": bench_bulk_insert,
    "demo": bench_demo,
    "stratify": bench_stratify,
    "case_finding": bench_case_finding,
    "cold_start": bench_cold_start,
    "care_plan_pdf": bench_care_plan_pdf,
    "minutes": bench_minutes,
    "caseload": bench_caseload,
    "sync": bench_sync,
    "discharges": bench_discharges,
    "budgets": bench_budgets,
    "budgets_page": bench_budgets_page,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=250_000)
    parser.add_argument("--bulk-rows", type=int, default=500_000)
    parser.add_argument("--bulk-repeat", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--cold-repeat", type=int, default=5)
    parser.add_argument("--caseload-patients", type=int, default=20_000)
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--sync-patients", type=int, default=50_000, help="team size for sync")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    import keyring

    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from file_keyring import FileTestKeyring

    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "benchmarks": {},
    }
    with tempfile.TemporaryDirectory(prefix="mdt-bench-") as tmp:
        work = Path(tmp)
        os.environ["MDT_TEST_KEYRING_FILE"] = str(work / "inprocess-keyring.json")
        keyring.set_keyring(FileTestKeyring())
        for name in names:
            print(f"running {name}…", file=sys.stderr, flush=True)
            try:
                report["benchmarks"][name] = BENCHMARKS[name](work, args)
            except Exception as exc:  # one broken benchmark must not hide the others
                report["benchmarks"][name] = {"error": repr(exc), "pass": False}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0 if all(b.get("pass", True) for b in report["benchmarks"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
