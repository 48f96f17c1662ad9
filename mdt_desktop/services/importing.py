"""Importing registered lists and coded entries (CSV or FHIR), then re-stratifying.

Every file is read and checked before anything is written; a file that cannot
be read at all stops the import with nothing written. Bad rows are rejected
with their reason and the rest is kept. The write is one transaction, so a
cancelled import leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from mdt_desktop.interop import coded_layouts, csv_list, csv_process, fhir
from mdt_desktop.interop.csv_process import CsvReaderProcess
from mdt_desktop.interop.records import Rejection, UnreadableFile
from mdt_desktop.store import audit
from mdt_desktop.store.database import Store
from mdt_desktop.store.exports import write_csv
from mdt_desktop.store.registered_list import (
    ImportCancelled,
    UpsertCounts,
    apply_import,
    where_text,
)
from mdt_desktop.store.schema import ImportRecord, StoreMeta, table_of

__all__ = [
    "ImportCancelled",
    "ImportSummary",
    "UnreadableFile",
    "expand_paths",
    "import_files",
    "last_import",
]

ProgressFn = Callable[[str, int, int], None]
IMPORTABLE = {".csv", ".txt", ".json", ".ndjson"}
# store_meta key: organisation ids of supplier files (EMIS OrganisationGuid, SystmOne
# IDOrganisationVisibleTo, Vision SERVICE_ID) and the ODS code each was given once.
PRACTICE_MAP_KEY = "import.practice_map"


def practice_map(store: Store) -> dict[str, str]:
    """The remembered organisation id → ODS code mapping."""
    raw = store.meta().get(PRACTICE_MAP_KEY)
    return json.loads(raw) if raw else {}


def _remember_practices(store: Store, found: dict[str, str]) -> None:
    known = practice_map(store)
    if found and any(known.get(k) != v for k, v in found.items()):
        known.update(found)
        store.set_meta(PRACTICE_MAP_KEY, json.dumps(known, sort_keys=True))


@dataclass
class ImportSummary:
    files: list[str]
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    coded_read: int = 0
    coded_inserted: int = 0
    coded_unchanged: int = 0
    skipped: int = 0
    practices_created: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    partial: bool = False
    seconds: float = 0.0
    record_id: str | None = None
    stratified: int | None = None
    # Each CSV file's layout (generic, emis-admin-patient, …) and what it skipped.
    layouts: dict[str, str] = field(default_factory=dict)
    skipped_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    # Files or resources passed over whole, each said in a sentence (a bulk-export log).
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "partial": self.partial,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "left": self.left,
            "rejected": self.rejected,
            "coded_entries": {
                "read": self.coded_read,
                "inserted": self.coded_inserted,
                "unchanged": self.coded_unchanged,
            },
            "skipped_resources": self.skipped,
            "layouts": self.layouts,
            "skipped_rows": self.skipped_rows,
            "notes": self.notes,
            "practices_created": self.practices_created,
            "stratified": self.stratified,
            "seconds": round(self.seconds, 2),
            "import_record": self.record_id,
            "rejections": [r.as_dict() for r in self.rejections],
        }


# A mark in store_meta while risk scores lag behind an import (committed with it).
STRATIFY_PENDING = "stratify_pending"


def _organisations(parsed: list[Any]) -> dict[str, str]:
    """Supplier organisation ids seen with the practice each was given (to remember)."""
    found: dict[str, str] = {}
    for f in parsed:
        found.update(f.columns.get("organisations") or {})
    return found


def _fill(summary: ImportSummary, parsed: list[Any], counts: UpsertCounts) -> ImportSummary:
    for f in parsed:  # counted as rows were read
        summary.read += f.read
        summary.coded_read += f.coded_read
        summary.skipped += f.skipped
        summary.rejections += f.rejections
        summary.notes += f.notes
        layout = f.columns.get("layout")
        if layout:
            summary.layouts[Path(f.path).name] = layout
            if f.columns.get("skipped"):
                summary.skipped_rows[Path(f.path).name] = f.columns["skipped"]
    summary.inserted, summary.updated = counts.inserted, counts.updated
    summary.unchanged, summary.left = counts.unchanged, counts.left
    summary.coded_inserted, summary.coded_unchanged = counts.coded_inserted, counts.coded_unchanged
    summary.practices_created = counts.practices_created
    for file, where, what, reason in counts.rejections:
        summary.rejections.append(Rejection(Path(file).name, where_text(where), what, reason))
    return summary


def _write_record(
    conn: Connection,
    store: Store,
    summary: ImportSummary,
    started_at: datetime,
    parsed: list[Any],
    partial: bool,
) -> str:
    record_id = uuid.uuid4()
    conn.execute(
        table_of(ImportRecord)
        .insert()
        .values(
            id=record_id,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            user_id=store.actor.user_id,
            source="; ".join(summary.files)[:2000],
            kind=",".join(sorted({f.kind for f in parsed})),
            partial=partial,
            counts={k: v for k, v in summary.as_dict().items() if k != "rejections"},
            rejections=[r.as_dict() for r in summary.rejections[:10_000]],
        )
    )
    audit.append(
        conn,
        store.context,
        "import",
        "patients",
        record_id,
        detail=f"{summary.read} read, {summary.inserted} new, {summary.updated} updated, "
        f"{summary.left} left, {summary.rejected} rejected",
    )
    meta = table_of(StoreMeta)
    conn.execute(meta.delete().where(StoreMeta.key == STRATIFY_PENDING))
    conn.execute(meta.insert().values(key=STRATIFY_PENDING, value=str(record_id)))
    return str(record_id)


def stratification_pending(store: Store) -> str | None:
    """Why the risk scores must be recomputed before they are trusted, or None."""
    if store.meta().get(STRATIFY_PENDING) is None:
        return None
    return (
        "The last import finished but its risk scores were not recomputed (the app was "
        "stopped first), so they are being recomputed now."
    )


def resume_stratification(
    store: Store, today: date | None = None, progress: ProgressFn | None = None
) -> int:
    """Recompute risk after an import, then clear the pending mark; how many people."""
    from mdt_desktop.services.stratify import stratify_store

    if progress:
        progress("stratifying", 0, 1)
    people = stratify_store(store, today=today, progress=progress).people
    with store.engine.begin() as conn:
        conn.execute(table_of(StoreMeta).delete().where(StoreMeta.key == STRATIFY_PENDING))
    return people


def write_rejections(summary: ImportSummary, path: Path) -> int:
    """The rejected rows as a private CSV, safe to open in a spreadsheet."""
    return write_csv(
        path,
        ["file", "where", "field", "reason"],
        ((r.file, r.where, r.field, r.reason) for r in summary.rejections),
    )


def last_import(store: Store) -> ImportRecord | None:
    from sqlalchemy import select

    with store.session() as s:
        return s.scalars(select(ImportRecord).order_by(ImportRecord.started_at.desc())).first()


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and the importable files inside folders (sorted, not recursive)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in IMPORTABLE)
        elif path.exists():
            found.append(path)
        else:
            raise UnreadableFile(f"{path}: no such file or folder")
    if not found:
        raise UnreadableFile("no files to import")
    return found


# Below this much CSV, reading in this process is quicker than starting a second one.
PARALLEL_BYTES = 4_000_000
_CHUNK = 20_000


def _chunked(rows: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _has_coded_entries(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT 1 FROM coded_entries LIMIT 1").first() is not None


def _sort_files(paths: list[Path]) -> tuple[dict[Path, str | None], list[tuple[Path, bytes]]]:
    """CSV files with their kind by header, and FHIR files with their bytes (FHIR is read
    whole: references cross files)."""
    csv_kinds: dict[Path, str | None] = {}
    fhir_files: list[tuple[Path, bytes]] = []
    for path in paths:
        try:
            with path.open("rb") as f:
                head = f.read(1_000_000)
        except OSError as exc:
            raise UnreadableFile(f"{path}: {exc.strerror}") from None
        if fhir.looks_like_fhir(head) or path.suffix.lower() == ".ndjson":
            fhir_files.append((path, path.read_bytes()))
        elif path.suffix.lower() == ".json":
            raise UnreadableFile(f"{path.name}: JSON, but not FHIR")
        else:
            csv_kinds[path] = csv_list.sniff_head(head)
    return csv_kinds, fhir_files


def import_files(
    store: Store,
    paths: Iterable[Path | str],
    *,
    partial: bool = False,
    today: date | None = None,
    team_id: uuid.UUID | None = None,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
    stratify: bool = True,
    parallel: bool | None = None,
    practice: str | None = None,
    mapping: Path | None = None,
) -> ImportSummary:
    """Import registered lists and coded entries; one transaction, bad rows reported.

    ``parallel`` reads the CSV files in a second process while this one writes
    (csv_process); by default only when they are big enough to gain from it.
    ``practice`` is the ODS code for supplier files that do not carry one (remembered
    against the file's organisation id); ``mapping`` a saved mapping for a layout the app
    does not know (interop.layouts).
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    today = today or date.today()
    if practice is not None:
        practice = practice.strip().upper()
        if not csv_list.PRACTICE_CODE.match(practice):
            raise UnreadableFile(f"{practice!r} is not an ODS practice code (e.g. B86001)")
    options: dict[str, Any] = {
        "practice": practice,
        "practice_map": practice_map(store),
        "mapping": str(mapping) if mapping else None,
    }
    files = expand_paths(paths)
    if progress:
        progress("reading", 0, len(files))
    csv_kinds, fhir_files = _sort_files(files)
    # Supplier coded entries name people and codes by the system's own ids: the patient
    # files and code look-ups of the same import link them (interop.coded_layouts).
    lookups = [p for p, kind in csv_kinds.items() if kind == "lookup"]
    if any(kind == "coded_entries" for kind in csv_kinds.values()):
        options["links"] = coded_layouts.build_links(
            [(p, p.read_bytes()) for p, kind in csv_kinds.items() if kind in ("patients", "lookup")]
        )
    csv_paths = [p for p in csv_kinds if p not in lookups]
    csv_bytes = sum(p.stat().st_size for p in csv_paths)
    if parallel is None:
        parallel = csv_bytes >= PARALLEL_BYTES and csv_process.available()
    with contextlib.ExitStack() as stack:
        # Every file's encoding and header are checked before anything is written; a file
        # that cannot be read at all stops the import here, with nothing written.
        # Registered lists and coded entries each get a reading process: list rows come
        # back in chunks as the list is written, coded entries go to a staging database.
        readers: list[CsvReaderProcess] = []
        lists: CsvReaderProcess | None = None
        coded: CsvReaderProcess | None = None
        if parallel and csv_paths:
            list_paths = [p for p in csv_paths if csv_kinds[p] != "coded_entries"]
            coded_paths = [p for p in csv_paths if csv_kinds[p] == "coded_entries"]
            if list_paths:
                lists = stack.enter_context(CsvReaderProcess(list_paths, today, options=options))
                readers.append(lists)
            if coded_paths:
                # A first load is staged and copied in SQL; on top of stored entries, rows
                # come here and are checked against a set of what is stored (twice as fast
                # for a re-import of unchanged files).
                stage = not _has_coded_entries(store)
                coded = stack.enter_context(
                    CsvReaderProcess(coded_paths, today, stage=stage, options=options)
                )
                readers.append(coded)
        parsed = (
            []
            if readers
            else [csv_list.read_csv(p, today, stream=True, options=options) for p in csv_paths]
        )
        if fhir_files:
            try:
                parsed.append(fhir.read_fhir(fhir_files, today))
            except UnicodeDecodeError:
                raise UnreadableFile("a FHIR file is not UTF-8 text") from None
        # Rows read here first, then the reading process's; its coded entries are staged.
        patient_chunks = itertools.chain(
            (chunk for f in parsed for chunk in _chunked(f.patients)),
            lists.patient_chunks() if lists else (),
        )
        coded_chunks = itertools.chain(
            (chunk for f in parsed for chunk in _chunked(f.coded)),
            (chunk for f in parsed if f.coded_stream is not None
             for chunk in _chunked(f.coded_stream)),
            coded.coded_chunks() if coded and not coded.staging else (),
        )  # fmt: skip
        streamed = [f for f in parsed if f.coded_stream is not None]
        streamed += [f for r in readers for f in r.parsed]
        expected_patients = sum(len(f.patients) for f in parsed) + sum(
            f.rows_hint for f in streamed if f.kind == "patients"
        )
        expected_coded = sum(len(f.coded) for f in parsed) + sum(
            f.rows_hint for f in streamed if f.kind == "coded_entries"
        )
        parsed_files = parsed + [f for r in readers for f in r.parsed]
        record_id: list[str] = []

        def finish(conn: Connection, counts: UpsertCounts) -> None:
            """The record, the audit entry and the pending mark, in the import's transaction."""
            summary = _fill(ImportSummary(files=[str(p) for p in files], partial=partial),
                            parsed_files, counts)  # fmt: skip
            summary.seconds = time.perf_counter() - started
            record_id.append(_write_record(conn, store, summary, started_at, parsed_files, partial))

        counts = apply_import(
            store,
            patient_chunks,
            coded_chunks,
            partial=partial,
            today=today,
            expected_patients=expected_patients,
            expected_coded=expected_coded,
            team_id=team_id,
            staged=coded if coded and coded.staging else None,
            progress=progress,
            should_cancel=should_cancel,
            finish=finish,
        )
    summary = ImportSummary(files=[str(p) for p in files], partial=partial)
    if stratify:
        summary.stratified = resume_stratification(store, today=today, progress=progress)
    summary.record_id = record_id[0]
    _fill(summary, parsed_files, counts)
    summary.seconds = time.perf_counter() - started
    _remember_practices(store, _organisations(parsed_files))
    return summary
