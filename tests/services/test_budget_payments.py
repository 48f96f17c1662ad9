"""Statement import: matched to budget and line or listed unmatched, row rejections, idempotent
re-import, reconciliation of statement and ledger balances."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from support.budgets import agreed_budget

from mdt_desktop.interop.payments_csv import read_statement
from mdt_desktop.interop.records import UnreadableFile
from mdt_desktop.services import budgets
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store

TODAY = date(2026, 12, 1)
STATEMENT = """Date,Card,Payee,Reference,Paid out,Paid in,Balance
01/04/2026,CARD-0001,Hillside CCG,Funding April,,"2,600.00","2,600.00"
07/04/2026,CARD-0001,Own PA,Week 1,450.00,,"2,150.00"
14/04/2026,CARD-0001,own  pa,Week 2,450.00,,"1,700.00"
15/04/2026,CARD-0001,Corner Shop,Groceries,12.40,,"1,687.60"
16/04/2026,CARD-0999,Own PA,Week 2,450.00,,
17/04/2026,CARD-0001,Own PA,Refund overpaid,,50.00,"1,737.60"
31/02/2026,CARD-0001,Own PA,Bad date,450.00,,
18/04/2026,CARD-0001,Own PA,Too precise,450.005,,
19/04/2026,CARD-0001,Own PA,Both,1.00,1.00,
20/04/2027,CARD-0001,Own PA,Future,450.00,,
"""


def _write(tmp_path: Path, text: str, name: str = "card.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_matches_lists_unmatched_and_rejects_rows(store: Store, tmp_path: Path) -> None:
    setup = agreed_budget(store)
    result = budgets.import_payments(store, _write(tmp_path, STATEMENT), today=TODAY)
    assert (result.read, result.matched, result.unmatched) == (10, 4, 2)
    reasons = {(r["where"], r["field"]): r["reason"] for r in result.rejections}
    assert reasons[("line 8", "date")] == "impossible date '31/02/2026'"
    assert "not an amount" in reasons[("line 9", "amount")]
    assert reasons[("line 10", "amount")] == "both Paid out and Paid in are filled in"
    assert "in the future" in reasons[("line 11", "date")]
    with store.session() as s:
        unmatched = reads.unmatched_transactions(s, result.import_id)
        row = reads.budget_row(s, setup.budget_id)
        lines = {ln.id: ln for ln in reads.line_rows(s, setup.budget_id)}
    assert [(u.payee, u.unmatched_reason) for u in unmatched] == [
        ("Corner Shop", "No line of the budget has Corner Shop as its provider: it is not linked "
                        "to a service in the care plan."),
        ("Own PA", "No budget has the account or card CARD-0999."),
    ]  # fmt: skip
    assert lines[setup.pa_line].figures.spent == 450_00 * 2 - 50_00
    assert row.figures.balance == 2_600_000 - 85_000
    (rec,) = [r for r in result.reconciliation if r.account == "CARD-0001"]
    assert rec.statement_balance == 173_760 and rec.ledger_balance == 2_515_000
    assert rec.statement_out == 91_240 and rec.ledger_out == 90_000
    assert rec.unmatched_total == -1_240
    text = budgets.reconciliation_text(rec)
    assert "£12.40 unmatched" in text and "money out on the statement £912.40" in text


def test_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    setup = agreed_budget(store)
    path = _write(tmp_path, STATEMENT)
    budgets.import_payments(store, path, today=TODAY)
    with store.session() as s:
        before = (reads.budget_row(s, setup.budget_id), len(reads.ledger_rows(s, setup.budget_id)))
    again = budgets.import_payments(store, path, today=TODAY)
    assert again.already_imported and again.matched == 0
    # The same transactions inside another file are skipped as duplicates.
    extra = STATEMENT + "21/04/2026,CARD-0001,Own PA,Week 3,450.00,,\n"
    third = budgets.import_payments(store, _write(tmp_path, extra, "card2.csv"), today=TODAY)
    assert (third.matched, third.unmatched, third.duplicates) == (1, 0, 6)
    with store.session() as s:
        after = (reads.budget_row(s, setup.budget_id), len(reads.ledger_rows(s, setup.budget_id)))
    assert after[1] == before[1] + 1
    assert after[0].figures.spent == before[0].figures.spent + 45_000


def test_unreadable_statements_say_why(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="needs a Date column and an Amount"):
        read_statement(b"Name,Value\nx,1\n", "odd.csv", TODAY)
    with pytest.raises(UnreadableFile, match="empty"):
        read_statement(b"", "empty.csv", TODAY)
    parsed = read_statement(
        b"Date,Amount,Payee,Reference\n2026-05-01,-10.00,Bob\x07,R\n2026-05-02,(5.00),Al,\n"
, "x.csv", TODAY,
    )  # fmt: skip
    assert [r.reason for r in parsed.rejections] == ["the payee holds control characters"]
    assert [r.amount for r in parsed.rows] == [-500]
