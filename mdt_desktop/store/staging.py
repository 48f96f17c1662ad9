"""The import's staging database: coded entries a reading process checked, to copy in SQL.

An encrypted scratch file (a throwaway key that lives only in the importer and its
reader) in a private folder named after the importing process. The importer deletes
the folder when it ends; a folder whose process was killed is removed at the next
start (:func:`remove_stale_folders`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .ids import new_ids

# What the staging database holds: one row per coded entry read, in file order, with its
# new id, and whether an identical entry (person, code, date, kind) came earlier.
STAGING_COLUMNS = ("id", "nhs", "code", "term", "recorded_on", "ended_on", "kind", "file",
                   "line", "dup")  # fmt: skip
PREFIX = "mdt-import-"


def new_staging_folder() -> str:
    """A private (0700) folder for one import's staging file, named after this process."""
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours to judge
        return True
    return True


def remove_stale_folders(parent: Path | str | None = None) -> int:
    """Delete staging folders left by importers that were killed; how many were removed."""
    removed = 0
    root = Path(parent or tempfile.gettempdir())
    try:
        candidates = list(root.glob(f"{PREFIX}*"))
    except OSError:
        return 0
    for folder in candidates:
        pid_text = folder.name[len(PREFIX) :].split("-", 1)[0]
        if not folder.is_dir() or not _mine(folder):
            continue
        # Folders from before pids were in the name have none: they are stale too.
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _mine(folder: Path) -> bool:
    """A shared temporary folder holds other people's imports too (the folders are 0700)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or folder.stat().st_uid == getuid()


class Stager:
    """Coded entries into the staging database, a chunk per transaction."""

    def __init__(self, path: str, key: str) -> None:
        import sqlcipher3

        self.conn = sqlcipher3.connect(path, isolation_level=None)
        self.conn.execute(f"PRAGMA key = \"x'{key}'\"")
        # A scratch file: if this process dies the import fails and the file is deleted.
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"CREATE TABLE rows ({', '.join(STAGING_COLUMNS)})")
        marks = ", ".join("?" for _ in STAGING_COLUMNS)
        self._sql = f"INSERT INTO rows VALUES ({marks})"
        self._seen: set[tuple] = set()
        self.count = 0

    def write(self, chunk: list[Any]) -> None:
        seen = self._seen
        rows = []
        for rid, (nhs, code, term, recorded, kind, ended, file, line) in zip(
            new_ids(len(chunk)), chunk, strict=True
        ):
            key = (nhs, code, recorded, kind)
            dup = key in seen
            if not dup:
                seen.add(key)
            rows.append((rid, nhs, code, term, recorded, ended, kind, file, line, dup))
        self.conn.execute("BEGIN")
        self.conn.executemany(self._sql, rows)
        self.conn.execute("COMMIT")
        self.count += len(chunk)

    def close(self) -> None:
        self.conn.close()
