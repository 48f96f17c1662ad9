"""`mdt import-admissions` then `mdt discharges` on a store made in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.neighbourhood import build_neighbourhood

from mdt_desktop import cli
from mdt_desktop.services import caseload
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_import_then_board(store_path: Path, store_key, capsys, tmp_path: Path, test_keyring):
    from mdt_desktop.store.keys import save_to_keyring

    save_to_keyring(store_path, store_key)
    with Store.open(store_path, store_key) as store:
        hood = build_neighbourhood(store)
        pid = hood.patients[0]
        ref = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
        caseload.accept_referral(store, ref, coordinator_id=hood.coordinator.id)
        with store.session() as s:
            number = s.get(Patient, pid).nhs_number
    feed = tmp_path / "adt.csv"
    feed.write_text(
        "spell_id,nhs_number,hospital,ward,admitted_at,admission_method,expected_discharge_on,"
        "discharge_ready_on\n"
        f"S1,{number},St James's,J27,2026-11-20T09:30:00,21,2026-11-27,2026-11-24\n"
        "S2,9990000018,St James's,J27,2026-11-20T09:30:00,21,,\n"
    )
    code, out, err = _run(capsys, "import-admissions", "--store", str(store_path), str(feed))
    assert code == 0, err
    assert out["added"] == 1 and len(out["not_on_register"]) == 1
    code, out, _ = _run(capsys, "import-admissions", "--store", str(store_path), str(feed))
    assert (out["added"], out["unchanged"]) == (0, 1)
    code, out, _ = _run(capsys, "discharges", "--store", str(store_path), "--json")
    assert code == 0
    [line] = out["in_hospital"]
    assert line["nhs_number"].count(" ") == 2 and line["ward"] == "J27"
    assert line["discharge_ready_on"] == "2026-11-24"
    assert "edd_passed" in line["flags"] and "ready_no_pathway" in line["flags"]
    code, _, err = _run(capsys, "import-admissions", "--store", str(store_path), "nope.csv")
    assert code == 1 and "not a file" in err
