"""Escalations and the meetings: which meeting will take one, and which are left off.

An escalation stands until the MDT has discussed the person (recording an outcome for them
clears it, see ``caseload.escalation_discussed``). Until then it is proposed for every
meeting of the team, first on the list; these say so in words, and let Present and End
warn the chair about escalations that are not on the agenda.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.meetings import AgendaStatus, MeetingStatus
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CaseloadEntry, Meeting

from .agenda import ProposedCase, propose_agenda

# A meeting planned for earlier today may still be about to start (or be running late).
_STILL_TO_COME = timedelta(hours=12)


def escalations_not_on_agenda(
    store: Store, meeting_id: uuid.UUID, today: date | None = None
) -> list[ProposedCase]:
    """People escalated to the MDT (and not yet discussed) who are not on this agenda."""
    return [c for c in propose_agenda(store, meeting_id, today) if c.reason_kind == "escalation"]


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not the locale's: the app's words


def _when(meeting: Meeting) -> str:
    """ "Tue 08-Dec-2026 14:00", in local time."""
    day = _DAYS[meeting.starts_at.astimezone().weekday()]
    return f"{day} {format_local_datetime(meeting.starts_at)}"


def escalation_confirmation(
    store: Store, patient_id: uuid.UUID, now: datetime | None = None
) -> str:
    """What escalating this person has done, in a sentence: the meeting it is for."""
    now = now or datetime.now(UTC)
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(
                CaseloadEntry.patient_id == patient_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                CaseloadEntry.deleted_at.is_(None),
            )
        ).first()
        meeting = None
        if entry is not None:
            meeting = s.scalars(
                select(Meeting)
                .where(
                    Meeting.team_id == entry.team_id,
                    Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS)),
                    Meeting.starts_at > now - _STILL_TO_COME,
                    Meeting.deleted_at.is_(None),
                )
                .order_by(Meeting.starts_at)
                .limit(1)
            ).first()
        if meeting is None:
            return (
                "Escalated: no MDT meeting is scheduled — it will be proposed for the next "
                "one scheduled."
            )
        on_agenda = any(
            i.patient_id == patient_id and i.status == AgendaStatus.PENDING
            for i in q.agenda_items(s, meeting.id)
        )
        where = "on the agenda of" if on_agenda else "proposed for"
        return f"Escalated: {where} the MDT meeting on {_when(meeting)}."
