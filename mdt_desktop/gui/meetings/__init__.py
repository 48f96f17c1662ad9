"""MDT meetings: the page, meeting mode, the actions tracker and a person's meetings tab."""

from .meeting_mode import MeetingMode
from .page import MeetingsPage
from .person_tab import meetings_tab

__all__ = ["MeetingMode", "MeetingsPage", "meetings_tab"]
