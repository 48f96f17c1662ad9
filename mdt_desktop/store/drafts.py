"""Reading drafts: one user's unsaved text in one record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from .schema import Draft


class DraftRow(NamedTuple):
    kind: str
    content: dict[str, Any]
    saved_at: datetime


def draft_of(s: Session, user_id: uuid.UUID, patient_id: uuid.UUID, kind: str) -> DraftRow | None:
    row = s.get(Draft, (user_id, patient_id, kind))
    return None if row is None else DraftRow(row.kind, dict(row.content), row.saved_at)
