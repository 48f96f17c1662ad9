"""Import a finance-system or prepaid-card statement: match, post, reconcile.

Each transaction is matched to a budget (by the account or card named on the statement, the
budget's account reference) and to a line (the payee is the line's provider or its
description). A matched payment out is posted to the ledger as a payment, a matched credit
from a provider as a refund; a credit to the account from no provider is the funder paying
money in (recorded as matched to the budget, not posted: the allocation is already in the
ledger). Anything else is listed as unmatched with the reason. The same file twice changes
nothing; a transaction already imported from another file is skipped as a duplicate.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import BudgetStatus, EntryKind, MatchStatus, format_pence
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.interop.payments_csv import ParsedStatement, StatementRow, read_statement
from mdt_desktop.store import budgets as reads
from mdt_desktop.store import bulk
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Budget,
    BudgetLine,
    BudgetStatementImport,
    BudgetStatementTransaction,
    LedgerEntry,
    table_of,
)


@dataclass(frozen=True)
class Reconciliation:
    account: str
    budget_id: uuid.UUID | None
    statement_balance: int | None  # as the statement shows it after its last row
    ledger_balance: int | None
    statement_out: int  # money out on the statement (all rows of the account)
    ledger_out: int  # money out of the ledger over the same dates
    unmatched_total: int

    @property
    def difference(self) -> int | None:
        if self.statement_balance is None or self.ledger_balance is None:
            return None
        return self.statement_balance - self.ledger_balance


@dataclass(frozen=True)
class ImportResult:
    import_id: uuid.UUID
    already_imported: bool
    read: int
    matched: int
    unmatched: int
    duplicates: int
    rejections: tuple[dict[str, str], ...]
    reconciliation: tuple[Reconciliation, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "import_id": str(self.import_id),
            "already_imported": self.already_imported,
            "read": self.read,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "rejections": list(self.rejections),
            "reconciliation": [
                {
                    "account": r.account,
                    "budget_id": str(r.budget_id) if r.budget_id else None,
                    "statement_balance_pence": r.statement_balance,
                    "ledger_balance_pence": r.ledger_balance,
                    "difference_pence": r.difference,
                    "statement_out_pence": r.statement_out,
                    "ledger_out_pence": r.ledger_out,
                    "unmatched_pence": r.unmatched_total,
                }
                for r in self.reconciliation
            ],
        }


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


@dataclass
class _Match:
    budget: Budget | None
    line: BudgetLine | None
    kind: EntryKind | None  # None: not posted (a deposit, or unmatched)
    reason: str | None


def _match(row: StatementRow, budget: Budget | None, lines: dict[str, BudgetLine]) -> _Match:
    if budget is None:
        shown = row.account or "(none given)"
        return _Match(None, None, None, f"No budget has the account or card {shown}.")
    if not budget.period_start <= row.on <= budget.period_end:
        return _Match(budget, None, None, "The date is outside the budget period.")
    line = lines.get(_key(row.payee))
    if row.amount > 0:
        return _Match(budget, line, EntryKind.REFUND if line else None, None)
    if BudgetStatus(budget.status) not in rules.SPENDING_STATUSES:
        label = BudgetStatus(budget.status).label.lower()
        return _Match(budget, None, None, f"The budget is {label}: nothing should be paid from it.")
    if line is None:
        return _Match(
            budget,
            None,
            None,
            f"No line of the budget has {row.payee or 'this payee'} as its provider: it is not "
            "linked to a service in the care plan.",
        )
    if line.paused_at is not None and row.on >= line.paused_at.date():
        return _Match(budget, line, None, f"{line.description} is paused (in hospital).")
    return _Match(budget, line, EntryKind.PAYMENT, None)


def import_payments(
    store: Store,
    path: Path | str,
    *,
    today: date | None = None,
    account_reference: str | None = None,
) -> ImportResult:
    """Import one statement file. ``account_reference`` names the account of a file whose
    rows do not say it (a finance export for one card)."""
    require(store.actor.role, Permission.RECORD_BUDGET_SPEND)
    path = Path(path)
    parsed = read_statement(path.read_bytes(), path.name, today or date.today())
    with store.session() as s:
        earlier = reads.import_by_hash(s, parsed.sha256)
        if earlier is not None:
            return ImportResult(
                earlier.id,
                True,
                earlier.rows_read,
                0,
                0,
                earlier.rows_read,
                tuple(earlier.rejections),
                (),
            )
    return _write(store, parsed, account_reference)


_TX_COLUMNS = (
    "id",
    "team_id",
    "import_id",
    "row_number",
    "fingerprint",
    "transaction_on",
    "amount_pence",
    "payee",
    "reference",
    "account_reference",
    "match_status",
    "budget_id",
    "line_id",
    "ledger_entry_id",
    "unmatched_reason",
    "updated_at",
    "updated_by",
)
_ENTRY_COLUMNS = (
    "id", "team_id", "budget_id", "line_id", "kind", "counts_as", "held_as", "funding_source",
    "entry_on", "amount_pence", "allocated_effect", "balance_effect", "spent_effect",
    "committed_effect", "reference", "evidence", "payee", "posted_at", "posted_by",
    "posted_by_user_id", "import_transaction_id", "updated_at", "updated_by",
)  # fmt: skip
_IMPORT_COLUMNS = (
    "id",
    "team_id",
    "file_sha256",
    "file_name",
    "imported_at",
    "imported_by",
    "rows_read",
    "matched",
    "unmatched",
    "duplicates",
    "rejections",
    "statement_balance_pence",
    "updated_at",
    "updated_by",
)


def _write(store: Store, parsed: ParsedStatement, default_account: str | None) -> ImportResult:
    """Match in memory, then write the whole statement in one bulk transaction.

    Ten thousand rows through the ORM's per-row audit and outbox take the better part of a
    minute; as the registered-list import does, the rows go in by executemany, the import is
    audited once (file, counts) and the next sync's sweep queues the rows.
    """
    now = datetime.now(UTC)
    with store.session() as s:
        budgets = {
            _key(b.account_reference): b
            for b in s.scalars(
                select(Budget).where(
                    Budget.deleted_at.is_(None), Budget.account_reference.is_not(None)
                )
            )
        }
        lines: dict[uuid.UUID, dict[str, BudgetLine]] = {}
        for ln in s.scalars(select(BudgetLine).where(BudgetLine.deleted_at.is_(None))):
            by_payee = lines.setdefault(ln.budget_id, {})
            by_payee.setdefault(_key(ln.description), ln)
            if ln.provider:
                by_payee[_key(ln.provider)] = ln  # the provider wins over a description
        known = reads.known_fingerprints(s, (r.fingerprint for r in parsed.rows))
    fresh = [r for r in parsed.rows if r.fingerprint not in known]
    clock = store.context.clock.now()
    by = bulk.db_uuid(store.actor.user_id)
    posted_at, import_id = bulk.db_datetime(now), uuid.uuid4()
    evidence = f"Statement {parsed.name[:150]}, line "
    matched = unmatched = 0
    team: uuid.UUID | None = None
    per_account: dict[str, _Account] = {}
    txs: list[tuple[object, ...]] = []
    entries: list[tuple[object, ...]] = []
    for row in fresh:
        account = row.account or default_account or ""
        budget = budgets.get(_key(account)) if account else None
        m = _match(row, budget, lines.get(budget.id, {}) if budget else {})
        b_team = bulk.db_uuid(budget.team_id) if budget else None
        team = team or (budget.team_id if budget else None)
        tx_id, entry_id = uuid.uuid4().hex, None
        if m.kind is not None and budget is not None:
            amount = abs(row.amount)
            eff = rules.effects_of(m.kind, amount)
            entry_id = uuid.uuid4().hex
            entries.append((
                entry_id, b_team, budget.id.hex, m.line.id.hex if m.line else None, m.kind.value,
                m.kind.value, m.line.held_as if m.line else budget.held_as,
                m.line.funding_source if m.line else budget.funding_source, row.on.isoformat(),
                amount, eff.allocated, eff.balance, eff.spent, eff.committed,
                row.reference, f"{evidence}{row.line}", row.payee, posted_at, store.actor.name,
                by, tx_id, clock, by,
            ))  # fmt: skip
        status = MatchStatus.UNMATCHED if m.reason else MatchStatus.MATCHED
        txs.append((
            tx_id, b_team, import_id.hex, row.line, row.fingerprint, row.on.isoformat(),
            row.amount, row.payee, row.reference, account or None, status.value,
            budget.id.hex if budget else None, m.line.id.hex if m.line else None, entry_id,
            m.reason, clock, by,
        ))  # fmt: skip
        if m.reason:
            unmatched += 1
        else:
            matched += 1
        per_account.setdefault(account, _Account(budget, row.on, row.on)).add(
            row, unmatched=bool(m.reason)
        )
    record = (
        import_id.hex,
        bulk.db_uuid(team),
        parsed.sha256,
        parsed.name[:255],
        posted_at,
        store.actor.name,
        parsed.read,
        matched,
        unmatched,
        len(parsed.rows) - len(fresh),
        json.dumps([r.as_dict() for r in parsed.rejections]),
        parsed.closing_balance,
        clock,
        by,
    )
    with bulk.bulk_transaction(store) as conn:
        for model, columns, rows in (
            (BudgetStatementImport, _IMPORT_COLUMNS, [record]),
            (BudgetStatementTransaction, _TX_COLUMNS, txs),
            (LedgerEntry, _ENTRY_COLUMNS, entries),
        ):
            writer = bulk.BulkWriter(conn, table_of(model), columns)
            writer.write(rows)
            writer.close()
    reconciliation = _reconcile(store, per_account)
    store.audit(
        "import",
        "budget_statement_imports",
        import_id,
        detail=f"{parsed.name}: {matched} matched, {unmatched} unmatched, "
        f"{len(parsed.rejections)} rejected, {len(entries)} ledger entries",
    )
    return ImportResult(
        import_id,
        False,
        parsed.read,
        matched,
        unmatched,
        len(parsed.rows) - len(fresh),
        tuple(r.as_dict() for r in parsed.rejections),
        reconciliation,
    )


@dataclass
class _Account:
    """What one account's rows of the file add up to."""

    budget: Budget | None
    first: date
    last: date
    out: int = 0
    unmatched: int = 0
    balance: int | None = None

    def add(self, row: StatementRow, *, unmatched: bool) -> None:
        self.out += -row.amount if row.amount < 0 else 0
        self.unmatched += row.amount if unmatched else 0
        self.first, self.last = min(self.first, row.on), max(self.last, row.on)
        if row.balance is not None:
            self.balance = row.balance


def _reconcile(store: Store, per_account: dict[str, _Account]) -> tuple[Reconciliation, ...]:
    out = []
    ranges = {
        account: (acc.budget.id, acc.first, acc.last)
        for account, acc in per_account.items()
        if acc.budget is not None
    }
    with store.session() as s:
        # Two queries for every account the statement touched, not two per account.
        ids = list({bid for bid, _, _ in ranges.values()})
        balances = {r.id: r.figures.balance for r in reads.budget_rows(s, budget_ids=ids)}
        money_out = reads.money_out_by_range(s, ranges)
        for account, acc in sorted(per_account.items()):
            ledger_balance = ledger_out = None
            if acc.budget is not None:
                ledger_balance = balances.get(acc.budget.id, 0)
                ledger_out = money_out[account]
            out.append(
                Reconciliation(
                    account=account,
                    budget_id=acc.budget.id if acc.budget is not None else None,
                    statement_balance=acc.balance,
                    ledger_balance=ledger_balance,
                    statement_out=acc.out,
                    ledger_out=ledger_out or 0,
                    unmatched_total=acc.unmatched,
                )
            )
    return tuple(out)


def reconciliation_text(r: Reconciliation) -> str:
    """One finished sentence for the reconciliation view and the command line."""
    if r.budget_id is None:
        return f"Account {r.account or '(none)'}: no budget has this account; nothing was posted."
    parts = [f"Account {r.account}: money out on the statement {format_pence(r.statement_out)}, "
             f"in the ledger over the same dates {format_pence(r.ledger_out)}"]  # fmt: skip
    if r.difference is not None:
        parts.append(
            f"; statement balance {format_pence(r.statement_balance or 0)} against ledger balance "
            f"{format_pence(r.ledger_balance or 0)} (difference {format_pence(r.difference)})"
        )
    if r.unmatched_total:
        parts.append(f"; {format_pence(abs(r.unmatched_total))} unmatched")
    return "".join(parts) + "."
