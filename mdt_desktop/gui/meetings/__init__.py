"""MDT meetings: the page, meeting mode, the actions tracker and a person's meetings tab."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QWidget

from mdt_desktop.store.database import Store

from ..features import DashboardCard, Feature, RecordTabSpec
from .page import MeetingsPage


def meetings_tab(store: Store, user: Any, patient_id: uuid.UUID) -> QWidget:
    """For the patient record: this person's meetings, decisions and actions."""
    from .person_tab import PersonMeetingsTab

    return PersonMeetingsTab(store, user, patient_id)


def _page(store: Any, user: Any, host: Any) -> MeetingsPage:
    return MeetingsPage(store, user)


FEATURE = Feature(
    name="meetings",
    area="Meetings",
    page=_page,
    record_tabs=(RecordTabSpec("Meetings", meetings_tab),),
    dashboard_cards=(
        DashboardCard("meetings", "MDT meetings", "Review meetings held or planned"),
        DashboardCard("actions", "Actions", "Actions agreed in meetings"),
    ),
    demo_step="services.demo.meetings",
)

__all__ = ["FEATURE", "MeetingsPage", "meetings_tab"]
