"""Importing registered lists and coded entries (CSV or FHIR), then re-stratifying.

Every file is read and checked before anything is written; a file that cannot
be read at all stops the import with nothing written. Bad rows are rejected
with their reason and the rest is kept. The write is one transaction, so a
cancelled import leaves the store as it was.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mdt_desktop.interop import csv_list, fhir
from mdt_desktop.interop.records import ParsedFile, Rejection, UnreadableFile
from mdt_desktop.store.database import Store
from mdt_desktop.store.registered_list import ImportCancelled, apply_import
from mdt_desktop.store.schema import ImportRecord

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
            "practices_created": self.practices_created,
            "stratified": self.stratified,
            "seconds": round(self.seconds, 2),
            "import_record": self.record_id,
            "rejections": [r.as_dict() for r in self.rejections],
        }


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


def read_files(paths: list[Path], today: date, stream: bool = False) -> list[ParsedFile]:
    parsed: list[ParsedFile] = []
    fhir_files: list[tuple[Path, bytes]] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(f"{path}: {exc.strerror}") from None
        if fhir.looks_like_fhir(data) or path.suffix.lower() == ".ndjson":
            fhir_files.append((path, data))
        elif path.suffix.lower() == ".json":
            raise UnreadableFile(f"{path.name}: JSON, but not FHIR")
        else:
            parsed.append(csv_list.read_csv(path, today, data, stream=stream))
    if fhir_files:
        try:
            parsed.append(fhir.read_fhir(fhir_files, today))
        except UnicodeDecodeError:
            raise UnreadableFile("a FHIR file is not UTF-8 text") from None
    return parsed


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
) -> ImportSummary:
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    today = today or date.today()
    files = expand_paths(paths)
    if progress:
        progress("reading", 0, len(files))
    # Registered lists and FHIR are read whole first; big coded-entry files stream into
    # the write (their headers were checked above), in the same all-or-nothing transaction.
    parsed = read_files(files, today, stream=True)
    summary = ImportSummary(files=[str(p) for p in files], partial=partial)
    patients = [p for f in parsed for p in f.patients]
    coded = itertools.chain(
        (c for f in parsed for c in f.coded),
        *(f.coded_stream for f in parsed if f.coded_stream is not None),
    )
    hint = sum(len(f.coded) for f in parsed) + sum(
        f.size_bytes // 45 for f in parsed if f.coded_stream is not None
    )
    counts = apply_import(
        store,
        patients,
        coded,
        coded_hint=hint,
        partial=partial,
        today=today,
        team_id=team_id,
        progress=progress,
        should_cancel=should_cancel,
    )
    for f in parsed:  # counted as the streams were read
        summary.read += f.read
        summary.coded_read += f.coded_read
        summary.skipped += f.skipped
        summary.rejections += f.rejections
    summary.inserted, summary.updated = counts.inserted, counts.updated
    summary.unchanged, summary.left = counts.unchanged, counts.left
    summary.coded_inserted, summary.coded_unchanged = counts.coded_inserted, counts.coded_unchanged
    summary.practices_created = counts.practices_created
    for record, reason in counts.coded_rejected:
        summary.rejections.append(
            Rejection(Path(record.source or "").name, record.where, "NHS number", reason)
        )
    if stratify:
        from mdt_desktop.services.stratify import stratify_store

        if progress:
            progress("stratifying", 0, 1)
        summary.stratified = stratify_store(store, today=today).people
    summary.seconds = time.perf_counter() - started
    with store.transaction() as s:
        record = ImportRecord(
            started_at=started_at,
            finished_at=datetime.now(UTC),
            user_id=store.actor.user_id,
            source="; ".join(summary.files)[:2000],
            kind=",".join(sorted({f.kind for f in parsed})),
            partial=partial,
            counts={k: v for k, v in summary.as_dict().items() if k != "rejections"},
            rejections=[r.as_dict() for r in summary.rejections[:10_000]],
        )
        s.add(record)
    summary.record_id = str(record.id)
    store.audit(
        "import",
        "patients",
        record.id,
        detail=f"{summary.read} read, {summary.inserted} new, {summary.updated} updated, "
        f"{summary.left} left, {summary.rejected} rejected",
    )
    return summary
