"""The patient record: banner and tabs (Summary, Care team, Notes, and features' own)."""

from __future__ import annotations

from .registry import RECORD_TABS, register_record_tab, tab_factory, unregister_record_tab
from .view import RecordView, RecordWindow, open_record_window

__all__ = [
    "RECORD_TABS",
    "RecordView",
    "RecordWindow",
    "open_record_window",
    "register_record_tab",
    "tab_factory",
    "unregister_record_tab",
]
