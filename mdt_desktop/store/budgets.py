"""Reads of personal health budgets: typed rows, every total a SQL aggregate.

A ledger entry carries its signed effects (allocated, balance, spent, committed), so a
budget's or a line's figures are ``SUM``s over its entries: no loop in Python adds money up.
Counts behind alerts (payments with no evidence, payments on no line) are SQL counts too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    String,
    Uuid,
    and_,
    case,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from mdt_desktop.domain.budgets import (
    DEFAULT_VARIANCE_SHARE,
    EVENT_REVIEW_DAYS,
    FIRST_REVIEW_MONTHS,
    INTERVAL_MONTHS,
    LIVE_STATUSES,
    PERIOD_ENDING_DAYS,
    AlertKind,
    EntryKind,
    FundingSource,
    HeldAs,
    ReviewClock,
    ReviewFact,
    ReviewKind,
    ReviewReason,
)
from mdt_desktop.domain.budgets.reviews import REVIEW_DUE_WARNING_DAYS

from .schema import (
    Budget,
    BudgetDecision,
    BudgetLedgerTotals,
    BudgetLine,
    BudgetReconsideration,
    BudgetReview,
    BudgetStatementImport,
    BudgetStatementTransaction,
    BudgetStatusChange,
    LedgerEntry,
    Patient,
    table_of,
)


class Figures(NamedTuple):
    allocated: int
    balance: int
    spent: int
    committed: int

    @property
    def available(self) -> int:
        return self.balance - self.committed


class BudgetRow(NamedTuple):
    id: uuid.UUID
    team_id: uuid.UUID | None
    patient_id: uuid.UUID
    family_name: str
    given_name: str | None
    nhs_number: str | None
    kind: str
    funding_source: str
    held_as: str
    status: str
    period_start: date
    period_end: date
    indicative_pence: int | None
    allocation_pence: int | None
    holder: str | None
    representative: str | None
    nominee: str | None
    managed_account: bool
    risk_arrangements: str | None
    account_reference: str | None
    renews_budget_id: uuid.UUID | None
    figures: Figures
    payments_without_evidence: int
    unlinked_payments: int
    renewed: bool

    @property
    def person(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name or ''}".rstrip(", ")


class LineRow(NamedTuple):
    id: uuid.UUID
    budget_id: uuid.UUID
    description: str
    category: str
    provider: str | None
    funding_source: str
    held_as: str
    goal_ids: tuple[str, ...]
    amount_pence: int
    frequency: str
    starts_on: date
    ends_on: date | None
    paused_at: datetime | None
    figures: Figures


class EntryRow(NamedTuple):
    id: uuid.UUID
    budget_id: uuid.UUID
    line_id: uuid.UUID | None
    kind: str
    entry_on: date
    amount_pence: int
    allocated_effect: int
    balance_effect: int
    spent_effect: int
    committed_effect: int
    reverses_id: uuid.UUID | None
    settles_id: uuid.UUID | None
    reference: str | None
    evidence: str | None
    payee: str | None
    note: str | None
    posted_at: datetime
    posted_by: str
    reversed_by: uuid.UUID | None
    running_balance: int


@dataclass(frozen=True)
class ReportGroup:
    key: str
    budgets: int
    allocated: int
    committed: int
    spent: int
    balance: int


def _live(model: Any) -> Any:
    return model.deleted_at.is_(None)


def _sums(group_by: Any) -> Any:
    e = LedgerEntry
    return (
        select(
            group_by.label("key"),
            func.coalesce(func.sum(e.allocated_effect), 0).label("allocated"),
            func.coalesce(func.sum(e.balance_effect), 0).label("balance"),
            func.coalesce(func.sum(e.spent_effect), 0).label("spent"),
            func.coalesce(func.sum(e.committed_effect), 0).label("committed"),
        )
        .where(_live(e))
        .group_by(group_by)
    )


def _per_budget() -> Any:
    """Every per-budget figure in one pass over the ledger (its budget index, no joins).

    A reversal counts against what it reverses (``counts_as`` with sign −1), so the counts
    of payments without evidence or without a line are of payments still standing. The first
    direct payment on each clock is the earliest payment, reversed or not: a clock started by
    a payment later reversed is due earlier, never later.
    """
    e = LedgerEntry
    sign = case((e.kind == EntryKind.REVERSAL.value, -1), else_=1)
    payment = e.counts_as == EntryKind.PAYMENT.value
    direct = e.held_as == HeldAs.DIRECT_PAYMENT.value
    social = e.funding_source == FundingSource.SOCIAL_CARE.value
    first_of = and_(e.kind == EntryKind.PAYMENT.value, direct)
    no_evidence = func.coalesce(func.trim(e.evidence), "") == ""
    return select(
        e.budget_id.label("budget_id"),
        func.sum(e.allocated_effect).label("allocated"),
        func.sum(e.balance_effect).label("balance"),
        func.sum(e.spent_effect).label("spent"),
        func.sum(e.committed_effect).label("committed"),
        func.sum(case((and_(payment, direct, no_evidence), sign), else_=0)).label("no_evidence"),
        func.sum(case((and_(payment, e.line_id.is_(None)), sign), else_=0)).label("unlinked"),
        func.min(case((and_(first_of, ~social), e.entry_on))).label("first_nhs"),
        func.min(case((and_(first_of, social), e.entry_on))).label("first_social"),
    ).group_by(e.budget_id)


_BUDGET_COLUMNS = (
    Budget.id, Budget.team_id, Budget.patient_id, Patient.family_name, Patient.given_name,
    Patient.nhs_number, Budget.kind, Budget.funding_source, Budget.held_as, Budget.status,
    Budget.period_start, Budget.period_end, Budget.indicative_pence, Budget.allocation_pence,
    Budget.holder, Budget.representative, Budget.nominee, Budget.managed_account,
    Budget.risk_arrangements, Budget.account_reference, Budget.renews_budget_id,
)  # fmt: skip


def budget_rows(
    s: Session,
    *,
    team_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    budget_ids: Iterable[uuid.UUID] | None = None,
    statuses: Sequence[str] | None = None,
    first_payments: dict[uuid.UUID, dict[ReviewClock, date]] | None = None,
    from_ledger: bool = False,
) -> list[BudgetRow]:
    """Budgets with their figures, one query; ordered by person then period.

    On a laptop the figures come from ``budget_ledger_totals``, which triggers keep equal to
    the ledger's sums; on the server (or with ``from_ledger``) from one pass over the ledger.
    Pass a dict as ``first_payments`` to have it filled, per budget, with the date of the
    first direct payment on each review clock.
    """
    ids = None if budget_ids is None else list(budget_ids)
    sums: Any
    if not from_ledger and s.get_bind().dialect.name == "sqlite":
        sums = table_of(BudgetLedgerTotals)
    else:
        agg = _per_budget()
        if ids is not None:
            agg = agg.where(LedgerEntry.budget_id.in_(ids))
        elif patient_id is not None:
            agg = agg.where(
                LedgerEntry.budget_id.in_(select(Budget.id).where(Budget.patient_id == patient_id))
            )
        sums = agg.subquery()
    renewal = aliased(Budget)
    renewed = (
        select(renewal.id)
        .where(renewal.renews_budget_id == Budget.id, _live(renewal))
        .exists()
        .label("renewed")
    )
    q = (
        select(
            *_BUDGET_COLUMNS,
            func.coalesce(sums.c.allocated, 0),
            func.coalesce(sums.c.balance, 0),
            func.coalesce(sums.c.spent, 0),
            func.coalesce(sums.c.committed, 0),
            func.coalesce(sums.c.no_evidence, 0),
            func.coalesce(sums.c.unlinked, 0),
            renewed,
            sums.c.first_nhs,
            sums.c.first_social,
        )
        .join(Patient, Patient.id == Budget.patient_id)
        .outerjoin(sums, sums.c.budget_id == Budget.id)
        .where(_live(Budget))
        .order_by(Patient.family_name, Patient.given_name, Budget.period_start)
    )
    if team_id is not None:
        q = q.where(Budget.team_id == team_id)
    if patient_id is not None:
        q = q.where(Budget.patient_id == patient_id)
    if ids is not None:
        q = q.where(Budget.id.in_(ids))
    if statuses:
        q = q.where(Budget.status.in_(list(statuses)))
    out = []
    n = len(_BUDGET_COLUMNS)
    for result in s.execute(q):
        values: list[Any] = list(result)
        al, bal, sp, com, noev, unl, ren, first_nhs, first_social = values[n:]
        head = values[:n]
        head[17] = bool(head[17])  # managed_account
        figures = Figures(int(al), int(bal), int(sp), int(com))
        row = BudgetRow._make([*head, figures, int(noev), int(unl), bool(ren)])
        out.append(row)
        if first_payments is not None:
            clocks = {}
            if first_nhs is not None:
                clocks[ReviewClock.NHS_DIRECT_PAYMENT] = _as_date(first_nhs)
            if first_social is not None:
                clocks[ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT] = _as_date(first_social)
            if clocks:
                first_payments[row.id] = clocks
    return out


def _as_date(value: date | str) -> date:
    # MIN over a CASE loses the column's type on SQLite: the stored ISO text comes back.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def budget_row(s: Session, budget_id: uuid.UUID) -> BudgetRow:
    rows = budget_rows(s, budget_ids=[budget_id])
    if not rows:
        raise LookupError("That budget is not in this store.")
    return rows[0]


def line_rows(s: Session, budget_id: uuid.UUID) -> list[LineRow]:
    sums = _sums(LedgerEntry.line_id).where(LedgerEntry.budget_id == budget_id).subquery()
    q = (
        select(
            BudgetLine,
            func.coalesce(sums.c.allocated, 0),
            func.coalesce(sums.c.balance, 0),
            func.coalesce(sums.c.spent, 0),
            func.coalesce(sums.c.committed, 0),
        )
        .outerjoin(sums, sums.c.key == BudgetLine.id)
        .where(BudgetLine.budget_id == budget_id, _live(BudgetLine))
        .order_by(BudgetLine.starts_on, BudgetLine.description)
    )
    return [
        LineRow(
            ln.id,
            ln.budget_id,
            ln.description,
            ln.category,
            ln.provider,
            ln.funding_source,
            ln.held_as,
            tuple(str(g) for g in ln.goal_ids or ()),
            ln.amount_pence,
            ln.frequency,
            ln.starts_on,
            ln.ends_on,
            ln.paused_at,
            Figures(int(a), int(b), int(sp), int(c)),
        )
        for ln, a, b, sp, c in s.execute(q)
    ]


def ledger_rows(
    s: Session, budget_id: uuid.UUID, start: date | None = None, end: date | None = None
) -> list[EntryRow]:
    """The ledger in date order with a running balance (a window SUM), reversals linked."""
    e = LedgerEntry
    r = aliased(LedgerEntry)
    running = func.sum(e.balance_effect).over(order_by=(e.entry_on, e.posted_at, e.id))
    reversed_by = select(r.id).where(r.reverses_id == e.id, _live(r)).limit(1).scalar_subquery()
    inner = (
        select(e, reversed_by.label("reversed_by"), running.label("running"))
        .where(e.budget_id == budget_id, _live(e))
        .subquery()
    )
    q = select(inner).order_by(inner.c.entry_on, inner.c.posted_at, inner.c.id)
    if start is not None:
        q = q.where(inner.c.entry_on >= start)
    if end is not None:
        q = q.where(inner.c.entry_on <= end)
    names = EntryRow._fields
    out = []
    for row in s.execute(q).mappings():
        values = {n: row[n] for n in names if n not in ("reversed_by", "running_balance")}
        out.append(
            EntryRow(**values, reversed_by=row["reversed_by"], running_balance=int(row["running"]))
        )
    return out


def figures_between(s: Session, budget_id: uuid.UUID, start: date, end: date) -> dict[str, int]:
    """Opening balance, money in and money out of a period, as SQL sums."""
    e = LedgerEntry
    q = select(
        func.coalesce(func.sum(case((e.entry_on < start, e.balance_effect), else_=0)), 0),
        func.coalesce(
            func.sum(
                case(
                    (and_(e.entry_on.between(start, end), e.balance_effect > 0), e.balance_effect),
                    else_=0,
                )
            ),
            0,
        ),
        func.coalesce(
            func.sum(
                case(
                    (and_(e.entry_on.between(start, end), e.balance_effect < 0), -e.balance_effect),
                    else_=0,
                )
            ),
            0,
        ),
        func.coalesce(func.sum(case((e.entry_on.between(start, end), e.spent_effect), else_=0)), 0),
    ).where(e.budget_id == budget_id, _live(e))
    opening, money_in, money_out, spent = s.execute(q).one()
    return {
        "opening": int(opening),
        "money_in": int(money_in),
        "money_out": int(money_out),
        "closing": int(opening) + int(money_in) - int(money_out),
        "spent": int(spent),
    }


def money_out_by_range(
    s: Session, ranges: dict[str, tuple[uuid.UUID, date, date]]
) -> dict[str, int]:
    """Per key, the money out of one budget between two dates (as ``figures_between``), for
    many budgets and ranges in one query per few hundred: a statement import reconciles every
    account it touched."""
    e = LedgerEntry
    out = dict.fromkeys(ranges, 0)
    items = list(ranges.items())
    # SQLite allows 500 terms in a compound SELECT.
    for at in range(0, len(items), 400):
        parts = [
            select(
                literal(key, String).label("key"),
                literal(bid, Uuid).label("budget_id"),
                literal(first, Date).label("first"),
                literal(last, Date).label("last"),
            )
            for key, (bid, first, last) in items[at : at + 400]
        ]
        r = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        # Correlated, so each range is looked up through the ledger's budget index.
        money_out = (
            select(func.coalesce(func.sum(-e.balance_effect), 0))
            .where(
                e.budget_id == r.c.budget_id,
                e.entry_on >= r.c.first,
                e.entry_on <= r.c.last,
                e.balance_effect < 0,
                _live(e),
            )
            .scalar_subquery()
        )
        q = select(r.c.key, money_out)
        for key, money_out in s.execute(q):
            out[key] = int(money_out)
    return out


def entry(s: Session, entry_id: uuid.UUID) -> LedgerEntry | None:
    return s.get(LedgerEntry, entry_id)


def is_reversed(s: Session, entry_id: uuid.UUID) -> bool:
    return (
        s.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.reverses_id == entry_id, _live(LedgerEntry))
        )
        or 0
    ) > 0


def open_commitment(s: Session, commitment_id: uuid.UUID) -> int:
    """What is still owed on a commitment: its amount less what payments have settled."""
    e = LedgerEntry
    settled = s.scalar(
        select(func.coalesce(func.sum(e.committed_effect), 0)).where(
            e.settles_id == commitment_id, _live(e)
        )
    )
    own = s.scalar(
        select(func.coalesce(func.sum(e.committed_effect), 0)).where(
            (e.id == commitment_id) | (e.reverses_id == commitment_id), _live(e)
        )
    )
    return int(own or 0) + int(settled or 0)


# --- reviews and the clocks ----------------------------------------------------------------


def review_facts(
    s: Session, budget_ids: Iterable[uuid.UUID] | None = None, *, team_id: uuid.UUID | None = None
) -> dict[uuid.UUID, list[ReviewFact]]:
    q = select(
        BudgetReview.budget_id,
        BudgetReview.kind,
        BudgetReview.reason,
        BudgetReview.requested_on,
        BudgetReview.held_on,
    ).where(_live(BudgetReview))
    if budget_ids is not None:
        q = q.where(BudgetReview.budget_id.in_(list(budget_ids)))
    if team_id is not None:
        q = q.where(BudgetReview.budget_id.in_(select(Budget.id).where(Budget.team_id == team_id)))
    out: dict[uuid.UUID, list[ReviewFact]] = {}
    for bid, kind, reason, asked, held in s.execute(q):
        out.setdefault(bid, []).append(
            ReviewFact(ReviewKind(kind), ReviewReason(reason), asked, held)
        )
    return out


def first_payments(
    s: Session, budget_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[ReviewClock, date]]:
    """Per budget and clock, the date of the first direct payment of that clock's money."""
    out: dict[uuid.UUID, dict[ReviewClock, date]] = {}
    budget_rows(s, budget_ids=budget_ids, first_payments=out)
    return out


# --- the team report -----------------------------------------------------------------------


class AlertInputs(NamedTuple):
    """What a budget's alerts are worked out from, and no more (the team report's rows)."""

    id: uuid.UUID
    family_name: str
    given_name: str | None
    nhs_number: str | None
    funding_source: str
    period_start: date
    period_end: date
    figures: Figures
    payments_without_evidence: int
    unlinked_payments: int
    renewed: bool
    first_payments: dict[ReviewClock, date]

    @property
    def person(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name or ''}".rstrip(", ")


def _totals(s: Session) -> Any:
    """Per-budget sums: the trigger-kept table on a laptop, one pass over the ledger elsewhere."""
    if s.get_bind().dialect.name == "sqlite":
        return table_of(BudgetLedgerTotals)
    return _per_budget().subquery()


def report_groups(
    s: Session, key: str, team_id: uuid.UUID | None, exclude_statuses: Sequence[str]
) -> list[ReportGroup]:
    """Budgets, allocated, committed, spent and balance per kind or funding source: one
    GROUP BY over the per-budget totals."""
    column = {"kind": Budget.kind, "funding_source": Budget.funding_source}[key]
    t = _totals(s)
    q = (
        select(
            column,
            func.count(Budget.id),
            func.coalesce(func.sum(t.c.allocated), 0),
            func.coalesce(func.sum(t.c.committed), 0),
            func.coalesce(func.sum(t.c.spent), 0),
            func.coalesce(func.sum(t.c.balance), 0),
        )
        .outerjoin(t, t.c.budget_id == Budget.id)
        .where(_live(Budget), Budget.status.not_in(list(exclude_statuses)))
        .group_by(column)
        .order_by(column)
    )
    if team_id is not None:
        q = q.where(Budget.team_id == team_id)
    return [
        ReportGroup(k, int(n), int(a), int(c), int(sp), int(b))
        for k, n, a, c, sp, b in s.execute(q)
    ]


def alert_inputs(
    s: Session, team_id: uuid.UUID | None, statuses: Sequence[str]
) -> list[AlertInputs]:
    """Per budget of these statuses, the figures and counts its alerts need and who it is
    for: one query over the per-budget totals, no free text."""
    t = _totals(s)
    renewal = aliased(Budget)
    renewed = select(renewal.id).where(renewal.renews_budget_id == Budget.id, _live(renewal))
    q = (
        select(
            Budget.id,
            Patient.family_name,
            Patient.given_name,
            Patient.nhs_number,
            Budget.funding_source,
            Budget.period_start,
            Budget.period_end,
            func.coalesce(t.c.allocated, 0),
            func.coalesce(t.c.balance, 0),
            func.coalesce(t.c.spent, 0),
            func.coalesce(t.c.committed, 0),
            func.coalesce(t.c.no_evidence, 0),
            func.coalesce(t.c.unlinked, 0),
            renewed.exists(),
            t.c.first_nhs,
            t.c.first_social,
        )
        .join(Patient, Patient.id == Budget.patient_id)
        .outerjoin(t, t.c.budget_id == Budget.id)
        .where(_live(Budget), Budget.status.in_(list(statuses)))
    )
    if team_id is not None:
        q = q.where(Budget.team_id == team_id)
    out = []
    for row in s.execute(q):
        bid, family, given, nhs, source, start, end = row[:7]
        al, bal, sp, com, noev, unl, ren, first_nhs, first_social = row[7:]
        clocks: dict[ReviewClock, date] = {}
        if first_nhs is not None:
            clocks[ReviewClock.NHS_DIRECT_PAYMENT] = _as_date(first_nhs)
        if first_social is not None:
            clocks[ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT] = _as_date(first_social)
        figures = Figures(int(al), int(bal), int(sp), int(com))
        out.append(
            AlertInputs(
                bid, family, given, nhs, source, start, end, figures, int(noev), int(unl),
                bool(ren), clocks,
            )
        )  # fmt: skip
    return out


# --- decisions, status history, imports ---------------------------------------------------


def status_history(s: Session, budget_id: uuid.UUID) -> list[BudgetStatusChange]:
    return list(
        s.scalars(
            select(BudgetStatusChange)
            .where(BudgetStatusChange.budget_id == budget_id, _live(BudgetStatusChange))
            .order_by(BudgetStatusChange.changed_at)
        )
    )


def decisions(s: Session, budget_id: uuid.UUID) -> list[BudgetDecision]:
    return list(
        s.scalars(
            select(BudgetDecision)
            .where(BudgetDecision.budget_id == budget_id, _live(BudgetDecision))
            .order_by(BudgetDecision.decided_on)
        )
    )


def reconsiderations(s: Session, decision_id: uuid.UUID) -> list[BudgetReconsideration]:
    return list(
        s.scalars(
            select(BudgetReconsideration)
            .where(BudgetReconsideration.decision_id == decision_id, _live(BudgetReconsideration))
            .order_by(BudgetReconsideration.requested_on)
        )
    )


def known_fingerprints(s: Session, fingerprints: Iterable[str]) -> set[str]:
    wanted = list(fingerprints)
    found: set[str] = set()
    t = BudgetStatementTransaction
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(s.scalars(select(t.fingerprint).where(t.fingerprint.in_(chunk), _live(t))))
    return found


def import_by_hash(s: Session, sha256: str) -> BudgetStatementImport | None:
    return s.scalars(
        select(BudgetStatementImport).where(
            BudgetStatementImport.file_sha256 == sha256, _live(BudgetStatementImport)
        )
    ).first()


def unmatched_transactions(
    s: Session, import_id: uuid.UUID | None = None
) -> list[BudgetStatementTransaction]:
    t = BudgetStatementTransaction
    q = select(t).where(t.match_status == "unmatched", _live(t))
    if import_id is not None:
        q = q.where(t.import_id == import_id)
    return list(s.scalars(q.order_by(t.transaction_on, t.row_number)))


def line_spend_between(
    s: Session, budget_id: uuid.UUID, start: date, end: date
) -> dict[uuid.UUID, int]:
    """Per line, what was spent between two dates (a SQL sum per line)."""
    e = LedgerEntry
    q = (
        select(e.line_id, func.sum(e.spent_effect))
        .where(e.budget_id == budget_id, e.line_id.is_not(None), e.entry_on.between(start, end))
        .group_by(e.line_id)
    )
    return {lid: int(v or 0) for lid, v in s.execute(q) if lid is not None}


# --- the caseload's budget flag ------------------------------------------------------------


def _add_months_sql(day: str, months: int) -> str:
    """SQLite's ``date(d, '+n months')`` runs on past a short month's end (31-Aug + 3 months
    is 01-Dec); the rule (domain ``add_months``) stops at its last day, so clamp to it."""
    return (
        f"min(date({day}, 'start of month', '+{months} months', "
        f"'+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days'), "
        f"date({day}, 'start of month', '+{months + 1} months', '-1 day'))"
    )


def alert_frame_sql(
    where: str, today: date, variance_share: Fraction = DEFAULT_VARIANCE_SHARE
) -> str:
    """SQLite: one row per live budget matching ``where`` (over ``b``, the budgets), with a
    0/1 column per alert kind (named as ``AlertKind``) and ``next_review``, its ISO date.

    This repeats in SQL the budget alert rules (domain ``budget_alerts``, ``next_review``,
    ``project``) over the per-budget totals, so that the caseload list can flag and filter
    without reading budgets into Python; tests/store/test_caseload_budget_flag.py holds the
    two to the same answers. ``today`` is put in as a literal (a date's own ISO text, nothing
    from a person) so that a query with positional parameters can use it too.

    (Counting the team report's alerts this way was measured slower than the rules in
    Python over one lean read: the correlated review look-ups cost more than they save.)
    """
    day = f"'{today.isoformat()}'"
    ending = f"'{(today + timedelta(days=PERIOD_ENDING_DAYS)).isoformat()}'"
    review_by = f"'{(today + timedelta(days=REVIEW_DUE_WARNING_DAYS)).isoformat()}'"
    live = ", ".join(f"'{st.value}'" for st in sorted(LIVE_STATUSES))
    num, den = variance_share.numerator, variance_share.denominator
    held = (
        "SELECT max(r.held_on) FROM budget_reviews r WHERE r.budget_id = b.id "
        "AND r.deleted_at IS NULL AND r.kind = 'scheduled' AND r.held_on IS NOT NULL"
    )
    first_nhs = FIRST_REVIEW_MONTHS[ReviewClock.NHS_DIRECT_PAYMENT]
    first_social = FIRST_REVIEW_MONTHS[ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT]

    def clock(first: str, held_since: str, months: int) -> str:
        return (
            f"CASE WHEN {first} IS NULL THEN '9999-12-31' WHEN {held_since} IS NULL "
            f"THEN {_add_months_sql(first, months)} "
            f"ELSE {_add_months_sql(held_since, INTERVAL_MONTHS)} END"
        )

    next_review = (
        f"min({clock('x.first_nhs', 'x.held_nhs', first_nhs)}, "
        f"{clock('x.first_social', 'x.held_social', first_social)}, "
        "CASE WHEN x.first_nhs IS NULL AND x.first_social IS NULL THEN "
        f"{_add_months_sql('coalesce(x.held_any, x.period_start)', INTERVAL_MONTHS)} "
        "ELSE '9999-12-31' END, coalesce(x.event_due, '9999-12-31'))"
    )
    # Straight-line projection in integers, rounded half to even as domain ``project`` does.
    sr = "(y.spent * y.remaining)"
    a = f"abs({sr})"
    half_even = (
        f"({a} / y.elapsed + CASE WHEN 2 * ({a} % y.elapsed) > y.elapsed OR "
        f"(2 * ({a} % y.elapsed) = y.elapsed AND ({a} / y.elapsed) % 2 = 1) THEN 1 ELSE 0 END)"
    )
    projected = (
        f"(y.spent + (CASE WHEN {sr} < 0 THEN -1 ELSE 1 END) * {half_even} + max(0, y.committed))"
    )
    k = AlertKind
    return (
        "SELECT y.budget_id, y.patient_id, y.next_review, "
        f"y.no_evidence > 0 AS {k.MISSING_EVIDENCE.value}, "
        f"y.unlinked > 0 AS {k.UNLINKED_PAYMENT.value}, "
        f"(NOT y.renewed AND y.period_end >= {day} AND y.period_end <= {ending}) "
        f"AS {k.PERIOD_ENDING.value}, "
        f"(y.allocated > 0 AND ({projected} - y.allocated) * {den} > {num} * y.allocated) "
        f"AS {k.PROJECTED_OVERSPEND.value}, "
        f"(y.allocated > 0 AND (y.allocated - {projected}) * {den} > {num} * y.allocated) "
        f"AS {k.PROJECTED_UNDERSPEND.value}, "
        f"y.next_review < {day} AS {k.REVIEW_OVERDUE.value}, "
        f"(y.next_review >= {day} AND y.next_review <= {review_by}) AS {k.REVIEW_DUE.value} "
        "FROM (SELECT x.*, "
        "CAST(julianday(x.as_of) - julianday(x.period_start) AS INTEGER) + 1 AS elapsed, "
        "CAST(julianday(x.period_end) - julianday(x.as_of) AS INTEGER) AS remaining, "
        f"{next_review} AS next_review FROM (SELECT b.id AS budget_id, "
        "b.patient_id AS patient_id, b.period_start, b.period_end, "
        f"min(max({day}, b.period_start), b.period_end) AS as_of, "
        "coalesce(t.allocated, 0) AS allocated, coalesce(t.spent, 0) AS spent, "
        "coalesce(t.committed, 0) AS committed, coalesce(t.no_evidence, 0) AS no_evidence, "
        "coalesce(t.unlinked, 0) AS unlinked, t.first_nhs, t.first_social, "
        "EXISTS (SELECT 1 FROM budgets n WHERE n.renews_budget_id = b.id "
        "AND n.deleted_at IS NULL) AS renewed, "
        f"({held} AND r.held_on >= t.first_nhs) AS held_nhs, "
        f"({held} AND r.held_on >= t.first_social) AS held_social, "
        f"({held}) AS held_any, "
        f"(SELECT min(date(r.requested_on, '+{EVENT_REVIEW_DAYS} days')) FROM budget_reviews r "
        "WHERE r.budget_id = b.id AND r.deleted_at IS NULL AND r.kind = 'event' "
        "AND r.held_on IS NULL) AS event_due "
        "FROM budgets b LEFT JOIN budget_ledger_totals t ON t.budget_id = b.id "
        f"WHERE ({where}) AND b.deleted_at IS NULL AND b.status IN ({live})"
        ") x) y"
    )


def budget_alert_sql(
    patient: str, today: date, variance_share: Fraction = DEFAULT_VARIANCE_SHARE
) -> str:
    """SQLite: whether the person ``patient`` names has a live budget with any alert."""
    frame = alert_frame_sql(f"b.patient_id = {patient}", today, variance_share)
    any_alert = " OR ".join(f"f.{kind.value}" for kind in AlertKind)
    return f"EXISTS (SELECT 1 FROM ({frame}) f WHERE {any_alert})"
