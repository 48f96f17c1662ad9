"""Drafts: clinical text typed but not yet saved, kept so that closing or a crash loses none."""

from __future__ import annotations

from enum import StrEnum


class DraftKind(StrEnum):
    NOTE = "note"  # the Notes tab's new note
    CARE_PLAN = "care_plan"  # the care plan editor's unsaved edits


# After the last keystroke, how long before the text is written to the store: a crash
# loses at most this much typing, and a steady typist does not write on every key.
DRAFT_DELAY_MS = 1500
