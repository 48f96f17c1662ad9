"""MDT meetings: scheduling, attendance and quorum, the agenda, outcomes, actions, minutes.

Every write is one transaction through the ORM, so each change gets its outbox and
audit entries from the flush hook. Recording a case's outcome writes the decision,
its actions, the agenda item and the caseload entry together, or nothing.

One module per part (scheduling, attendance, agenda, order, escalations, outcomes,
case_essentials, actions, person, minutes); every public name is importable from here. Where a part
and a function share a name (``meetings.actions``, ``meetings.minutes``), the name
here is the function, as it was before the split.
"""

from __future__ import annotations

from ._common import MeetingError
from .actions import (
    ActionLine,
    actions,
    add_actions,
    complete_action,
    my_actions,
    search_caseload,
    staff_choices,
)
from .agenda import (
    AgendaLine,
    ProposedCase,
    add_person,
    add_to_agenda,
    agenda,
    build_agenda,
    propose_agenda,
    remove_from_agenda,
    reorder_agenda,
    set_minutes,
)
from .attendance import (
    AttendanceLine,
    add_attendee,
    attendance,
    close_meeting,
    mark_everyone_present,
    quorum,
    set_attendance,
    start_meeting,
)
from .case_essentials import CaseEssentials, _goal_text, case_essentials
from .escalations import escalation_confirmation, escalations_not_on_agenda
from .minutes import minutes
from .order import AGENDA_ORDER, Band, agenda_rank, default_minutes
from .outcomes import (
    NewAction,
    Outcome,
    mark_discussed,
    mark_not_reached,
    record_outcome,
    recorded_outcome,
)
from .person import PersonMeetingLine, person_meetings
from .scheduling import (
    DEFAULT_LENGTH,
    MAX_LENGTH,
    MIN_LENGTH,
    MeetingSummary,
    cancel_meeting,
    list_meetings,
    meeting_summary,
    schedule_meeting,
    update_meeting,
)

__all__ = [
    "AGENDA_ORDER",
    "DEFAULT_LENGTH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "ActionLine",
    "AgendaLine",
    "AttendanceLine",
    "Band",
    "CaseEssentials",
    "MeetingError",
    "MeetingSummary",
    "NewAction",
    "Outcome",
    "PersonMeetingLine",
    "ProposedCase",
    "_goal_text",
    "actions",
    "add_actions",
    "add_attendee",
    "add_person",
    "add_to_agenda",
    "agenda",
    "agenda_rank",
    "attendance",
    "build_agenda",
    "cancel_meeting",
    "case_essentials",
    "close_meeting",
    "complete_action",
    "default_minutes",
    "escalation_confirmation",
    "escalations_not_on_agenda",
    "list_meetings",
    "mark_discussed",
    "mark_everyone_present",
    "mark_not_reached",
    "meeting_summary",
    "minutes",
    "my_actions",
    "person_meetings",
    "propose_agenda",
    "quorum",
    "record_outcome",
    "recorded_outcome",
    "remove_from_agenda",
    "reorder_agenda",
    "schedule_meeting",
    "search_caseload",
    "set_attendance",
    "set_minutes",
    "staff_choices",
    "start_meeting",
    "update_meeting",
]
