"""Today: what is waiting for the signed-in person, read in one go off the GUI thread.

Referrals waiting for the team (oldest first), my reviews overdue and due this week, notes
that mention me (unread first), my open and overdue actions, my people in hospital, and the
team's next meeting with its agenda against its length.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from mdt_desktop.domain.discharges import local_date
from mdt_desktop.services.discharges.board import BoardFilter, BoardLine, board
from mdt_desktop.services.meetings.order import meeting_length
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.store import today as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

# Reviews "due" are those on or before this many days from today.
DUE_WITHIN_DAYS = 7
# Each list on Today shows its first few; the page behind it shows the rest.
SHOWN = 5


@dataclass(frozen=True)
class TodaySummary:
    today: date
    staff_id: uuid.UUID
    caseload: int
    referrals_waiting: int
    referrals: list[reads.WaitingReferral]
    reviews_due: int
    reviews_overdue: int
    reviews: list[reads.Review]
    mentions: int
    mentions_unread: int
    mention_rows: list[reads.Mention]
    actions_open: int
    actions_overdue: int
    actions: list[reads.OpenAction]
    in_hospital: list[BoardLine] = field(default_factory=list)
    next_meeting: reads.NextMeeting | None = None

    def days_waiting(self, referral: reads.WaitingReferral) -> int:
        return max(0, (self.today - local_date(referral.referred_at)).days)


def today_for(store: Store, user: User, now: datetime | None = None) -> TodaySummary:
    """Everything Today shows for ``user``, as of ``now`` (default: this moment)."""
    now = now or datetime.now(UTC)
    day = local_date(now)
    me = staff_for_user(store, user).id
    team = user.team_id
    with store.session() as s:
        waiting, referrals = reads.waiting_referrals(s, team, SHOWN)
        due, reviews = reads.reviews_due(s, me, day + timedelta(days=DUE_WITHIN_DAYS), SHOWN)
        overdue, _ = reads.reviews_due(s, me, day - timedelta(days=1), 0)
        mentions, unread, mention_rows = reads.mentions_of(s, me, SHOWN)
        actions, late, action_rows = reads.open_actions(s, me, day, SHOWN)
        caseload = reads.caseload_size(s, me)
        meeting = reads.next_meeting(s, team, now)
    if meeting is not None:  # a meeting synced without a length has the agenda's default
        meeting = meeting._replace(length_minutes=meeting_length(meeting.length_minutes))
    hospital = board(store, team, today=day, where=BoardFilter(owner_staff_id=me))
    return TodaySummary(
        today=day,
        staff_id=me,
        caseload=caseload,
        referrals_waiting=waiting,
        referrals=referrals,
        reviews_due=due,
        reviews_overdue=overdue,
        reviews=reviews,
        mentions=mentions,
        mentions_unread=unread,
        mention_rows=mention_rows,
        actions_open=actions,
        actions_overdue=late,
        actions=action_rows,
        in_hospital=hospital,
        next_meeting=meeting,
    )
