"""Importing registered lists and coded entries: formats, rejections, re-imports, leavers."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mdt_desktop.interop import csv_list
from mdt_desktop.interop.records import UnreadableFile, parse_date
from mdt_desktop.services.importing import import_files
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CodedEntry, ImportRecord, Note, Patient, Practice

TODAY = date(2026, 11, 22)
# The project's shared data sits beside the clone (../shared), as on every machine and in CI.
SHARED = (
    Path(os.environ.get("MDT_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
    / "data"
    / "fhir-external"
)

# Valid test-range NHS numbers.
N1, N2, N3, N4 = "9990000018", "9990000026", "9990000034", "9990000042"


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# Small files are read in this process; big ones in a second process (csv_process). The
# tests marked with the `reader` fixture run both ways and must give the same answers.
_READER = {"parallel": None}


@pytest.fixture(params=["this process", "reading process"])
def reader(request: pytest.FixtureRequest):
    _READER["parallel"] = request.param == "reading process"
    yield request.param
    _READER["parallel"] = None


def _import(store: Store, *paths: Path, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("stratify", False)
    kw.setdefault("parallel", _READER["parallel"])
    return import_files(store, list(paths), **kw)


def _patients(store: Store) -> dict[str, Patient]:
    with store.session() as s:
        return {p.nhs_number: p for p in s.scalars(select(Patient))}


HEADER_VARIANTS = [
    "NHS Number,Surname,Forename,Title,Date of Birth,Sex,Postcode,Practice Code,Registration Date",
    "NHS No,Family Name,Given Name,Title,DOB,Gender,Postcode,ODS Code,Registration Date",
    "nhs_number,family_name,given_name,title,date_of_birth,sex,postcode,practice_code,registration_date",
    "NHS No.,Surname,First Name,Title,DOB,Gender,Post Code,ODS Code,Date Registered",
]


@pytest.mark.parametrize("header", HEADER_VARIANTS)
@pytest.mark.parametrize(
    "dob", ["14/07/1945", "14-Jul-1945", "1945-07-14", "14-JUL-1945", "1945-07-14T00:00:00"]
)
def test_header_spellings_and_date_formats(store: Store, tmp_path: Path, header, dob) -> None:
    path = _write(
        tmp_path,
        "list.csv",
        f"{header}\n{N1},Smith,Ada,Mrs,{dob},F,LS6 2AB,B86001,01/02/2003\n",
    )
    summary = _import(store, path)
    assert (summary.read, summary.inserted, summary.rejected) == (1, 1, 0)
    p = _patients(store)[N1]
    assert (p.family_name, p.given_name, p.title) == ("Smith", "Ada", "Mrs")
    assert p.date_of_birth == date(1945, 7, 14)
    assert p.sex == "female" and p.postcode == "LS6 2AB"
    assert p.registration_date == date(2003, 2, 1)


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp1252", False)]
)
def test_encodings(store: Store, tmp_path: Path, encoding: str, bom: bool) -> None:
    text = f"NHS Number,Surname,Forename,Date of Birth\n{N1},Ó Ceallaigh,Zoë,01/01/1950\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / "enc.csv"
    path.write_bytes(data)
    summary = _import(store, path)
    assert summary.inserted == 1, summary.as_dict()
    p = _patients(store)[N1]
    assert (p.family_name, p.given_name) == ("Ó Ceallaigh", "Zoë")


def test_each_rejection_reason_is_reported_and_the_rest_kept(
    store: Store, tmp_path: Path, reader: str
) -> None:
    rows = [
        "NHS Number,Surname,Forename,Date of Birth,Sex,Practice Code",
        f"{N1},Good,One,01/01/1940,M,B86001",  # line 2: kept
        "9434765918,Bad,Check,01/01/1940,M,B86001",  # invalid check digit
        "9990000000,Ten,Digit,01/01/1940,M,B86001",  # check digit computes to 10
        f"{N2},Impossible,Date,31/02/1950,F,B86001",  # impossible date
        f"{N3},Future,Birth,01/01/2090,F,B86001",  # future date of birth
        f"{N4},,Nofamily,01/01/1950,F,B86001",  # missing family name
        f"{N1},Duplicate,Person,01/01/1940,M,B86001",  # duplicate NHS number
        "9990000050,Bad,Practice,01/01/1950,F,123",  # malformed practice code
        "9990000069,New,Practice,01/01/1950,F,Z99999",  # unknown practice: created
    ]
    path = _write(tmp_path, "mixed.csv", "\n".join(rows) + "\n")
    summary = _import(store, path)
    reasons = {(r.where, r.field): r.reason for r in summary.rejections}
    assert "invalid NHS number" in reasons[("line 3", "NHS number")]
    assert "check digit is 10" in reasons[("line 4", "NHS number")]
    assert "impossible date" in reasons[("line 5", "date of birth")]
    assert "in the future" in reasons[("line 6", "date of birth")]
    assert "missing family name" in reasons[("line 7", "family name")]
    assert "duplicate NHS number" in reasons[("line 8", "NHS number")]
    assert "line 2" in reasons[("line 8", "NHS number")]
    assert "malformed practice code" in reasons[("line 9", "practice code")]
    assert all(r.file == "mixed.csv" for r in summary.rejections)
    assert summary.rejected == 7
    assert summary.inserted == 2
    assert set(summary.practices_created) == {"B86001", "Z99999"}
    with store.session() as s:
        assert s.scalar(select(Practice.name).where(Practice.ods_code == "Z99999"))


def test_check_digit_ten_numbers_are_rejected(store: Store, tmp_path: Path) -> None:
    # 999000007x: the first nine digits give a check digit of 10, whatever the tenth is.
    from mdt_desktop.domain.nhs_number import check_digit

    nine = next(f"999{n:06d}" for n in range(1000) if check_digit(f"999{n:06d}") is None)
    rows = ["NHS Number,Surname,Date of Birth"] + [f"{nine}{d},X,01/01/1950" for d in range(10)]
    summary = _import(store, _write(tmp_path, "ten.csv", "\n".join(rows)))
    assert summary.inserted == 0 and summary.rejected == 10


def test_unreadable_files_stop_with_a_clear_message(
    store: Store, tmp_path: Path, reader: str
) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(UnreadableFile, match="not a text file"):
        _import(store, binary)
    unknown = _write(tmp_path, "other.csv", "Colour,Size\nred,3\n")
    with pytest.raises(UnreadableFile, match="unknown columns"):
        _import(store, unknown)
    notfhir = _write(tmp_path, "x.json", '{"hello": 1}')
    with pytest.raises(UnreadableFile):
        _import(store, notfhir)
    # A good file beside a bad one: nothing at all is written.
    good = _write(tmp_path, "good.csv", f"NHS Number,Surname,Date of Birth\n{N1},A,01/01/1950\n")
    with pytest.raises(UnreadableFile):
        _import(store, good, unknown)
    assert _patients(store) == {}


def _list(tmp_path: Path, rows: list[str], name: str = "list.csv") -> Path:
    header = "NHS Number,Surname,Forename,Date of Birth,Sex,Postcode,Practice Code"
    return _write(tmp_path, name, "\n".join([header, *rows]) + "\n")


def test_reimport_is_idempotent_and_updates_changes(
    store: Store, tmp_path: Path, reader: str
) -> None:
    rows = [
        f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001",
        f"{N2},Jones,Bob,02/02/1941,M,LS6 1AB,B86001",
        f"{N3},Brown,Cy,03/03/1942,M,LS6 1AC,B86001",
    ]
    coded = _write(
        tmp_path,
        "coded.csv",
        "NHS Number,SNOMED CT Code,Term,Date,Kind\n"
        f"{N1},38341003,Hypertension,01/01/2010,condition\n"
        f"{N1},183452005,Emergency admission,01/06/2026,admission\n"
        f"{N2},386864001,Amlodipine,01/05/2026,medication\n",
    )
    first = _import(store, _list(tmp_path, rows), coded)
    assert (first.inserted, first.coded_inserted) == (3, 3)
    second = _import(store, _list(tmp_path, rows), coded)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert (second.coded_inserted, second.coded_unchanged) == (0, 3)
    rows[1] = f"{N2},Jones,Bob,02/02/1941,M,LS7 9ZZ,B86001"  # moved house
    third = _import(store, _list(tmp_path, rows))
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    assert _patients(store)[N2].postcode == "LS7 9ZZ"


def test_leavers_are_marked_and_keep_their_care_data(
    store: Store, tmp_path: Path, reader: str
) -> None:
    rows = [
        f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001",
        f"{N2},Jones,Bob,02/02/1941,M,LS6 1AB,B86001",
        f"{N3},Other,Practice,03/03/1942,M,LS6 1AC,B86002",
    ]
    _import(store, _list(tmp_path, rows))
    bob = _patients(store)[N2]
    with store.transaction() as s:
        s.add(
            Note(
                patient_id=bob.id,
                author_name="Dr A",
                author_role="gp",
                written_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
                text="Discussed at MDT",
            )
        )
    # Bob is missing from B86001's next full list; B86002 is not in this file at all.
    partial = _import(store, _list(tmp_path, rows[:1]), partial=True)
    assert partial.left == 0
    full = _import(store, _list(tmp_path, rows[:1]))
    assert full.left == 1
    people = _patients(store)
    assert people[N2].registration_status == "left"
    assert people[N2].date_left == TODAY
    assert people[N3].registration_status == "registered"  # another practice's list
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 1
    # Coming back re-registers them.
    again = _import(store, _list(tmp_path, rows[:2]))
    assert again.updated == 1
    assert _patients(store)[N2].registration_status == "registered"
    assert _patients(store)[N2].date_left is None


def test_coded_entry_rejections(store: Store, tmp_path: Path, reader: str) -> None:
    _import(store, _list(tmp_path, [f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001"]))
    coded = _write(
        tmp_path,
        "coded.csv",
        "NHS Number,SNOMED CT Code,Term,Date\n"
        f"{N1},38341003,Hypertension,01/01/2010\n"
        f"{N2},38341003,Hypertension,01/01/2010\n"  # not on the list
        f"{N1},ABC,Bad code,01/01/2010\n"
        f"{N1},44054006,Diabetes,30/02/2010\n"
        f"{N1},4525004,A&E visit,01/10/2026\n",
    )
    summary = _import(store, coded)
    assert summary.coded_inserted == 2
    reasons = sorted(r.reason.split(":")[0].split(" (")[0] for r in summary.rejections)
    assert any("not on the registered list" in r for r in reasons)
    assert any("not a SNOMED CT code" in r for r in reasons)
    assert any("impossible date" in r for r in reasons)
    with store.session() as s:
        kinds = set(s.scalars(select(CodedEntry.kind)))
    assert kinds == {"condition", "ae_attendance"}  # kind inferred from the A&E code


def test_import_record_is_kept(store: Store, tmp_path: Path) -> None:
    summary = _import(store, _list(tmp_path, [f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001"]))
    with store.session() as s:
        record = s.get(ImportRecord, __import__("uuid").UUID(summary.record_id))
    assert record.counts["inserted"] == 1 and record.kind == "patients"


def test_synthea_bundles_import(store: Store) -> None:
    assert SHARED.is_dir(), f"the shared FHIR files are missing: {SHARED}"
    summary = _import(store, SHARED)
    assert summary.read == 5 and summary.inserted == 5 and summary.rejected == 0, [
        r.as_dict() for r in summary.rejections[:5]
    ]
    assert summary.coded_inserted > 50
    with store.session() as s:
        people = list(s.scalars(select(Patient)))
    assert len(people) == 5 and all(p.nhs_number is None for p in people)
    assert all(p.source_system == "https://github.com/synthetichealth/synthea" for p in people)
    names = {p.family_name for p in people}
    assert {"Moen", "Kohler", "Berge", "Keeling", "Hartmann"} <= names
    deceased = next(p for p in people if p.family_name == "Keeling")
    assert deceased.registration_status == "deceased" and deceased.date_of_death
    again = _import(store, SHARED)
    assert (again.inserted, again.unchanged, again.coded_inserted) == (0, 5, 0)


def test_ndjson_bulk_export_imports(store: Store, tmp_path: Path) -> None:
    patients = [
        {
            "resourceType": "Patient",
            "id": f"p{i}",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
            "name": [{"family": fam, "given": ["Ann"], "prefix": ["Ms"]}],
            "gender": "female",
            "birthDate": "1938-03-04",
            "generalPractitioner": [
                {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                        "value": "B86003",
                    }
                }
            ],
        }
        for i, (nhs, fam) in enumerate([(N1, "Wiśniewska"), (N2, "Nguyễn")])
    ]
    conditions = [
        {
            "resourceType": "Condition",
            "id": "c1",
            "subject": {"reference": "Patient/p0"},
            "code": {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "52448006", "display": "Dementia"}
                ]
            },
            "onsetDateTime": "2021-05-01",
        },
        {
            "resourceType": "Condition",
            "id": "c2",
            "subject": {"reference": "Patient/nobody"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "52448006"}]},
        },
    ]
    encounters = [
        {
            "resourceType": "Encounter",
            "id": "e1",
            "class": {"code": "IMP"},
            "hospitalization": {"admitSource": {"coding": [{"code": "emd"}]}},
            "subject": {"reference": "Patient/p1"},
            "period": {"start": "2026-09-01T10:00:00Z", "end": "2026-09-05T10:00:00Z"},
        }
    ]
    folder = tmp_path / "bulk"
    folder.mkdir()
    for name, resources in (
        ("Patient.ndjson", patients),
        ("Condition.ndjson", conditions),
        ("Encounter.ndjson", encounters),
    ):
        (folder / name).write_text("\n".join(json.dumps(r) for r in resources) + "\n")
    summary = _import(store, folder)
    assert summary.inserted == 2 and summary.coded_inserted == 2
    assert [r.where for r in summary.rejections] == ["Condition/c2"]
    people = _patients(store)
    assert people[N1].family_name == "Wiśniewska" and people[N1].title == "Ms"
    with store.session() as s:
        practice = s.get(Practice, people[N1].practice_id)
        assert practice.ods_code == "B86003"
        kinds = sorted(s.scalars(select(CodedEntry.kind)))
    assert kinds == ["admission", "condition"]


def test_parse_date_messages() -> None:
    assert parse_date("01/02/2003") == date(2003, 2, 1)
    with pytest.raises(ValueError, match="impossible date"):
        parse_date("29/02/2023")
    with pytest.raises(ValueError, match="unrecognised date"):
        parse_date("yesterday")


def test_sniffing_needs_the_required_columns() -> None:
    assert csv_list.sniff_kind(["NHS No", "Surname", "DOB"]) == "patients"
    assert csv_list.sniff_kind(["NHS Number", "SNOMED CT Code", "Date"]) == "coded_entries"
    assert csv_list.sniff_kind(["NHS Number", "Surname"]) is None


def test_the_same_person_in_two_lists_is_kept_once(
    store: Store, tmp_path: Path, reader: str
) -> None:
    one = _list(tmp_path, [f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001"], "one.csv")
    two = _list(
        tmp_path,
        [f"{N2},Jones,Bob,02/02/1941,M,LS6 1AB,B86002", f"{N1},Smith,Ada,01/01/1940,F,,B86002"],
        "two.csv",
    )
    summary = _import(store, one, two)
    assert summary.inserted == 2 and summary.rejected == 1
    (rejection,) = summary.rejections
    assert (rejection.file, rejection.where, rejection.field) == ("two.csv", "line 3", "NHS number")
    assert "duplicate NHS number in this import (first in one.csv, line 2)" in rejection.reason


def test_a_file_damaged_part_way_through_writes_nothing(
    store: Store, tmp_path: Path, reader: str
) -> None:
    people = _list(tmp_path, [f"{N1},Smith,Ada,01/01/1940,F,LS6 1AA,B86001"])
    good = (
        "NHS Number,SNOMED CT Code,Term,Date\n" + f"{N1},38341003,Hypertension,01/01/2010\n" * 400
    )
    damaged = tmp_path / "coded.csv"
    # An unmatched quote: the rest of the file becomes one field, over the csv module's limit.
    damaged.write_bytes(good.encode() + b'9990000018,38341003,"Hyper' + b"tension\n" * 20_000)
    with pytest.raises(UnreadableFile, match=r"coded\.csv: not a readable CSV file"):
        _import(store, people, damaged)
    assert _patients(store) == {}


def _mixed_files(tmp_path: Path, people: int) -> list[Path]:
    """A list with a bad row every so often, and about four coded entries a person."""
    from mdt_desktop.domain.nhs_number import iter_test_numbers

    numbers = list(itertools.islice(iter_test_numbers(0), people))
    rows, coded = [], ["NHS Number,SNOMED CT Code,Term,Date,Kind"]
    for i, nhs in enumerate(numbers):
        dob = "31/02/1950" if i % 97 == 5 else f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1930 + i % 70}"
        practice = f"B8600{i % 3}" if i % 211 else f"Y0234{i % 7}"  # some new practices
        rows.append(f"{nhs},Family{i},Given{i},{dob},{'MF'[i % 2]},LS6 {i % 9}AA,{practice}")
        for k in range(4):
            code = ("38341003", "52448006", "183452005", "386864001")[(i + k) % 4]
            kind = ("condition", "condition", "admission", "medication")[(i + k) % 4]
            when = "2031-01-01" if (i + k) % 389 == 0 else f"20{10 + k}-0{1 + k}-1{k}"
            coded.append(f"{nhs},{code},Term {k},{when},{kind}")
    coded.append("9990000018,38341003,Nobody,2010-01-01,condition")
    listed = _list(tmp_path, rows, f"list-{people}.csv")
    entries = _write(tmp_path, f"coded-{people}.csv", "\n".join(coded) + "\n")
    return [listed, entries]


def _staging_folders() -> set[Path]:
    # This process's folders only: an import running elsewhere on the machine has its own.
    return set(Path(tempfile.gettempdir()).glob(f"mdt-import-{os.getpid()}-*"))


def _contents(store: Store) -> tuple[list, list]:
    with store.engine.connect() as conn:
        people = conn.exec_driver_sql(
            "SELECT p.nhs_number, title, family_name, given_name, date_of_birth, sex, "
            "p.postcode, pr.ods_code, registration_status FROM patients p "
            "LEFT JOIN practices pr ON pr.id = p.practice_id ORDER BY p.nhs_number"
        ).fetchall()
        coded = conn.exec_driver_sql(
            "SELECT p.nhs_number, code, term, recorded_on, kind FROM coded_entries c "
            "JOIN patients p ON p.id = c.patient_id ORDER BY 1, 2, 4, 5"
        ).fetchall()
    return people, coded


def test_the_reading_process_gives_the_same_import(tmp_path: Path) -> None:
    from mdt_desktop.store.keys import StoreKey

    files = _mixed_files(tmp_path, 3000)
    staging_before = _staging_folders()
    results = []
    for parallel in (False, True):
        with Store.create(tmp_path / f"{parallel}.mdt", StoreKey.generate()) as store:
            ticks: list[tuple[str, int, int]] = []
            summary = _import(
                store, *files, parallel=parallel, progress=lambda *t, seen=ticks: seen.append(t)
            ).as_dict()
            # Progress is sized from the files' line counts, and ends at (nearly) all of it.
            stage, done, total = ticks[-1]
            # (read ahead in this process, the list's total counts only the rows it kept)
            assert stage == "coded entries" and 2969 + 12001 <= total <= 3000 + 12001
            assert done == total
            again = _import(store, *files, parallel=parallel)
            for volatile in ("seconds", "import_record"):
                summary.pop(volatile)
            results.append((summary, _contents(store)))
            assert (again.inserted, again.unchanged, again.coded_inserted) == (0, 2969, 0)
            assert _staging_folders() == staging_before
    (here, here_rows), (there, there_rows) = results
    assert here == there
    assert here_rows == there_rows
    # 31 impossible birth dates; their 124 entries, some future dates, one unknown person.
    assert here["inserted"] == 2969 and here["rejected"] > 31 + 124 + 1
    assert set(here["practices_created"]) >= {"B86000", "Y02340"}
    assert len(here_rows[1]) == here["coded_entries"]["inserted"]


def test_cancelling_stops_the_reading_process_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    from mdt_desktop.services.importing import ImportCancelled

    def children() -> list[str]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found.append(stat.parent.name)
        return found

    before = children()
    staging_before = _staging_folders()

    files = _mixed_files(tmp_path, 2000)
    seen: list[str] = []

    def cancel_when_writing() -> bool:
        return bool(seen)

    with pytest.raises(ImportCancelled):
        _import(
            store,
            *files,
            parallel=True,
            progress=lambda stage, done, total: seen.append(stage) if done else None,
            should_cancel=cancel_when_writing,
        )
    assert _patients(store) == {}
    assert children() == before  # the reading processes were stopped and reaped
    assert _staging_folders() == staging_before  # the staging database was deleted


def test_the_packaged_app_entry_serves_as_the_reading_process(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen build starts itself with --import-reader; the app's main must answer it."""
    import sys

    from mdt_desktop.interop import csv_process

    entry = "import sys; from mdt_desktop.gui.app import main; sys.exit(main(sys.argv[1:]))"
    monkeypatch.setattr(
        csv_process, "_command", lambda: [sys.executable, "-c", entry, csv_process.CHILD_FLAG]
    )
    files = _mixed_files(tmp_path, 300)
    summary = _import(store, *files, parallel=True)
    assert summary.inserted == 296 and summary.coded_inserted > 1000


def test_staged_entries_skip_those_already_stored_while_indexes_are_rebuilt(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staged entries on top of stored ones (entries written earlier in the same import,
    from FHIR, or by a sync meanwhile): the lookup uses a temporary copy of their keys."""
    from mdt_desktop.services import importing
    from mdt_desktop.store import registered_list

    listed, entries = _mixed_files(tmp_path, 400)
    lines = entries.read_text().splitlines()
    first = _write(tmp_path, "first.csv", "\n".join(lines[:101]) + "\n")
    before = _import(store, listed, first, parallel=False)
    assert before.coded_inserted > 50
    monkeypatch.setattr(registered_list, "DEFER_INDEXES_FROM", 10)
    monkeypatch.setattr(importing, "_has_coded_entries", lambda store: False)  # stage anyway
    staged: list[int] = []
    monkeypatch.setattr(
        registered_list,
        "_insert_staged",
        lambda *a, f=registered_list._insert_staged: (staged.append(1), f(*a))[1],
    )
    after = _import(store, listed, entries, parallel=True)
    assert staged == [1]
    assert after.coded_unchanged == before.coded_inserted
    with store.engine.connect() as conn:
        rows, distinct = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT patient_id || code || recorded_on || kind) "
            "FROM coded_entries"
        ).one()
        indexes = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'coded_entries' AND sql IS NOT NULL"
        )}  # fmt: skip
    assert rows == distinct == before.coded_inserted + after.coded_inserted
    assert "ix_coded_entries_patient_kind" in indexes  # rebuilt
