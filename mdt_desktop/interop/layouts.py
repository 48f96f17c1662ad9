"""Supplier export layouts as data (resources/layouts/*.json; docs/import-formats.md).

A layout says how one GP system writes its registered list: header names or column
positions, date formats, encodings, where the practice is found and which columns mean
a record deleted or a person who left. A file in a supplier layout is turned, row by row,
into the generic list's columns, so the one checking loop in csv_list reads every layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from mdt_desktop.paths import resources_dir

from .records import UNCLOSED, UNPAIRED, UnreadableFile, check_date

# The generic list's columns, in the order a supplier row is rewritten to.
FIELDS = (
    "nhs_number", "family_name", "given_name", "title", "date_of_birth", "sex", "postcode",
    "practice_code", "registration_date", "date_of_death",
)  # fmt: skip
CANONICAL_HEADERS = [
    "nhs number", "surname", "forename", "title", "date of birth", "sex", "postcode",
    "practice code", "registration date", "date of death",
]  # fmt: skip
PRACTICE_AT = FIELDS.index("practice_code")
SEXES = {"male", "female", "other", "indeterminate", "unknown"}
Rows = Iterator[tuple[int, list[str]]]


class LayoutError(ValueError):
    """A layout or mapping file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    kind: str
    header: bool
    delimiter: str
    encodings: tuple[str, ...]
    columns: dict[str, Any]
    date_formats: tuple[str, ...]
    sex: dict[str, str] = field(default_factory=dict)
    practice: dict[str, Any] = field(default_factory=dict)
    left: dict[str, Any] | None = None
    deleted: dict[str, Any] | None = None
    recognise: tuple[str, ...] = ()
    positional: dict[str, Any] | None = None
    records: dict[str, str] | None = None
    spellings: bool = False
    source: str = ""

    @property
    def generic(self) -> bool:
        return self.spellings


def _layout(data: dict[str, Any], where: str) -> Layout:
    """A layout from its JSON, checked: a bad one is refused with the reason."""
    if not isinstance(data, dict):
        raise LayoutError(f"{where}: a layout is a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name):
        raise LayoutError(f"{where}: 'name' must be lower-case letters, digits and dashes")
    if data.get("kind", "patients") != "patients":
        raise LayoutError(f"{where}: only registered-list layouts ('kind': 'patients') are read")
    spellings = bool(data.get("spellings"))
    columns = data.get("columns", {})
    if not spellings:
        if not isinstance(columns, dict) or not columns:
            raise LayoutError(f"{where}: 'columns' maps fields to header names or positions")
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise LayoutError(f"{where}: unknown fields {', '.join(unknown)}")
        for needed in ("nhs_number", "family_name", "date_of_birth"):
            if needed not in columns:
                raise LayoutError(f"{where}: the {needed.replace('_', ' ')} column is missing")
    header = bool(data.get("header", True))
    formats = tuple(data.get("date_formats") or ())
    if not spellings:
        if not formats:
            raise LayoutError(f"{where}: 'date_formats' lists at least one format")
        for fmt in formats:
            if "%y" in fmt:
                raise LayoutError(f"{where}: two-digit years (%y) are ambiguous; use %Y")
            try:
                datetime(1941, 3, 14, 10, 5, 6).strftime(fmt)
            except ValueError:
                raise LayoutError(f"{where}: {fmt!r} is not a date format") from None
    sex = {str(k).strip().lower(): v for k, v in (data.get("sex") or {}).items()}
    if not set(sex.values()) <= SEXES:
        raise LayoutError(f"{where}: sexes are {', '.join(sorted(SEXES))}")
    return Layout(
        name=name,
        label=str(data.get("label") or name),
        kind="patients",
        header=header,
        delimiter=str(data.get("delimiter", ",")),
        encodings=tuple(data.get("encoding") or ("utf-8-sig", "cp1252")),
        columns=columns,
        date_formats=formats,
        sex=sex,
        practice=data.get("practice") or {"from": "column"},
        left=data.get("left"),
        deleted=data.get("deleted"),
        recognise=tuple(data.get("recognise") or ()),
        positional=data.get("recognise_positional"),
        records=data.get("records"),
        spellings=spellings,
        source=str(data.get("source", "")),
    )


@lru_cache(maxsize=1)
def shipped() -> tuple[Layout, ...]:
    """The layouts that ship with the app, supplier layouts first, the generic CSV last."""
    found = []
    for path in sorted((resources_dir() / "layouts").glob("*.json")):
        found.append(_layout(json.loads(path.read_text(encoding="utf-8")), path.name))
    return tuple(sorted(found, key=lambda lay: lay.generic))


def by_name(name: str) -> Layout:
    for layout in shipped():
        if layout.name == name:
            return layout
    raise LayoutError(f"no layout is named {name!r}")


def load_mapping(path: Path) -> Layout:
    """A saved mapping for an unknown layout (the same form as a shipped layout)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{path.name}: the mapping is not readable JSON ({exc})") from None
    return _layout(data, path.name)


def check_mapping(layout_data: dict[str, Any]) -> Layout:
    """A mapping being made (not yet saved), checked as a saved one would be."""
    return _layout(layout_data, "the mapping")


def saved_mappings(folder: Path) -> list[tuple[Path, Layout]]:
    """The mappings saved in ``folder`` (unreadable ones are passed over)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append((path, load_mapping(path)))
        except LayoutError:
            continue
    return found


def mapping_for(first_line: str, folder: Path) -> tuple[Path, Layout] | None:
    """A saved mapping whose named columns are all in this header line (split as it says)."""
    import csv

    for path, layout in saved_mappings(folder):
        try:
            cells = next(csv.reader([first_line], delimiter=layout.delimiter), [])
        except csv.Error:
            continue
        names = {h.replace("\ufeff", "").strip() for h in cells}
        wanted = {c for c in layout.columns.values() if isinstance(c, str)}
        if layout.header and wanted and wanted <= names:
            return path, layout
    return None


def save_mapping(layout_data: dict[str, Any], path: Path) -> Layout:
    """Check a mapping, then save it by name for next time."""
    layout = _layout(layout_data, path.name)
    path.write_text(json.dumps(layout_data, indent=2, sort_keys=True), encoding="utf-8")
    return layout


def recognise(first_row: list[str], head: str) -> Layout | None:
    """The supplier layout a file is in, by its first row (or, for record-typed files, its
    first lines: NHAIS puts a batch line first); None for the generic CSV."""
    first_lines = [line.lstrip("\ufeff") for line in head.splitlines()[:3]]
    names = {h.replace("\ufeff", "").strip() for h in first_row}
    for layout in shipped():
        if layout.generic:
            continue
        if layout.records is not None:
            if any(line.startswith(layout.records["first"]) for line in first_lines):
                return layout
        elif layout.header:
            if layout.recognise and set(layout.recognise) <= names:
                return layout
        elif layout.positional is not None:
            spec = layout.positional
            if len(first_row) != int(spec["fields"]):
                continue
            if all(
                re.match(pattern, first_row[int(i)].strip())
                for i, pattern in spec.get("patterns", {}).items()
            ):
                return layout
    return None


# strftime codes a layout's date format may use, as regular expressions.
_CODES = {
    "%d": r"(?P<d>\d{1,2})", "%m": r"(?P<m>\d{1,2})", "%Y": r"(?P<Y>\d{4})",
    "%b": r"(?P<b>[A-Za-z]{3})", "%B": r"(?P<b>[A-Za-z]{3,9})", "%H": r"\d{1,2}",
    "%M": r"\d{2}", "%S": r"\d{2}(?:\.\d+)?", "%%": "%",
}  # fmt: skip
_MONTH_NUMBERS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}


def _compile(fmt: str) -> re.Pattern[str] | None:
    """A format as one regular expression (much faster than strptime), or None if it uses a
    code outside the few that dates in exports use (strptime then reads it)."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i : i + 2]
            if code not in _CODES:
                return None
            out.append(_CODES[code])
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return re.compile("".join(out))


def date_parser(layout: Layout, today: date) -> Callable[[str], str]:
    """ISO text of a date in one of the layout's formats; ValueError says why not."""
    formats = layout.date_formats
    compiled = [(fmt, _compile(fmt)) for fmt in formats]
    shown = " or ".join(formats)

    def one(value: str, fmt: str, pattern: re.Pattern[str] | None) -> date | None:
        if pattern is None:
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                return None
        found = pattern.fullmatch(value)
        if found is None:
            return None
        parts = found.groupdict()
        month = _MONTH_NUMBERS.get(parts["b"][:3].lower()) if parts.get("b") else int(parts["m"])
        if month is None:
            return None
        try:
            return date(int(parts["Y"]), month, int(parts["d"]))
        except ValueError:
            raise ValueError(f"impossible date {value!r}") from None

    @lru_cache(maxsize=1 << 17)
    def parse(text: str) -> str:
        value = text.strip()
        if not value:
            raise ValueError("missing date")
        for fmt, pattern in compiled:
            day = one(value, fmt, pattern)
            if day is not None:
                return check_date(day, value, today).isoformat()
        if re.fullmatch(r"\d{1,2}[ /.-]([A-Za-z]{3}|\d{1,2})[ /.-]\d{2}( .*)?", value):
            raise ValueError(f"two-digit year: ambiguous ({value!r})")
        raise ValueError(f"unrecognised date {value!r} (this layout writes {shown})")

    return parse


class Reader:
    """Rows of a supplier file rewritten to the generic columns, with its practice found."""

    def __init__(
        self,
        layout: Layout,
        file_name: str,
        practice: str | None = None,
        practice_map: dict[str, str] | None = None,
    ) -> None:
        self.layout = layout
        self.file_name = file_name
        self.default_practice = practice
        self.practice_map = dict(practice_map or {})
        # Organisation ids met in the file and the ODS code each was given (remembered).
        self.organisations: dict[str, str] = {}
        self.skipped_deleted = 0
        self.skipped_left = 0
        self.file_practice: str | None = None
        rule = layout.practice.get("from", "column")
        if rule == "file_name":
            found = re.match(layout.practice.get("pattern", "^$"), file_name)
            self.file_practice = found.group(1) if found else practice

    def _index(self, spec: Any, header_at: dict[str, int], pad: int) -> int:
        if spec is None:
            return pad
        if isinstance(spec, int):
            return spec
        if isinstance(spec, str) and spec in header_at:
            return header_at[spec]
        if isinstance(spec, str) and spec.isdigit():
            return int(spec)
        raise UnreadableFile(
            f"{self.file_name}: the {self.layout.label} column {spec!r} is missing"
        )

    def _practice_of(self, org: str) -> str:
        code = self.practice_map.get(org) or self.default_practice
        if code is None:
            raise UnreadableFile(
                f"{self.file_name}: the practice is not in this {self.layout.label} file "
                f"(organisation {org!r}); give its ODS code, e.g. --practice B86001, and it "
                "is remembered for the next import"
            )
        self.organisations[org] = code
        return code

    def rows(self, headers: list[str], rows: Rows) -> Rows:
        """Generic-column rows; deleted records and leavers are skipped (and counted)."""
        layout = self.layout
        header_at = {h.replace("\ufeff", "").strip(): i for i, h in enumerate(headers)}
        if layout.records is not None:
            yield from self._paired(rows)
            return
        # Headerless: the first row is data, and the padding cell sits past every column.
        positions = [c for c in layout.columns.values() if isinstance(c, int)]
        pad = max([len(headers), *(c + 1 for c in positions)])
        width = pad + 1
        at = [self._index(layout.columns.get(f), header_at, pad) for f in FIELDS]
        at[PRACTICE_AT] = pad  # filled below
        get = itemgetter(*at)
        practice_rule = layout.practice.get("from", "column")
        practice_col = (
            self._index(layout.practice.get("column"), header_at, pad)
            if practice_rule in ("organisation_id", "column")
            else pad
        )
        by_org = practice_rule == "organisation_id"
        fixed = self.file_practice if practice_rule == "file_name" else None
        known: dict[str, str] = {}
        deleted_col, deleted_values = self._flag(layout.deleted, header_at, pad)
        left_col, left_values = self._flag(layout.left, header_at, pad)
        source: Rows = rows
        if not layout.header:
            source = _chain_first(headers, rows)
        for line, row in source:
            if row is UNCLOSED:
                yield line, row
                continue
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            if deleted_col is not None and _flagged(row[deleted_col], deleted_values):
                self.skipped_deleted += 1
                continue
            if left_col is not None and _flagged(row[left_col], left_values):
                self.skipped_left += 1
                continue
            out = list(get(row))
            if by_org:
                org = row[practice_col].strip()
                code = known.get(org)
                if code is None:
                    code = known[org] = self._practice_of(org)
                out[PRACTICE_AT] = code
            elif fixed is not None:
                out[PRACTICE_AT] = fixed
            else:
                out[PRACTICE_AT] = row[practice_col]
            yield line, out

    def _flag(
        self, spec: dict[str, Any] | None, header_at: dict[str, int], pad: int
    ) -> tuple[int | None, frozenset[str] | None]:
        if not spec:
            return None, None
        column = spec.get("column")
        if isinstance(column, str) and column not in header_at and not column.isdigit():
            return None, None  # an optional column this version of the export lacks
        values = spec.get("values")
        lowered = frozenset(str(v).lower() for v in values) if values else None
        return self._index(column, header_at, pad), lowered

    def _paired(self, rows: Rows) -> Rows:
        """NHAIS: a DOW~1 record and the DOW~2 record after it are one person."""
        layout = self.layout
        assert layout.records is not None
        first_tag = layout.records["first"].split(layout.delimiter)[:2]
        second_tag = layout.records["second"].split(layout.delimiter)[:2]
        columns = layout.columns
        pending: tuple[int, list[str]] | None = None
        for line, row in rows:
            if row is UNCLOSED:
                yield line, row
                continue
            tag = row[:2]
            if tag == first_tag:
                if pending is not None:
                    yield pending[0], UNPAIRED
                pending = (line, row)
                continue
            if tag != second_tag:
                continue  # the header line (e.g. "503\*") and blank lines
            if pending is None:
                yield line, UNPAIRED
                continue
            first_line, first = pending
            pending = None
            out = []
            for f in FIELDS:
                spec = columns.get(f)
                if spec is None:
                    out.append("")
                    continue
                record = first
                if isinstance(spec, str) and spec.startswith("second:"):
                    record, spec = row, int(spec.split(":", 1)[1])
                out.append(record[spec] if spec < len(record) else "")
            out[PRACTICE_AT] = self.file_practice or ""
            yield first_line, out
        if pending is not None:
            yield pending[0], UNPAIRED


def _flagged(cell: str, values: frozenset[str] | None) -> bool:
    text = cell.strip()
    if values is None:
        return bool(text)
    return text.lower() in values


def _chain_first(first: list[str], rows: Rows) -> Rows:
    yield 1, list(first)
    yield from rows
