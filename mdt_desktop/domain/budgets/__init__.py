"""Personal health budgets: vocabularies, money, the ledger, forecasts, reviews, alerts, notices.

Pure Python: no Qt, no SQL. The store keeps each ledger entry with the effects computed here,
so that every total is one SQL aggregate; the services apply the rules.
"""

from .alerts import DEFAULT_VARIANCE_SHARE, PERIOD_ENDING_DAYS, Alert, AlertFacts, budget_alerts
from .decisions import DecisionDraft, notice_points, problems
from .forecast import Projection, add_months, occurrences, planned_spend, project
from .ledger import (
    CREDIT_KINDS,
    DEBIT_KINDS,
    Effects,
    Entry,
    Statement,
    Totals,
    effects_of,
    reversal_effects,
    statement,
    totals,
)
from .money import Pence, as_pence, format_pence, parse_pence, round_half_even, share
from .reviews import (
    EVENT_REVIEW_DAYS,
    FIRST_REVIEW_MONTHS,
    INTERVAL_MONTHS,
    NextReview,
    ReviewFact,
    clock_for,
    clocks_for,
    event_due,
    next_review,
    scheduled_due,
)
from .vocab import (
    GROUNDS,
    LIVE_STATUSES,
    PAUSED_IN_HOSPITAL,
    SPENDING_STATUSES,
    TRANSITIONS,
    AlertKind,
    BudgetKind,
    BudgetStatus,
    DecisionGround,
    DecisionKind,
    EntryKind,
    Frequency,
    FundingSource,
    HeldAs,
    LineCategory,
    MatchStatus,
    ReconsiderationOutcome,
    ReviewClock,
    ReviewKind,
    ReviewReason,
    check_transition,
    values,
)

__all__ = [
    "CREDIT_KINDS", "DEBIT_KINDS", "DEFAULT_VARIANCE_SHARE", "EVENT_REVIEW_DAYS",
    "FIRST_REVIEW_MONTHS", "GROUNDS", "INTERVAL_MONTHS", "LIVE_STATUSES", "PAUSED_IN_HOSPITAL",
    "PERIOD_ENDING_DAYS", "SPENDING_STATUSES", "TRANSITIONS", "Alert", "AlertFacts",
    "AlertKind", "BudgetKind", "BudgetStatus", "DecisionDraft", "DecisionGround",
    "DecisionKind", "Effects", "Entry", "EntryKind", "Frequency", "FundingSource", "HeldAs",
    "LineCategory", "MatchStatus", "NextReview", "Pence", "Projection",
    "ReconsiderationOutcome", "ReviewClock", "ReviewFact", "ReviewKind", "ReviewReason",
    "Statement", "Totals", "add_months", "as_pence", "budget_alerts", "check_transition",
    "clock_for", "clocks_for", "effects_of", "event_due", "format_pence", "next_review",
    "notice_points", "occurrences", "parse_pence", "planned_spend", "problems", "project",
    "reversal_effects", "round_half_even", "scheduled_due", "share", "statement", "totals",
    "values",
]  # fmt: skip
