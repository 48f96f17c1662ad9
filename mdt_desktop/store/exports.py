"""Files the app writes for people to open elsewhere: private, and safe in a spreadsheet.

Every CSV the app writes goes through :func:`write_csv`, so a cell that a spreadsheet
would take for a formula (a surname ``=HYPERLINK(…)`` from a GP file, say) is written
as text. Every exported file is created readable by its owner only.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The text of one CSV cell; a leading quote makes a would-be formula plain text."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@contextmanager
def private_file(path: Path | str, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing, created (or reset) to 0600 before a byte is written."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, mode, **kwargs) as handle:
        yield handle


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a private CSV with every cell neutralised; returns the rows written."""
    written = 0
    with private_file(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            written += 1
    return written
