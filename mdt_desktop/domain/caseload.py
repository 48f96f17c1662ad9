"""The caseload's words and rules: statuses, flags, note categories, mentions.

A referral waits in the inbox until someone accepts it (the person becomes an active
case with a named care coordinator) or declines it with a reason. An active case is
later stepped down (to universal services, still known to the team) or closed, again
with a reason. Flags say what needs attention on the caseload list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from mdt_desktop.domain.errors import InvalidInput
from mdt_desktop.domain.vocab import Vocabulary


class CaseloadStatus(Vocabulary):
    """Where a case on the team's caseload stands."""

    ACTIVE = "active", "Active"
    STEPPED_DOWN = "stepped_down", "Stepped down"
    CLOSED = "closed", "Closed"


class ReferralStatus(Vocabulary):
    WAITING = "waiting", "Referral waiting"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Urgency(Vocabulary):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon"
    URGENT = "urgent", "Urgent"


class ReferralSource(Vocabulary):
    CASE_FINDING = "case_finding", "Case finding"
    MANUAL = "manual", "Manual referral"
    DISCHARGE = "discharge", "Hospital discharge"
    EXTERNAL = "external", "External"


# The caseload list shows referrals and cases together; these are its statuses.
STATUS_LABELS = {
    ReferralStatus.WAITING.value: ReferralStatus.WAITING.label,
    **CaseloadStatus.labels(),
    ReferralStatus.DECLINED.value: ReferralStatus.DECLINED.label,
}
URGENCY_LABELS = Urgency.labels()
SOURCE_LABELS = ReferralSource.labels()
# Days to the first review after a referral is accepted, unless someone says otherwise.
DEFAULT_FIRST_REVIEW_DAYS = 28
CARE_PLAN_REVIEW_WARNING_DAYS = 14


class Flag(StrEnum):
    REVIEW_OVERDUE = "review_overdue"
    ESCALATED = "escalated"
    IN_HOSPITAL = "in_hospital"
    NO_CARE_PLAN = "no_care_plan"
    CARE_PLAN_REVIEW_DUE = "care_plan_review_due"
    BUDGET_ALERT = "budget_alert"

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]


FLAG_LABELS = {
    Flag.REVIEW_OVERDUE: "Review overdue",
    Flag.ESCALATED: "Escalated",
    Flag.IN_HOSPITAL: "In hospital",
    Flag.NO_CARE_PLAN: "No care plan",
    Flag.CARE_PLAN_REVIEW_DUE: "Care-plan review due",
    Flag.BUDGET_ALERT: "Budget needs attention",
}


@dataclass(frozen=True)
class CaseFacts:
    """What the flags are worked out from (one caseload row)."""

    status: str
    next_review_on: date | None
    escalated_at: datetime | None
    in_hospital: bool
    has_care_plan: bool
    care_plan_review_on: date | None
    # Any alert on a live personal health budget (worked out in SQL: store/budgets.py).
    budget_alert: bool = False


def flags_for(facts: CaseFacts, today: date) -> list[Flag]:
    """The flags of one case, most pressing first; only active cases carry flags."""
    if facts.status != "active":
        return []
    flags: list[Flag] = []
    if facts.escalated_at is not None:
        flags.append(Flag.ESCALATED)
    if facts.in_hospital:
        flags.append(Flag.IN_HOSPITAL)
    if facts.next_review_on is not None and facts.next_review_on < today:
        flags.append(Flag.REVIEW_OVERDUE)
    if not facts.has_care_plan:
        flags.append(Flag.NO_CARE_PLAN)
    elif facts.care_plan_review_on is not None and (
        (facts.care_plan_review_on - today).days <= CARE_PLAN_REVIEW_WARNING_DAYS
    ):
        flags.append(Flag.CARE_PLAN_REVIEW_DUE)
    if facts.budget_alert:
        flags.append(Flag.BUDGET_ALERT)
    return flags


class NoteCategory(StrEnum):
    GENERAL = "general"
    CONCERN = "concern"
    UPDATE = "update"
    VISIT = "visit"
    PHONE_CALL = "phone_call"
    MEDICINES = "medicines"
    SAFEGUARDING = "safeguarding"
    ESCALATION = "escalation"
    CORRECTION = "correction"
    CASELOAD = "caseload"  # written by the app when a case changes hands or status

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Categories a person picks from; escalation, correction and caseload come from actions.
WRITABLE_CATEGORIES = (
    NoteCategory.GENERAL,
    NoteCategory.UPDATE,
    NoteCategory.CONCERN,
    NoteCategory.VISIT,
    NoteCategory.PHONE_CALL,
    NoteCategory.MEDICINES,
    NoteCategory.SAFEGUARDING,
)

MAX_NOTE_LENGTH = 20_000


def clean_text(text: str, what: str, *, limit: int = MAX_NOTE_LENGTH) -> str:
    """Stripped text, or ValueError naming what is missing or too long."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput(f"{what[:1].upper()}{what[1:]} cannot be empty.")
    if len(cleaned) > limit:
        raise InvalidInput(
            f"{what[:1].upper()}{what[1:]} is too long "
            f"({len(cleaned):,} characters; at most {limit:,})."
        )
    return cleaned
