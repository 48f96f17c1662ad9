"""CSV exports of a practice's registered list and of coded entries (docs/import-formats.md).

Header spellings from the GP systems are mapped to our fields; a row with a bad
value is rejected with its line, field and reason and the rest of the file is
kept. A file whose columns fit neither format, or whose bytes are not text in
UTF-8 (with or without BOM) or Windows-1252, raises UnreadableFile.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from mdt_desktop.domain import nhs_number
from mdt_desktop.domain.people import parse_sex

from . import coded_layouts, layouts
from .records import (
    CONTROL,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    PRACTICE_CODE,
    SNOMED_CODE,
    UNCLOSED,
    UNPAIRED,
    CodedRow,
    Marked,
    ParsedFile,
    PatientRow,
    Rejection,
    UnreadableFile,
    parse_iso,
    text_problem,
)

Rows = Iterator[tuple[int, list[str]]]

PATIENT_HEADERS: dict[str, tuple[str, ...]] = {
    "nhs_number": ("nhs number", "nhs no", "nhs no.", "nhs_number", "nhsnumber", "nhs num"),
    "family_name": ("surname", "family name", "family_name", "last name", "lastname"),
    "given_name": ("forename", "forenames", "given name", "given_name", "first name", "firstname"),
    "title": ("title",),
    "date_of_birth": ("date of birth", "dob", "date_of_birth", "birth date", "birthdate"),
    "sex": ("sex", "gender"),
    "postcode": ("postcode", "post code", "postal code"),
    "practice_code": (
        "practice code",
        "ods code",
        "practice_code",
        "ods_code",
        "practice ods code",
    ),
    "registration_date": ("registration date", "date registered", "registration_date"),
    "date_of_death": ("date of death", "date_of_death", "dod"),
}
CODED_HEADERS: dict[str, tuple[str, ...]] = {
    "nhs_number": PATIENT_HEADERS["nhs_number"],
    "code": (
        "snomed ct code",
        "snomed code",
        "snomed ct concept id",
        "snomed_code",
        "concept id",
        "code",
    ),
    "term": ("term", "description", "preferred term", "snomed term", "rubric"),
    "date": ("date", "event date", "effective date", "recorded date", "entry date", "code date"),
    "kind": ("kind", "type", "category", "entry type"),
    "end_date": ("end date", "date ended", "end_date"),
}
# Every spelling parse_sex accepts, looked up directly in the hot loop.
SEX_WORDS = {
    word: parse_sex(word).value
    for word in ("f", "female", "m", "male", "o", "other", "i", "indeterminate", "u", "unknown",
                 "not known")
}  # fmt: skip
REQUIRED_PATIENT = ("nhs_number", "family_name", "date_of_birth")
REQUIRED_CODED = ("nhs_number", "code")

KIND_WORDS = {
    "condition": "condition",
    "problem": "condition",
    "diagnosis": "condition",
    "medication": "medication",
    "repeat medication": "medication",
    "repeat": "medication",
    "drug": "medication",
    "admission": "admission",
    "emergency admission": "admission",
    "a&e": "ae_attendance",
    "a&e attendance": "ae_attendance",
    "ae_attendance": "ae_attendance",
    "ae attendance": "ae_attendance",
    "emergency department attendance": "ae_attendance",
}
# When a coded-entries file has no kind column, these codes say what the row is.
ADMISSION_CODES = {"183452005", "32485007", "305408004"}
AE_CODES = {"4525004", "50849002"}


def _normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "").strip().lower())


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}: this is not a text file (CSV) or FHIR JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: the text is neither UTF-8 nor Windows-1252 (byte {exc.start})"
        ) from None


def _map_headers(
    headers: list[str], wanted: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(headers):
        header = _normalise_header(raw)
        for field, spellings in wanted.items():
            if header in spellings and field not in found:
                found[field] = index
                break
        else:
            ignored.append(raw.strip())
    return found, ignored


def sniff_kind(headers: list[str]) -> str | None:
    patient, _ = _map_headers(headers, PATIENT_HEADERS)
    if all(f in patient for f in REQUIRED_PATIENT):
        return "patients"
    coded, _ = _map_headers(headers, CODED_HEADERS)
    if all(f in coded for f in REQUIRED_CODED):
        return "coded_entries"
    return None


def _rows(text: str, delimiter: str = ",") -> Rows:
    """(line, cells) for each record; a record running over several lines is a quote left
    open (none of our fields holds a line break): it is marked UNCLOSED with its first line,
    and reading starts again on the line after, so the rows it swallowed are still read."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]) if start else lines, delimiter=delimiter)
        previous = 0
        for row in reader:
            end = reader.line_num
            if end - previous > 1 and any("\n" in c or "\r" in c for c in row):
                yield start + previous + 1, UNCLOSED
                start += previous + 1
                break
            previous = end
            yield start + end, row
        else:
            return


def sniff_head(head: bytes) -> str | None:
    """The kind of CSV by its first bytes' header row (reading it all is the reader's job)."""
    text = head.decode("utf-8-sig", errors="ignore") or head.decode("cp1252", errors="ignore")
    first_line = text.split("\n", 1)[0]
    try:
        headers = next(csv.reader(io.StringIO(first_line, newline="")), [])
    except csv.Error:
        return None
    if layouts.recognise(headers, text[:4096]) is not None:
        return "patients"
    coded = coded_layouts.recognise(headers)
    if coded is not None:
        return "lookup" if coded.is_lookup else "coded_entries"
    return sniff_kind(headers)


def open_csv(
    path: Path, data: bytes | None = None, options: dict | None = None
) -> tuple[ParsedFile, list[str], Rows]:
    """Decode a CSV and recognise its layout by its first row; UnreadableFile says why not.

    ``options``: ``practice`` (an ODS code for files that do not carry one),
    ``practice_map`` (organisation id → ODS code, remembered from earlier imports) and
    ``mapping`` (a saved mapping file for a layout the app does not know).
    """
    options = options or {}
    name = path.name
    raw = data if data is not None else path.read_bytes()
    text = decode(raw, name)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    layout = None
    if options.get("mapping") or options.get("mapping_data"):
        try:
            layout = (
                layouts.load_mapping(Path(options["mapping"]))
                if options.get("mapping")
                else layouts.check_mapping(options["mapping_data"])
            )
        except layouts.LayoutError as exc:
            raise UnreadableFile(str(exc)) from None
    else:
        try:
            head = next(csv.reader([first_line]), [])
        except csv.Error:
            head = []
        layout = layouts.recognise(head, text[:4096])
    if layout is not None and layout.encodings == ("cp1252",):
        # A Windows-1252 export is read as that even when its bytes happen to be UTF-8.
        text = raw.decode("cp1252").removeprefix("\ufeff")
    rows = _rows(text, layout.delimiter if layout is not None else ",")
    try:
        if layout is not None and not layout.header:
            headers: list[str] = []
        else:
            _, headers = next(rows)
            if headers is UNCLOSED:
                raise UnreadableFile(f"{name}: the header row has a quote that is never closed")
    except StopIteration:
        raise UnreadableFile(f"{name}: the file is empty") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if layout is not None:
        reader = layouts.Reader(layout, name, options.get("practice"), options.get("practice_map"))
        if not layout.header:
            try:
                _, first = next(rows)
            except StopIteration:
                raise UnreadableFile(f"{name}: the file is empty") from None
            headers = first
            rows = reader.rows(headers, rows)
        else:
            rows = reader.rows(headers, rows)
        parsed = ParsedFile(path=str(path), kind="patients", size_bytes=len(text))
        parsed.rows_hint = lines // 2 if layout.records else lines - (1 if layout.header else 0)
        parsed.layout, parsed.reader = layout, reader
        return parsed, list(layouts.CANONICAL_HEADERS), rows
    coded = coded_layouts.recognise(headers) if layout is None else None
    if coded is not None and not coded.is_lookup:
        if coded.encodings == ("cp1252",):
            text = raw.decode("cp1252").removeprefix("\ufeff")
            rows = _rows(text)
            next(rows)
        parsed = ParsedFile(path=str(path), kind="coded_entries", size_bytes=len(text))
        parsed.rows_hint = lines - 1
        parsed.columns = {"layout": coded.name}
        remapped = coded_layouts.rows(coded, headers, rows, options.get("links") or {})
        return parsed, list(coded_layouts.CODED_HEADERS), remapped
    kind = sniff_kind(headers)
    if kind is None:
        shown = ", ".join(h.strip() for h in headers[:12]) or "(none)"
        raise UnreadableFile(
            f"{name}: unknown columns ({shown}). A registered list needs NHS Number, Surname and "
            "Date of Birth; a coded-entries file needs NHS Number and SNOMED CT Code "
            "(see docs/import-formats.md), or a supplier layout the app knows (EMIS "
            "Admin_Patient, SystmOne SRPatient, Vision Patient, NHAIS download); any other "
            "layout is read with a saved mapping (mdt import-list --mapping FILE.json)"
        )
    parsed = ParsedFile(path=str(path), kind=kind, size_bytes=len(text), rows_hint=lines - 1)
    return parsed, headers, rows


def read_csv(
    path: Path,
    today: date | None = None,
    data: bytes | None = None,
    stream: bool = False,
    options: dict | None = None,
) -> ParsedFile:
    """Read a CSV export. With ``stream``, coded entries are read as they are consumed."""
    today = today or date.today()
    parsed, headers, rows = open_csv(path, data, options)
    if parsed.kind == "coded_entries" and stream:
        parsed.coded_stream = guarded(iter_coded(parsed, headers, rows, today), path.name)
        return parsed
    try:
        if parsed.kind == "patients":
            parsed.patients.extend(iter_patients(parsed, headers, rows, today))
        else:
            parsed.coded.extend(iter_coded(parsed, headers, rows, today))
    except csv.Error as exc:
        raise UnreadableFile(f"{path.name}: not a readable CSV file ({exc})") from None
    return parsed


def iter_patients(
    parsed: ParsedFile, headers: list[str], rows: Rows, today: date
) -> Iterator[PatientRow]:
    """Checked registered-list rows; a bad row goes to ``parsed.rejections`` with its reason."""
    cols, ignored = _map_headers(headers, PATIENT_HEADERS)
    layout = parsed.layout
    parse: Callable[[str], str] = parse_iso
    sex_words = SEX_WORDS
    if layout is not None:
        parsed.columns = {
            "layout": layout.name,
            "mapped": {f: str(c) for f, c in layout.columns.items()},
            "ignored": [],
        }
        parse = layouts.date_parser(layout, today)
        if layout.sex:
            sex_words = {**SEX_WORDS, **layout.sex}
    else:
        parsed.columns = {
            "layout": "generic",
            "mapped": {f: headers[i].strip() for f, i in cols.items()},
            "ignored": ignored,
        }
    name = Path(parsed.path).name
    today_iso = today.isoformat()
    seen: dict[str, int] = {}
    practice_ok: dict[str, bool] = {}
    # Every row is padded with one empty cell that absent columns point at: no per-cell checks.
    pad = len(headers)
    width = pad + 1
    at = {f: cols.get(f, pad) for f in PATIENT_HEADERS}
    i_nhs, i_family, i_given, i_title = (
        at["nhs_number"], at["family_name"], at["given_name"], at["title"]
    )  # fmt: skip
    i_dob, i_sex, i_pc, i_practice = (
        at["date_of_birth"], at["sex"], at["postcode"], at["practice_code"]
    )  # fmt: skip
    i_reg, i_death = at["registration_date"], at["date_of_death"]
    rejections = parsed.rejections
    validate = nhs_number.validate
    read = 0

    def reject(line: int, field: str, reason: str) -> None:
        rejections.append(Rejection(name, f"line {line}", field, reason))

    try:
        for line, row in rows:
            if row is UNCLOSED:
                read += 1
                reject(line, "row", "a quote opened on this line is never closed; the row "
                       "is not imported (the rows after it are read)")  # fmt: skip
                continue
            if row is UNPAIRED:
                read += 1
                reject(line, "row", "a DOW~1 record needs the DOW~2 record after it")
                continue
            if not any(row):
                continue
            read += 1
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            try:
                nhs = validate(row[i_nhs])
            except nhs_number.InvalidNhsNumber as exc:
                reject(line, "NHS number", f"invalid NHS number: {exc}")
                continue
            if nhs in seen:
                why = f"duplicate NHS number in this file (first on line {seen[nhs]})"
                reject(line, "NHS number", why)
                continue
            seen[nhs] = line
            family = row[i_family].strip()
            if not family:
                reject(line, "family name", "missing family name")
                continue
            given, title = row[i_given].strip(), row[i_title].strip()
            # One search over the names together: the common case costs one scan.
            if (
                len(family) > MAX_NAME
                or len(given) > MAX_NAME
                or len(title) > MAX_TITLE
                or (CONTROL.search(family + given + title))
            ):
                for label, value, limit in (
                    ("family name", family, MAX_NAME),
                    ("given name", given, MAX_NAME),
                    ("title", title, MAX_TITLE),
                ):
                    problem = text_problem(label, value, limit)
                    if problem:
                        reject(line, label, problem)
                        break
                continue
            try:
                dob = parse(row[i_dob])
            except ValueError as exc:
                reject(line, "date of birth", str(exc))
                continue
            if dob > today_iso:
                reject(line, "date of birth", f"date of birth {dob} is in the future")
                continue
            sex_text = row[i_sex].strip()
            if sex_text:
                sex = sex_words.get(sex_text.lower())
                if sex is None:
                    reject(line, "sex", f"{sex_text!r} is not a recognised sex")
                    continue
            else:
                sex = "unknown"
            practice = row[i_practice].strip().upper() or None
            if practice is not None:
                ok = practice_ok.get(practice)
                if ok is None:
                    ok = practice_ok[practice] = PRACTICE_CODE.match(practice) is not None
                if not ok:
                    reject(
                        line,
                        "practice code",
                        f"malformed practice code {practice!r} (a letter and 5 digits)",
                    )
                    continue
            try:
                label = "registration date"
                registered = parse(row[i_reg]) if row[i_reg].strip() else None
                label = "date of death"
                died = parse(row[i_death]) if row[i_death].strip() else None
            except ValueError as exc:
                reject(line, label, str(exc))
                continue
            if registered is not None and registered > today_iso:
                reject(line, "registration date", "the registration date is in the future")
                continue
            if died is not None and died > today_iso:
                reject(line, "date of death", "the date of death is in the future")
                continue
            postcode = row[i_pc].strip().upper() or None
            if postcode is not None and (len(postcode) > 10 or CONTROL.search(postcode)):
                reject(line, "postcode", f"{postcode[:20]!r} is not a postcode")
                continue
            yield (
                nhs, None, None, title.rstrip(".") or None, family, given or None, dob, sex,
                postcode, practice, registered, died, name, line,
            )  # fmt: skip
    finally:
        parsed.read += read
        reader = parsed.reader
        if reader is not None:
            parsed.columns["organisations"] = dict(reader.organisations)
            parsed.columns["skipped"] = {
                "deleted records": reader.skipped_deleted,
                "left the practice": reader.skipped_left,
            }


def guarded(records: Iterator[CodedRow], name: str) -> Iterator[CodedRow]:
    try:
        yield from records
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None


def iter_coded(
    parsed: ParsedFile, headers: list[str], rows: Rows, today: date
) -> Iterator[CodedRow]:
    """Checked coded-entry rows; a bad row goes to ``parsed.rejections`` with its reason."""
    cols, ignored = _map_headers(headers, CODED_HEADERS)
    layout_name = parsed.columns.get("layout")
    parsed.columns = {
        "mapped": {f: headers[i].strip() for f, i in cols.items()},
        "ignored": ignored,
    }
    if layout_name:
        parsed.columns["layout"] = layout_name
    name = Path(parsed.path).name
    today_iso = today.isoformat()
    rejections = parsed.rejections
    validate = nhs_number.validate
    # Padding as for the registered list: absent columns point at one empty cell.
    pad = len(headers)
    width = pad + 1
    i_nhs, i_code = cols["nhs_number"], cols["code"]
    i_term, i_date = cols.get("term", pad), cols.get("date", pad)
    i_kind, i_end = cols.get("kind", pad), cols.get("end_date", pad)
    snomed = SNOMED_CODE.match
    code_ok: dict[str, bool] = {}
    read = 0
    # The hot loop of a whole-system import: a million rows, so little work per cell.
    try:
        for line, row in rows:
            if row is UNCLOSED:
                read += 1
                rejections.append(Rejection(name, f"line {line}", "row", "a quote opened on "
                    "this line is never closed; the row is not imported (the rows after it "
                    "are read)"))  # fmt: skip
                continue
            if type(row) is Marked:
                read += 1
                rejections.append(Rejection(name, f"line {line}", row.field, row.reason))
                continue
            if not any(row):
                continue
            read += 1
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            try:
                nhs = validate(row[i_nhs])
            except nhs_number.InvalidNhsNumber as exc:
                rejections.append(
                    Rejection(name, f"line {line}", "NHS number", f"invalid NHS number: {exc}")
                )
                continue
            term_text = row[i_term].strip()
            if term_text and (len(term_text) > MAX_TEXT or CONTROL.search(term_text)):
                problem = text_problem("term", term_text, MAX_TEXT)
                rejections.append(Rejection(name, f"line {line}", "term", problem or ""))
                continue
            code = row[i_code].strip()
            ok = code_ok.get(code)
            if ok is None:
                ok = code_ok[code] = snomed(code) is not None
            if not ok:
                rejections.append(
                    Rejection(name, f"line {line}", "code", f"not a SNOMED CT code: {code!r}")
                )
                continue
            recorded: str | None = None
            date_text = row[i_date].strip()
            if date_text:
                try:
                    recorded = parse_iso(date_text)
                except ValueError as exc:
                    rejections.append(Rejection(name, f"line {line}", "date", str(exc)))
                    continue
                if recorded > today_iso:
                    rejections.append(
                        Rejection(name, f"line {line}", "date", f"date {recorded} is in the future")
                    )
                    continue
            kind_text = row[i_kind].strip().lower()
            if kind_text:
                kind = KIND_WORDS.get(kind_text)
                if kind is None:
                    rejections.append(
                        Rejection(name, f"line {line}", "kind", f"unknown kind {kind_text!r} "
                                  "(condition, medication, admission, A&E)")
                    )  # fmt: skip
                    continue
            elif code in ADMISSION_CODES:
                kind = "admission"
            elif code in AE_CODES:
                kind = "ae_attendance"
            else:
                kind = "condition"
            ended: str | None = None
            end_text = row[i_end].strip()
            if end_text:
                try:
                    ended = parse_iso(end_text)
                except ValueError as exc:
                    rejections.append(Rejection(name, f"line {line}", "end date", str(exc)))
                    continue
            yield (nhs, code, term_text or None, recorded, kind, ended, name, line)
    finally:
        parsed.coded_read += read


def preview(path: Path, limit: int = 8) -> dict:
    """What an import of this CSV would read: its kind and layout, the column mapping, the
    date formats, the first rows."""
    text = decode(path.read_bytes(), path.name)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    try:
        head = next(csv.reader([first_line]), [])
    except csv.Error:
        head = []
    layout = layouts.recognise(head, text[:4096])
    if layout is not None:
        return _layout_preview(path, text, layout, limit)
    rows = _rows(text)
    try:
        _, headers = next(rows)
    except (StopIteration, csv.Error):
        raise UnreadableFile(f"{path.name}: the file is empty or not CSV") from None
    kind = sniff_kind(headers)
    wanted = PATIENT_HEADERS if kind == "patients" else CODED_HEADERS
    mapped, ignored = _map_headers(headers, wanted)
    first = []
    for _, row in rows:
        first.append(row)
        if len(first) >= limit:
            break
    return {
        "kind": kind,
        "layout": "generic" if kind == "patients" else None,
        "layout_label": "Generic registered-list CSV" if kind == "patients" else None,
        "date_formats": ["dd/mm/yyyy", "dd-Mmm-yyyy", "dd Mmm yyyy", "yyyy-mm-dd"],
        "headers": [h.strip() for h in headers],
        "mapping": {headers[i].strip(): field for field, i in mapped.items()},
        "ignored": ignored,
        "rows": first,
    }


def _layout_preview(path: Path, text: str, layout: layouts.Layout, limit: int) -> dict:
    if layout.encodings == ("cp1252",):
        text = path.read_bytes().decode("cp1252").removeprefix("\ufeff")
    rows = _rows(text, layout.delimiter)
    first: list[list[str]] = []
    headers: list[str] = []
    for _, row in rows:
        if row is UNCLOSED:
            continue
        if layout.header and not headers:
            headers = [h.strip() for h in row]
            continue
        first.append(row)
        if len(first) >= limit:
            break
    if not layout.header:
        width = max((len(r) for r in first), default=0)
        headers = [f"column {i + 1}" for i in range(width)]
    mapping: dict[str, str] = {}
    for field, column in layout.columns.items():
        if isinstance(column, int) and column < len(headers):
            mapping[headers[column]] = field
        elif isinstance(column, str) and column in headers:
            mapping[column] = field
    return {
        "kind": "patients",
        "layout": layout.name,
        "layout_label": layout.label,
        "date_formats": list(layout.date_formats),
        "practice_from": layout.practice.get("from", "column"),
        "headers": headers,
        "mapping": mapping,
        "ignored": [h for h in headers if h not in mapping],
        "rows": first,
    }
