"""Exporting a meeting's minutes: read, write the PDF, record the export in the audit log."""

from __future__ import annotations

import uuid
from pathlib import Path

from mdt_desktop.domain.meetings import role_label
from mdt_desktop.reports.minutes import write_minutes
from mdt_desktop.store.database import Store

from .meetings import MeetingError, minutes


def export_minutes(store: Store, meeting_id: uuid.UUID, path: Path) -> Path:
    """Write the minutes PDF to ``path`` (whole or not at all) and audit the export."""
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        raise MeetingError("The minutes are saved as a .pdf file.")
    if not path.parent.is_dir():
        raise MeetingError(f"There is no folder {path.parent}.")
    content = minutes(store, meeting_id)
    actor = store.actor
    by = actor.name if actor.role == "system" else f"{actor.name} ({role_label(actor.role)})"
    write_minutes(path, content, by)
    not_reached = sum(1 for c in content.cases if c.not_reached)
    store.audit(
        "export",
        "meetings",
        meeting_id,
        detail=f"minutes PDF, {len(content.cases)} cases ({not_reached} not reached)",
    )
    return path
