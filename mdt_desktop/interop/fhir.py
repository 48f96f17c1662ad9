"""FHIR R4 import: Bundles (collection, transaction, searchset) and bulk-data NDJSON.

Patient, Condition, Observation, Procedure, Encounter, MedicationRequest and
MedicationStatement are read (a medicine given by medicationReference is found in the
same Bundle, the same import or ``contained``); Medication resources are read for those
references; other resource types are counted as skipped, and so are a bulk export's
``log.ndjson`` and OperationOutcome files. Only emergency admissions are counted as
admissions (UK Core admission method, hospitalization.admitSource or priority).
The NHS number comes from the identifier system https://fhir.nhs.uk/Id/nhs-number;
without one (Synthea, say) the source identifier is kept and the person is "NHS number not known".
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
    MAX_NAME,
    MAX_TITLE,
    PRACTICE_CODE,
    CodedRecord,
    ParsedFile,
    PatientRecord,
    Rejection,
    UnreadableFile,
    parse_date,
    text_problem,
)

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED_SYSTEM = "http://snomed.info/sct"
READ_TYPES = {
    "Patient", "Condition", "Observation", "Procedure", "Encounter", "MedicationRequest",
    "MedicationStatement",
}  # fmt: skip
# A JSON document nested deeper than this is refused: no FHIR resource needs it, and
# Python's parser would end in a RecursionError long before memory runs out.
MAX_DEPTH = 64
# Admission method (NHS Data Dictionary), as UK Core's extension carries it: 21-28 and
# 2A-2D are emergency admissions; 11-13 elective; 31-32 maternity; 81-83 other.
ADMISSION_METHOD_URLS = {
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
    "https://fhir.nhs.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
}
EMERGENCY_METHODS = {"21", "22", "23", "24", "25", "28", "2A", "2B", "2C", "2D"}
# hospitalization.admitSource (R4 admit-source) codes that mean came in as an emergency.
EMERGENCY_ADMIT_SOURCES = {"emd"}
# Encounter.priority (v3 ActPriority) codes for emergency.
EMERGENCY_PRIORITIES = {"EM", "A", "CR", "S"}
BULK_LOG_NAMES = {"log.ndjson"}
# Encounter.class codes (v3 ActCode) that mean an A&E visit or a hospital stay.
EMERGENCY_CLASSES = {"EMER"}
INPATIENT_CLASSES = {"IMP", "ACUTE", "NONAC", "SS"}


def looks_like_fhir(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return head.startswith(b"{") and b'"resourceType"' in data[:1_000_000]


def _check_depth(doc: Any, name: str) -> None:
    """Refuse a document nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableFile(
                f"{name}: nested more than {MAX_DEPTH} levels deep, which no FHIR resource "
                "needs; the file is not imported"
            )
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))


def _loads(text: str, name: str, where: str = "") -> Any:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise UnreadableFile(
            f"{name}{where}: nested more than {MAX_DEPTH} levels deep, which no FHIR resource "
            "needs; the file is not imported"
        ) from None
    _check_depth(doc, name)
    return doc


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
                resource = _loads(line, name, f" line {number}")
            except json.JSONDecodeError as exc:
                raise UnreadableFile(f"{name}: line {number} is not JSON ({exc.msg})") from None
            yield from _resources_from_json(resource, name)
        return
    try:
        doc = _loads(text, name)
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
    medications: dict[str, dict] = {}
    for path, data in paths:
        if path.name.lower() in BULK_LOG_NAMES:
            # A bulk export's log lines are not resources: the file is skipped, and said so.
            parsed.notes.append(f"{path.name}: skipped (a bulk-export log, not resources)")
            continue
        outcomes = 0
        for resource, full_url in iter_resources(path, data):
            rtype = resource.get("resourceType")
            if rtype == "Medication":
                for key in _reference_keys(resource, full_url):
                    medications[key] = resource
                parsed.skipped += 1
                continue
            if rtype == "OperationOutcome":
                outcomes += 1
                parsed.skipped += 1
                continue
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
        if outcomes:
            parsed.notes.append(f"{path.name}: {outcomes} OperationOutcome resources skipped")
    for resource, name in pending:
        parsed.coded_read += 1
        entry = _coded(resource, name, today, patient_refs, parsed.rejections, medications)
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
    family = str(official.get("family") or "").strip()
    if not family:
        reject("family name", "missing family name")
        return None
    given = " ".join(str(g) for g in official.get("given") or []) or None
    prefix = (official.get("prefix") or [None])[0]
    title = str(prefix).rstrip(".") if prefix else None
    for label, value, limit in (
        ("family name", family, MAX_NAME),
        ("given name", given, MAX_NAME),
        ("title", title, MAX_TITLE),
    ):
        problem = text_problem(label, value, limit) if value else None
        if problem:
            reject(label, problem)
            return None
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
    if postcode is not None and (
        not isinstance(postcode, str) or text_problem("postcode", postcode, 10)
    ):
        reject("postcode", f"{str(postcode)[:20]!r} is not a postcode")
        return None
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
    medications: dict[str, dict] | None = None,
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
        if rtype in ("Observation", "Procedure"):
            coding = _coding(resource.get("code"))
            if coding is None:
                return _SKIP  # a measurement coded only in LOINC, say: nothing the lists use
            if resource.get("status") in ("entered-in-error", "cancelled", "not-done"):
                return _SKIP
            performed = resource.get("performedPeriod") or resource.get("effectivePeriod") or {}
            recorded = _date(
                resource.get("effectiveDateTime")
                or resource.get("performedDateTime")
                or performed.get("start")
                or resource.get("issued")
            )
            ended = None
            kind = "condition"
            code, term = coding.get("code"), coding.get("display")
        elif rtype == "Condition":
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
            elif klass in INPATIENT_CLASSES and _emergency_admission(resource):
                kind = "admission"
            else:
                return _SKIP  # outpatient, or a planned (elective) stay
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
            if concept is None and resource.get("medicationReference"):
                concept = _referenced_medication(resource, medications or {})
                if concept is None:
                    ref = (resource.get("medicationReference") or {}).get("reference")
                    reject(
                        "medication",
                        f"the Medication it refers to ({ref}) is not in this import, nor "
                        "contained in it",
                    )
                    return None
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
    code = str(code)
    if term is not None:
        term = str(term)
        problem = text_problem("term", term, 10_000)
        if problem:
            reject("term", problem)
            return None
    if text_problem("code", code, 18):
        reject("code", f"not a code: {code[:20]!r}")
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


def _emergency_admission(encounter: dict) -> bool:
    """An inpatient stay counts only when something says it began as an emergency."""
    for ext in encounter.get("extension") or []:
        if ext.get("url") in ADMISSION_METHOD_URLS:
            coding = _coding(ext.get("valueCodeableConcept"), None) or {}
            return str(coding.get("code", "")).upper() in EMERGENCY_METHODS
    source = (encounter.get("hospitalization") or {}).get("admitSource")
    if source:
        return (_coding(source, None) or {}).get("code") in EMERGENCY_ADMIT_SOURCES
    priority = _coding(encounter.get("priority"), None)
    if priority:
        return priority.get("code") in EMERGENCY_PRIORITIES
    return False


def _referenced_medication(resource: dict, medications: dict[str, dict]) -> dict | None:
    """The code of the Medication a request refers to: contained, or elsewhere in the import."""
    reference = str((resource.get("medicationReference") or {}).get("reference") or "")
    if reference.startswith("#"):
        for contained in resource.get("contained") or []:
            if contained.get("resourceType") == "Medication" and (
                f"#{contained.get('id')}" == reference
            ):
                return contained.get("code")
        return None
    medication = medications.get(reference)
    return medication.get("code") if medication else None
