"""The budget, its status, its lines and its ledger: every write in one store transaction.

Rules come from mdt_desktop.domain.budgets; the flush hook writes the audit and outbox
entries of every row changed here. Messages are for people, written where they are raised.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import BudgetStatus, EntryKind, HeldAs
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Budget,
    BudgetLine,
    BudgetStatusChange,
    CarePlan,
    CarePlanVersion,
    CaseloadEntry,
    LedgerEntry,
    Patient,
)

# Kinds a budget holder records day to day; the rest change what the budget holds.
SPEND_KINDS = frozenset({EntryKind.COMMITMENT, EntryKind.PAYMENT, EntryKind.REFUND})


def _text(value: str | None, what: str, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValueError(f"Give {what} in words.")
    if len(text) > limit:
        raise ValueError(f"{what[0].upper()}{what[1:]} is longer than {limit} characters.")
    return text


def _optional(value: str | None, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValueError(f"{text[:20]}… is longer than {limit} characters.")
    return text or None


def team_of(s: Session, patient_id: uuid.UUID) -> uuid.UUID | None:
    """A budget belongs to the team holding the person's case, else the person's own team."""
    held = s.scalars(
        select(CaseloadEntry.team_id).where(
            CaseloadEntry.patient_id == patient_id,
            CaseloadEntry.status == "active",
            CaseloadEntry.deleted_at.is_(None),
        )
    ).first()
    if held is not None:
        return held
    patient = s.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise LookupError("That person is not in this store.")
    return patient.team_id


def budget_for_update(s: Session, budget_id: uuid.UUID) -> Budget:
    budget = s.get(Budget, budget_id)
    if budget is None or budget.deleted_at is not None:
        raise LookupError("That budget is not in this store.")
    return budget


def _record_status(
    s: Session,
    store: Store,
    budget: Budget,
    new: BudgetStatus,
    reason: str,
    at: datetime,
    *,
    first: bool = False,
) -> None:
    old = None if first else budget.status
    budget.status = new.value
    s.add(
        BudgetStatusChange(
            team_id=budget.team_id,
            budget_id=budget.id,
            from_status=old,
            to_status=new.value,
            changed_at=at,
            changed_by=store.actor.name,
            changed_by_user_id=store.actor.user_id,
            reason=reason,
        )
    )


def create_budget(
    store: Store,
    patient_id: uuid.UUID,
    *,
    kind: str,
    funding_source: str,
    held_as: str,
    period_start: date,
    period_end: date,
    indicative_pence: int,
    holder: str | None = None,
    representative: str | None = None,
    nominee: str | None = None,
    managed_account: bool = False,
    risk_arrangements: str | None = None,
    account_reference: str | None = None,
    renews_budget_id: uuid.UUID | None = None,
    reason: str = "Indicative budget set.",
) -> uuid.UUID:
    """A new budget at its indicative amount (the person knows how much money there is)."""
    require(store.actor.role, Permission.MANAGE_BUDGET)
    kind_ = rules.BudgetKind(kind)
    source = rules.FundingSource(funding_source)
    how = HeldAs(held_as)
    if kind_ is rules.BudgetKind.HEALTH and not source.is_nhs:
        raise ValueError("A personal health budget is funded by the NHS, not social care.")
    if kind_ is rules.BudgetKind.SOCIAL_CARE and source.is_nhs:
        raise ValueError("A social care personal budget is funded by social care.")
    if period_end < period_start:
        raise ValueError("The budget period must end after it starts.")
    amount = rules.as_pence(indicative_pence)
    if amount < 0:
        raise ValueError("The indicative amount cannot be less than £0.00.")
    with store.transaction() as s:
        if renews_budget_id is not None:
            budget_for_update(s, renews_budget_id)
        budget = Budget(
            team_id=team_of(s, patient_id),
            patient_id=patient_id,
            kind=kind_.value,
            funding_source=source.value,
            held_as=how.value,
            status=BudgetStatus.INDICATIVE.value,
            period_start=period_start,
            period_end=period_end,
            indicative_pence=amount,
            holder=_optional(holder, 200),
            representative=_optional(representative, 200),
            nominee=_optional(nominee, 200),
            managed_account=bool(managed_account),
            risk_arrangements=_optional(risk_arrangements, 4000),
            account_reference=_optional(account_reference, 64),
            renews_budget_id=renews_budget_id,
            created_at=datetime.now(UTC),
        )
        s.add(budget)
        s.flush()
        _record_status(
            s, store, budget, BudgetStatus.INDICATIVE, reason, datetime.now(UTC), first=True
        )
        return budget.id


def _has_direct_payment(s: Session, budget: Budget) -> bool:
    if budget.held_as == HeldAs.DIRECT_PAYMENT.value:
        return True
    return (
        s.scalars(
            select(BudgetLine.id).where(
                BudgetLine.budget_id == budget.id,
                BudgetLine.held_as == HeldAs.DIRECT_PAYMENT.value,
                BudgetLine.deleted_at.is_(None),
            )
        ).first()
        is not None
    )


def agree_budget(
    store: Store,
    budget_id: uuid.UUID,
    allocation_pence: int,
    reason: str,
    *,
    agreed_on: date | None = None,
) -> uuid.UUID:
    """Agree the allocation: the budget becomes agreed and the money is allocated in the ledger.

    A direct payment needs its risk-management arrangements written down first: the 2013
    regulations require them in the care plan.
    """
    require(store.actor.role, Permission.AGREE_BUDGET)
    amount = rules.as_pence(allocation_pence)
    if amount <= 0:
        raise ValueError("The agreed allocation must be more than £0.00.")
    reason = _text(reason, "the reason or the meeting where it was agreed")
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        rules.check_transition(budget.status, BudgetStatus.AGREED)
        if _has_direct_payment(s, budget) and not (budget.risk_arrangements or "").strip():
            raise ValueError(
                "Write down the agreed risk-management arrangements before agreeing a direct "
                "payment: the regulations require them in the care plan."
            )
        budget.allocation_pence = amount
        _record_status(s, store, budget, BudgetStatus.AGREED, reason, datetime.now(UTC))
        on = agreed_on or max(budget.period_start, min(date.today(), budget.period_end))
        return _add_entry(s, store, budget, EntryKind.ALLOCATION, amount, on, note=reason).id


def change_status(store: Store, budget_id: uuid.UUID, new_status: str, reason: str) -> None:
    """Move a budget to another status (allowed moves only), with who, when and why."""
    require(store.actor.role, Permission.AGREE_BUDGET)
    reason = _text(reason, "the reason for the change")
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        new = rules.check_transition(budget.status, new_status)
        if new is BudgetStatus.ACTIVE and budget.allocation_pence is None:
            raise ValueError("Agree the allocation before the budget starts.")
        _record_status(s, store, budget, new, reason, datetime.now(UTC))


def update_details(
    store: Store,
    budget_id: uuid.UUID,
    *,
    holder: str | None = None,
    representative: str | None = None,
    nominee: str | None = None,
    managed_account: bool | None = None,
    risk_arrangements: str | None = None,
    account_reference: str | None = None,
) -> None:
    """Change who holds or manages the money and the risk arrangements (header fields merge
    per field on sync; amounts are never changed here, only through the ledger)."""
    require(store.actor.role, Permission.MANAGE_BUDGET)
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        if budget.status == BudgetStatus.CLOSED.value:
            raise ValueError("A closed budget cannot be changed.")
        for name, value, limit in (
            ("holder", holder, 200),
            ("representative", representative, 200),
            ("nominee", nominee, 200),
            ("risk_arrangements", risk_arrangements, 4000),
            ("account_reference", account_reference, 64),
        ):
            if value is not None:
                setattr(budget, name, _optional(value, limit))
        if managed_account is not None:
            budget.managed_account = bool(managed_account)


# --- lines ----------------------------------------------------------------------------------


def plan_goal_ids(s: Session, patient_id: uuid.UUID) -> set[str] | None:
    """The stable ids of the goals in the person's current care plan; None without a plan."""
    plan = s.scalars(
        select(CarePlan).where(CarePlan.patient_id == patient_id, CarePlan.deleted_at.is_(None))
    ).first()
    if plan is None or plan.current_version_id is None:
        return None
    version = s.get(CarePlanVersion, plan.current_version_id)
    if version is None:
        return None
    return {str(g.get("id")) for g in (version.content or {}).get("goals") or []}


def add_line(
    store: Store,
    budget_id: uuid.UUID,
    *,
    description: str,
    category: str,
    amount_pence: int,
    frequency: str,
    starts_on: date,
    goal_ids: Iterable[str] = (),
    provider: str | None = None,
    funding_source: str | None = None,
    held_as: str | None = None,
    ends_on: date | None = None,
) -> uuid.UUID:
    """A budget line serving care-plan goals (named by their stable ids)."""
    require(store.actor.role, Permission.MANAGE_BUDGET)
    description = _text(description, "what the line pays for", 500)
    amount = rules.as_pence(amount_pence)
    if amount <= 0:
        raise ValueError("A line's planned amount must be more than £0.00.")
    goals = sorted({str(g).strip() for g in goal_ids if str(g).strip()})
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        if budget.status == BudgetStatus.CLOSED.value:
            raise ValueError("A closed budget cannot have new lines.")
        if not budget.period_start <= starts_on <= budget.period_end:
            raise ValueError("A line must start within the budget period.")
        if ends_on is not None and ends_on < starts_on:
            raise ValueError("A line must end after it starts.")
        source = rules.FundingSource(funding_source or budget.funding_source)
        if budget.kind != rules.BudgetKind.INTEGRATED.value and source.value != (
            budget.funding_source
        ):
            raise ValueError("Only an integrated budget mixes money from different sources.")
        known = plan_goal_ids(s, budget.patient_id)
        unknown = [g for g in goals if known is None or g not in known]
        if unknown:
            raise ValueError(
                "A line can only serve goals of the person's current care plan; one of the "
                "goals chosen is not in it."
            )
        line = BudgetLine(
            team_id=budget.team_id,
            budget_id=budget.id,
            description=description,
            category=rules.LineCategory(category).value,
            provider=_optional(provider, 200),
            funding_source=source.value,
            held_as=HeldAs(held_as or budget.held_as).value,
            goal_ids=goals,
            amount_pence=amount,
            frequency=rules.Frequency(frequency).value,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        s.add(line)
        s.flush()
        return line.id


# --- the ledger ------------------------------------------------------------------------------


def _add_entry(
    s: Session,
    store: Store,
    budget: Budget,
    kind: EntryKind,
    amount: int,
    on: date,
    *,
    line_id: uuid.UUID | None = None,
    reference: str | None = None,
    evidence: str | None = None,
    payee: str | None = None,
    note: str | None = None,
    settles_id: uuid.UUID | None = None,
    settles: int = 0,
    reverses: LedgerEntry | None = None,
    import_transaction_id: uuid.UUID | None = None,
) -> LedgerEntry:
    if reverses is not None:
        effects = rules.reversal_effects(
            rules.Effects(
                reverses.allocated_effect,
                reverses.balance_effect,
                reverses.spent_effect,
                reverses.committed_effect,
            )
        )
    else:
        effects = rules.effects_of(kind, amount, settles=settles)
    line = s.get(BudgetLine, line_id) if line_id is not None else None
    if reverses is not None:
        counts_as, held_as, source = reverses.kind, reverses.held_as, reverses.funding_source
        evidence = reverses.evidence  # the same receipt: the counts of missing evidence net off
    else:
        counts_as = kind.value
        held_as = line.held_as if line is not None else budget.held_as
        source = line.funding_source if line is not None else budget.funding_source
    entry = LedgerEntry(
        team_id=budget.team_id,
        budget_id=budget.id,
        line_id=line_id,
        kind=kind.value,
        counts_as=counts_as,
        held_as=held_as,
        funding_source=source,
        entry_on=on,
        # A reversal's amount is the size of what it reverses; its effects carry the sign.
        amount_pence=rules.as_pence(abs(amount) if reverses is not None else amount),
        allocated_effect=effects.allocated,
        balance_effect=effects.balance,
        spent_effect=effects.spent,
        committed_effect=effects.committed,
        reverses_id=reverses.id if reverses is not None else None,
        settles_id=settles_id,
        reference=_optional(reference, 100),
        evidence=_optional(evidence, 200),
        payee=_optional(payee, 200),
        note=_optional(note, 2000),
        posted_at=datetime.now(UTC),
        posted_by=store.actor.name,
        posted_by_user_id=store.actor.user_id,
        import_transaction_id=import_transaction_id,
    )
    s.add(entry)
    s.flush()
    return entry


def check_entry(
    s: Session, budget: Budget, kind: EntryKind, on: date, line_id: uuid.UUID | None
) -> BudgetLine | None:
    """The rules a new entry meets before it is written; the line it goes on, if any."""
    if kind in (EntryKind.PAYMENT, EntryKind.COMMITMENT) and (
        BudgetStatus(budget.status) not in rules.SPENDING_STATUSES
    ):
        raise ValueError(
            f"Money cannot be paid or committed from a budget that is "
            f"{BudgetStatus(budget.status).label.lower()}."
        )
    if kind is not EntryKind.REFUND and not budget.period_start <= on <= budget.period_end:
        raise ValueError(
            f"The date must be within the budget period, {budget.period_start:%d-%b-%Y} to "
            f"{budget.period_end:%d-%b-%Y}."
        )
    if line_id is None:
        return None
    line = s.get(BudgetLine, line_id)
    if line is None or line.budget_id != budget.id or line.deleted_at is not None:
        raise LookupError("That budget line is not part of this budget.")
    if (
        line.paused_at is not None
        and kind in (EntryKind.PAYMENT, EntryKind.COMMITMENT)
        and on >= line.paused_at.date()
    ):
        raise ValueError(
            f"{line.description} is paused while the person is in hospital; restart it after "
            "discharge before paying for it."
        )
    return line


def post_entry(
    store: Store,
    budget_id: uuid.UUID,
    kind: str,
    amount_pence: int,
    entry_on: date,
    *,
    line_id: uuid.UUID | None = None,
    reference: str | None = None,
    evidence: str | None = None,
    payee: str | None = None,
    note: str | None = None,
    settles_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Post one ledger entry. Payments, refunds and commitments need RECORD_BUDGET_SPEND;
    allocations, adjustments, offsets and repayment demands change the budget itself."""
    entry_kind = EntryKind(kind)
    if entry_kind is EntryKind.REVERSAL:
        raise ValueError("Use reverse_entry to reverse an entry.")
    require(
        store.actor.role,
        Permission.RECORD_BUDGET_SPEND if entry_kind in SPEND_KINDS else Permission.MANAGE_BUDGET,
    )
    amount = rules.as_pence(amount_pence)
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        check_entry(s, budget, entry_kind, entry_on, line_id)
        settles = 0
        if settles_id is not None:
            commitment = s.get(LedgerEntry, settles_id)
            if (
                entry_kind is not EntryKind.PAYMENT
                or commitment is None
                or commitment.budget_id != budget.id
                or commitment.kind != EntryKind.COMMITMENT.value
            ):
                raise ValueError("Only a payment settles a commitment of the same budget.")
            settles = max(0, min(amount, reads.open_commitment(s, settles_id)))
        return _add_entry(
            s, store, budget, entry_kind, amount, entry_on, line_id=line_id,
            reference=reference, evidence=evidence, payee=payee, note=note,
            settles_id=settles_id, settles=settles,
        ).id  # fmt: skip


def reverse_entry(
    store: Store, entry_id: uuid.UUID, reason: str, *, on: date | None = None
) -> uuid.UUID:
    """Reverse an entry exactly: a new entry whose effects negate it (nothing is edited)."""
    require(store.actor.role, Permission.RECORD_BUDGET_SPEND)
    reason = _text(reason, "why the entry is reversed")
    with store.transaction() as s:
        original = s.get(LedgerEntry, entry_id)
        if original is None or original.deleted_at is not None:
            raise LookupError("That ledger entry is not in this store.")
        if original.kind == EntryKind.REVERSAL.value:
            raise ValueError("A reversal cannot itself be reversed; post a new entry instead.")
        if original.kind != EntryKind.PAYMENT.value and original.kind not in {
            k.value for k in SPEND_KINDS
        }:
            require(store.actor.role, Permission.MANAGE_BUDGET)
        if reads.is_reversed(s, entry_id):
            raise ValueError("That entry has already been reversed.")
        budget = budget_for_update(s, original.budget_id)
        day = on or max(original.entry_on, min(date.today(), budget.period_end))
        return _add_entry(
            s, store, budget, EntryKind.REVERSAL, original.amount_pence, day,
            line_id=original.line_id, reference=original.reference, note=reason,
            reverses=original,
        ).id  # fmt: skip
