"""The append-only ledger and its arithmetic.

Each entry is stored with its *effects*, signed whole pence on four running figures:

- ``allocated``: money put into the budget (allocations, and adjustments of them);
- ``balance``: money left in the budget (allocated, less what has gone out, plus what came
  back);
- ``spent``: money paid for services (payments less refunds);
- ``committed``: money promised but not yet paid (commitments, less the payments that
  settle them).

So every figure is one ``SUM`` in SQL, and a reversal is an entry whose effects are exactly
the negation of the one it reverses: nothing is ever edited or deleted.

Signs (the balance column): an allocation, a refund and a positive adjustment are credits; a
payment, an offset of unused funds (reg 13(4)) and a repayment demand (reg 15) are debits; a
commitment moves no money, it only reduces what is *available* (balance − committed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .money import as_pence
from .vocab import EntryKind

CREDIT_KINDS = frozenset({EntryKind.ALLOCATION, EntryKind.REFUND})
DEBIT_KINDS = frozenset({EntryKind.PAYMENT, EntryKind.OFFSET_UNUSED, EntryKind.REPAYMENT_DEMAND})


@dataclass(frozen=True)
class Effects:
    allocated: int = 0
    balance: int = 0
    spent: int = 0
    committed: int = 0

    def __neg__(self) -> Effects:
        return Effects(-self.allocated, -self.balance, -self.spent, -self.committed)

    def __add__(self, other: Effects) -> Effects:
        return Effects(
            self.allocated + other.allocated,
            self.balance + other.balance,
            self.spent + other.spent,
            self.committed + other.committed,
        )


def effects_of(kind: EntryKind | str, amount: int, *, settles: int = 0) -> Effects:
    """The effects of a new entry (not a reversal: see :func:`reversal_effects`).

    ``amount`` is positive pence, except an adjustment, which is signed (a positive
    adjustment adds money). ``settles`` is how much of an open commitment a payment settles.
    """
    kind = EntryKind(kind)
    amount = as_pence(amount)
    settles = as_pence(settles)
    if kind is EntryKind.REVERSAL:
        raise ValueError("A reversal takes its effects from the entry it reverses.")
    if kind is EntryKind.ADJUSTMENT:
        if amount == 0:
            raise ValueError("An adjustment of £0.00 changes nothing; enter an amount.")
        return Effects(allocated=amount, balance=amount)
    if amount <= 0:
        raise ValueError(f"The amount of a {kind.label.lower()} must be more than £0.00.")
    if settles and kind is not EntryKind.PAYMENT:
        raise ValueError("Only a payment can settle a commitment.")
    if not 0 <= settles <= amount:
        raise ValueError("A payment cannot settle more of a commitment than it pays.")
    match kind:
        case EntryKind.ALLOCATION:
            return Effects(allocated=amount, balance=amount)
        case EntryKind.COMMITMENT:
            return Effects(committed=amount)
        case EntryKind.PAYMENT:
            return Effects(balance=-amount, spent=amount, committed=-settles)
        case EntryKind.REFUND:
            return Effects(balance=amount, spent=-amount)
        case _:  # offset of unused funds, repayment demand: money leaves without being spent
            return Effects(balance=-amount)


def reversal_effects(original: Effects) -> Effects:
    return -original


@dataclass(frozen=True)
class Entry:
    """One ledger entry as the arithmetic needs it."""

    on: date
    kind: EntryKind
    amount: int
    effects: Effects
    line_id: object | None = None


@dataclass(frozen=True)
class Totals:
    allocated: int
    balance: int
    spent: int
    committed: int

    @property
    def available(self) -> int:
        """What can still be promised: the balance less what is already committed."""
        return self.balance - self.committed


def totals(effects: Iterable[Effects]) -> Totals:
    total = Effects()
    for e in effects:
        total = total + e
    return Totals(total.allocated, total.balance, total.spent, total.committed)


@dataclass(frozen=True)
class Statement:
    """What a statement shows for a period: opening, money in, money out, closing."""

    start: date
    end: date
    opening: int
    money_in: int
    money_out: int
    entries: tuple[Entry, ...]

    @property
    def closing(self) -> int:
        return self.opening + self.money_in - self.money_out

    @property
    def movement(self) -> int:
        return self.money_in - self.money_out


def statement(entries: Iterable[Entry], start: date, end: date) -> Statement:
    """The statement of ``entries`` for ``start``..``end`` inclusive."""
    if end < start:
        raise ValueError("A statement's period must end on or after its start.")
    opening = money_in = money_out = 0
    shown: list[Entry] = []
    for e in entries:
        if e.on < start:
            opening += e.effects.balance
        elif e.on <= end:
            shown.append(e)
            if e.effects.balance >= 0:
                money_in += e.effects.balance
            else:
                money_out -= e.effects.balance
    shown.sort(key=lambda e: e.on)
    return Statement(start, end, opening, money_in, money_out, tuple(shown))
