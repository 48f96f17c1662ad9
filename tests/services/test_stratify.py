"""Stratifying the registered list in the store: eFI, counts and segments per person."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.importing import import_files
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient, RiskScore

TODAY = date(2026, 11, 22)


def test_stratify_scores_every_registered_person(store: Store) -> None:
    generate_demo(store, 3000, seed=4, today=TODAY)
    summary = stratify_store(store, today=TODAY)
    assert summary.people == 3000
    assert sum(summary.by_segment.values()) == 3000
    assert summary.by_segment["whole_population"] > summary.by_segment["highest"] > 0
    assert summary.by_efi["not_applicable"] > 2000  # most people are under 65
    assert summary.by_efi.get("severe", 0) > 0
    with store.session() as s:
        rows = s.scalars(select(RiskScore)).all()
        ages = {p.id: p.date_of_birth for p in s.scalars(select(Patient))}
    assert len(rows) == 3000
    young = [r for r in rows if r.age is not None and r.age < 65]
    assert all(r.efi_category == "not_applicable" for r in young)
    highest = [r for r in rows if r.segment == "highest"]
    assert all(r.reasons for r in highest)
    severe = [r for r in rows if r.efi_category == "severe"]
    assert all(r.efi_deficits >= 13 and r.reasons[0].startswith("eFI severe") for r in severe)
    assert all(r.patient_id in ages for r in rows)


def test_import_restratifies_with_exact_counts(store: Store, tmp_path: Path) -> None:
    people = tmp_path / "list.csv"
    people.write_text(
        "NHS Number,Surname,Forename,Date of Birth\n"
        "9990000018,Old,Frail,01/01/1930\n"
        "9990000026,Young,Adult,01/01/1990\n"
    )
    coded_rows = ["NHS Number,SNOMED CT Code,Term,Date,Kind"]
    frail_codes = ["52448006", "161898004", "84114007", "49436004", "38341003", "165232002",
                   "397540003", "15188001", "82971005", "160689007", "64859006", "49049000",
                   "13645005"]  # fmt: skip
    coded_rows += [f"9990000018,{c},x,01/01/2020,condition" for c in frail_codes]
    coded_rows += ["9990000018,183452005,Admission,01/03/2026,admission"] * 1
    coded_rows += ["9990000018,183452005,Admission,01/09/2026,admission"]
    coded_rows += ["9990000026,4525004,A&E,01/05/2026,A&E", "9990000026,4525004,A&E,01/06/2026,A&E"]
    coded = tmp_path / "coded.csv"
    coded.write_text("\n".join(coded_rows) + "\n")
    summary = import_files(store, [people, coded], today=TODAY)
    assert summary.stratified == 2
    with store.session() as s:
        scores = {p.family_name: s.get(RiskScore, p.id) for p in s.scalars(select(Patient))}
    frail = scores["Old"]
    assert (frail.efi_deficits, frail.efi_category, frail.segment) == (13, "severe", "highest")
    assert frail.admissions_12m == 2 and frail.long_term_conditions >= 5
    reasons = frail.reasons if isinstance(frail.reasons, list) else json.loads(frail.reasons)
    assert reasons[0].startswith("eFI severe — 13 deficits:")
    assert "2 emergency admissions in the last 12 months (latest 01-Sep-2026)" in reasons
    young = scores["Young"]
    assert young.efi_category == "not_applicable" and young.segment == "urgent"
    assert young.ae_attendances_12m == 2
