"""The order the team discusses people in, and how long each reason usually takes.

One table, read top to bottom: the proposals, the agenda builder, carrying forward and the
pre-ticking of proposals all sort by :func:`agenda_rank`. A new reason for discussing
someone (a budget review, say) is one more :class:`Band` in :data:`AGENDA_ORDER`, placed
where the team wants it discussed; a reason not in the table comes last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Band:
    """People proposed for one reason, discussed together at the agenda's place for it.

    ``pressing`` narrows a reason to its urgent (True) or routine (False) cases: an urgent
    referral, an overdue review. None takes both.
    """

    reason_kind: str
    pressing: bool | None
    minutes: int


# Escalations, people in hospital or just discharged, urgent referrals, overdue reviews,
# other reviews; then routine referrals and the chair's own additions.
AGENDA_ORDER: tuple[Band, ...] = (
    Band("escalation", None, 10),
    # Items carried forward before they kept their own reason (older stores).
    Band("carried_forward", None, 5),
    Band("admitted", None, 5),
    Band("discharged", None, 5),
    Band("new_referral", True, 10),
    Band("review_due", True, 5),
    Band("review_due", False, 5),
    Band("new_referral", False, 10),
    Band("added", None, 5),
)
DEFAULT_MINUTES = 5
# A meeting is booked for an hour and a half unless the chair says otherwise.
DEFAULT_LENGTH = 90


def meeting_length(length_minutes: int | None) -> int:
    """The meeting's length; a row synced from a device that had no lengths has none."""
    return DEFAULT_LENGTH if length_minutes is None else length_minutes


def _band(reason_kind: str, pressing: bool) -> int:
    for index, band in enumerate(AGENDA_ORDER):
        if band.reason_kind == reason_kind and band.pressing in (None, pressing):
            return index
    return len(AGENDA_ORDER)


def agenda_rank(reason_kind: str, pressing: bool = False, carried: bool = False) -> tuple[int, int]:
    """Where a case goes on the agenda: by its band, and within a band a case carried
    forward first (it has already waited a meeting)."""
    return (_band(reason_kind, pressing), 0 if carried else 1)


def default_minutes(reason_kind: str, pressing: bool = False) -> int:
    """Minutes a case is given when it is put on the agenda (the chair can change them)."""
    index = _band(reason_kind, pressing)
    return AGENDA_ORDER[index].minutes if index < len(AGENDA_ORDER) else DEFAULT_MINUTES


def in_agenda_order(
    cases: Iterable[T], rank: Callable[[T], tuple[int, int]], name: Callable[[T], str]
) -> list[T]:
    """The cases sorted for the agenda; people of the same rank by name, so the list is
    the same each time it is read."""
    return sorted(cases, key=lambda c: (rank(c), name(c)))
