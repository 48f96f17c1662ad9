"""The minutes of a meeting, as the domain's Minutes for the PDF and the CLI."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.meetings import (
    ActionStatus,
    AgendaStatus,
    Attendance,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Action,
    Patient,
)

from .agenda import _latest_decisions, _name
from .attendance import AttendanceLine, attendance, quorum
from .scheduling import meeting_summary

# --- minutes ------------------------------------------------------------------------------


def minutes(store: Store, meeting_id: uuid.UUID, today: date | None = None) -> rules.Minutes:
    """Everything the minutes say, read in one session; words, not database rows."""
    from mdt_desktop.domain.nhs_number import format_nhs_number
    from mdt_desktop.domain.people import format_born

    today = today or date.today()
    summary = meeting_summary(store, meeting_id)
    lines = attendance(store, meeting_id)
    q_now = quorum(store, meeting_id)

    def who(a: AttendanceLine) -> str:
        return f"{a.name} ({a.role_label}{', guest' if a.is_guest else ''})"

    with store.session() as s:
        items = q.agenda_items(s, meeting_id)
        people = {
            p.id: p
            for p in s.scalars(select(Patient).where(Patient.id.in_([i.patient_id for i in items])))
        }
        decisions = _latest_decisions(s, [i.id for i in items])
        by_item: dict[uuid.UUID, list[Action]] = {}
        if items:
            for a in s.scalars(
                select(Action)
                .where(
                    Action.agenda_item_id.in_([i.id for i in items]), Action.deleted_at.is_(None)
                )
                .order_by(Action.due_on.asc().nulls_last(), Action.description)
            ):
                assert a.agenda_item_id is not None
                by_item.setdefault(a.agenda_item_id, []).append(a)
        cases = []
        for n, item in enumerate(items, 1):
            p = people[item.patient_id]
            nhs = format_nhs_number(p.nhs_number) if p.nhs_number else "Not Known"
            d = decisions.get(item.id)
            cases.append(
                rules.MinutesCase(
                    position=n,
                    banner_line=f"{_name(p)} — NHS No. {nhs}",
                    born=format_born(p.date_of_birth, today),
                    reason=rules.reason_line(item.reason_kind, item.reason),
                    status=rules.AGENDA_STATUS_LABELS.get(item.status, item.status),
                    discussion=item.discussion or "",
                    decision=rules.decision_words(d.outcome, d.referred_to) if d else "",
                    next_review=format_patient_date(d.next_review_on)
                    if d and d.next_review_on
                    else "",
                    actions=tuple(
                        rules.MinutesAction(
                            a.description,
                            a.owner_name or "No owner",
                            format_patient_date(a.due_on) if a.due_on else "No date",
                            ActionStatus.labels().get(a.status, a.status),
                        )
                        for a in by_item.get(item.id, [])
                    ),
                    not_reached=item.status == AgendaStatus.NOT_REACHED,
                )
            )
    where = ", ".join(x for x in (summary.location, summary.video_link) if x) or "Not recorded"
    return rules.Minutes(
        meeting_id=meeting_id,
        team=summary.team,
        when=summary.when,
        where=where,
        chair=summary.chair or "Not recorded",
        note_taker=summary.note_taker or "Not recorded",
        status=rules.MEETING_STATUS_LABELS.get(summary.status, summary.status),
        present=tuple(who(a) for a in lines if a.attendance == Attendance.PRESENT),
        apologies=tuple(who(a) for a in lines if a.attendance == Attendance.APOLOGIES),
        absent=tuple(who(a) for a in lines if a.attendance == Attendance.ABSENT),
        # What was recorded when the meeting started; the attendance now if it has not.
        quorum=summary.quorum_detail or f"{q_now.detail} (as the attendance stands)",
        cases=tuple(cases),
    )
