"""What every part of the meetings service shares: its error, permission and guards."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.meetings import (
    MeetingStatus,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Meeting,
)

from ..errors import InvalidInput


class MeetingError(InvalidInput):
    """Something about a meeting that cannot be done, said in plain words."""


def _require(store: Store, permission: Permission) -> None:
    # The system actor (the CLI with nobody signed in, the demo) does housekeeping.
    if store.actor.role != "system":
        require(store.actor.role, permission)


def _meeting(s: Session, meeting_id: uuid.UUID) -> Meeting:
    meeting = s.get(Meeting, meeting_id)
    if meeting is None or meeting.deleted_at is not None:
        raise MeetingError("That meeting is not in this store.")
    return meeting


def _open_for_changes(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise MeetingError(
            f"This meeting is {rules.MEETING_STATUS_LABELS[meeting.status].lower()}: "
            "its record can no longer change."
        )
