"""`mdt caseload --store PATH --json`: the caseload for scripts, audited as an export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdt_desktop import cli


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_caseload_lists_the_demo_teams_cases(tmp_path: Path, capsys) -> None:
    path = str(tmp_path / "s.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    code, _, _ = _run(capsys, "demo", "--store", path, "--patients", "3000", "--seed", "2")
    assert code == 0
    code, out, _ = _run(capsys, "caseload", "--store", path, "--json")
    assert code == 0
    assert out["count"] == len(out["caseload"]) == sum(out["counts"].values())
    assert out["counts"]["active"] >= 8 and out["counts"]["waiting"] >= 3
    active = [p for p in out["caseload"] if p["status"] == "active"]
    first = active[0]
    assert set(first) >= {"nhs_number", "name", "status", "coordinator", "next_review",
                          "has_care_plan"}  # fmt: skip
    assert len(first["nhs_number"]) == 12 and first["nhs_number"][3] == " "  # 3-3-4
    assert first["name"].split(",")[0].isupper()
    assert all(p["coordinator"] for p in active)
    # The demo gives most active cases a care plan, not all of them.
    assert {p["has_care_plan"] for p in active} == {True, False}
    assert first["team"] == "Northside Neighbourhood MDT"

    code, only, _ = _run(capsys, "caseload", "--store", path, "--status", "waiting",
                         "--team", "NSIDE")  # fmt: skip
    assert code == 0 and only["count"] == out["counts"]["waiting"]
    assert {p["status"] for p in only["caseload"]} == {"waiting"}
    assert all(p["urgency"] in ("routine", "soon", "urgent") for p in only["caseload"])

    code, _, err = _run(capsys, "caseload", "--store", path, "--team", "Nowhere")
    assert code == 1 and "no team called 'Nowhere'" in err

    code, status, _ = _run(capsys, "status", "--store", path)
    assert status["counts"]["caseload_entries"] >= out["counts"]["active"]
    code, verify, _ = _run(capsys, "audit", "verify", "--store", path)
    assert verify["ok"] is True

    from mdt_desktop.store.database import Store

    with Store.open(path) as store, store.engine.connect() as conn:
        exports = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = 'export' AND entity = 'caseload_entries'"
        ).fetchall()
    assert len(exports) == 2 and "caseload listing" in exports[0][0]
