"""Caseload table: filter, sort and count 5,000 active cases (target ≤ 50 ms median).

A demo neighbourhood is made, then its team is given 5,000 active cases (the highest-risk
people), with care plans for most, a few open hospital admissions, escalations and overdue
reviews, so that every flag filter has work to do. Each view is what the page does when a
filter changes: the first page of 200 rows *and* the counts per status.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ACTIVE = 5_000


def _add_cases(store: Any, today: date) -> dict[str, Any]:
    from mdt_desktop.store import bulk
    from mdt_desktop.store.risk_inputs import refresh_caseload_status
    from mdt_desktop.store.schema import CarePlan, CaseloadEntry, HospitalAdmission, table_of

    rng = random.Random(11)
    with store.engine.connect() as conn:
        q = conn.exec_driver_sql
        team = q("SELECT id FROM teams ORDER BY name LIMIT 1").scalar()
        staff = [r[0] for r in q("SELECT id FROM staff WHERE team_id = ?", (team,)).all()]
        have = q(
            "SELECT count(*) FROM caseload_entries WHERE status = 'active' AND team_id = ?",
            (team,),
        ).scalar()
        free = [
            r[0]
            for r in q(
                "SELECT patient_id FROM risk_scores WHERE patient_id NOT IN "
                "(SELECT patient_id FROM caseload_entries) ORDER BY risk_score DESC LIMIT ?",
                (ACTIVE - have,),
            ).all()
        ]
    clock = store.context.clock.now()
    entries, plans, admissions = [], [], []
    for pid in free:
        started = today - timedelta(days=rng.randint(10, 600))
        review = today + timedelta(days=rng.randint(-20, 80))
        escalated = (
            bulk.db_datetime(datetime.now(UTC) - timedelta(days=rng.randint(0, 9)))
            if rng.random() < 0.04
            else None
        )
        entries.append(
            (bulk.new_ids(1)[0], team, pid, "active", rng.choice(staff), started.isoformat(),
             review.isoformat(), escalated, "Escalated for the benchmark" if escalated else None,
             clock)
        )  # fmt: skip
        if rng.random() < 0.6:
            plan_review = today + timedelta(days=rng.randint(-10, 180))
            plans.append((bulk.new_ids(1)[0], team, pid, "agreed", plan_review.isoformat(), clock))
        if rng.random() < 0.03:
            admitted = datetime.now(UTC) - timedelta(days=rng.randint(0, 12))
            admissions.append(
                (bulk.new_ids(1)[0], team, pid, "Northside General", bulk.db_datetime(admitted),
                 None, 1, clock)
            )  # fmt: skip
    with bulk.bulk_transaction(store) as conn:
        for model, columns, rows in (
            (CaseloadEntry, ["id", "team_id", "patient_id", "status", "care_coordinator_id",
                             "started_on", "next_review_on", "escalated_at",
                             "escalation_reason", "updated_at"], entries),
            (CarePlan, ["id", "team_id", "patient_id", "status", "review_on", "updated_at"],
             plans),
            (HospitalAdmission, ["id", "team_id", "patient_id", "hospital", "admitted_at",
                                 "discharged_at", "emergency", "updated_at"], admissions),
        ):  # fmt: skip
            writer = bulk.BulkWriter(conn, table_of(model), columns)
            writer.write(rows)
            writer.close()
        refresh_caseload_status(conn, free)
        conn.exec_driver_sql("ANALYZE")
    return {"team": team, "staff": staff}


def bench_caseload(work: Path, args: Any) -> dict[str, Any]:
    from mdt_desktop.services.demo import generate_demo
    from mdt_desktop.store import caseload as cl
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import StoreKey

    today = date.today()
    # 20,000 people by default; `--caseload-patients 250000` for a whole place.
    patients = max(getattr(args, "caseload_patients", 0) or 20_000, ACTIVE * 3)
    store = Store.create(work / "caseload.mdt", StoreKey.generate())
    generate_demo(store, patients, seed=3, today=today)
    made = _add_cases(store, today)
    team, coordinator = made["team"], made["staff"][0]
    with store.engine.connect() as conn:
        active = conn.exec_driver_sql(
            "SELECT count(*) FROM caseload_entries WHERE status = 'active'"
        ).scalar()
        practice = conn.exec_driver_sql("SELECT min(ods_code) FROM practices").scalar()

    def f(**kw: Any) -> cl.CaseloadFilter:
        return cl.CaseloadFilter(team_id=team, status="active", today=today, **kw)

    views: list[tuple[str, cl.CaseloadFilter, str, bool]] = []
    for sort in cl.SORTS:
        if sort == "urgency":
            continue
        for desc in (False, True):
            views.append((f"all, by {sort}{' desc' if desc else ''}", f(), sort, desc))
    views += [
        ("my caseload", f(coordinator_id=coordinator), "next_review", False),
        ("my caseload, review overdue", f(coordinator_id=coordinator, flag="review_overdue"),
         "name", False),
        ("one practice", f(practice_code=practice), "name", False),
        ("search 'w'", f(search="w"), "name", False),
        ("search 'ward'", f(search="ward"), "name", False),
        ("search 'ward, e'", f(search="ward, e"), "name", False),
        ("search NHS '999'", f(search="999"), "name", False),
        ("search NHS '999 00'", f(search="999 00"), "name", False),
    ]  # fmt: skip
    views += [(f"flag {flag}", f(flag=flag), "name", False) for flag in cl.FLAG_SQL]
    views.append(("referrals waiting", cl.CaseloadFilter(team_id=team, status="waiting"),
                  "urgency", True))  # fmt: skip

    results = {}
    with store.engine.connect() as conn:
        for label, flt, sort, desc in views:
            cl.page(conn, flt, sort, desc, 0, 200)  # warm
            cl.counts(conn, flt)
            samples = []
            for _ in range(7):
                t = time.perf_counter()
                cl.page(conn, flt, sort, desc, 0, 200)
                cl.counts(conn, flt)
                samples.append((time.perf_counter() - t) * 1000)
            results[label] = statistics.median(samples)
        t = time.perf_counter()
        conn.exec_driver_sql("SELECT * FROM caseload_entries LIMIT 200").fetchall()
        baseline = (time.perf_counter() - t) * 1000
    store.close()
    medians = list(results.values())
    worst = max(results, key=results.__getitem__)
    median = statistics.median(medians)
    return {
        "active_cases": active,
        "patients_in_store": patients,
        "views": len(views),
        "filter_sort_count_ms_median": round(median, 2),
        "filter_sort_count_ms_max": round(results[worst], 1),
        "slowest_view": worst,
        "baseline_unfiltered_first_page_ms": round(baseline, 2),
        "target": "caseload table filters 5,000 active cases <= 50 ms median",
        "pass": median <= 50,
    }
