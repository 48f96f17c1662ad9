"""Upserting a registered list: all of an import in one transaction, by executemany.

People are matched by NHS number, or by source identifier when the number is not
known. Changed demographics update; people missing from a full list are marked
"left" with the date and keep everything else. Coded entries are matched on
(person, code, date, kind), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .bulk import BulkWriter, bulk_transaction, db_uuid, indexes_rebuilt_after, new_ids
from .database import Store
from .schema import CodedEntry, Patient, Practice, table_of

ProgressFn = Callable[[str, int, int], None]
BATCH = 20_000


class ImportCancelled(Exception):
    """Cancelled before commit: nothing from the import was written."""


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    practices_created: list[str] = field(default_factory=list)
    coded_inserted: int = 0
    coded_unchanged: int = 0
    coded_rejected: list[tuple[Any, str]] = field(default_factory=list)


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


_DEMOGRAPHICS = (
    "title, family_name, given_name, date_of_birth, sex, postcode, practice_id, "
    "registration_date, date_of_death, registration_status"
)


def apply_import(
    store: Store,
    patients: Sequence[Any],
    coded: Iterable[Any],
    *,
    partial: bool,
    coded_hint: int | None = None,
    today: date,
    team_id: uuid.UUID | None = None,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> UpsertCounts:
    """Write ``patients`` (PatientRecord-like) and ``coded`` (CodedRecord-like)."""
    counts = UpsertCounts()
    clock = store.context.clock.now()
    user = db_uuid(store.actor.user_id)
    # Coded entries may be a stream still being read: the hint says roughly how many.
    coded_count = len(coded) if isinstance(coded, Sequence) else (coded_hint or 0)
    total = len(patients) + coded_count

    def tick(stage: str, done: int) -> None:
        if progress:
            progress(stage, done, total)
        if should_cancel and should_cancel():
            raise ImportCancelled("import cancelled: nothing was written")

    with bulk_transaction(store) as conn:
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        # Practices: known ones by ODS code; a code not seen before creates the practice.
        practices = {code: pid for code, pid in cur.execute("SELECT ods_code, id FROM practices")}
        practice_teams = dict(cur.execute("SELECT id, team_id FROM practices").fetchall())
        new_practices = []
        for record in patients:
            code = record.practice_code
            if code and code not in practices:
                pid = uuid.uuid4().hex
                practices[code] = pid
                practice_teams[pid] = db_uuid(team_id)
                new_practices.append((pid, db_uuid(team_id), code, f"Practice {code}", clock, user))
                counts.practices_created.append(code)
        if new_practices:
            BulkWriter(
                conn,
                table_of(Practice),
                ["id", "team_id", "ods_code", "name", "updated_at", "updated_by"],
            ).write(new_practices)

        # Everyone already on the list, by key, with their demographics as stored.
        index: dict[tuple[str, str], tuple[str, tuple]] = {}
        for row in cur.execute(
            f"SELECT id, nhs_number, source_system, source_id, {_DEMOGRAPHICS} FROM patients"
        ):
            key = ("nhs", row[1]) if row[1] else (row[2] or "", row[3] or "")
            index[key] = (row[0], tuple(row[4:]))

        inserts: list[tuple] = []
        updates: list[tuple] = []
        fresh_ids = iter(new_ids(len(patients)))
        seen_ids: set[str] = set()
        ids_by_key: dict[tuple[str, str], str] = {k: v[0] for k, v in index.items()}
        for n, record in enumerate(patients, 1):
            practice_id = practices.get(record.practice_code) if record.practice_code else None
            status = "deceased" if record.date_of_death else "registered"
            demographics = (
                record.title,
                record.family_name,
                record.given_name,
                _d(record.date_of_birth),
                record.sex,
                record.postcode,
                practice_id,
                _d(record.registration_date),
                _d(record.date_of_death),
                status,
            )
            existing = index.get(record.key)
            if existing is None:
                pid = next(fresh_ids)
                ids_by_key[record.key] = pid
                inserts.append(
                    (pid, practice_teams.get(practice_id), record.nhs_number,
                     record.source_system, record.source_id, *demographics, clock, user)
                )  # fmt: skip
                counts.inserted += 1
            else:
                pid, stored = existing
                if stored != demographics:
                    updates.append((*demographics, clock, user, pid))
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            seen_ids.add(pid)
            if n % BATCH == 0:
                tick("people", n)
        if inserts:
            writer = BulkWriter(
                conn,
                table_of(Patient),
                ["id", "team_id", "nhs_number", "source_system", "source_id",
                 *[c.strip() for c in _DEMOGRAPHICS.split(",")], "updated_at", "updated_by"],
            )  # fmt: skip
            with _indexes_deferred_if_large(conn, "patients", len(inserts), len(index)):
                for i in range(0, len(inserts), BATCH):
                    writer.write(inserts[i : i + BATCH])
        if updates:
            sets = ", ".join(f"{c.strip()} = ?" for c in _DEMOGRAPHICS.split(","))
            cur.executemany(
                f"UPDATE patients SET {sets}, date_left = NULL, updated_at = ?, updated_by = ? "
                "WHERE id = ?",
                updates,
            )
        tick("people", len(patients))

        if not partial and patients:
            counts.left = _mark_leavers(cur, patients, practices, seen_ids, today, clock, user)

        existing_coded = cur.execute("SELECT count(*) FROM coded_entries").fetchone()[0]
        with _indexes_deferred_if_large(conn, "coded_entries", coded_count, existing_coded):
            _insert_coded(conn, cur, coded, ids_by_key, practice_teams, counts, clock, user,
                          tick, len(patients))  # fmt: skip
        cur.close()
    return counts


def _indexes_deferred_if_large(
    conn: Any, table: str, incoming: int, existing: int
) -> AbstractContextManager[None]:
    """A first load (or one bigger than what is there) rebuilds indexes once at the end."""
    if incoming >= 50_000 and incoming > existing:
        return indexes_rebuilt_after(conn, table)
    return nullcontext()


def _mark_leavers(
    cur: Any,
    patients: Sequence[Any],
    practices: dict[str, str],
    seen_ids: set[str],
    today: date,
    clock: int,
    user: str | None,
) -> int:
    """Everyone registered at a practice in this list but not in it has left."""
    in_scope = {practices[r.practice_code] for r in patients if r.practice_code}
    sources = {r.source_system for r in patients if not r.practice_code and r.source_system}
    candidates: list[str] = []
    # People on a practice's list, and people with no practice from the same source system.
    for condition, values in (
        ("practice_id IN ({})", in_scope),
        ("practice_id IS NULL AND source_system IN ({})", sources),
    ):
        if values:
            marks = ",".join("?" for _ in values)
            sql = "SELECT id FROM patients WHERE registration_status = 'registered' AND "
            candidates += [
                row[0] for row in cur.execute(sql + condition.format(marks), list(values))
            ]
    leavers = [(today.isoformat(), clock, user, pid) for pid in candidates if pid not in seen_ids]
    cur.executemany(
        "UPDATE patients SET registration_status = 'left', date_left = ?, updated_at = ?, "
        "updated_by = ? WHERE id = ?",
        leavers,
    )
    return len(leavers)


def _insert_coded(
    conn: Any,
    cur: Any,
    coded: Iterable[Any],
    ids_by_key: dict[tuple[str, str], str],
    practice_teams: dict[str, str | None],
    counts: UpsertCounts,
    clock: int,
    user: str | None,
    tick: Callable[[str, int], None],
    offset: int,
) -> None:
    """Write coded entries while the next ones are still being read and checked.

    The driver releases the GIL inside executemany, so a writer thread inserting one
    batch overlaps with this thread parsing the next: the import takes about as long as
    the slower of the two instead of their sum. The connection is used by the writer
    alone until it has finished.
    """
    existing: set[tuple] = set(
        cur.execute("SELECT patient_id, code, recorded_on, kind FROM coded_entries")
    )
    teams = dict(cur.execute("SELECT id, team_id FROM patients"))
    writer = BulkWriter(
        conn,
        table_of(CodedEntry),
        ["id", "team_id", "patient_id", "code", "term", "recorded_on", "ended_on", "kind",
         "source", "updated_at", "updated_by"],
    )  # fmt: skip
    batches: queue.Queue[list[tuple] | None] = queue.Queue(maxsize=3)
    failure: list[BaseException] = []

    def write_batches() -> None:
        while (batch := batches.get()) is not None:
            if failure:
                continue  # drain after an error so the producer never blocks
            try:
                writer.write(batch)
            except BaseException as exc:
                failure.append(exc)

    thread = threading.Thread(target=write_batches, name="coded-entries-writer", daemon=True)
    thread.start()
    try:
        batch: list[tuple] = []
        ids: list[str] = []
        n = 0
        for n, record in enumerate(coded, 1):
            pid = ids_by_key.get(record.patient_key)
            if pid is None:
                counts.coded_rejected.append((record, "the person is not on the registered list"))
                continue
            key = (pid, record.code, _d(record.recorded_on), record.kind)
            if key in existing:
                counts.coded_unchanged += 1
                continue
            existing.add(key)
            if not ids:
                ids = new_ids(BATCH)
            batch.append(
                (ids.pop(), teams.get(pid), pid, record.code, record.term, key[2],
                 _d(record.ended_on), record.kind, None, clock, user)
            )  # fmt: skip
            counts.coded_inserted += 1
            if len(batch) >= BATCH:
                batch.reverse()  # ids were popped from the end: ascending again
                batches.put(batch)
                batch = []
                if failure:
                    break
                tick("coded entries", offset + n)
        if batch:
            batch.reverse()
            batches.put(batch)
    finally:
        batches.put(None)
        thread.join()
    if failure:
        raise failure[0]
    tick("coded entries", offset + n)
