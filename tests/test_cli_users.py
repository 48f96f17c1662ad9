"""`mdt user add/list/sign-in`, and audited commands that need the acting profile's PIN."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdt_desktop import cli


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


@pytest.fixture
def demo_store(tmp_path: Path, capsys) -> str:
    """A store made from the command line alone: `mdt init` (keyring) and `mdt demo`."""
    path = str(tmp_path / "cli.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    code, out, _ = _run(capsys, "demo", "--store", path, "--patients", "3000", "--seed", "4")
    assert code == 0 and out["patients"] == 3000
    return path


def test_user_add_then_export_careplan_on_a_demo_store(
    demo_store: str, capsys, monkeypatch, tmp_path: Path
) -> None:
    path = demo_store
    monkeypatch.delenv("MDT_PIN", raising=False)
    code, _, err = _run(capsys, "user", "add", "Jo Bloggs", "--role", "district_nurse",
                        "--store", path)  # fmt: skip
    assert code == cli.EXIT_LOCKED and "MDT_PIN" in err  # a keyring store: a PIN is a must
    monkeypatch.setenv("MDT_PIN", "2580")
    code, added, _ = _run(capsys, "user", "add", "Jo Bloggs", "--role", "district_nurse",
                          "--team", "Northside MDT", "--store", path)  # fmt: skip
    assert code == 0 and added["has_pin"] and added["team"] == "Northside MDT"
    code, listed, _ = _run(capsys, "caseload", "--store", path, "--status", "active")
    with_plan = [row["nhs_number"] for row in listed["caseload"] if row["has_care_plan"]]
    assert with_plan, "the demo gives most active cases a care plan"
    nhs = with_plan[0]
    out = tmp_path / "plan.pdf"
    argv = ["export-careplan", "--store", path, "--out", str(out), "--user", "Jo Bloggs"]
    code, result, _ = _run(capsys, *argv, "--nhs", nhs)
    assert code == 0
    assert result["exported_by"] == "Jo Bloggs" and out.read_bytes().startswith(b"%PDF")
    # The PIN is what lets the command name Jo in the audit log.
    monkeypatch.setenv("MDT_PIN", "1111")
    code, _, err = _run(capsys, *argv, "--nhs", nhs)
    assert code == cli.EXIT_LOCKED and "PIN is not right" in err
    monkeypatch.delenv("MDT_PIN")
    code, _, err = _run(capsys, *argv, "--nhs", nhs)
    assert code == cli.EXIT_LOCKED and "PIN of Jo Bloggs is needed" in err


def test_new_profiles_need_a_gp_or_administrator_pin(tmp_path: Path, capsys, monkeypatch) -> None:
    path = str(tmp_path / "s.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    monkeypatch.setenv("MDT_PIN", "1357")
    code, _, _ = _run(capsys, "user", "add", "Dr Priya Raman", "--role", "gp", "--store", path)
    assert code == 0  # nobody holds a PIN yet: the first profile is its owner's
    monkeypatch.setenv("MDT_PIN", "2468")
    add = ["user", "add", "Sam Carter", "--role", "district_nurse", "--store", path]
    code, _, err = _run(capsys, *add)
    assert code == cli.EXIT_LOCKED and "administrator's or GP's PIN" in err
    monkeypatch.setenv("MDT_APPROVER_PIN", "0000")
    code, _, err = _run(capsys, *add, "--approved-by", "Dr Priya Raman")
    assert code == cli.EXIT_LOCKED and "not right" in err
    monkeypatch.setenv("MDT_APPROVER_PIN", "1357")
    code, added, _ = _run(capsys, *add, "--approved-by", "Dr Priya Raman")
    assert code == 0 and added["name"] == "Sam Carter"
    # A nurse cannot let someone else in.
    monkeypatch.setenv("MDT_APPROVER_PIN", "2468")
    code, _, err = _run(capsys, "user", "add", "Alex Kim", "--role", "pharmacist",
                        "--store", path, "--approved-by", "Sam Carter")  # fmt: skip
    assert code == cli.EXIT_LOCKED and "not an administrator or GP" in err
    code, listed, _ = _run(capsys, "user", "list", "--store", path)
    assert [(u["name"], u["role"], u["has_pin"]) for u in listed["users"]] == [
        ("Dr Priya Raman", "gp", True),
        ("Sam Carter", "district_nurse", True),
    ]


def test_sign_in_needs_the_pin_and_wrong_ones_are_throttled_across_runs(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    path = str(tmp_path / "s.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    monkeypatch.setenv("MDT_PIN", "1357")
    assert _run(capsys, "user", "add", "Sam Carter", "--role", "district_nurse",
                "--store", path)[0] == 0  # fmt: skip
    code, out, _ = _run(capsys, "user", "sign-in", "Sam Carter", "--store", path)
    assert code == 0 and out["signed_in"]
    code, listed, _ = _run(capsys, "user", "list", "--store", path)
    assert listed["users"][0]["signed_in"] is True
    monkeypatch.setenv("MDT_PIN", "0000")
    for _ in range(5):  # each run opens the store afresh: the count is kept in it
        code, _, err = _run(capsys, "user", "sign-in", "Sam Carter", "--store", path)
        assert code == cli.EXIT_LOCKED and "not right" in err
    monkeypatch.setenv("MDT_PIN", "1357")
    code, _, err = _run(capsys, "user", "sign-in", "Sam Carter", "--store", path)
    assert code == cli.EXIT_LOCKED and "Try again in 30 seconds" in err
