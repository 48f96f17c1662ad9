"""MDT meeting rules in the team's own words: quorum, agenda reasons, decisions.

Pure Python: the services feed these from the store, the GUI and the minutes show
their words.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.errors import InvalidInput
from mdt_desktop.domain.vocab import Vocabulary

from .roles import Role

# "A GP and at least three different disciplines" (the GP counts as one of the three).
DEFAULT_QUORUM_RULE: dict[str, int] = {"gp": 1, "disciplines": 3}

# People who run the meeting but are not a clinical or care discipline for quorum.
NOT_A_DISCIPLINE = {Role.ADMINISTRATOR.value}

REASON_LABELS = {
    "carried_forward": "Not reached last time",
    "escalation": "Escalated",
    "admitted": "In hospital",
    "discharged": "Recently discharged",
    "new_referral": "New referral",
    "review_due": "Review due",
    "added": "Added",
}
# The order reasons are discussed in (and which names a person proposed for several) is
# one table, AGENDA_ORDER in services/meetings/order.py.


class Attendance(Vocabulary):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Sent apologies"
    ABSENT = "absent", "Absent"


class MeetingStatus(Vocabulary):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class AgendaStatus(Vocabulary):
    PENDING = "pending", "To discuss"
    DISCUSSED = "discussed", "Discussed"
    NOT_REACHED = "not_reached", "Not reached"


class DecisionOutcome(Vocabulary):
    """What the MDT decided for a case."""

    CONTINUE = "continue", "Continue"
    STEP_UP = "step_up", "Step up"
    STEP_DOWN = "step_down", "Step down"
    REFER = "refer", "Refer to a named service"
    CLOSE = "close", "Close"


class ActionStatus(Vocabulary):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ATTENDANCE_LABELS = Attendance.labels()
OUTCOMES = DecisionOutcome.values()
OUTCOME_LABELS = DecisionOutcome.labels()
# The caseload status a decision leaves the entry in (None: unchanged).
OUTCOME_CASELOAD_STATUS = {
    DecisionOutcome.STEP_DOWN.value: CaseloadStatus.STEPPED_DOWN,
    DecisionOutcome.CLOSE.value: CaseloadStatus.CLOSED,
}
AGENDA_STATUS_LABELS = AgendaStatus.labels()
MEETING_STATUS_LABELS = MeetingStatus.labels()

MIN_MINUTES, MAX_MINUTES = 1, 60


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role.replace("_", " ").capitalize() if role else "Role not known"


@dataclass(frozen=True)
class Attendee:
    """One line of the attendance list, as quorum needs it."""

    name: str
    role: str
    attendance: str  # present / apologies / absent
    is_guest: bool = False


@dataclass(frozen=True)
class Quorum:
    met: bool
    gps_present: int
    gps_needed: int
    disciplines_present: tuple[str, ...]
    disciplines_needed: int

    @property
    def detail(self) -> str:
        """One sentence for the screen, the record and the minutes."""
        roles = ", ".join(role_label(r) for r in self.disciplines_present) or "none"
        gp = f"GPs present: {self.gps_present} ({self.gps_needed} needed)"
        disciplines = (
            f"disciplines present: {len(self.disciplines_present)} "
            f"({self.disciplines_needed} needed) — {roles}"
        )
        verdict = "Quorate" if self.met else "Not quorate"
        return f"{verdict}: {gp}; {disciplines}."


def parse_quorum_rule(rule: Mapping[str, Any] | None) -> dict[str, int]:
    """The team's rule with the default for anything missing or unreadable."""
    parsed = dict(DEFAULT_QUORUM_RULE)
    if isinstance(rule, Mapping):
        for key in parsed:
            value = rule.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                parsed[key] = value
    return parsed


def evaluate_quorum(attendees: Iterable[Attendee], rule: Mapping[str, Any] | None) -> Quorum:
    """Who is present decides; apologies and absence count for nothing."""
    wanted = parse_quorum_rule(rule)
    present = [a for a in attendees if a.attendance == "present"]
    gps = sum(1 for a in present if a.role == Role.GP.value)
    disciplines = tuple(
        sorted({a.role for a in present if a.role and a.role not in NOT_A_DISCIPLINE})
    )
    met = gps >= wanted["gp"] and len(disciplines) >= wanted["disciplines"]
    return Quorum(met, gps, wanted["gp"], disciplines, wanted["disciplines"])


def check_minutes(minutes: int) -> int:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"Minutes per case are {MIN_MINUTES} to {MAX_MINUTES}.")
    return minutes


def check_decision(
    outcome: str, referred_to: str | None, next_review_on: date | None, meeting_day: date
) -> None:
    """A decision the minutes can stand behind: a known outcome, a named service to refer to,
    and a next review that is not in the past (none for a closed case)."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"The decision is one of: {', '.join(OUTCOME_LABELS.values())}.")
    if outcome == "refer" and not (referred_to and referred_to.strip()):
        raise InvalidInput("Name the service the person is referred to.")
    if outcome == "close" and next_review_on is not None:
        raise InvalidInput("A closed case has no next review date.")
    if next_review_on is not None and next_review_on < meeting_day:
        raise InvalidInput("The next review date is before the meeting.")


def decision_words(outcome: str, referred_to: str | None) -> str:
    label = OUTCOME_LABELS.get(outcome, outcome)
    if outcome == "refer" and referred_to:
        return f"Refer to {referred_to.strip()}"
    return label


def reason_line(reason_kind: str, reason: str) -> str:
    """The agenda's words for why someone is there; the chair's own words say "Added"."""
    return f"Added: {reason}" if reason_kind == "added" else reason


def carried_reason(reason_kind: str, reason: str, not_reached_on: str) -> str:
    """ "Not reached on 11-Nov-2026 — Review due 09-Nov-2026": the first reason is kept."""
    base = reason
    if reason_kind == "carried_forward" and " — " in reason:
        base = reason.split(" — ", 1)[1]
    else:
        base = reason_line(reason_kind, reason)
    return f"Not reached on {not_reached_on} — {base}"


def format_timer(seconds: int) -> str:
    """Elapsed time on a case, mm:ss (negative never shown)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


# --- minutes: what the PDF says, as words --------------------------------------------------


@dataclass(frozen=True)
class MinutesAction:
    description: str
    owner: str
    due: str
    status: str


@dataclass(frozen=True)
class MinutesCase:
    position: int
    banner_line: str  # name and NHS number 3-3-4: who, unmistakably
    born: str
    reason: str
    status: str
    discussion: str
    decision: str
    next_review: str
    actions: tuple[MinutesAction, ...]
    # Not reached: the minutes give it one line (it is carried to the next meeting).
    not_reached: bool = False


@dataclass(frozen=True)
class Minutes:
    meeting_id: uuid.UUID
    team: str
    when: str
    where: str
    chair: str
    note_taker: str
    status: str
    present: tuple[str, ...]
    apologies: tuple[str, ...]
    absent: tuple[str, ...]
    quorum: str
    cases: tuple[MinutesCase, ...]
