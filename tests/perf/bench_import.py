"""Registered-list import at whole-system scale, against a raw executemany baseline."""

from __future__ import annotations

import csv
import random
import sqlite3
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from mdt_desktop.services import demo
from mdt_desktop.store.keys import StoreKey

TODAY = date(2026, 11, 22)


def write_csvs(folder: Path, patients: int, entries_per_person: int = 4) -> tuple[Path, Path]:
    """A GP-system style list and a coded-entries file (about 4 entries per person)."""
    rng = random.Random(99)
    practice_ids = [uuid.UUID(int=i + 1) for i in range(len(demo.PRACTICES))]
    codes = {pid: code for pid, (code, _, _) in zip(practice_ids, demo.PRACTICES, strict=True)}
    extra = [(c.code, c.term, "condition") for c in demo.CONDITIONS] + [
        (code, term, "medication") for code, term in demo.MEDICINES
    ]
    people = folder / "registered-list.csv"
    coded = folder / "coded-entries.csv"
    with (
        open(people, "w", newline="", encoding="utf-8") as pf,
        open(coded, "w", newline="", encoding="utf-8") as cf,
    ):
        pw, cw = csv.writer(pf), csv.writer(cf)
        pw.writerow(["NHS Number", "Title", "Surname", "Forename", "Date of Birth", "Sex",
                     "Postcode", "Practice Code", "Registration Date"])  # fmt: skip
        cw.writerow(["NHS Number", "SNOMED CT Code", "Term", "Date", "Kind"])
        for patient, entries in demo._people(rng, patients, TODAY, practice_ids):
            _, nhs, title, family, given, dob, sex, postcode, practice, registered = patient
            pw.writerow([nhs, title or "", family, given, dob.strftime("%d/%m/%Y"),
                         sex[0].upper(), postcode, codes[practice],
                         registered.strftime("%d/%m/%Y")])  # fmt: skip
            rows = [(code, term, when, kind) for _, code, term, when, kind in entries]
            while len(rows) < entries_per_person:
                code, term, kind = rng.choice(extra)
                rows.append((code, term, date(2000 + rng.randrange(26), 1 + rng.randrange(12),
                                              1 + rng.randrange(28)), kind))  # fmt: skip
            for code, term, when, kind in rows[: max(entries_per_person, len(rows))]:
                cw.writerow([nhs, code, term, when.isoformat(), kind])
    return people, coded


def baseline_rows(people: Path, coded: Path) -> tuple[list[tuple], list[tuple]]:
    """The same rows as the store would hold them, converted before timing starts."""
    p_rows: list[tuple] = []
    ids: dict[str, str] = {}
    with open(people, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for nhs, title, fam, given, dob, sex, pc, prac, reg in reader:
            pid = uuid.uuid4().hex
            ids[nhs] = pid
            d, m, y = dob.split("/")
            sex_word = "female" if sex == "F" else "male"
            p_rows.append(
                (pid, nhs, title, fam, given, f"{y}-{m}-{d}", sex_word, pc, "registered", 0)
            )
    c_rows: list[tuple] = []
    with open(coded, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        for nhs, code, term, when, kind in reader:
            c_rows.append((uuid.uuid4().hex, ids[nhs], code, term, when, kind, 0))
    return p_rows, c_rows


def raw_executemany(path: Path, p_rows: list[tuple], c_rows: list[tuple]) -> float:
    from sqlalchemy import create_engine

    from mdt_desktop.store import migrate

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-262144")
    t = time.perf_counter()
    conn.executemany(
        "INSERT INTO patients (id, nhs_number, title, family_name, given_name, date_of_birth, "
        "sex, postcode, registration_status, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        p_rows,
    )
    conn.executemany(
        "INSERT INTO coded_entries (id, patient_id, code, term, recorded_on, kind, updated_at) "
        "VALUES (?,?,?,?,?,?,?)",
        c_rows,
    )
    conn.commit()
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def bench_import(work: Path, args: Any) -> dict[str, Any]:
    from mdt_desktop.services.importing import import_files
    from mdt_desktop.store.database import Store

    n = args.patients
    people, coded = write_csvs(work, n)
    p_rows, c_rows = baseline_rows(people, coded)
    baseline = raw_executemany(work / "baseline.db", p_rows, c_rows)
    store = Store.create(work / "import.mdt", StoreKey.generate())
    t = time.perf_counter()
    summary = import_files(store, [people, coded], today=TODAY, stratify=False)
    seconds = time.perf_counter() - t
    t = time.perf_counter()
    again = import_files(store, [people, coded], today=TODAY, stratify=False)
    reimport = time.perf_counter() - t
    store.close()
    args.import_store = work / "import.mdt"
    ratio = seconds / baseline
    return {
        "patients": summary.inserted,
        "coded_entries": summary.coded_inserted,
        "rejected": summary.rejected,
        "import_s": round(seconds, 2),
        "baseline_raw_sqlite3_executemany_s": round(baseline, 2),
        "ratio": round(ratio, 2),
        "reimport_unchanged_s": round(reimport, 2),
        "reimport_unchanged": again.unchanged,
        "target": "<= 30 s and <= 2x the raw executemany",
        "pass": seconds <= 30 * max(1.0, n / 250_000) and ratio <= 2.0,
    }
