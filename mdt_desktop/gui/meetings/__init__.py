"""MDT meetings: the page, meeting mode, the actions tracker and a person's meetings tab."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QWidget

from mdt_desktop.store.database import Store

from .page import MeetingsPage


def meetings_tab(store: Store, user: Any, patient_id: uuid.UUID) -> QWidget:
    """For the patient record: this person's meetings, decisions and actions."""
    from .person_tab import PersonMeetingsTab

    return PersonMeetingsTab(store, user, patient_id)


__all__ = ["MeetingsPage", "meetings_tab"]
