"""Lists of people are audited as views: once per opening, not per page scrolled."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, act_as, build_neighbourhood

from mdt_desktop.services import audit_log, list_views, notes
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry


@pytest.fixture
def hood(store: Store) -> Neighbourhood:
    return build_neighbourhood(store)


def _views(store: Store, entity: str) -> list[AuditEntry]:
    with store.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.entity == entity)
            )
        )


def test_audit_viewer_pages_are_one_view_per_opening(store: Store, hood: Neighbourhood) -> None:
    act_as(store, hood.admin)
    for n in range(5):
        store.audit("export", "patients", detail=f"filler {n}")
    first = audit_log.page(store, audit_log.AuditFilter(), 0, 2)
    audit_log.page(store, audit_log.AuditFilter(), 2, 2)  # scrolling
    audit_log.page(store, audit_log.AuditFilter(), 4, 2)
    assert len(first) == 2
    (view,) = _views(store, list_views.AUDIT_LOG)
    assert view.user_name == "Paul Marshall" and "audit log" in view.detail
    audit_log.page(store, audit_log.AuditFilter(action="export"))  # a new filter
    assert len(_views(store, list_views.AUDIT_LOG)) == 2


def test_the_inbox_is_audited_when_opened(store: Store, hood: Neighbourhood) -> None:
    notes.inbox(store, hood.nurse)
    (view,) = _views(store, list_views.INBOX)
    assert view.user_name == hood.nurse.name and "inbox" in view.detail
