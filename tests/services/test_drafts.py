"""Drafts: per user, per person, per kind; local only (no audit, no sync outbox)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.care_plans import clinician, person_on_caseload

from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import drafts
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, OutboxEntry


def _counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            s.scalar(select(func.count()).select_from(OutboxEntry)) or 0,
        )


def test_a_draft_is_kept_replaced_and_dropped_for_its_own_user(store: Store) -> None:
    nurse = clinician(store, Role.DISTRICT_NURSE, "Sam Carter")
    pid = person_on_caseload(store)
    before = _counts(store)
    drafts.keep_draft(store, pid, DraftKind.NOTE, {"text": "BP 150/90", "category": "visit"})
    drafts.keep_draft(store, pid, DraftKind.NOTE, {"text": "BP 150/90, pulse 88"})
    drafts.keep_draft(store, pid, "care_plan", {"content": {"needs": "Stairs"}})
    note = drafts.draft(store, pid, DraftKind.NOTE)
    assert note is not None and note.content == {"text": "BP 150/90, pulse 88"}
    assert note.saved_at.tzinfo is not None
    assert drafts.draft(store, pid, DraftKind.CARE_PLAN).content["content"] == {"needs": "Stairs"}
    # Typing is not an event for the audit log or the team: nothing written for either.
    assert _counts(store) == before
    gp = clinician(store, Role.GP, "Dr Priya Raman")
    assert drafts.draft(store, pid, DraftKind.NOTE) is None  # another user's drafts
    sign_in(store, nurse)
    drafts.drop_draft(store, pid, DraftKind.NOTE)
    assert drafts.draft(store, pid, DraftKind.NOTE) is None
    assert drafts.draft(store, pid, DraftKind.CARE_PLAN) is not None
    assert gp.id != nurse.id
    with pytest.raises(ValueError):
        drafts.keep_draft(store, pid, "letter", {"text": "x"})
