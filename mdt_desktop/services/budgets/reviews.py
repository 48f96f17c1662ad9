"""Reviews on the statutory clock, decisions with notices, reconsiderations, hospital stays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import budgets as rules
from mdt_desktop.domain.budgets import (
    PAUSED_IN_HOSPITAL,
    BudgetStatus,
    DecisionDraft,
    DecisionGround,
    DecisionKind,
    EntryKind,
    HeldAs,
    ReviewKind,
    ReviewReason,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Budget,
    BudgetDecision,
    BudgetLine,
    BudgetReconsideration,
    BudgetReview,
    HospitalAdmission,
)

from .core import (
    _add_entry,
    _has_direct_payment,
    _optional,
    _record_status,
    _text,
    budget_for_update,
)

EVENT_REASONS = frozenset(
    {
        ReviewReason.HEALTH_CHANGE,
        ReviewReason.MONEY_INSUFFICIENT,
        ReviewReason.HOSPITAL_ADMISSION,
        ReviewReason.REQUESTED,
    }
)


def request_review(
    store: Store, budget_id: uuid.UUID, reason: str, requested_on: date, note: str | None = None
) -> uuid.UUID:
    """Ask for a review prompted by an event; it is due within EVENT_REVIEW_DAYS."""
    require(store.actor.role, Permission.MANAGE_BUDGET)
    why = ReviewReason(reason)
    if why not in EVENT_REASONS:
        raise ValueError("A review asked for after an event needs the event as its reason.")
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        review = BudgetReview(
            team_id=budget.team_id,
            budget_id=budget.id,
            kind=ReviewKind.EVENT.value,
            reason=why.value,
            requested_on=requested_on,
            outcome=_optional(note, 4000),
            recorded_by=store.actor.name,
            recorded_at=datetime.now(UTC),
        )
        s.add(review)
        s.flush()
        return review.id


def record_review(
    store: Store,
    budget_id: uuid.UUID,
    held_on: date,
    *,
    outcome: str,
    plan_meets_needs: bool,
    used_effectively: bool,
    amount_sufficient: bool,
    obligations_met: bool,
    kind: str = ReviewKind.SCHEDULED.value,
    reason: str = ReviewReason.STATUTORY.value,
    review_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Record a review held, answering what a review must cover (reg 14, read from 2010 reg 17).

    ``review_id`` completes a review asked for after an event. Money found insufficient means
    a further review is owed (the regulations say *must*), so one is asked for at once.
    """
    require(store.actor.role, Permission.MANAGE_BUDGET)
    outcome = _text(outcome, "what the review found")
    if held_on > date.today():
        raise ValueError("A review cannot be recorded as held on a date still to come.")
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        if review_id is not None:
            review = s.get(BudgetReview, review_id)
            if review is None or review.budget_id != budget.id:
                raise LookupError("That review is not one of this budget's.")
            if review.held_on is not None:
                raise ValueError("That review has already been recorded.")
        else:
            review = BudgetReview(
                team_id=budget.team_id,
                budget_id=budget.id,
                kind=ReviewKind(kind).value,
                reason=ReviewReason(reason).value,
                requested_on=held_on,
            )
            s.add(review)
        review.held_on = held_on
        review.plan_meets_needs = bool(plan_meets_needs)
        review.used_effectively = bool(used_effectively)
        review.amount_sufficient = bool(amount_sufficient)
        review.obligations_met = bool(obligations_met)
        review.outcome = outcome
        review.recorded_by = store.actor.name
        review.recorded_at = datetime.now(UTC)
        if not amount_sufficient:
            s.add(
                BudgetReview(
                    team_id=budget.team_id,
                    budget_id=budget.id,
                    kind=ReviewKind.EVENT.value,
                    reason=ReviewReason.MONEY_INSUFFICIENT.value,
                    requested_on=held_on,
                    recorded_by=store.actor.name,
                    recorded_at=datetime.now(UTC),
                )
            )
        s.flush()
        return review.id


# --- decisions --------------------------------------------------------------------------------


def make_decision(
    store: Store,
    budget_id: uuid.UUID,
    *,
    kind: str,
    grounds: Sequence[str],
    reasons: str,
    decided_on: date,
    effective_on: date | None = None,
    amount_pence: int | None = None,
    repay_by: date | None = None,
    repayer: str | None = None,
    reconsideration_route: str | None = None,
    reconsider_by: date | None = None,
) -> uuid.UUID:
    """Reduce, repay or stop a direct payment, with what the notice must say.

    A reduction posts an offset of unused money (reg 13(4)) or a negative adjustment; a
    repayment posts a repayment demand; stopping suspends the budget.
    """
    require(store.actor.role, Permission.MAKE_BUDGET_DECISION)
    draft = DecisionDraft(
        kind=DecisionKind(kind),
        grounds=tuple(DecisionGround(g) for g in grounds),
        reasons=(reasons or "").strip(),
        decided_on=decided_on,
        effective_on=effective_on,
        amount=None if amount_pence is None else rules.as_pence(amount_pence),
        repay_by=repay_by,
        repayer=_optional(repayer, 200),
        reconsideration_route=_optional(reconsideration_route, 2000),
        reconsider_by=reconsider_by,
    )
    if problems := rules.problems(draft):
        raise ValueError(" ".join(problems))
    with store.transaction() as s:
        budget = budget_for_update(s, budget_id)
        if not _has_direct_payment(s, budget):
            raise ValueError("These decisions apply to direct payments; this budget has none.")
        decision = BudgetDecision(
            team_id=budget.team_id,
            budget_id=budget.id,
            kind=draft.kind.value,
            grounds=[g.value for g in draft.grounds],
            reasons=draft.reasons,
            decided_on=decided_on,
            effective_on=effective_on,
            amount_pence=draft.amount,
            repay_by=repay_by,
            repayer=draft.repayer,
            reconsideration_route=draft.reconsideration_route,
            reconsider_by=reconsider_by,
            decided_by=store.actor.name,
            decided_by_user_id=store.actor.user_id,
        )
        s.add(decision)
        s.flush()
        note = f"{draft.kind.label}: {draft.reasons}"
        on = max(budget.period_start, min(effective_on or decided_on, budget.period_end))
        if draft.kind is DecisionKind.REDUCE:
            assert draft.amount is not None
            if DecisionGround.UNUSED_FUNDS_OFFSET in draft.grounds:
                _add_entry(s, store, budget, EntryKind.OFFSET_UNUSED, draft.amount, on, note=note)
            else:
                _add_entry(s, store, budget, EntryKind.ADJUSTMENT, -draft.amount, on, note=note)
        elif draft.kind is DecisionKind.REPAY:
            assert draft.amount is not None
            _add_entry(s, store, budget, EntryKind.REPAYMENT_DEMAND, draft.amount, on, note=note)
        elif BudgetStatus(budget.status) in (
            BudgetStatus.ACTIVE,
            BudgetStatus.UNDER_REVIEW,
        ):
            _record_status(s, store, budget, BudgetStatus.SUSPENDED, note, datetime.now(UTC))
        return decision.id


def mark_notice_sent(store: Store, decision_id: uuid.UUID, sent_on: date) -> None:
    require(store.actor.role, Permission.MAKE_BUDGET_DECISION)
    with store.transaction() as s:
        decision = s.get(BudgetDecision, decision_id)
        if decision is None:
            raise LookupError("That decision is not in this store.")
        decision.notice_sent_on = sent_on


def request_reconsideration(
    store: Store, decision_id: uuid.UUID, *, requested_on: date, requested_by: str, grounds: str
) -> uuid.UUID:
    """The person (or representative) asks for the decision to be looked at again."""
    require(store.actor.role, Permission.MANAGE_BUDGET)
    with store.transaction() as s:
        decision = s.get(BudgetDecision, decision_id)
        if decision is None or decision.deleted_at is not None:
            raise LookupError("That decision is not in this store.")
        if requested_on < decision.decided_on:
            raise ValueError("A reconsideration cannot be asked for before the decision.")
        request = BudgetReconsideration(
            team_id=decision.team_id,
            decision_id=decision.id,
            requested_on=requested_on,
            requested_by=_text(requested_by, "who asked", 200),
            grounds=_text(grounds, "why they ask for it to be reconsidered"),
        )
        s.add(request)
        s.flush()
        return request.id


def decide_reconsideration(
    store: Store, request_id: uuid.UUID, *, outcome: str, reasons: str, decided_on: date
) -> None:
    require(store.actor.role, Permission.MAKE_BUDGET_DECISION)
    result = rules.ReconsiderationOutcome(outcome)
    with store.transaction() as s:
        request = s.get(BudgetReconsideration, request_id)
        if request is None or request.deleted_at is not None:
            raise LookupError("That reconsideration request is not in this store.")
        if request.outcome is not None:
            raise ValueError("That reconsideration has already been decided.")
        if decided_on < request.requested_on:
            raise ValueError("A reconsideration is decided after it was asked for.")
        request.outcome = result.value
        request.outcome_on = decided_on
        request.outcome_reasons = _text(reasons, "the reasons for the outcome")
        request.decided_by = store.actor.name


# --- hospital stays ------------------------------------------------------------------------


@dataclass(frozen=True)
class PausedLine:
    line_id: uuid.UUID
    budget_id: uuid.UUID
    description: str
    paused_on: date
    surplus_pence: int  # what the line would have cost while paused (planned spend)


def _live_lines(s: Session, patient_id: uuid.UUID) -> list[tuple[Budget, BudgetLine]]:
    rows = s.execute(
        select(Budget, BudgetLine)
        .join(BudgetLine, BudgetLine.budget_id == Budget.id)
        .where(
            Budget.patient_id == patient_id,
            Budget.deleted_at.is_(None),
            BudgetLine.deleted_at.is_(None),
            Budget.status.in_([st.value for st in rules.LIVE_STATUSES]),
            BudgetLine.category.in_([c.value for c in PAUSED_IN_HOSPITAL]),
        )
    ).all()
    return [(b, ln) for b, ln in rows]


def _surplus(line: BudgetLine, start: date, end: date) -> int:
    return rules.planned_spend(line.amount_pence, line.frequency, line.starts_on, start, end)


def pause_for_admission(
    store: Store, patient_id: uuid.UUID, at: datetime, admission_id: uuid.UUID | None = None
) -> list[PausedLine]:
    """Admitted: lines that cannot be used in hospital (home care, personal assistants) pause,
    and each live direct-payment budget gets a review asked for (hospital admission)."""
    require(store.actor.role, Permission.RECORD_BUDGET_SPEND)
    return _pause(store, patient_id, at, admission_id)


def _pause(
    store: Store, patient_id: uuid.UUID, at: datetime, admission_id: uuid.UUID | None
) -> list[PausedLine]:
    paused: list[PausedLine] = []
    with store.transaction() as s:
        budgets: dict[uuid.UUID, Budget] = {}
        for budget, line in _live_lines(s, patient_id):
            if line.paused_at is not None:
                continue
            line.paused_at = at
            line.paused_admission_id = admission_id
            budgets[budget.id] = budget
            paused.append(PausedLine(line.id, budget.id, line.description, at.date(), 0))
        for budget in budgets.values():
            if budget.held_as == HeldAs.DIRECT_PAYMENT.value or _has_direct_payment(s, budget):
                s.add(
                    BudgetReview(
                        team_id=budget.team_id,
                        budget_id=budget.id,
                        kind=ReviewKind.EVENT.value,
                        reason=ReviewReason.HOSPITAL_ADMISSION.value,
                        requested_on=at.date(),
                        recorded_by=store.actor.name,
                        recorded_at=datetime.now(UTC),
                    )
                )
    return paused


def hospital_surplus(store: Store, patient_id: uuid.UUID, today: date) -> list[PausedLine]:
    """Lines paused now, and the planned money that has built up unused since each paused."""
    with store.session() as s:
        return [
            PausedLine(
                line.id,
                budget.id,
                line.description,
                line.paused_at.date(),
                _surplus(line, line.paused_at.date(), today),
            )
            for budget, line in _live_lines(s, patient_id)
            if line.paused_at is not None
        ]


def restart_after_discharge(store: Store, patient_id: uuid.UUID, at: datetime) -> list[PausedLine]:
    """Discharged: paused lines restart at the same level; returns each line's surplus."""
    require(store.actor.role, Permission.RECORD_BUDGET_SPEND)
    return _restart(store, patient_id, at)


def _restart(store: Store, patient_id: uuid.UUID, at: datetime) -> list[PausedLine]:
    restarted: list[PausedLine] = []
    with store.transaction() as s:
        for budget, line in _live_lines(s, patient_id):
            if line.paused_at is None:
                continue
            start = line.paused_at.date()
            # The discharge day itself is a day of care at home again.
            surplus = _surplus(line, start, max(start, at.date()) - timedelta(days=1))
            restarted.append(PausedLine(line.id, budget.id, line.description, start, surplus))
            line.paused_at = None
            line.paused_admission_id = None
    return restarted


def follow_admissions(store: Store) -> dict[str, int]:
    """Pause and restart lines from the hospital admission records.

    Discharge planning calls this after every admission and discharge (by hand or from the
    hospital's feed): the pause is a consequence of the stay, not a budget decision, so it
    needs no budget permission of whoever recorded the stay. Idempotent.
    """
    with store.session() as s:
        open_now = {
            pid: (aid, at)
            for pid, aid, at in s.execute(
                select(
                    HospitalAdmission.patient_id,
                    HospitalAdmission.id,
                    HospitalAdmission.admitted_at,
                ).where(
                    HospitalAdmission.discharged_at.is_(None),
                    HospitalAdmission.deleted_at.is_(None),
                )
            )
        }
        with_lines = set(
            s.scalars(
                select(Budget.patient_id)
                .join(BudgetLine, BudgetLine.budget_id == Budget.id)
                .where(
                    Budget.deleted_at.is_(None),
                    Budget.status.in_([st.value for st in rules.LIVE_STATUSES]),
                    BudgetLine.category.in_([c.value for c in PAUSED_IN_HOSPITAL]),
                    BudgetLine.deleted_at.is_(None),
                )
            )
        )
        paused_people = set(
            s.scalars(
                select(Budget.patient_id)
                .join(BudgetLine, BudgetLine.budget_id == Budget.id)
                .where(BudgetLine.paused_at.is_not(None), BudgetLine.deleted_at.is_(None))
            )
        )
        last_discharge = dict(
            s.execute(
                select(HospitalAdmission.patient_id, HospitalAdmission.discharged_at)
                .where(HospitalAdmission.discharged_at.is_not(None))
                .order_by(HospitalAdmission.discharged_at)
            ).all()
        )
    counts = {"paused": 0, "restarted": 0}
    for pid in with_lines & set(open_now):
        aid, at = open_now[pid]
        counts["paused"] += len(_pause(store, pid, at, aid))
    for pid in paused_people - set(open_now):
        at = last_discharge.get(pid) or datetime.now(UTC)
        counts["restarted"] += len(_restart(store, pid, at))
    return counts
