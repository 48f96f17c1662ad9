"""Discharges: the in-reach board at 500 people in hospital × 20 tasks, and a 10,000-row feed.

Baselines in the same run: the board against a bare read of the same 500 stays (no task
aggregates, no rules); the import against reading and checking the same file without
touching the store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from mdt_desktop.store.keys import StoreKey

TODAY = date(2026, 12, 1)


def _people_on_caseload(store: Any, n: int) -> tuple[uuid.UUID, list[Any]]:
    from mdt_desktop.domain.nhs_number import iter_test_numbers
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.users import create_user, ensure_team, sign_in
    from mdt_desktop.store.schema import CaseloadEntry, Patient, Staff

    team = ensure_team(store, "Bench MDT")
    user = create_user(store, "Bench Nurse", Role.DISTRICT_NURSE, team)
    sign_in(store, user)
    numbers = iter_test_numbers()
    with store.transaction() as s:
        staff = Staff(
            id=uuid.uuid4(), team_id=team.id, name="Carol Hughes", role="care_coordinator"
        )
        s.add(staff)
        s.flush()
        patients = [
            Patient(
                id=uuid.uuid4(),
                team_id=team.id,
                nhs_number=next(numbers),
                family_name=f"Person{i}",
                given_name="Bench",
                date_of_birth=date(1940, 1, 1) + timedelta(days=i),
                sex="female",
            )
            for i in range(n)
        ]
        s.add_all(patients)
        s.flush()
        s.add_all(
            CaseloadEntry(
                team_id=team.id,
                patient_id=p.id,
                status="active",
                care_coordinator_id=staff.id,
                started_on=TODAY - timedelta(days=90),
            )
            for p in patients
        )
    return team.id, patients


def bench_discharges(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import select

    from mdt_desktop.domain.discharges import TaskStatus
    from mdt_desktop.interop.admissions import read_admissions
    from mdt_desktop.services import discharges as d
    from mdt_desktop.services.discharges.importing import import_admissions
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.schema import DischargePlan, DischargeTask, HospitalAdmission, Patient

    store = Store.create(work / "discharges.mdt", StoreKey.generate())
    team_id, patient_rows = _people_on_caseload(store, 500)
    from mdt_desktop.services.discharges.stay import new_stay

    with store.transaction() as s:
        stays = [
            new_stay(
                p,
                admitted_at=datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(hours=i),
                hospital="St James's" if i % 2 else "Leeds General",
                ward=f"J{i % 30}",
                method="21",
            )
            for i, p in enumerate(patient_rows)
        ]
        s.add_all([a for a, _ in stays])
        s.flush()
        for i, (_, plan) in enumerate(stays):
            plan.pathway = i % 4
            plan.ready_on = TODAY - timedelta(days=i % 20) if i % 3 else None
            plan.expected_discharge_on = TODAY + timedelta(days=(i % 10) - 5)
        s.add_all([p for _, p in stays])
        s.flush()
        s.add_all(
            DischargeTask(
                team_id=team_id,
                discharge_plan_id=plan.id,
                description=f"Task {k}",
                due_on=TODAY + timedelta(days=k - 10),
                status=TaskStatus.OPEN if k % 3 else TaskStatus.DONE,
                anchor="pathway",
            )
            for _, plan in stays
            for k in range(20)
        )
    repeat = max(10, args.repeat)

    def timed(fn: Any) -> list[float]:
        fn()
        out = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    board_ms = timed(lambda: d.board(store, team_id, today=TODAY))
    lines = d.board(store, team_id, today=TODAY)

    def bare() -> None:
        with store.session() as s:
            s.execute(
                select(DischargePlan.id, Patient.family_name, HospitalAdmission.ward)
                .join(Patient, Patient.id == DischargePlan.patient_id)
                .join(HospitalAdmission, HospitalAdmission.id == DischargePlan.admission_id)
            ).all()

    bare_ms = timed(bare)

    # The feed: 10,000 spells for 10,000 registered people (another store).
    feed_store = Store.create(work / "feed.mdt", StoreKey.generate())
    _, people = _people_on_caseload(feed_store, 10_000)
    feed = work / "adt.csv"
    with feed.open("w") as f:
        f.write("spell_id,nhs_number,hospital,ward,admitted_at,admission_method,"
                "expected_discharge_on,discharge_ready_on,discharged_at,discharge_destination,"
                "discharge_method,pathway\n")  # fmt: skip
        for i, p in enumerate(people):
            out = f"2026-11-{10 + i % 15:02d}T16:00:00Z,19,1,{i % 4}" if i % 2 else ",,,"
            f.write(
                f"S{i},{p.nhs_number},St James's,J{i % 30},2026-11-0{1 + i % 9}T09:00:00Z,"
                f"2{1 + i % 4},2026-11-20,2026-11-18,{out}\n"
            )
    t = time.perf_counter()
    parsed = read_admissions([feed])
    parse_ms = (time.perf_counter() - t) * 1000
    # CPU time beside the wall clock: on a shared machine the wall clock mostly measures
    # the other processes.
    t, cpu = time.perf_counter(), time.process_time()
    result = import_admissions(feed_store, [feed])
    import_ms = (time.perf_counter() - t) * 1000
    import_cpu_ms = (time.process_time() - cpu) * 1000
    t = time.perf_counter()
    again = import_admissions(feed_store, [feed])
    reimport_ms = (time.perf_counter() - t) * 1000
    store.close()
    feed_store.close()
    median = statistics.median(board_ms)
    return {
        "in_hospital": len(lines),
        "tasks_per_stay": 20,
        "board_ms_median": round(median, 1),
        "board_ms_max": round(max(board_ms), 1),
        "baseline_bare_read_same_stays_ms_median": round(statistics.median(bare_ms), 1),
        "feed_rows": len(parsed.records),
        "feed_added": result.added,
        "feed_discharged": result.discharged,
        "import_ms": round(import_ms),
        "import_cpu_ms": round(import_cpu_ms),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "baseline_read_and_check_only_ms": round(parse_ms),
        "reimport_unchanged_ms": round(reimport_ms),
        "reimport_unchanged": again.unchanged,
        "target": "board of 500 in hospital x 20 tasks <= 100 ms; 10,000-row feed <= 5 s",
        "pass": median <= 100
        and import_ms <= 5000
        and len(lines) == 500
        and result.added == 10_000
        and again.unchanged == 10_000,
    }
