"""Actions agreed at meetings: the tracker, a user's own, completing, adding."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from mdt_desktop.domain.meetings import (
    ActionStatus,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Action,
    AgendaItem,
    User,
)

from ..staff import staff_for_user
from ._common import MeetingError, _meeting, _open_for_changes, _require
from .agenda import _name
from .outcomes import NewAction

# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionLine:
    id: uuid.UUID
    description: str
    owner_name: str | None
    owner_staff_id: uuid.UUID | None
    due_on: date | None
    status: str
    patient_id: uuid.UUID | None
    patient: str | None
    nhs_number: str | None
    meeting: str | None
    completed_at: datetime | None
    completed_by: str | None

    def overdue(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on is not None and self.due_on < today


def actions(
    store: Store,
    *,
    status: str | None = ActionStatus.OPEN,
    owner_staff_id: uuid.UUID | None = None,
    owner_name: str | None = None,
    overdue_on: date | None = None,
    patient_id: uuid.UUID | None = None,
) -> list[ActionLine]:
    with store.session() as s:
        rows = q.action_rows(
            s,
            status=status,
            owner_staff_id=owner_staff_id,
            owner_name=owner_name,
            overdue_on=overdue_on,
        )
        return [
            ActionLine(
                a.id,
                a.description,
                a.owner_name,
                a.owner_staff_id,
                a.due_on,
                a.status,
                a.patient_id,
                _name(p) if p else None,
                p.nhs_number if p else None,
                format_patient_date(m.starts_at.astimezone().date()) if m else None,
                a.completed_at,
                a.completed_by,
            )
            for a, p, m in rows
            if patient_id is None or a.patient_id == patient_id
        ]


def my_actions(
    store: Store,
    user: User,
    *,
    status: str | None = ActionStatus.OPEN,
    overdue_on: date | None = None,
    patient_id: uuid.UUID | None = None,
) -> list[ActionLine]:
    """A user's actions, for their inbox and the tracker's "Mine": the one query for both.

    Theirs means owned by their staff record, or (for an owner typed as free text and
    never linked to the directory) owned in their name.
    """
    me = staff_for_user(store, user)
    return actions(
        store,
        status=status,
        owner_staff_id=me.id,
        owner_name=user.name,
        overdue_on=overdue_on,
        patient_id=patient_id,
    )


def complete_action(store: Store, action_id: uuid.UUID) -> None:
    """Done, recording who (the signed-in user) and when."""
    with store.transaction() as s:
        action = s.get(Action, action_id)
        if action is None or action.deleted_at is not None:
            raise MeetingError("That action is not in this store.")
        if action.status != ActionStatus.OPEN:
            raise MeetingError("This action is not open.")
        action.status = ActionStatus.DONE
        action.completed_at = datetime.now(UTC)
        action.completed_by = store.actor.name


def staff_choices(store: Store, team_id: uuid.UUID | None) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, role) of the staff who can own actions or chair a meeting."""
    with store.session() as s:
        return [(p.id, p.name, p.role) for p in q.staff_of_team(s, team_id)]


def search_caseload(
    store: Store, team_id: uuid.UUID | None, text: str, limit: int = 50
) -> list[tuple[uuid.UUID, str, str | None, date | None]]:
    """(id, name, NHS number, date of birth) of people on the team's caseload."""
    with store.session() as s:
        rows = q.caseload_search(s, team_id, text, limit)
    from mdt_desktop.domain.people import display_name

    return [(pid, display_name(f, g, t), nhs, dob) for pid, f, g, t, nhs, dob in rows]


def add_actions(store: Store, item_id: uuid.UUID, new: Sequence[NewAction]) -> list[uuid.UUID]:
    """Actions agreed on a case before (or without) its decision."""
    _require(store, Permission.RECORD_DECISION)
    if not new:
        raise MeetingError("No action to add.")
    ids = []
    with store.transaction() as s:
        item = s.get(AgendaItem, item_id)
        if item is None or item.deleted_at is not None:
            raise MeetingError("That agenda item is not in this store.")
        meeting = _meeting(s, item.meeting_id)
        _open_for_changes(meeting)
        day = meeting.starts_at.astimezone().date()
        for action in new:
            what = action.description.strip()
            if not what:
                raise MeetingError("An action needs to say what is to be done.")
            if not action.owner_name.strip():
                raise MeetingError(f"The action “{what}” needs an owner.")
            if action.due_on is not None and action.due_on < day:
                raise MeetingError(f"The action “{what}” is due before the meeting.")
            row = Action(
                team_id=meeting.team_id,
                patient_id=item.patient_id,
                meeting_id=meeting.id,
                agenda_item_id=item.id,
                description=what,
                owner_staff_id=action.owner_staff_id,
                owner_name=action.owner_name.strip(),
                due_on=action.due_on,
                status=ActionStatus.OPEN,
            )
            s.add(row)
            s.flush()
            ids.append(row.id)
    return ids
