"""Drafts: what someone typed in a record and has not saved, kept so that nothing is lost.

A draft belongs to the signed-in user, one person's record and one kind (a new note, the
care plan's edits). It is written a moment after typing stops, and when the record is
closed with "Keep as draft", locked or the app quits; it is offered back the next time
that user opens the record, and deleted once the note or plan is saved or the draft is
discarded. Drafts stay on this laptop (see docs/architecture.md, "Drafts").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.store.database import Store
from mdt_desktop.store.drafts import DraftRow, draft_of
from mdt_desktop.store.schema import Draft


def _user(store: Store) -> uuid.UUID | None:
    return store.actor.user_id


def keep_draft(
    store: Store, patient_id: uuid.UUID, kind: DraftKind | str, content: dict[str, Any]
) -> None:
    """Write (or replace) the signed-in user's draft of this kind in this record."""
    user_id = _user(store)
    if user_id is None:
        return  # nobody signed in (the store is being set up): nothing of theirs to keep
    kind = DraftKind(kind)
    now = datetime.now(UTC)
    with store.transaction() as s:
        row = s.get(Draft, (user_id, patient_id, kind.value))
        if row is None:
            s.add(
                Draft(
                    user_id=user_id,
                    patient_id=patient_id,
                    kind=kind.value,
                    content=content,
                    saved_at=now,
                )
            )
        else:
            row.content = content
            row.saved_at = now


def draft(store: Store, patient_id: uuid.UUID, kind: DraftKind | str) -> DraftRow | None:
    """The signed-in user's draft of this kind in this record, if there is one."""
    user_id = _user(store)
    if user_id is None:
        return None
    with store.session() as s:
        return draft_of(s, user_id, patient_id, DraftKind(kind).value)


def drop_draft(store: Store, patient_id: uuid.UUID, kind: DraftKind | str) -> None:
    """Saved or discarded: the draft goes."""
    user_id = _user(store)
    if user_id is None:
        return
    with store.transaction() as s:
        row = s.get(Draft, (user_id, patient_id, DraftKind(kind).value))
        if row is not None:
            s.delete(row)
