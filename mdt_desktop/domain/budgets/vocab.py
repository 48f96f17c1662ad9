"""The words of personal health budgets, each with the label a person reads.

Sources: NHS England *Personal health budgets: options for managing the money* (the three
ways to hold the money, and mixing them); the NHS (Direct Payments) Regulations 2013
(SI 2013/1617) regs 13, 15 and 17; the Care and Support (Direct Payments) Regulations 2014
for the social-care part of an integrated budget. See docs/budgets.md.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]


class BudgetKind(_Labelled):
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    INTEGRATED = "integrated"


class FundingSource(_Labelled):
    NHS_CHC = "nhs_chc"
    S117_AFTERCARE = "s117_aftercare"
    PERSONAL_WHEELCHAIR = "personal_wheelchair"
    OTHER_NHS = "other_nhs"
    SOCIAL_CARE = "social_care"

    @property
    def is_nhs(self) -> bool:
        """NHS money falls under the 2013 NHS regulations; social-care money under the 2014 ones."""
        return self is not FundingSource.SOCIAL_CARE


class HeldAs(_Labelled):
    NOTIONAL = "notional"
    THIRD_PARTY = "third_party"
    DIRECT_PAYMENT = "direct_payment"


class BudgetStatus(_Labelled):
    INDICATIVE = "indicative"
    AGREED = "agreed"
    ACTIVE = "active"
    UNDER_REVIEW = "under_review"
    SUSPENDED = "suspended"
    CLOSED = "closed"


# Each status and where it may go next. An indicative amount is agreed (or dropped); an
# agreed budget starts when money may be spent; a live budget goes under review, is
# suspended (a direct payment stopped pending a decision, reg 17) or closes. Closed is final:
# a new period is a new budget, so the history of the old one stays as it was.
TRANSITIONS: dict[BudgetStatus, frozenset[BudgetStatus]] = {
    BudgetStatus.INDICATIVE: frozenset({BudgetStatus.AGREED, BudgetStatus.CLOSED}),
    BudgetStatus.AGREED: frozenset(
        {BudgetStatus.INDICATIVE, BudgetStatus.ACTIVE, BudgetStatus.CLOSED}
    ),
    BudgetStatus.ACTIVE: frozenset(
        {BudgetStatus.UNDER_REVIEW, BudgetStatus.SUSPENDED, BudgetStatus.CLOSED}
    ),
    BudgetStatus.UNDER_REVIEW: frozenset(
        {BudgetStatus.ACTIVE, BudgetStatus.SUSPENDED, BudgetStatus.CLOSED}
    ),
    BudgetStatus.SUSPENDED: frozenset(
        {BudgetStatus.ACTIVE, BudgetStatus.UNDER_REVIEW, BudgetStatus.CLOSED}
    ),
    BudgetStatus.CLOSED: frozenset(),
}

# Statuses in which money may be committed or paid out.
SPENDING_STATUSES = frozenset({BudgetStatus.ACTIVE, BudgetStatus.UNDER_REVIEW})
# Statuses of a budget still running (shown on the Budgets page by default, reviewed).
LIVE_STATUSES = frozenset(
    {BudgetStatus.AGREED, BudgetStatus.ACTIVE, BudgetStatus.UNDER_REVIEW, BudgetStatus.SUSPENDED}
)


def check_transition(current: BudgetStatus | str, new: BudgetStatus | str) -> BudgetStatus:
    """The new status if the move is allowed; ValueError in plain words otherwise."""
    old, nxt = BudgetStatus(current), BudgetStatus(new)
    if nxt not in TRANSITIONS[old]:
        raise ValueError(f"A budget that is {old.label.lower()} cannot become {nxt.label.lower()}.")
    return nxt


class LineCategory(_Labelled):
    PERSONAL_ASSISTANTS = "personal_assistants"
    HOME_CARE = "home_care"
    THERAPIES = "therapies"
    EQUIPMENT = "equipment"
    TRANSPORT = "transport"
    RESPITE = "respite"
    ACTIVITIES = "activities"
    OTHER = "other"


# Care delivered in the person's home cannot be used while they are in hospital: these lines
# pause on admission and the money they would have spent accumulates as a surplus.
PAUSED_IN_HOSPITAL = frozenset({LineCategory.PERSONAL_ASSISTANTS, LineCategory.HOME_CARE})


class Frequency(_Labelled):
    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    ONE_OFF = "one_off"


class EntryKind(_Labelled):
    ALLOCATION = "allocation"
    COMMITMENT = "commitment"
    PAYMENT = "payment"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"
    OFFSET_UNUSED = "offset_unused"
    REPAYMENT_DEMAND = "repayment_demand"


class ReviewKind(_Labelled):
    SCHEDULED = "scheduled"  # on the statutory clock
    EVENT = "event"  # prompted by something that happened


class ReviewReason(_Labelled):
    STATUTORY = "statutory"
    HEALTH_CHANGE = "health_change"
    MONEY_INSUFFICIENT = "money_insufficient"
    HOSPITAL_ADMISSION = "hospital_admission"
    REQUESTED = "requested"


class ReviewClock(_Labelled):
    NHS_DIRECT_PAYMENT = "nhs_direct_payment"
    SOCIAL_CARE_DIRECT_PAYMENT = "social_care_direct_payment"


class DecisionKind(_Labelled):
    REDUCE = "reduce"  # NHS (Direct Payments) Regulations 2013, reg 13
    REPAY = "repay"  # reg 15
    STOP = "stop"  # reg 17


class DecisionGround(_Labelled):
    # reg 13: a reduction, including offsetting accumulated unused money (13(4)).
    AMOUNT_MORE_THAN_NEEDED = "amount_more_than_needed"
    UNUSED_FUNDS_OFFSET = "unused_funds_offset"
    # reg 15: repayment.
    CARE_PLAN_CHANGED = "care_plan_changed"
    CIRCUMSTANCES_CHANGED = "circumstances_changed"
    SUBSTANTIAL_UNUSED = "substantial_unused"
    USED_OUTSIDE_CARE_PLAN = "used_outside_care_plan"
    THEFT_OR_FRAUD = "theft_or_fraud"
    PATIENT_DIED = "patient_died"
    # reg 17: stopping.
    CONSENT_WITHDRAWN = "consent_withdrawn"
    NO_LONGER_PATIENT = "no_longer_patient"
    REPRESENTATIVE_UNSUITABLE = "representative_unsuitable"
    NOMINEE_DECLINES = "nominee_declines"
    NOMINATION_WITHDRAWN = "nomination_withdrawn"
    FRAUD_SUSPECTED = "fraud_suspected"
    NEEDS_NOT_MET = "needs_not_met"


GROUNDS: dict[DecisionKind, frozenset[DecisionGround]] = {
    DecisionKind.REDUCE: frozenset(
        {DecisionGround.AMOUNT_MORE_THAN_NEEDED, DecisionGround.UNUSED_FUNDS_OFFSET}
    ),
    DecisionKind.REPAY: frozenset(
        {
            DecisionGround.CARE_PLAN_CHANGED,
            DecisionGround.CIRCUMSTANCES_CHANGED,
            DecisionGround.SUBSTANTIAL_UNUSED,
            DecisionGround.USED_OUTSIDE_CARE_PLAN,
            DecisionGround.THEFT_OR_FRAUD,
            DecisionGround.PATIENT_DIED,
        }
    ),
    DecisionKind.STOP: frozenset(
        {
            DecisionGround.CONSENT_WITHDRAWN,
            DecisionGround.NO_LONGER_PATIENT,
            DecisionGround.REPRESENTATIVE_UNSUITABLE,
            DecisionGround.NOMINEE_DECLINES,
            DecisionGround.NOMINATION_WITHDRAWN,
            DecisionGround.USED_OUTSIDE_CARE_PLAN,
            DecisionGround.FRAUD_SUSPECTED,
            DecisionGround.NEEDS_NOT_MET,
            DecisionGround.PATIENT_DIED,
        }
    ),
}


class ReconsiderationOutcome(_Labelled):
    UPHELD = "upheld"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"


class AlertKind(_Labelled):
    PROJECTED_OVERSPEND = "projected_overspend"
    PROJECTED_UNDERSPEND = "projected_underspend"
    MISSING_EVIDENCE = "missing_evidence"
    UNLINKED_PAYMENT = "unlinked_payment"
    REVIEW_DUE = "review_due"
    REVIEW_OVERDUE = "review_overdue"
    PERIOD_ENDING = "period_ending"


class MatchStatus(_Labelled):
    MATCHED = "matched"
    UNMATCHED = "unmatched"


_LABELS: dict[StrEnum, str] = {
    BudgetKind.HEALTH: "Personal health budget",
    BudgetKind.SOCIAL_CARE: "Social care personal budget",
    BudgetKind.INTEGRATED: "Integrated personal budget",
    FundingSource.NHS_CHC: "NHS Continuing Healthcare",
    FundingSource.S117_AFTERCARE: "Section 117 aftercare",
    FundingSource.PERSONAL_WHEELCHAIR: "Personal wheelchair budget",
    FundingSource.OTHER_NHS: "Other NHS funding",
    FundingSource.SOCIAL_CARE: "Social care",
    HeldAs.NOTIONAL: "Notional budget",
    HeldAs.THIRD_PARTY: "Third-party budget (individual service fund)",
    HeldAs.DIRECT_PAYMENT: "Direct payment",
    BudgetStatus.INDICATIVE: "Indicative",
    BudgetStatus.AGREED: "Agreed",
    BudgetStatus.ACTIVE: "Active",
    BudgetStatus.UNDER_REVIEW: "Under review",
    BudgetStatus.SUSPENDED: "Suspended",
    BudgetStatus.CLOSED: "Closed",
    LineCategory.PERSONAL_ASSISTANTS: "Personal assistants",
    LineCategory.HOME_CARE: "Home care",
    LineCategory.THERAPIES: "Therapies",
    LineCategory.EQUIPMENT: "Equipment",
    LineCategory.TRANSPORT: "Transport",
    LineCategory.RESPITE: "Respite",
    LineCategory.ACTIVITIES: "Activities",
    LineCategory.OTHER: "Other",
    Frequency.WEEKLY: "Weekly",
    Frequency.FOUR_WEEKLY: "Every four weeks",
    Frequency.MONTHLY: "Monthly",
    Frequency.ONE_OFF: "One-off",
    EntryKind.ALLOCATION: "Allocation",
    EntryKind.COMMITMENT: "Commitment",
    EntryKind.PAYMENT: "Payment",
    EntryKind.REFUND: "Refund",
    EntryKind.ADJUSTMENT: "Adjustment",
    EntryKind.REVERSAL: "Reversal",
    EntryKind.OFFSET_UNUSED: "Offset of unused funds",
    EntryKind.REPAYMENT_DEMAND: "Repayment demand",
    ReviewKind.SCHEDULED: "Scheduled review",
    ReviewKind.EVENT: "Review prompted by an event",
    ReviewReason.STATUTORY: "Statutory review",
    ReviewReason.HEALTH_CHANGE: "Significant change in health",
    ReviewReason.MONEY_INSUFFICIENT: "Money found insufficient",
    ReviewReason.HOSPITAL_ADMISSION: "Hospital admission",
    ReviewReason.REQUESTED: "Asked for by the person or their representative",
    ReviewClock.NHS_DIRECT_PAYMENT: "NHS direct payment",
    ReviewClock.SOCIAL_CARE_DIRECT_PAYMENT: "Social care direct payment",
    DecisionKind.REDUCE: "Reduce the direct payment",
    DecisionKind.REPAY: "Repay some or all of the direct payment",
    DecisionKind.STOP: "Stop the direct payment",
    DecisionGround.AMOUNT_MORE_THAN_NEEDED: "The amount is more than the care plan needs",
    DecisionGround.UNUSED_FUNDS_OFFSET: "Offsetting unused money that has built up",
    DecisionGround.CARE_PLAN_CHANGED: "The care plan has changed substantially",
    DecisionGround.CIRCUMSTANCES_CHANGED: "Circumstances have changed substantially",
    DecisionGround.SUBSTANTIAL_UNUSED: "A substantial amount of the money has not been used",
    DecisionGround.USED_OUTSIDE_CARE_PLAN: "Money was used for something not in the care plan",
    DecisionGround.THEFT_OR_FRAUD: "Theft, fraud or another offence",
    DecisionGround.PATIENT_DIED: "The person has died",
    DecisionGround.CONSENT_WITHDRAWN: "Consent to the direct payment was withdrawn",
    DecisionGround.NO_LONGER_PATIENT: "The person is no longer a patient for this care",
    DecisionGround.REPRESENTATIVE_UNSUITABLE: "The representative or nominee is not suitable",
    DecisionGround.NOMINEE_DECLINES: "The nominee does not agree to receive the payments",
    DecisionGround.NOMINATION_WITHDRAWN: "The nomination was withdrawn",
    DecisionGround.FRAUD_SUSPECTED: "Fraud or misuse is suspected",
    DecisionGround.NEEDS_NOT_MET: "The person's needs are not being met",
    ReconsiderationOutcome.UPHELD: "Decision upheld",
    ReconsiderationOutcome.CHANGED: "Decision changed",
    ReconsiderationOutcome.WITHDRAWN: "Decision withdrawn",
    AlertKind.PROJECTED_OVERSPEND: "Projected overspend",
    AlertKind.PROJECTED_UNDERSPEND: "Projected underspend",
    AlertKind.MISSING_EVIDENCE: "Direct payment without evidence",
    AlertKind.UNLINKED_PAYMENT: "Payment not linked to a budget line",
    AlertKind.REVIEW_DUE: "Review due",
    AlertKind.REVIEW_OVERDUE: "Review overdue",
    AlertKind.PERIOD_ENDING: "Period ending without a renewal",
    MatchStatus.MATCHED: "Matched",
    MatchStatus.UNMATCHED: "Unmatched",
}


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The stored words of a vocabulary, for CHECK constraints."""
    return tuple(m.value for m in enum)
