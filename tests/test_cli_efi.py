"""`mdt efi load-codes` and the list `mdt status` names; polypharmacy over 12 months."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mdt_desktop import cli
from mdt_desktop.paths import resources_dir
from mdt_desktop.services.importing import import_files
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, RiskScore


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_load_codes_is_checked_audited_and_named_by_status(tmp_path: Path, capsys) -> None:
    path = str(tmp_path / "s.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    code, out, _ = _run(capsys, "status", "--store", path)
    assert out["efi_code_list"].startswith("MDT Desktop starter list")
    data = json.loads((resources_dir() / "efi" / "deficits.json").read_text())
    data["name"] = "Site list 2026-11"
    data["deficits"][3]["snomed"].append({"code": "1912002", "term": "Fall (event)"})
    good = tmp_path / "site.json"
    good.write_text(json.dumps(data))
    data["deficits"][3]["snomed"].append({"code": "22839006", "term": "Stress incontinence"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = _run(capsys, "efi", "load-codes", "--store", path, str(bad))
    assert code == cli.EXIT_FAILED and "22839006 fails the Verhoeff check digit" in err
    code, out, _ = _run(capsys, "status", "--store", path)
    assert out["efi_code_list"].startswith("MDT Desktop starter list")
    code, out, _ = _run(capsys, "efi", "load-codes", "--store", path, str(good))
    assert code == 0 and out["name"] == "Site list 2026-11" and out["deficits"] == 36
    code, out, _ = _run(capsys, "status", "--store", path)
    assert out["efi_code_list"] == "Site list 2026-11"
    store = cli._open_store(path).__enter__()
    try:
        with store.session() as s:
            entries = [(a.action, a.entity, a.detail) for a in s.scalars(select(AuditEntry))]
        assert any(
            e[:2] == ("import", "efi_code_list") and "Site list 2026-11" in (e[2] or "")
            for e in entries
        )
    finally:
        store.close()


N1, N2 = "9990000018", "9990000026"
TODAY = date(2026, 11, 22)


def test_polypharmacy_counts_medicines_prescribed_in_12_months(
    store: Store, tmp_path: Path
) -> None:
    people = tmp_path / "list.csv"
    people.write_text(f"NHS Number,Surname,Date of Birth\n{N1},Ellis,14/03/1941\n"
                      f"{N2},Khan,14/03/1941\n")  # fmt: skip
    rows = ["NHS Number,SNOMED CT Code,Term,Date,Kind,End Date"]
    # N1: five different medicines, each issued this year and each already stopped.
    for i, code in enumerate(("317896006", "322236009", "318135007", "376689003", "411529005")):
        rows.append(f"{N1},{code},Medicine {i},2026-0{i + 1}-01,medication,2026-0{i + 2}-01")
    # N2: five medicines, but four stopped more than a year ago.
    for i, code in enumerate(("317896006", "322236009", "318135007", "376689003")):
        rows.append(f"{N2},{code},Medicine {i},2020-01-01,medication,2021-01-01")
    rows.append(f"{N2},411529005,Medicine,2026-01-01,medication,")
    coded = tmp_path / "coded.csv"
    coded.write_text("\n".join(rows) + "\n")
    import_files(store, [people, coded], today=TODAY, stratify=False)
    stratify_store(store, today=TODAY)
    with store.session() as s:
        scores = {r.nhs_number: r for r in s.scalars(select(RiskScore))}
    assert scores[N1].efi_deficits == 1  # polypharmacy, with no current repeat at all
    assert scores[N1].repeat_medications == 0
    assert scores[N2].efi_deficits == 0
