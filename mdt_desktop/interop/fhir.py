"""FHIR R4 import: Bundles (collection, transaction, searchset) and bulk-data NDJSON.

Patient, Condition, Encounter, MedicationRequest and MedicationStatement are read;
other resource types are counted as skipped. The NHS number comes from the
identifier system https://fhir.nhs.uk/Id/nhs-number; without one (Synthea, say)
the source identifier is kept and the person is "NHS number not known".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from mdt_desktop.domain import nhs_number
from mdt_desktop.domain.people import parse_sex

from .records import (
    PRACTICE_CODE,
    CodedRecord,
    ParsedFile,
    PatientRecord,
    Rejection,
    UnreadableFile,
    parse_date,
)

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED_SYSTEM = "http://snomed.info/sct"
READ_TYPES = {"Patient", "Condition", "Encounter", "MedicationRequest", "MedicationStatement"}
# Encounter.class codes (v3 ActCode) that mean an A&E visit or a hospital stay.
EMERGENCY_CLASSES = {"EMER"}
INPATIENT_CLASSES = {"IMP", "ACUTE", "NONAC", "SS"}


def looks_like_fhir(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return head.startswith(b"{") and b'"resourceType"' in data[:1_000_000]


def _resources_from_json(doc: Any, name: str) -> Iterator[tuple[dict, str | None]]:
    if not isinstance(doc, dict) or "resourceType" not in doc:
        raise UnreadableFile(f"{name}: JSON, but not a FHIR resource")
    if doc["resourceType"] == "Bundle":
        if doc.get("type") not in ("collection", "transaction", "searchset", "batch", "document"):
            raise UnreadableFile(f"{name}: a FHIR Bundle of type {doc.get('type')!r}")
        for entry in doc.get("entry") or []:
            resource = entry.get("resource")
            if isinstance(resource, dict):
                yield resource, entry.get("fullUrl")
    else:
        yield doc, None


def iter_resources(path: Path, data: bytes) -> Iterator[tuple[dict, str | None]]:
    """Resources in a Bundle, a single resource, or NDJSON (one resource per line)."""
    name = path.name
    text = data.decode("utf-8-sig", errors="strict")
    if path.suffix.lower() == ".ndjson" or (
        text.lstrip().startswith("{") and "\n{" in text.strip() and _is_ndjson(text)
    ):
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                resource = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableFile(f"{name}: line {number} is not JSON ({exc.msg})") from None
            yield from _resources_from_json(resource, name)
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    yield from _resources_from_json(doc, name)


def _is_ndjson(text: str) -> bool:
    first = text.strip().split("\n", 1)[0]
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False
    return True


def _coding(concept: dict | None, system: str | None = SNOMED_SYSTEM) -> dict | None:
    for coding in (concept or {}).get("coding") or []:
        if system is None or coding.get("system") == system:
            return coding
    return None


def _date(value: str | None) -> date | None:
    if not value:
        return None
    return parse_date(value[:10])


def _reference_keys(resource: dict, full_url: str | None) -> list[str]:
    keys = [f"{resource.get('resourceType')}/{resource.get('id')}"]
    if full_url:
        keys.append(full_url)
    return keys


def read_fhir(paths: Iterable[tuple[Path, bytes]], today: date | None = None) -> ParsedFile:
    """Read one or more FHIR files as one import (references may cross files)."""
    today = today or date.today()
    paths = list(paths)
    parsed = ParsedFile(path=", ".join(str(p) for p, _ in paths), kind="fhir")
    patient_refs: dict[str, tuple[str, str]] = {}
    pending: list[tuple[dict, str]] = []
    seen_nhs: dict[str, str] = {}
    for path, data in paths:
        for resource, full_url in iter_resources(path, data):
            rtype = resource.get("resourceType")
            if rtype not in READ_TYPES:
                parsed.skipped += 1
                continue
            if rtype == "Patient":
                parsed.read += 1
                record = _patient(resource, path.name, today, parsed.rejections, seen_nhs)
                if record is not None:
                    parsed.patients.append(record.row(path.name))
                    for key in _reference_keys(resource, full_url):
                        patient_refs[key] = record.key
            else:
                pending.append((resource, path.name))
    for resource, name in pending:
        parsed.coded_read += 1
        entry = _coded(resource, name, today, patient_refs, parsed.rejections)
        if entry is None:
            continue
        if entry is _SKIP:
            parsed.coded_read -= 1
            parsed.skipped += 1
            continue
        parsed.coded.append(entry.row())  # type: ignore[union-attr]
    return parsed


def _patient(
    resource: dict,
    name: str,
    today: date,
    rejections: list[Rejection],
    seen_nhs: dict[str, str],
) -> PatientRecord | None:
    where = f"Patient/{resource.get('id')}"

    def reject(field: str, reason: str) -> None:
        rejections.append(Rejection(name, where, field, reason))

    identifiers = resource.get("identifier") or []
    nhs = None
    for ident in identifiers:
        if ident.get("system") == NHS_NUMBER_SYSTEM:
            try:
                nhs = nhs_number.validate(str(ident.get("value", "")))
            except nhs_number.InvalidNhsNumber as exc:
                reject("NHS number", f"invalid NHS number: {exc}")
                return None
    if nhs is not None:
        if nhs in seen_nhs:
            reject("NHS number", f"duplicate NHS number in this import (also {seen_nhs[nhs]})")
            return None
        seen_nhs[nhs] = where
    source_system = source_id = None
    if nhs is None:
        usable = [
            i for i in identifiers if i.get("system") and i.get("value") and not i.get("type")
        ]
        usable = usable or [i for i in identifiers if i.get("system") and i.get("value")]
        if usable:
            source_system, source_id = usable[0]["system"], str(usable[0]["value"])
        elif resource.get("id"):
            source_system, source_id = "urn:fhir:Patient", str(resource["id"])
        else:
            reject("identifier", "no NHS number, identifier or id")
            return None
    names = resource.get("name") or []
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = (official.get("family") or "").strip()
    if not family:
        reject("family name", "missing family name")
        return None
    given = " ".join(official.get("given") or []) or None
    prefix = (official.get("prefix") or [None])[0]
    title = prefix.rstrip(".") if prefix else None
    try:
        dob = _date(resource.get("birthDate"))
    except ValueError as exc:
        reject("date of birth", str(exc))
        return None
    if dob is None:
        reject("date of birth", "missing date of birth")
        return None
    if dob > today:
        reject("date of birth", f"date of birth {dob.isoformat()} is in the future")
        return None
    try:
        sex = parse_sex(resource["gender"]).value if resource.get("gender") else "unknown"
    except ValueError as exc:
        reject("gender", str(exc))
        return None
    try:
        died = _date(resource.get("deceasedDateTime"))
    except ValueError as exc:
        reject("date of death", str(exc))
        return None
    practice = None
    for gp in resource.get("generalPractitioner") or []:
        ident = gp.get("identifier") or {}
        if ident.get("system") == ODS_SYSTEM and ident.get("value"):
            practice = str(ident["value"]).upper()
    if practice is not None and not PRACTICE_CODE.match(practice):
        reject("practice code", f"malformed practice code {practice!r}")
        return None
    addresses = resource.get("address") or []
    postcode = (addresses[0].get("postalCode") if addresses else None) or None
    return PatientRecord(
        nhs_number=nhs,
        family_name=family,
        given_name=given,
        title=title,
        date_of_birth=dob,
        sex=sex,
        postcode=postcode.upper()[:10] if postcode else None,
        practice_code=practice,
        date_of_death=died,
        source_system=source_system,
        source_id=source_id,
        where=where,
    )


_SKIP: Any = object()


def _coded(
    resource: dict,
    name: str,
    today: date,
    patient_refs: dict[str, tuple[str, str]],
    rejections: list[Rejection],
) -> CodedRecord | None:
    rtype = resource["resourceType"]
    where = f"{rtype}/{resource.get('id')}"

    def reject(field: str, reason: str) -> None:
        rejections.append(Rejection(name, where, field, reason))

    subject = (resource.get("subject") or resource.get("patient") or {}).get("reference")
    patient_key = patient_refs.get(subject or "")
    if patient_key is None:
        reject("subject", f"refers to a patient not in this import ({subject or 'none'})")
        return None
    try:
        if rtype == "Condition":
            coding = _coding(resource.get("code"))
            if coding is None:
                reject("code", "no SNOMED CT code")
                return None
            recorded = _date(resource.get("onsetDateTime") or resource.get("recordedDate"))
            status = (_coding(resource.get("clinicalStatus"), None) or {}).get("code")
            ended = _date(resource.get("abatementDateTime"))
            if status in ("resolved", "inactive", "remission") and ended is None:
                ended = recorded
            kind = "condition"
            code, term = coding.get("code"), coding.get("display")
        elif rtype == "Encounter":
            klass = (resource.get("class") or {}).get("code")
            if klass in EMERGENCY_CLASSES:
                kind = "ae_attendance"
            elif klass in INPATIENT_CLASSES:
                kind = "admission"
            else:
                return _SKIP
            types = resource.get("type") or [{}]
            coding = _coding(types[0]) or (
                {"code": "4525004", "display": "Emergency department patient visit"}
                if kind == "ae_attendance"
                else {"code": "183452005", "display": "Emergency hospital admission"}
            )
            period = resource.get("period") or {}
            recorded = _date(period.get("start"))
            ended = _date(period.get("end"))
            code, term = coding.get("code"), coding.get("display")
        else:  # MedicationRequest / MedicationStatement
            concept = resource.get("medicationCodeableConcept")
            coding = _coding(concept) or _coding(concept, None)
            if coding is None:
                reject("medication", "no coded medication")
                return None
            recorded = _date(
                resource.get("authoredOn")
                or resource.get("effectiveDateTime")
                or (resource.get("effectivePeriod") or {}).get("start")
            )
            status = resource.get("status")
            ended = None if status in ("active", "on-hold", None) else (recorded or today)
            kind = "medication"
            code, term = coding.get("code"), coding.get("display")
    except ValueError as exc:
        reject("date", str(exc))
        return None
    if not code:
        reject("code", "empty code")
        return None
    if recorded is not None and recorded > today:
        reject("date", f"date {recorded.isoformat()} is in the future")
        return None
    return CodedRecord(
        patient_key=patient_key,
        code=str(code)[:18],
        term=term,
        recorded_on=recorded,
        kind=kind,
        ended_on=ended,
        source=name,
        where_=where,
    )
