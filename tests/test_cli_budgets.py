"""`mdt budgets --json`, `mdt budget-statement` and `mdt import-payments` on a real store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from support.budgets import agreed_budget
from support.care_plans import nhs_for

from mdt_desktop import cli
from mdt_desktop.services import budgets
from mdt_desktop.store.database import Store


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_budget_commands(store_path: Path, store_key, capsys, tmp_path: Path, test_keyring) -> None:
    from mdt_desktop.store.keys import save_to_keyring

    save_to_keyring(store_path, store_key)
    with Store.open(store_path, store_key) as store:
        setup = agreed_budget(store)  # signs Pat Holder in on this store
        budgets.post_entry(store, setup.budget_id, "payment", 45_000, date(2026, 4, 7),
                           line_id=setup.pa_line, evidence="T1")  # fmt: skip
    s = str(store_path)
    code, out, _ = _run(capsys, "budgets", "--store", s, "--json", "--today", "2026-08-01")
    assert code == 0
    [b] = out["budgets"]
    assert (b["allocation_pence"], b["spent_pence"], b["available_pence"]) == (
        2_600_000, 45_000, 2_555_000,
    )  # fmt: skip
    assert b["next_review_on"] == "2026-07-07"
    assert "review_overdue" in {a["kind"] for a in b["alerts"]}
    assert b["person"].startswith("NGUYỄN")

    statement = tmp_path / "statement.pdf"
    code, out, _ = _run(
        capsys,
        "budget-statement",
        "--store",
        s,
        "--nhs",
        nhs_for(1),
        "--out",
        str(statement),
        "--large-print",
        "--today",
        "2026-08-01",
    )
    assert code == 0 and out["large_print"] and statement.read_bytes().startswith(b"%PDF")
    code, _, err = _run(capsys, "budget-statement", "--store", s, "--nhs", nhs_for(2),
                        "--out", str(statement))  # fmt: skip
    assert code == 1 and "No one with NHS number" in err

    card = tmp_path / "card.csv"
    card.write_text(
        "Date,Payee,Reference,Amount\n14/04/2026,Own PA,Week 2,-450.00\n"
        "15/04/2026,Corner Shop,Snacks,-3.20\n16/04/2026,Own PA,Bad,-4.5.0\n"
    )
    argv = ("import-payments", str(card), "--store", s, "--account", "CARD-0001",
            "--today", "2026-08-01")  # fmt: skip
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and (out["matched"], out["unmatched"], len(out["rejections"])) == (1, 1, 1)
    assert "£3.20 unmatched" in out["reconciliation_text"][0]
    code, again, _ = _run(capsys, *argv)
    assert code == 0 and again["already_imported"] is True
    code, _, err = _run(capsys, "import-payments", str(tmp_path / "none.csv"), "--store", s)
    assert code == 1 and "there is no file" in err
