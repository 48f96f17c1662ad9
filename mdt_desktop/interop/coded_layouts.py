"""Coded entries in the GP systems' own layouts (resources/layouts/coded/*.json).

Supplier files name the person by the system's own id (EMIS PatientGuid, SystmOne
IDPatient), not by NHS number, and EMIS names the code by its own CodeId. The patient
files and the EMIS Coding_ClinicalCode file of the same import link them: ``links`` maps
each layout's ids to NHS numbers and each CodeId to its SNOMED CT concept and term. A row
whose person or code is not linked is rejected with the reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mdt_desktop.domain import nhs_number
from mdt_desktop.paths import resources_dir

from . import layouts
from .records import UNCLOSED, Marked

CODED_HEADERS = ["nhs number", "snomed ct code", "term", "date", "kind", "end date"]
Rows = Iterator[tuple[int, list[str]]]


@dataclass(frozen=True)
class CodedLayout:
    name: str
    label: str
    recognise: tuple[str, ...]
    encodings: tuple[str, ...]
    data: dict[str, Any]

    @property
    def is_lookup(self) -> bool:
        return "lookup_of" in self.data


@lru_cache(maxsize=1)
def shipped() -> tuple[CodedLayout, ...]:
    found = []
    for path in sorted((resources_dir() / "layouts" / "coded").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            CodedLayout(
                name=data["name"],
                label=data["label"],
                recognise=tuple(data["recognise"]),
                encodings=tuple(data.get("encoding") or ("utf-8-sig", "cp1252")),
                data=data,
            )
        )
    return tuple(found)


def recognise(headers: list[str]) -> CodedLayout | None:
    names = {h.replace("\ufeff", "").strip() for h in headers}
    for layout in shipped():
        if set(layout.recognise) <= names:
            return layout
    return None


def _decode(data: bytes, encodings: tuple[str, ...]) -> str:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def build_links(files: list[tuple[Path, bytes]]) -> dict[str, dict[str, Any]]:
    """Patient ids → NHS numbers (per patient layout) and lookup ids → (code, term)."""
    links: dict[str, dict[str, Any]] = {}
    wanted = {
        layout.data["patient"]["layout"]: layout.data["patient"]["key"]
        for layout in shipped()
        if "patient" in layout.data
    }
    for _path, data in files:
        text = _decode(data, ("utf-8-sig", "cp1252")).removeprefix("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""))
        headers = next(reader, [])
        first_line = text.split("\n", 1)[0]
        patient_layout = layouts.recognise(headers, first_line)
        if patient_layout is not None and patient_layout.name in wanted:
            at = {h.strip(): i for i, h in enumerate(headers)}
            key_at = at.get(wanted[patient_layout.name])
            nhs_at = at.get(str(patient_layout.columns["nhs_number"]))
            if key_at is None or nhs_at is None:
                continue
            found = links.setdefault(patient_layout.name, {})
            for row in reader:
                if len(row) > max(key_at, nhs_at):
                    try:
                        found[row[key_at].strip()] = nhs_number.validate(row[nhs_at])
                    except nhs_number.InvalidNhsNumber:
                        continue  # that person's own row is rejected when the list is read
            continue
        lookup = recognise(headers)
        if lookup is not None and lookup.is_lookup:
            spec = lookup.data["lookup_of"]
            at = {h.strip(): i for i, h in enumerate(headers)}
            k, c, t = at[spec["key"]], at[spec["code"]], at[spec["term"]]
            codes = links.setdefault(lookup.name, {})
            for row in reader:
                if len(row) > max(k, c, t):
                    codes[row[k].strip()] = (row[c].strip(), row[t].strip())
    return links


def rows(layout: CodedLayout, headers: list[str], source: Rows, links: dict) -> Rows:
    """Rows in the generic coded-entries columns (CODED_HEADERS)."""
    spec = layout.data
    at = {h.replace("\ufeff", "").strip(): i for i, h in enumerate(headers)}
    pad = len(headers)

    def col(name: str | None) -> int:
        return at.get(name, pad) if name else pad

    patient = spec["patient"]
    i_patient = col(patient["column"])
    people = links.get(patient["layout"], {})
    columns = spec["columns"]
    i_code, i_term = col(columns.get("code")), col(columns.get("term"))
    i_code_id = col(columns.get("code_id"))
    i_date, i_end = col(columns.get("date")), col(columns.get("end_date"))
    i_fallback = col(spec.get("fallback_term"))
    codes = links.get(spec.get("lookup", ""), {})
    deleted = spec.get("deleted") or {}
    i_deleted = col(deleted.get("column"))
    deleted_values = {str(v).lower() for v in deleted.get("values", [])}
    kind = spec["kind"]
    patient_file = patient["layout"]
    inactive = spec.get("inactive") or {}
    i_inactive = col(inactive.get("column"))
    inactive_values = {str(v).lower() for v in inactive.get("values", [])}
    # An issue of a medicine is a one-off: it ends on its own date (so it is never a current
    # repeat), and still counts towards medicines prescribed in the year.
    ends_on_its_date = bool(spec.get("ends_on_its_date"))
    for line, row in source:
        if row is UNCLOSED:
            yield line, row
            continue
        if not any(row):
            continue
        if len(row) <= pad:
            row.extend([""] * (pad + 1 - len(row)))
        if row[i_deleted].strip().lower() in deleted_values:
            continue
        who = row[i_patient].strip()
        nhs = people.get(who)
        if nhs is None:
            yield (
                line,
                Marked(
                    "patient",
                    f"the person {who!r} is not in a {patient_file} file of this import (or their "
                    "row there was rejected)",
                ),
            )
            continue
        if spec.get("lookup"):
            code_id = row[i_code_id].strip()
            found = codes.get(code_id)
            if found is None:
                yield line, Marked("code", f"CodeId {code_id!r} is not in Coding_ClinicalCode")
                continue
            code, term = found
        else:
            code = row[i_code].strip()
            term = row[i_term].strip() or row[i_fallback].strip()
            if not code:
                yield line, Marked("code", "no SNOMED CT code (only a CTV3 code)")
                continue
        ended = row[i_end]
        if not ended.strip() and (
            ends_on_its_date or row[i_inactive].strip().lower() in inactive_values
        ):
            ended = row[i_date]
        yield line, [nhs, code, term, row[i_date], kind, ended, ""]
