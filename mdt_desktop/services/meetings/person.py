"""One person's meetings, for their record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AgendaItem,
    Meeting,
    Team,
)

from .agenda import _latest_decisions

# --- one person's meetings (for their record) ----------------------------------------------


@dataclass(frozen=True)
class PersonMeetingLine:
    meeting: str
    starts_at: datetime
    reason: str
    status: str
    decision: str | None
    next_review_on: date | None
    discussion: str | None


def person_meetings(store: Store, patient_id: uuid.UUID) -> list[PersonMeetingLine]:
    with store.session() as s:
        rows = s.execute(
            select(AgendaItem, Meeting)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.patient_id == patient_id,
                AgendaItem.deleted_at.is_(None),
                Meeting.deleted_at.is_(None),
            )
            .order_by(Meeting.starts_at.desc())
        ).all()
        decisions = _latest_decisions(s, [i.id for i, _ in rows])
        teams = {t.id: t.name for t in s.scalars(select(Team))}
        out = []
        for item, meeting in rows:
            d = decisions.get(item.id)
            out.append(
                PersonMeetingLine(
                    f"{teams.get(meeting.team_id, 'MDT') if meeting.team_id else 'MDT'} — "
                    f"{format_local_datetime(meeting.starts_at)}",
                    meeting.starts_at,
                    item.reason,
                    item.status,
                    rules.decision_words(d.outcome, d.referred_to) if d else None,
                    d.next_review_on if d else None,
                    item.discussion,
                )
            )
        return out
