"""Audit entries for looking at lists of people: once per opening, never per scroll.

A list of names and NHS numbers is a view of every person on it. The list's first page
(an opening, or a new filter) is one audit entry; the pages that scrolling fetches add
none, or a long scroll would flood the log.
"""

from __future__ import annotations

import uuid

from mdt_desktop.store.database import Store

# The lists people see, by the table the audit entry names.
CASE_FINDING = "risk_scores"
CASELOAD = "caseload_entries"
INBOX = "note_mentions"
AUDIT_LOG = "audit_log"

LABELS = {
    CASE_FINDING: "the case-finding list",
    CASELOAD: "the caseload list",
    INBOX: "the inbox",
    AUDIT_LOG: "the audit log",
}


def list_opened(store: Store, which: str, shown: int, detail: str | None = None) -> int | None:
    """Record that ``which`` list was opened showing ``shown`` rows (its first page)."""
    if store.rendering_only:
        return None
    text = f"opened {LABELS[which]}: {shown} rows on the first page"
    return store.audit("view", which, None, None, detail=f"{text}; {detail}" if detail else text)


def person_detail_viewed(store: Store, which: str, patient_id: uuid.UUID) -> int | None:
    """A side panel showing one person's details from a list (why they are on it)."""
    if store.rendering_only:
        return None
    return store.audit("view", which, patient_id, patient_id, detail=f"details in {LABELS[which]}")
