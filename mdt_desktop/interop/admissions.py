"""Hospital admissions and discharges from outside: a CSV feed, or FHIR R4 Encounters.

Both become :class:`AdmissionRecord` values, keyed by the hospital's provider spell id; each
bad row is a :class:`Rejection` with its reason and the rest is kept. Nothing here touches the
store: ``services/discharges/importing.py`` applies the records.

CSV columns (header names, any order; case and spaces ignored): ``spell_id``, ``nhs_number``,
``hospital``, ``ward``, ``admitted_at``, ``admission_method`` (NHS Data Dictionary code),
``expected_discharge_on``, ``discharge_ready_on``, ``discharged_at``,
``discharge_destination``, ``discharge_method``, ``pathway``. Times are ISO 8601; a time
without an offset is taken as local time in England.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.nhs_number import InvalidNhsNumber, validate

from .fhir import iter_resources, looks_like_fhir
from .records import Rejection, UnreadableFile

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_TEXT = 200
REQUIRED = ("spell_id", "nhs_number", "admitted_at")
COLUMNS = (
    *REQUIRED,
    "hospital",
    "ward",
    "admission_method",
    "expected_discharge_on",
    "discharge_ready_on",
    "discharged_at",
    "discharge_destination",
    "discharge_method",
    "pathway",
)
ADMISSION_METHOD_EXT = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"
)
DISCHARGE_METHOD_EXT = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DischargeMethod"
)
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
# C0 controls and DEL: one compiled search, not a Python check per character of the feed.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class AdmissionRecord:
    spell_id: str
    nhs_number: str
    admitted_at: datetime
    hospital: str | None = None
    ward: str | None = None
    admission_method: str | None = None
    expected_discharge_on: date | None = None
    discharge_ready_on: date | None = None
    discharged_at: datetime | None = None
    discharge_destination: str | None = None
    discharge_method: str | None = None
    pathway: int | None = None
    file: str = ""
    where: str = ""


@dataclass
class ParsedAdmissions:
    records: list[AdmissionRecord]
    rejections: list[Rejection]
    skipped: list[str]


class _Bad(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise _Bad(field, f"longer than {MAX_TEXT} characters")
    if _CONTROL.search(text):
        raise _Bad(field, "contains control characters")
    return text


def _instant(value: Any, field: str) -> datetime | None:
    text = _text(value, field)
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(field, f"not a date and time: {text!r} (use ISO 8601)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=rules.LONDON)
    if at.year < 1990:
        raise _Bad(field, "before 1990")
    return at.astimezone(UTC)


def _day(value: Any, field: str) -> date | None:
    text = _text(value, field)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _Bad(field, f"not a date: {text!r} (use yyyy-mm-dd)") from None


def _code(value: Any, field: str, table: str) -> str | None:
    text = _text(value, field)
    if text is None:
        return None
    try:
        rules.nhs_dd_table(table).get(text)
    except KeyError:
        raise _Bad(field, f"{text!r} is not an NHS Data Dictionary code") from None
    return text


def _record(values: dict[str, Any], file: str, where: str) -> AdmissionRecord:
    spell = _text(values.get("spell_id"), "spell_id")
    if spell is None:
        raise _Bad("spell_id", "missing: the hospital's spell id identifies the stay")
    raw_nhs = _text(values.get("nhs_number"), "nhs_number")
    if raw_nhs is None:
        raise _Bad("nhs_number", "missing")
    try:
        nhs = validate(raw_nhs)
    except InvalidNhsNumber as exc:
        raise _Bad("nhs_number", str(exc)) from None
    admitted = _instant(values.get("admitted_at"), "admitted_at")
    if admitted is None:
        raise _Bad("admitted_at", "missing")
    out = _instant(values.get("discharged_at"), "discharged_at")
    if out is not None and out < admitted:
        raise _Bad("discharged_at", "before the admission")
    pathway_text = _text(values.get("pathway"), "pathway")
    pathway = None
    if pathway_text is not None:
        if pathway_text not in {"0", "1", "2", "3"}:
            raise _Bad("pathway", f"{pathway_text!r} is not a discharge pathway 0-3")
        pathway = int(pathway_text)
    return AdmissionRecord(
        spell_id=spell,
        nhs_number=nhs,
        admitted_at=admitted,
        hospital=_text(values.get("hospital"), "hospital"),
        ward=_text(values.get("ward"), "ward"),
        admission_method=_code(values.get("admission_method"), *("admission_method",) * 2),
        expected_discharge_on=_day(values.get("expected_discharge_on"), "expected_discharge_on"),
        discharge_ready_on=_day(values.get("discharge_ready_on"), "discharge_ready_on"),
        discharged_at=out,
        discharge_destination=_code(
            values.get("discharge_destination"), *("discharge_destination",) * 2
        ),
        discharge_method=_code(values.get("discharge_method"), *("discharge_method",) * 2),
        pathway=pathway,
        file=file,
        where=where,
    )


def _key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def read_csv(name: str, data: bytes) -> Iterator[AdmissionRecord | Rejection]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [_key(h) for h in next(reader)]
    except StopIteration:
        raise UnreadableFile(f"{name}: empty file") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: the header cannot be read ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnreadableFile(
            f"{name}: no column {', '.join(missing)} (columns: {', '.join(COLUMNS)})"
        )
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejection(name, f"line {line}", "", f"the row cannot be read ({exc})")
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Rejection(name, f"line {line}", "", f"{len(row)} cells for {len(header)} columns")
            continue
        try:
            yield _record(dict(zip(header, row, strict=True)), name, f"line {line}")
        except _Bad as bad:
            yield Rejection(name, f"line {line}", bad.field, str(bad))


def _ext_code(resource: dict, url: str) -> str | None:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            for coding in (ext.get("valueCodeableConcept") or {}).get("coding") or []:
                if coding.get("code"):
                    return str(coding["code"])
    return None


def _encounter_values(enc: dict, patients: dict[str, str]) -> dict[str, Any]:
    identifiers = [i for i in enc.get("identifier") or [] if isinstance(i, dict) and i.get("value")]
    spell = identifiers[0]["value"] if identifiers else enc.get("id")
    subject = enc.get("subject") or {}
    nhs = (subject.get("identifier") or {}).get("value")
    nhs = nhs or patients.get(subject.get("reference", ""))
    period = enc.get("period") or {}
    hosp = enc.get("hospitalization") or {}
    method = _ext_code(enc, ADMISSION_METHOD_EXT)
    if method is None:
        # Without UK Core's extension, an admission through the emergency department
        # (admitSource "emd") is an emergency; anything else stays unknown rather than
        # becoming a counted emergency.
        source = [c.get("code") for c in (hosp.get("admitSource") or {}).get("coding") or []]
        method = "21" if "emd" in source else None
    destination = None
    for coding in (hosp.get("dischargeDisposition") or {}).get("coding") or []:
        if coding.get("code"):
            destination = coding["code"]
    locations = [(loc.get("location") or {}).get("display") for loc in enc.get("location") or []]
    return {
        "spell_id": spell,
        "nhs_number": nhs,
        "admitted_at": period.get("start"),
        "discharged_at": period.get("end") if enc.get("status") in ("finished", None) else None,
        "hospital": (enc.get("serviceProvider") or {}).get("display"),
        "ward": next((x for x in locations if x), None),
        "admission_method": method,
        "discharge_destination": destination,
        "discharge_method": _ext_code(enc, DISCHARGE_METHOD_EXT),
    }


def read_fhir(name: str, path: Path, data: bytes) -> Iterator[AdmissionRecord | Rejection]:
    """Inpatient Encounters; other resources are read only for the patients' NHS numbers."""
    resources = list(iter_resources(path, data))
    patients: dict[str, str] = {}
    for res, full_url in resources:
        if res.get("resourceType") != "Patient":
            continue
        for ident in res.get("identifier") or []:
            if isinstance(ident, dict) and ident.get("system") == NHS_NUMBER_SYSTEM:
                for key in (f"Patient/{res.get('id')}", full_url):
                    if key:
                        patients[key] = str(ident.get("value") or "")
    for res, _ in resources:
        if res.get("resourceType") != "Encounter":
            continue
        klass = (res.get("class") or {}).get("code")
        if klass not in ("IMP", "ACUTE", "NONAC"):
            continue  # emergency-department, outpatient, virtual: not a stay on a ward
        where = f"Encounter/{res.get('id')}"
        try:
            yield _record(_encounter_values(res, patients), name, where)
        except _Bad as bad:
            yield Rejection(name, where, bad.field, str(bad))


def read_admissions(paths: Iterable[Path]) -> ParsedAdmissions:
    records: list[AdmissionRecord] = []
    rejections: list[Rejection] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
        if path.name == "log.ndjson":
            skipped.append(path.name)
            continue
        fhir = looks_like_fhir(data)
        items = read_fhir(path.name, path, data) if fhir else read_csv(path.name, data)
        for item in items:
            if isinstance(item, Rejection):
                rejections.append(item)
            elif item.spell_id in seen:
                first = seen[item.spell_id]
                rejections.append(
                    Rejection(item.file, item.where, "spell_id", f"the same spell as {first}")
                )
            else:
                seen[item.spell_id] = f"{item.file} {item.where}"
                records.append(item)
    return ParsedAdmissions(records, rejections, skipped)
