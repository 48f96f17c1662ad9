"""Supplier list layouts (EMIS, SystmOne, Vision, NHAIS), dates, NHS numbers and the bounds
an import puts on what it keeps (#16, #14 finding 6)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mdt_desktop.domain import nhs_number
from mdt_desktop.interop import layouts
from mdt_desktop.interop.records import MAX_NAME, UnreadableFile, parse_date
from mdt_desktop.services.importing import import_files, practice_map
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient

TODAY = date(2026, 11, 22)
N1, N2, N3, N4 = "9990000018", "9990000026", "9990000034", "9990000042"
_MODE = {"parallel": False}


@pytest.fixture(params=["this process", "reading process"])
def reader(request: pytest.FixtureRequest):
    _MODE["parallel"] = request.param == "reading process"
    yield request.param
    _MODE["parallel"] = False


def _import(store: Store, *paths: Path, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("stratify", False)
    kw.setdefault("parallel", _MODE["parallel"])
    return import_files(store, list(paths), **kw)


def _patients(store: Store) -> dict[str, Patient]:
    with store.session() as s:
        return {p.nhs_number: p for p in s.scalars(select(Patient))}


def _practice_codes(store: Store) -> dict[str, str]:
    from mdt_desktop.store.schema import Practice

    with store.session() as s:
        codes = {p.id: p.ods_code for p in s.scalars(select(Practice))}
        return {p.nhs_number: codes.get(p.practice_id) for p in s.scalars(select(Patient))}


EMIS_HEADER = (
    "PatientGuid,OrganisationGuid,UsualGpUserInRoleGuid,Sex,DateOfBirth,DateOfDeath,Title,"
    "GivenName,MiddleNames,Surname,DateOfRegistration,NhsNumber,PatientNumber,"
    "PatientTypeDescription,DummyType,HouseNameFlatNumber,NumberAndStreet,Village,Town,County,"
    "Postcode,ResidentialInstituteCode,NHSNumberStatus,CarerName,CarerRelation,PersonGuid,"
    "DateOfDeactivation,Deleted,SpineSensitive,IsConfidential,EmailAddress,HomePhone,"
    "MobilePhone,ExternalUsualGPGuid,ExternalUsualGP,ExternalUsualGPOrganisation,ProcessingId"
)
ORG = "{A1B2C3D4-0000-4000-8000-000000000001}"


def _emis_row(guid: str, nhs: str, surname: str, dob: str, *, left: str = "",
              deleted: str = "false", died: str = "") -> str:  # fmt: skip
    cells = [""] * 37
    cells[0], cells[1], cells[3], cells[4], cells[5] = guid, ORG, "F", dob, died
    cells[6], cells[7], cells[9], cells[10], cells[11] = "Mrs", "Ada", surname, "2001-05-01", nhs
    cells[20], cells[26], cells[27] = "LS1 4AP", left, deleted
    return ",".join(cells)


def test_emis_admin_patient_with_practice_given_once_and_remembered(
    store: Store, tmp_path: Path, reader: str
) -> None:
    path = tmp_path / "Admin_Patient.csv"
    path.write_text(
        "\n".join([
            EMIS_HEADER,
            _emis_row("g1", N1, "Ellis", "1941-03-14"),
            _emis_row("g2", N2, "Khan", "1938-07-01", left="2024-01-01"),
            _emis_row("g3", N3, "Okafor", "1950-02-02", deleted="true"),
            _emis_row("g4", N4, "Wood", "1930-01-01 00:00:00", died="2026-01-05"),
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(UnreadableFile, match="--practice B86001"):
        _import(store, path)
    summary = _import(store, path, practice="B86001")
    assert summary.layouts == {"Admin_Patient.csv": "emis-admin-patient"}
    assert summary.as_dict()["layouts"] == {"Admin_Patient.csv": "emis-admin-patient"}
    assert summary.skipped_rows["Admin_Patient.csv"] == {
        "deleted records": 1,
        "left the practice": 1,
    }
    people = _patients(store)
    assert set(people) == {N1, N4}
    assert people[N1].date_of_birth == date(1941, 3, 14)
    assert people[N1].given_name == "Ada" and people[N1].sex == "female"
    assert people[N4].date_of_death == date(2026, 1, 5)
    assert _practice_codes(store)[N1] == "B86001"
    assert practice_map(store) == {ORG: "B86001"}
    # The next import needs no --practice: the organisation is remembered.
    again = _import(store, path)
    assert again.unchanged == 2 and not again.rejections


SRPATIENT_HEADER = (
    "RowIdentifier,IDOrganisationVisibleTo,Title,FirstName,MiddleNames,Surname,PreviousSurname,"
    "NHSNumber,DateBirth,DateDeath,BirthPlace,Gender,SpeaksEnglish,EmailAddress,TestPatient,"
    "SSRef,SpineMatched"
)


def _sr_row(row_id: int, nhs: str, first: str, surname: str, dob: str, died: str = "") -> str:
    return f"{row_id},12345,Mr,{first},,{surname},,{nhs},{dob},{died},,M,Y,,N,,Y"


def test_systmone_srpatient_both_date_forms_in_windows_1252(
    store: Store, tmp_path: Path, reader: str
) -> None:
    path = tmp_path / "SRPatient.csv"
    text = "\r\n".join([
        SRPATIENT_HEADER,
        _sr_row(1, N1, "Zoë", "Ó Ceallaigh", "14 Mar 1941"),
        _sr_row(2, N2, "José", "Núñez", "14 Mar 1941 00:00:00", died="02 Feb 2026 10:30:00"),
        _sr_row(3, N3, "Al", "Two", "14 Mar 41"),
        _sr_row(4, N4, "Old", "Year", "14 Mar 1850"),
    ]) + "\r\n"  # fmt: skip
    path.write_bytes(text.encode("cp1252"))
    summary = _import(store, path, practice="B86002")
    assert summary.layouts == {"SRPatient.csv": "systmone-srpatient"}
    people = _patients(store)
    assert people[N1].date_of_birth == date(1941, 3, 14)
    assert people[N1].given_name == "Zoë" and people[N1].family_name == "Ó Ceallaigh"
    assert people[N2].date_of_birth == date(1941, 3, 14)
    assert people[N2].date_of_death == date(2026, 2, 2)
    reasons = {r.where: r.reason for r in summary.rejections}
    assert "two-digit year: ambiguous" in reasons["line 4"]
    assert "before 1880" in reasons["line 5"]
    assert practice_map(store) == {"12345": "B86002"}


def _vision_row(nhs: str, surname: str, dob: str, active: str = "R") -> str:
    cells = [""] * 35
    cells[0], cells[1], cells[2], cells[3], cells[4] = "101", "R1", dob, "F", "BS1 6QH"
    cells[8], cells[9], cells[19], cells[20], cells[21] = active, "20010501", surname, "May", "Ms"
    cells[22], cells[33] = nhs, "SVC-7"
    return ",".join(cells)


def test_vision_patient_without_a_header_row(store: Store, tmp_path: Path, reader: str) -> None:
    path = tmp_path / "patient.csv"
    path.write_text(
        "\n".join([
            _vision_row(N1, "Price", "19410314"),
            _vision_row(N2, "Lloyd", "19390101", active="L"),
            _vision_row(N3, "Bad", "19411314"),
        ]) + "\n"
    )  # fmt: skip
    summary = _import(store, path, practice="C81001")
    assert summary.layouts == {"patient.csv": "vision-patient"}
    people = _patients(store)
    assert set(people) == {N1}
    assert people[N1].date_of_birth == date(1941, 3, 14)
    assert people[N1].registration_date == date(2001, 5, 1)
    assert summary.skipped_rows["patient.csv"]["left the practice"] == 1
    assert [r.where for r in summary.rejections] == ["line 3"]


def test_nhais_download_two_records_a_person(store: Store, tmp_path: Path, reader: str) -> None:
    path = tmp_path / "K82070_GPR4LNA1.IAA"
    lines = [
        "503\\*",
        f"DOW~1~1111111,1234~LNA~20261101~1500~985440~{N1}~SMITH~JANE~~MRS~2~19410314~~1 HIGH ST",
        "DOW~2~~LEEDS~~LS1 4AP~Y~~~~",
        f"DOW~1~1111111,1234~LNA~20261101~1500~985441~{N2}~JONES~ROB~~MR~1~19390101~~2 LOW ST",
        "DOW~2~~LEEDS~~LS2 9JT~Y~~~~",
        f"DOW~1~1111111,1234~LNA~20261101~1500~985442~{N3}~ALONE~NO~~MR~1~19390101~~3 ST",
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = _import(store, path)
    assert summary.layouts == {path.name: "nhais-download"}
    people = _patients(store)
    assert set(people) == {N1, N2}
    assert people[N1].sex == "female" and people[N2].sex == "male"
    assert people[N1].postcode == "LS1 4AP"
    assert people[N1].date_of_birth == date(1941, 3, 14)
    assert _practice_codes(store)[N1] == "K82070"
    assert [(r.where, "DOW~2" in r.reason) for r in summary.rejections] == [("line 6", True)]


def test_generic_csv_is_named_in_the_summary(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(f"NHS Number,Surname,Date of Birth\n{N1},Ellis,14/03/1941\n")
    assert _import(store, path).layouts == {"list.csv": "generic"}


def test_a_saved_mapping_reads_an_unknown_layout(store: Store, tmp_path: Path) -> None:
    mapping = {
        "name": "practice-export",
        "label": "Our practice's own export",
        "header": True,
        "delimiter": ";",
        "columns": {"nhs_number": "Patient NHS", "family_name": "Family",
                    "date_of_birth": "Born", "given_name": "Given"},
        "date_formats": ["%d.%m.%Y"],
        "practice": {"from": "file_name", "pattern": "^([A-Z][0-9]{5})-"},
    }  # fmt: skip
    saved = tmp_path / "mapping.json"
    layouts.save_mapping(mapping, saved)
    path = tmp_path / "B86001-list.csv"
    path.write_text(
        f"Patient NHS;Family;Given;Born\n{N1};Ellis;Ada;14.03.1941\n{N2};Ng;Bo;1.1.41\n"
    )
    with pytest.raises(UnreadableFile, match="unknown columns"):
        _import(store, path)
    summary = _import(store, path, mapping=saved)
    assert summary.layouts == {path.name: "practice-export"}
    assert _patients(store)[N1].date_of_birth == date(1941, 3, 14)
    assert _practice_codes(store)[N1] == "B86001"
    assert len(summary.rejections) == 1
    # A mapping with a two-digit year format is refused as it is saved.
    with pytest.raises(layouts.LayoutError, match="two-digit"):
        layouts.save_mapping({**mapping, "date_formats": ["%d.%m.%y"]}, tmp_path / "bad.json")


def test_the_cli_takes_practice_and_mapping(tmp_path: Path) -> None:
    from mdt_desktop.cli import build_parser

    args = build_parser().parse_args(
        ["import-list", "--store", str(tmp_path / "s.db"), "f.csv", "--practice", "B86001",
         "--mapping", "m.json"]
    )  # fmt: skip
    assert args.practice == "B86001" and args.mapping == Path("m.json")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("14/03/41", "two-digit year: ambiguous"),
        ("14-Mar-41", "two-digit year: ambiguous"),
        ("14 Mar 41", "two-digit year: ambiguous"),
        ("01/01/1879", "before 1880"),
    ],
)
def test_dates_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


def test_dates_of_every_supplier_form() -> None:
    assert parse_date("14 Mar 1941") == date(1941, 3, 14)
    assert parse_date("14 Mar 1941 00:00:00") == date(1941, 3, 14)
    assert parse_date("14/03/1941") == date(1941, 3, 14)
    vision = layouts.date_parser(layouts.by_name("vision-patient"), TODAY)
    assert vision("19410314") == "1941-03-14"
    with pytest.raises(ValueError, match="in the future"):
        vision("20300101")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0000000000", "placeholder"),
        ("9999999999", "placeholder"),
        ("999\t000 0018", "control character"),
        ("999 000\n0018", "control character"),
        ("9990 000018", "only a space or a hyphen"),
        ("999-000 0018", "only a space or a hyphen"),
        ("999.000.0018", "not all digits"),
    ],
)
def test_nhs_numbers_refused(text: str, reason: str) -> None:
    with pytest.raises(nhs_number.InvalidNhsNumber, match=reason):
        nhs_number.validate(text)


def test_nhs_numbers_in_3_3_4() -> None:
    for text in ("9990000018", "999 000 0018", "999-000-0018", " 999 000 0018 "):
        assert nhs_number.validate(text) == N1


def test_control_characters_and_long_names_are_rejected(
    store: Store, tmp_path: Path, reader: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "NHS Number,Surname,Forename,Date of Birth\n"
        f"{N1},Ell\x01is,Ada,14/03/1941\n"
        f"{N2},{'K' * (MAX_NAME + 1)},Bo,14/03/1941\n"
        f"{N3},Okafor,Chi\x1b[31m,14/03/1941\n"
        f"{N4},Wood,Dee,14/03/1941\n",
        encoding="utf-8",
    )
    summary = _import(store, path)
    assert set(_patients(store)) == {N4}
    reasons = {r.where: (r.field, r.reason) for r in summary.rejections}
    assert reasons["line 2"][0] == "family name" and "control character" in reasons["line 2"][1]
    assert reasons["line 3"][0] == "family name" and "at most 200" in reasons["line 3"][1]
    assert reasons["line 4"][0] == "given name" and "U+001B" in reasons["line 4"][1]


def test_an_unclosed_quote_rejects_its_row_and_keeps_the_next(
    store: Store, tmp_path: Path, reader: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "NHS Number,Surname,Date of Birth\n"
        f"{N1},Ellis,14/03/1941\n"
        f'{N2},"Khan,14/03/1941\n'
        f"{N3},Okafor,14/03/1941\n"
        f"{N4},Wood,14/03/1941\n"
    )
    summary = _import(store, path)
    assert set(_patients(store)) == {N1, N3, N4}
    assert [(r.where, "never closed" in r.reason) for r in summary.rejections] == [("line 3", True)]


def test_shipped_layouts_say_where_they_came_from() -> None:
    names = {layout.name for layout in layouts.shipped()}
    assert names == {
        "emis-admin-patient", "systmone-srpatient", "vision-patient", "nhais-download", "generic",
    }  # fmt: skip
    for layout in layouts.shipped():
        assert layout.source, layout.name
        data = json.loads((layouts.resources_dir() / "layouts" / f"{layout.name}.json").read_text())
        assert data["name"] == layout.name


def test_preview_names_the_layout_and_its_date_formats(tmp_path: Path) -> None:
    from mdt_desktop.interop import csv_list

    path = tmp_path / "SRPatient.csv"
    path.write_bytes(
        (SRPATIENT_HEADER + "\r\n" + _sr_row(1, N1, "Zoë", "Ellis", "14 Mar 1941") + "\r\n")
        .encode("cp1252")
    )  # fmt: skip
    info = csv_list.preview(path)
    assert info["layout"] == "systmone-srpatient"
    assert info["date_formats"] == ["%d %b %Y", "%d %b %Y %H:%M:%S"]
    assert info["mapping"]["DateBirth"] == "date_of_birth"
    assert info["rows"][0][3] == "Zoë"
    vision = tmp_path / "patient.csv"
    vision.write_text(_vision_row(N1, "Price", "19410314") + "\n")
    info = csv_list.preview(vision)
    assert info["layout"] == "vision-patient"
    assert info["mapping"]["column 3"] == "date_of_birth"


SRCODE_HEADER = (
    "RowIdentifier,IDOrganisationVisibleTo,DateEventRecorded,DateEvent,IDProfileEnteredBy,"
    "IDDoneBy,TextualEventDoneBy,IDOrganisationDoneAt,CTV3Code,CTV3Text,SNOMEDCode,SNOMEDText,"
    "NumericComparator,IsNumeric,NumericValue,NumericUnit,EpisodeType,IDTemplate,IDEvent,"
    "IDPatient,IDReferralIn,IDAppointment,IDVisit,IDOrganisation,IDOrganisationRegisteredAt"
)
SRREPEAT_HEADER = (
    "RowIdentifier,IDOrganisationVisibleTo,DateEventRecorded,DateEvent,IDProfileEnteredBy,"
    "IDDoneBy,TextualEventDoneBy,IDOrganisationDoneAt,IDMultiLexProduct,IDMultiLexPack,"
    "IDMultiLexDMD,NameOfMedication,DateMedicationTemplateStart,DateMedicationTemplateEnd,"
    "DateMedicationTemplateReview,MedicationDosage,MedicationQuantity,MaxIssues,"
    "CourseLengthPerIssue,DrugStatus,IDReferralIn,IDEvent,IDPatient,IDOrganisation,"
    "IDOrganisationRegisteredAt"
)


def _coded_entries(store: Store) -> list[tuple]:
    from mdt_desktop.store.schema import CodedEntry

    with store.session() as s:
        pids = {p.id: p.nhs_number for p in s.scalars(select(Patient))}
        return sorted(
            (pids[e.patient_id], e.code, e.kind, e.recorded_on, e.ended_on)
            for e in s.scalars(select(CodedEntry))
        )


def _sr_code(row: int, patient: int, snomed: str, when: str, ctv3: str = "XaIeq") -> str:
    cells = [""] * 25
    cells[0], cells[1], cells[3], cells[8], cells[9] = str(row), "12345", when, ctv3, "Fall"
    cells[10], cells[11], cells[19] = snomed, "Fall (event)" if snomed else "", str(patient)
    return ",".join(cells)


def test_systmone_coded_events_and_repeat_templates(
    store: Store, tmp_path: Path, reader: str
) -> None:
    patients = tmp_path / "SRPatient.csv"
    patients.write_bytes(("\r\n".join([
        SRPATIENT_HEADER,
        _sr_row(1, N1, "Ada", "Ellis", "14 Mar 1941"),
        _sr_row(2, N2, "Bo", "Khan", "01 Jan 1939"),
    ]) + "\r\n").encode("cp1252"))  # fmt: skip
    codes = tmp_path / "SRCode.csv"
    codes.write_bytes(("\r\n".join([
        SRCODE_HEADER,
        _sr_code(10, 1, "1912002", "05 Jun 2026 10:00:00"),
        _sr_code(11, 2, "", "05 Jun 2026"),
        _sr_code(12, 99, "1912002", "05 Jun 2026"),
    ]) + "\r\n").encode("cp1252"))  # fmt: skip
    repeat = [""] * 25
    repeat[0], repeat[10], repeat[11] = "20", "317896006", "Digoxin 125microgram tablets"
    repeat[12], repeat[22] = "01 Feb 2026", "2"
    repeats = tmp_path / "SRRepeatTemplate.csv"
    repeats.write_bytes((SRREPEAT_HEADER + "\r\n" + ",".join(repeat) + "\r\n").encode("cp1252"))
    summary = _import(store, patients, codes, repeats, practice="B86001")
    assert summary.layouts == {
        "SRPatient.csv": "systmone-srpatient",
        "SRCode.csv": "systmone-srcode",
        "SRRepeatTemplate.csv": "systmone-srrepeattemplate",
    }
    assert _coded_entries(store) == [
        (N1, "1912002", "condition", date(2026, 6, 5), None),
        (N2, "317896006", "medication", date(2026, 2, 1), None),
    ]
    reasons = {r.where: (r.field, r.reason) for r in summary.rejections}
    assert reasons["line 3"] == ("code", "no SNOMED CT code (only a CTV3 code)")
    assert reasons["line 4"][0] == "patient" and "'99'" in reasons["line 4"][1]


def test_emis_observations_through_the_clinical_code_look_up(store: Store, tmp_path: Path) -> None:
    patients = tmp_path / "Admin_Patient.csv"
    patients.write_text("\n".join([EMIS_HEADER, _emis_row("g1", N1, "Ellis", "1941-03-14")]))
    lookup = tmp_path / "Coding_ClinicalCode.csv"
    lookup.write_text(
        "CodeId,Term,ReadTermId,SnomedCTConceptId,SnomedCTDescriptionId,NationalCode,"
        "NationalCodeCategory,NationalDescription,EmisCodeCategoryDescription,ProcessingId\n"
        "1001,Fall,16..00,1912002,,,,,,1\n"
    )
    header = ("ObservationGuid,PatientGuid,OrganisationGuid,EffectiveDate,EffectiveDatePrecision,"
              "EnteredDate,EnteredTime,ClinicianUserInRoleGuid,EnteredByUserInRoleGuid,"
              "ParentObservationGuid,CodeId,ProblemGuid,AssociatedText,ConsultationGuid,Value,"
              "NumericUnit,ObservationType,NumericRangeLow,NumericRangeHigh,DocumentGuid,Deleted,"
              "IsConfidential,ProcessingId")  # fmt: skip

    def obs(guid: str, patient: str, code_id: str, deleted: str = "false") -> str:
        cells = [""] * 23
        cells[0], cells[1], cells[3], cells[10], cells[20] = (
            guid, patient, "2026-05-01", code_id, deleted
        )  # fmt: skip
        return ",".join(cells)

    observations = tmp_path / "CareRecord_Observation.csv"
    observations.write_text("\n".join([
        header, obs("o1", "g1", "1001"), obs("o2", "g1", "9999"), obs("o3", "g1", "1001", "true"),
    ]) + "\n")  # fmt: skip
    summary = _import(store, patients, lookup, observations, practice="B86001")
    assert summary.layouts["CareRecord_Observation.csv"] == "emis-carerecord-observation"
    assert _coded_entries(store) == [(N1, "1912002", "condition", date(2026, 5, 1), None)]
    assert [(r.where, r.field) for r in summary.rejections] == [("line 3", "code")]


def test_emis_drug_records_and_issues_through_the_drug_code_look_up(
    store: Store, tmp_path: Path
) -> None:
    patients = tmp_path / "Admin_Patient.csv"
    patients.write_text("\n".join([EMIS_HEADER, _emis_row("g1", N1, "Ellis", "1941-03-14")]))
    lookup = tmp_path / "Coding_DrugCode.csv"
    lookup.write_text(
        "CodeId,Term,DmdProductCodeId,ProcessingId\n"
        "501,Digoxin 125microgram tablets,317896006,1\n502,Furosemide 20mg tablets,317971007,1\n"
    )
    drug_header = (
        "DrugRecordGuid,PatientGuid,OrganisationGuid,EffectiveDate,"
        "EffectiveDatePrecision,EnteredDate,EnteredTime,ClinicianUserInRoleGuid,"
        "EnteredByUserInRoleGuid,CodeId,Dosage,Quantity,QuantityUnit,"
        "ProblemObservationGuid,PrescriptionType,IsActive,CancellationDate,"
        "NumberOfIssues,NumberOfIssuesAuthorised,IsConfidential,Deleted,ProcessingId"
    )
    drugs = tmp_path / "Prescribing_DrugRecord.csv"
    drugs.write_text(
        drug_header + "\n"
        "d1,g1,,2026-01-10,,,,,,501,,,,,Repeat,true,,,,,false,\n"
        "d2,g1,,2025-03-01,,,,,,502,,,,,Repeat,false,,,,,false,\n"
    )
    issue_header = ("IssueRecordGuid,PatientGuid,OrganisationGuid,DrugRecordGuid,EffectiveDate,"
                    "EffectiveDatePrecision,EnteredDate,EnteredTime,ClinicianUserInRoleGuid,"
                    "EnteredByUserInRoleGuid,CodeId,Dosage,Quantity,QuantityUnit,"
                    "ProblemObservationGuid,CourseDurationInDays,EstimatedNhsCost,IsConfidential,"
                    "Deleted,ProcessingId")  # fmt: skip
    issues = tmp_path / "Prescribing_IssueRecord.csv"
    issues.write_text(issue_header + "\ni1,g1,,d1,2026-02-10,,,,,,501,,,,,28,,,false,\n")
    summary = _import(store, patients, lookup, drugs, issues, practice="B86001")
    assert summary.layouts["Prescribing_DrugRecord.csv"] == "emis-prescribing-drugrecord"
    assert summary.layouts["Prescribing_IssueRecord.csv"] == "emis-prescribing-issuerecord"
    assert not summary.rejections
    assert _coded_entries(store) == [
        (N1, "317896006", "medication", date(2026, 1, 10), None),
        (N1, "317896006", "medication", date(2026, 2, 10), date(2026, 2, 10)),
        (N1, "317971007", "medication", date(2025, 3, 1), date(2025, 3, 1)),
    ]


def test_mdt_import_list_with_practice_then_without(tmp_path: Path, capsys) -> None:
    from mdt_desktop import cli

    store_path = str(tmp_path / "s.mdt")
    assert cli.main(["init", "--store", store_path]) == 0
    path = tmp_path / "SRPatient.csv"
    path.write_bytes((SRPATIENT_HEADER + "\r\n" + _sr_row(1, N1, "Ada", "Ellis", "14 Mar 1941")
                      + "\r\n").encode("cp1252"))  # fmt: skip
    capsys.readouterr()
    assert cli.main(["import-list", "--store", store_path, str(path)]) == cli.EXIT_FAILED
    assert "--practice B86001" in capsys.readouterr().err
    assert cli.main(["import-list", "--store", store_path, str(path), "--practice", "B86001"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["inserted"] == 1 and out["layouts"] == {"SRPatient.csv": "systmone-srpatient"}
    assert cli.main(["import-list", "--store", store_path, str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1
