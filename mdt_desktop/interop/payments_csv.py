"""Finance-system and prepaid-card statement CSVs: date, amount, payee, reference.

Money out is either a negative ``Amount`` or a ``Paid out``/``Debit`` column; money in a
positive amount or ``Paid in``/``Credit``. An optional ``Account``/``Card`` column names the
account (the budget's account reference) and an optional ``Balance`` the running balance.
Each bad row is rejected with its line, field and reason, and the rest is kept; a file that
is not a statement at all raises UnreadableFile. Every value is hostile until checked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date

from mdt_desktop.domain.budgets import parse_pence

from .csv_list import _map_headers, decode
from .records import Rejection, UnreadableFile, parse_date

HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "transaction date", "posting date", "value date", "date of transaction"),
    "amount": ("amount", "value", "transaction amount", "amount (£)", "amount gbp"),
    "paid_out": ("paid out", "debit", "money out", "out", "withdrawals"),
    "paid_in": ("paid in", "credit", "money in", "in", "deposits"),
    "payee": ("payee", "description", "merchant", "payee name", "counterparty", "details"),
    "reference": ("reference", "ref", "transaction reference", "payment reference"),
    "account": ("account", "card", "card number", "account reference", "account number"),
    "balance": ("balance", "running balance", "closing balance"),
}
MAX_ROWS = 200_000
LIMITS = {"payee": 200, "reference": 100, "account": 64}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class StatementRow:
    line: int
    on: date
    amount: int  # pence: money in positive, money out negative
    payee: str | None
    reference: str | None
    account: str | None
    balance: int | None
    fingerprint: str


@dataclass(frozen=True)
class ParsedStatement:
    name: str
    sha256: str
    rows: tuple[StatementRow, ...]
    rejections: tuple[Rejection, ...]
    read: int

    @property
    def closing_balance(self) -> int | None:
        """The balance the statement shows after its last transaction, if it gives one."""
        with_balance = [r for r in self.rows if r.balance is not None]
        return with_balance[-1].balance if with_balance else None


def _clean(value: str, field: str) -> str | None:
    text = value.strip()
    if _CONTROL.search(text):
        raise ValueError(f"the {field} holds control characters")
    if len(text) > LIMITS[field]:
        raise ValueError(f"the {field} is longer than {LIMITS[field]} characters")
    return text or None


def fingerprint(on: date, amount: int, payee: str | None, reference: str | None,
                account: str | None, occurrence: int) -> str:  # fmt: skip
    """The same transaction in another file has the same fingerprint (the occurrence number
    keeps two identical card payments on one day apart)."""
    key = "\x1f".join(
        [
            on.isoformat(),
            str(amount),
            (payee or "").casefold(),
            (reference or "").casefold(),
            (account or "").casefold(),
            str(occurrence),
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


def read_statement(data: bytes, name: str, today: date) -> ParsedStatement:
    sha = hashlib.sha256(data).hexdigest()
    text = decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise UnreadableFile(f"{name}: the file is empty") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None
    cols, _ignored = _map_headers(headers, HEADERS)
    has_amount = "amount" in cols or "paid_out" in cols or "paid_in" in cols
    if "date" not in cols or not has_amount:
        shown = ", ".join(h.strip() for h in headers[:12]) or "(none)"
        raise UnreadableFile(
            f"{name}: unknown columns ({shown}). A statement needs a Date column and an Amount "
            "column (or Paid out and Paid in); Payee, Reference, Account and Balance are read "
            "when present."
        )
    rows: list[StatementRow] = []
    rejections: list[Rejection] = []
    seen: dict[tuple, int] = {}
    read = 0

    def reject(line: int, field: str, reason: str) -> None:
        rejections.append(Rejection(name, f"line {line}", field, reason))

    def cell(row: list[str], field: str) -> str:
        i = cols.get(field)
        return row[i] if i is not None and i < len(row) else ""

    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            read += 1
            if read > MAX_ROWS:
                raise UnreadableFile(f"{name}: more than {MAX_ROWS:,} rows; split the file.")
            try:
                on = parse_date(cell(row, "date"))
            except ValueError as exc:
                reject(line, "date", f"{exc}")
                continue
            if on > today:
                reject(line, "date", f"the date {on:%d-%b-%Y} is in the future")
                continue
            try:
                if "amount" in cols and cell(row, "amount").strip():
                    amount = parse_pence(cell(row, "amount"))
                else:
                    out = cell(row, "paid_out").strip()
                    in_ = cell(row, "paid_in").strip()
                    if out and in_:
                        raise ValueError("both Paid out and Paid in are filled in")
                    amount = -abs(parse_pence(out)) if out else abs(parse_pence(in_ or "0"))
            except ValueError as exc:
                reject(line, "amount", str(exc))
                continue
            if amount == 0:
                reject(line, "amount", "the amount is missing or £0.00")
                continue
            try:
                payee = _clean(cell(row, "payee"), "payee")
                reference = _clean(cell(row, "reference"), "reference")
                account = _clean(cell(row, "account"), "account")
            except ValueError as exc:
                reject(line, "text", str(exc))
                continue
            balance = None
            if cell(row, "balance").strip():
                try:
                    balance = parse_pence(cell(row, "balance"))
                except ValueError as exc:
                    reject(line, "balance", str(exc))
                    continue
            key = (on, amount, (payee or "").casefold(), (reference or "").casefold(),
                   (account or "").casefold())  # fmt: skip
            seen[key] = seen.get(key, 0) + 1
            rows.append(
                StatementRow(
                    line,
                    on,
                    amount,
                    payee,
                    reference,
                    account,
                    balance,
                    fingerprint(on, amount, payee, reference, account, seen[key]),
                )
            )
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None
    return ParsedStatement(name, sha, tuple(rows), tuple(rejections), read)
