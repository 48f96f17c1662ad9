"""Referral → accept → active → stepped down or closed; decline; permissions; audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, act_as

from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import caseload
from mdt_desktop.services.notes import notes_for
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AuditEntry,
    CareTeamMember,
    CaseloadEntry,
    OutboxEntry,
    Referral,
)


def _refer(store: Store, hood: Neighbourhood, i: int = 0, **kw) -> object:
    return caseload.refer_person(
        store,
        hood.patients[i],
        reason=kw.pop("reason", "Severe frailty, two falls this month"),
        team_id=hood.team.id,
        **kw,
    )


def test_referral_accept_active_then_stepped_down(store: Store, hood: Neighbourhood) -> None:
    referral_id = _refer(store, hood, urgency="urgent", referred_by="Dr Tom Hendry")
    with store.session() as s:
        referral = s.get(Referral, referral_id)
        assert (referral.status, referral.urgency, referral.source) == (
            "waiting",
            "urgent",
            "manual",
        )
        assert referral.referred_by == "Dr Tom Hendry"

    today = date(2026, 11, 23)
    entry_id = caseload.accept_referral(
        store, referral_id, coordinator_id=hood.coordinator.id, today=today
    )
    with store.session() as s:
        entry = s.get(CaseloadEntry, entry_id)
        assert entry.status == "active"
        assert entry.care_coordinator_id == hood.coordinator.id
        assert entry.started_on == today
        assert entry.next_review_on == today + timedelta(days=28)
        assert s.get(Referral, referral_id).status == "accepted"
        assert s.get(Referral, referral_id).decided_by == "Sue Palmer"
        # The care coordinator joins the person's care team, as its lead.
        member = s.scalars(select(CareTeamMember)).one()
        assert (member.name, member.is_lead) == ("Carol Hughes", True)
        status = s.execute(
            select(AuditEntry.action).where(AuditEntry.entity == "caseload_entries")
        ).scalar()
        assert status == "create"

    caseload.end_case(
        store,
        entry_id,
        outcome="stepped_down",
        reason="Stable for three months; back to the practice",
    )
    with store.session() as s:
        entry = s.get(CaseloadEntry, entry_id)
        assert entry.status == "stepped_down"
        assert entry.end_reason == "Stable for three months; back to the practice"
        assert entry.ended_on == date.today()
    texts = [n.text for n in notes_for(store, hood.patients[0])]
    assert texts[0].startswith("Stepped down: Stable")
    assert texts[1].startswith("Referral accepted onto the caseload. Care coordinator: Carol")

    # A stepped-down case cannot be stepped down again, and the person can be referred anew.
    with pytest.raises(caseload.CaseloadError, match="already stepped down"):
        caseload.end_case(store, entry_id, outcome="closed", reason="again")
    assert _refer(store, hood) is not None


def test_decline_needs_a_reason_and_keeps_it(store: Store, hood: Neighbourhood) -> None:
    referral_id = _refer(store, hood, 1)
    with pytest.raises(ValueError, match="cannot be empty"):
        caseload.decline_referral(store, referral_id, reason="   ")
    with store.session() as s:
        assert s.get(Referral, referral_id).status == "waiting"  # nothing lost
    caseload.decline_referral(store, referral_id, reason="Already under the community matron")
    with store.session() as s:
        referral = s.get(Referral, referral_id)
        assert referral.status == "declined"
        assert referral.decision_reason == "Already under the community matron"
        assert referral.decided_at is not None and referral.decided_at.tzinfo is not None
    with pytest.raises(caseload.CaseloadError, match="already declined"):
        caseload.accept_referral(store, referral_id, coordinator_id=hood.coordinator.id)


def test_accepting_needs_a_coordinator_who_may_coordinate(
    store: Store, hood: Neighbourhood
) -> None:
    referral_id = _refer(store, hood)
    with pytest.raises(caseload.CaseloadError, match="named care coordinator"):
        caseload.accept_referral(store, referral_id, coordinator_id=None)
    with pytest.raises(caseload.CaseloadError, match="cannot be a care coordinator"):
        caseload.accept_referral(store, referral_id, coordinator_id=hood.volunteer.id)
    with pytest.raises(caseload.CaseloadError, match="past"):
        caseload.accept_referral(
            store,
            referral_id,
            coordinator_id=hood.coordinator.id,
            next_review_on=date.today() - timedelta(days=1),
        )
    with store.session() as s:
        assert s.get(Referral, referral_id).status == "waiting"
        assert s.scalars(select(CaseloadEntry)).first() is None


def test_a_role_without_the_permission_cannot_accept(store: Store, hood: Neighbourhood) -> None:
    referral_id = _refer(store, hood)
    act_as(store, hood.admin)
    outbox_before = _count(store, OutboxEntry)
    with pytest.raises(NotPermitted, match="Administrators may not accept or decline referrals"):
        caseload.accept_referral(store, referral_id, coordinator_id=hood.coordinator.id)
    with pytest.raises(NotPermitted):
        caseload.decline_referral(store, referral_id, reason="no")
    assert _count(store, OutboxEntry) == outbox_before
    with store.session() as s:
        assert s.get(Referral, referral_id).status == "waiting"


def test_duplicate_referrals_are_refused(store: Store, hood: Neighbourhood) -> None:
    _refer(store, hood)
    with pytest.raises(caseload.CaseloadError, match="already waiting"):
        _refer(store, hood)
    with pytest.raises(ValueError, match="needs a reason"):
        _refer(store, hood, 2, reason=" ")


def test_review_date_and_coordinator_changes(store: Store, hood: Neighbourhood) -> None:
    entry_id = caseload.accept_referral(
        store, _refer(store, hood), coordinator_id=hood.coordinator.id
    )
    caseload.set_next_review(store, entry_id, date.today() + timedelta(days=7))
    caseload.change_coordinator(store, entry_id, hood.social_worker.id)
    with store.session() as s:
        entry = s.get(CaseloadEntry, entry_id)
        assert entry.next_review_on == date.today() + timedelta(days=7)
        assert entry.care_coordinator_id == hood.social_worker.id
    assert notes_for(store, hood.patients[0])[0].text == "Care coordinator is now Mark Fletcher."
    caseload.end_case(store, entry_id, outcome="closed", reason="Moved out of the area")
    assert caseload.active_entry(store, hood.patients[0]) is None


def _count(store: Store, model: type) -> int:
    from sqlalchemy import func

    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)))
