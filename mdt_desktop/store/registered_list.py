"""Upserting a registered list: all of an import in one transaction, by executemany.

People are matched by NHS number, or by source identifier when the number is not
known. Changed demographics update; people missing from a full list are marked
"left" with the date and keep everything else. Coded entries are matched on
(person, code, date, kind), so importing the same file twice changes nothing.

Rows arrive as plain tuples in chunks (interop.records.PatientRow / CodedRow), all
registered-list rows before any coded entry, and each chunk is written as it comes:
the reader may still be checking the next chunk in another process.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from mdt_desktop.domain.people import RegistrationStatus

from .bulk import BulkWriter, bulk_transaction, db_uuid, indexes_rebuilt_after, new_ids
from .database import Store
from .schema import CodedEntry, Patient, Practice, table_of

DECEASED, REGISTERED = RegistrationStatus.DECEASED, RegistrationStatus.REGISTERED
ProgressFn = Callable[[str, int, int], None]
# (file, line or resource, field, reason)
RowRejection = tuple[str, str | int, str, str]


def where_text(where: str | int) -> str:
    """A bare line number is kept as an int in rows (cheaper in bulk)."""
    return f"line {where}" if isinstance(where, int) else where


class StagedCoded(Protocol):
    """Coded entries a reading process is putting into a staging database (csv_process).

    The database has a table ``rows`` (id, nhs, code, term, recorded_on, ended_on, kind,
    file, line, dup): ids are new, ``dup`` marks an entry identical to an earlier one.
    """

    staging: tuple[str, str] | None  # path, raw key as hex

    def wait_staged(self, progress: Callable[[int], None] | None = None) -> int: ...


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
    rejections: list[RowRejection] = field(default_factory=list)


# Rows in a load from which a table's indexes are dropped and rebuilt once at the end.
DEFER_INDEXES_FROM = 50_000

_DEMOGRAPHICS = (
    "title, family_name, given_name, date_of_birth, sex, postcode, practice_id, "
    "registration_date, date_of_death, registration_status"
)
_CODED_COLUMNS = ["id", "team_id", "patient_id", "code", "term", "recorded_on", "ended_on",
                  "kind", "source", "updated_at", "updated_by"]  # fmt: skip


def apply_import(
    store: Store,
    patient_chunks: Iterable[Sequence[Any]],
    coded_chunks: Iterable[Sequence[Any]],
    *,
    partial: bool,
    today: date,
    expected_patients: int = 0,
    expected_coded: int = 0,
    team_id: uuid.UUID | None = None,
    staged: StagedCoded | None = None,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
    finish: Callable[[Connection, UpsertCounts], None] | None = None,
) -> UpsertCounts:
    """Write registered-list rows, then coded-entry rows, in one transaction.

    ``expected_*`` are how many rows the files hold, roughly: they size the progress
    bar and decide whether indexes are rebuilt once at the end instead of row by row.
    Coded entries come as chunks of rows, and/or ``staged`` in a database copied from
    in SQL after everyone is written (``expected_coded`` counts both).
    ``finish(conn, counts)`` runs last inside the same transaction: the import's record
    and audit entry commit with its rows, or nothing does.
    """
    counts = UpsertCounts()
    clock = store.context.clock.now()
    user = db_uuid(store.actor.user_id)
    total = max(1, expected_patients + expected_coded)

    def tick(stage: str, done: int) -> None:
        if progress:
            progress(stage, min(done, total), total)
        if should_cancel and should_cancel():
            raise ImportCancelled("import cancelled: nothing was written")

    with bulk_transaction(store, attach=staged.staging if staged else None) as conn:
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        people = _upsert_people(
            conn, cur, patient_chunks, counts, expected_patients, partial, today, team_id,
            clock, user, tick,
        )  # fmt: skip
        offset = counts.inserted + counts.updated + counts.unchanged
        existing = cur.execute("SELECT count(*) FROM coded_entries").fetchone()[0]
        deferred = _indexes_deferred_if_large(conn, "coded_entries", expected_coded, existing)
        with deferred:
            _insert_coded(conn, cur, coded_chunks, people, existing, counts, clock, user, tick,
                          offset)  # fmt: skip
            if staged is not None:
                staged.wait_staged(lambda n: tick("coded entries", offset + n))
                stored = existing + counts.coded_inserted > 0
                indexed = isinstance(deferred, nullcontext)
                _insert_staged(cur, stored, indexed, counts, clock, user)
        # Every row is read and written (rejected ones too, in their way): the bar ends full.
        tick("coded entries", total)
        cur.close()
        if finish is not None:
            finish(conn, counts)
    return counts


def _upsert_people(
    conn: Any,
    cur: Any,
    chunks: Iterable[Sequence[Any]],
    counts: UpsertCounts,
    expected: int,
    partial: bool,
    today: date,
    team_id: uuid.UUID | None,
    clock: int,
    user: str | None,
    tick: Callable[[str, int], None],
) -> dict[Any, tuple[str, str | None]]:
    """Insert or update everyone in ``chunks``; mark leavers. Returns key -> (id, team)."""
    # Practices: known ones by ODS code; a code not seen before creates the practice.
    practices = {code: pid for code, pid in cur.execute("SELECT ods_code, id FROM practices")}
    practice_teams = dict(cur.execute("SELECT id, team_id FROM practices").fetchall())
    practice_writer = BulkWriter(
        conn, table_of(Practice), ["id", "team_id", "ods_code", "name", "updated_at", "updated_by"]
    )
    # Everyone already on the list, by key, with their demographics as stored.
    index: dict[Any, tuple[str, tuple]] = {}
    people: dict[Any, tuple[str, str | None]] = {}
    for row in cur.execute(
        f"SELECT id, team_id, nhs_number, source_system, source_id, {_DEMOGRAPHICS} FROM patients"
    ):
        key = row[2] or (row[3] or "", row[4] or "")
        index[key] = (row[0], tuple(row[5:]))
        people[key] = (row[0], row[1])
    writer = BulkWriter(
        conn,
        table_of(Patient),
        ["id", "team_id", "nhs_number", "source_system", "source_id",
         *[c.strip() for c in _DEMOGRAPHICS.split(",")], "updated_at", "updated_by"],
    )  # fmt: skip
    updates: list[tuple] = []
    first_seen: dict[Any, tuple[str, str | int]] = {}
    seen_ids: set[str] = set()
    in_scope: set[str] = set()
    sources: set[str] = set()
    rejections = counts.rejections
    done = 0
    with _indexes_deferred_if_large(conn, "patients", expected, len(index)):
        for chunk in chunks:
            new_practices: list[tuple] = []
            inserts: list[tuple] = []
            fresh_ids = new_ids(len(chunk))
            for row in chunk:
                (nhs, system, source_id, title, family, given, dob, sex, postcode, code,
                 registered, died, file, where) = row  # fmt: skip
                key = nhs or (system or "", source_id or "")
                first = first_seen.get(key)
                if first is not None:
                    what = "NHS number" if nhs else "source identifier"
                    rejections.append(
                        (file, where, what, f"duplicate {what} in this import "
                         f"(first in {first[0]}, {where_text(first[1])})")
                    )  # fmt: skip
                    continue
                first_seen[key] = (file, where)
                practice_id = None
                if code:
                    practice_id = practices.get(code)
                    if practice_id is None:
                        practice_id = practices[code] = uuid.uuid4().hex
                        practice_teams[practice_id] = db_uuid(team_id)
                        new_practices.append((practice_id, db_uuid(team_id), code,
                                              f"Practice {code}", clock, user))  # fmt: skip
                        counts.practices_created.append(code)
                    in_scope.add(practice_id)
                elif system:
                    sources.add(system)
                demographics = (title, family, given, dob, sex, postcode, practice_id,
                                registered, died, DECEASED if died else REGISTERED)  # fmt: skip
                existing = index.get(key)
                if existing is None:
                    pid = fresh_ids[len(inserts)]
                    team = practice_teams.get(practice_id)
                    people[key] = (pid, team)
                    inserts.append((pid, team, nhs, system, source_id, *demographics, clock, user))
                    counts.inserted += 1
                else:
                    pid, stored = existing
                    if stored != demographics:
                        updates.append((*demographics, clock, user, pid))
                        counts.updated += 1
                    else:
                        counts.unchanged += 1
                seen_ids.add(pid)
            practice_writer.write(new_practices)
            writer.write(inserts)
            done += len(chunk)
            tick("people", done)
    if updates:
        sets = ", ".join(f"{c.strip()} = ?" for c in _DEMOGRAPHICS.split(","))
        cur.executemany(
            f"UPDATE patients SET {sets}, date_left = NULL, updated_at = ?, updated_by = ? "
            "WHERE id = ?",
            updates,
        )
    if not partial and first_seen:
        counts.left = _mark_leavers(cur, in_scope, sources, seen_ids, today, clock, user)
    return people


def _indexes_deferred_if_large(
    conn: Any, table: str, incoming: int, existing: int
) -> AbstractContextManager[None]:
    """A first load (or one bigger than what is there) rebuilds indexes once at the end."""
    if incoming >= DEFER_INDEXES_FROM and incoming > existing:
        return indexes_rebuilt_after(conn, table)
    return nullcontext()


def _mark_leavers(
    cur: Any,
    in_scope: set[str],
    sources: set[str],
    seen_ids: set[str],
    today: date,
    clock: int,
    user: str | None,
) -> int:
    """Everyone registered at a practice in this list but not in it has left.

    ``in_scope`` are the practices the list covers; ``sources`` the source systems of
    people listed with no practice (whose other people without a practice have left).
    """
    candidates: list[str] = []
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
    chunks: Iterable[Sequence[Any]],
    people: dict[Any, tuple[str, str | None]],
    existing_count: int,
    counts: UpsertCounts,
    clock: int,
    user: str | None,
    tick: Callable[[str, int], None],
    offset: int,
) -> None:
    """Write each chunk of coded entries as it arrives, skipping those already stored."""
    existing: set[tuple] = (
        set(cur.execute("SELECT patient_id, code, recorded_on, kind FROM coded_entries"))
        if existing_count
        else set()
    )
    writer = BulkWriter(conn, table_of(CodedEntry), _CODED_COLUMNS)
    rejections = counts.rejections
    done = 0
    for chunk in chunks:
        ids = new_ids(len(chunk))
        batch: list[tuple] = []
        for key, code, term, recorded, kind, ended, file, where in chunk:
            person = people.get(key)
            if person is None:
                rejections.append(
                    (file, where, "NHS number", "the person is not on the registered list")
                )
                continue
            pid, team = person
            entry = (pid, code, recorded, kind)
            if entry in existing:
                counts.coded_unchanged += 1
                continue
            existing.add(entry)
            batch.append(
                (ids[len(batch)], team, pid, code, term, recorded, ended, kind, None, clock, user)
            )
        writer.write(batch)
        counts.coded_inserted += len(batch)
        done += len(chunk)
        tick("coded entries", offset + done)


def _insert_staged(
    cur: Any, stored: bool, indexed: bool, counts: UpsertCounts, clock: int, user: str | None
) -> None:
    """Copy staged coded entries in SQL: one statement instead of a bound row per entry.

    Entries already ``stored`` are looked up through the table's (patient, kind) index,
    or, when that is dropped for the load (not ``indexed``), through an indexed temporary
    copy of their keys.
    """
    not_stored = ""
    lookup = "main.coded_entries" if indexed else "temp.stored_keys"
    if stored and not indexed:
        cur.execute(
            "CREATE TEMP TABLE stored_keys AS "
            "SELECT patient_id, kind, code, recorded_on FROM main.coded_entries"
        )
        cur.execute("CREATE INDEX temp.ix_stored_keys ON stored_keys (patient_id, kind, code)")
    if stored:
        not_stored = (
            f"AND NOT EXISTS (SELECT 1 FROM {lookup} c WHERE c.patient_id = p.id "
            "AND c.kind = s.kind AND c.code = s.code AND c.recorded_on IS s.recorded_on)"
        )
    cur.execute(
        f"INSERT INTO main.coded_entries ({', '.join(_CODED_COLUMNS)}) "
        "SELECT s.id, p.team_id, p.id, s.code, s.term, s.recorded_on, s.ended_on, s.kind, "
        "NULL, ?, ? FROM staging.rows s JOIN main.patients p ON p.nhs_number = s.nhs "
        f"WHERE NOT s.dup {not_stored} ORDER BY s.rowid",
        (clock, user),
    )
    inserted = cur.rowcount
    if stored and not indexed:
        cur.execute("DROP TABLE temp.stored_keys")
    matched = cur.execute(
        "SELECT count(*) FROM staging.rows s JOIN main.patients p ON p.nhs_number = s.nhs"
    ).fetchone()[0]
    counts.coded_inserted += inserted
    counts.coded_unchanged += matched - inserted
    for file, line in cur.execute(
        "SELECT file, line FROM staging.rows s WHERE NOT EXISTS "
        "(SELECT 1 FROM main.patients p WHERE p.nhs_number = s.nhs) ORDER BY s.rowid"
    ):
        counts.rejections.append(
            (file, line, "NHS number", "the person is not on the registered list")
        )
