"""Notes between meetings: immutable, corrected by new entries, escalations, mentions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, act_as

from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import caseload, notes
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CaseloadEntry, Note, NoteMention


def _on_caseload(store: Store, hood: Neighbourhood, i: int = 0) -> object:
    referral = caseload.refer_person(
        store, hood.patients[i], reason="Frailty", team_id=hood.team.id
    )
    return caseload.accept_referral(store, referral, coordinator_id=hood.coordinator.id)


def test_a_note_and_its_correction_both_stay(store: Store, hood: Neighbourhood) -> None:
    pid = hood.patients[0]
    first = notes.write_note(store, pid, "Visited: BP 150/90, bisoprolol 5 mg.", category="visit")
    fixed = notes.correct_note(store, first, "Bisoprolol is 2.5 mg, not 5 mg.")
    shown = notes.notes_for(store, pid)
    assert [n.id for n in shown] == [fixed, first]
    original = shown[1]
    assert original.text == "Visited: BP 150/90, bisoprolol 5 mg."  # never overwritten
    assert original.corrected_by == (fixed,)
    assert (shown[0].category, shown[0].corrects_note_id) == ("correction", first)
    assert (original.author_name, original.author_role) == ("Sue Palmer", "district_nurse")
    assert original.written_at.tzinfo is not None
    with pytest.raises(ValueError, match="cannot be empty"):
        notes.write_note(store, pid, "  \n ")
    with pytest.raises(ValueError):
        notes.write_note(store, pid, "x", category="gossip")
    with store.session() as s:
        audited = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity == "notes", AuditEntry.patient_id == pid
            )
        ).all()
    assert audited == ["create", "create"]


def test_escalation_marks_the_case_for_the_next_agenda(store: Store, hood: Neighbourhood) -> None:
    entry_id = _on_caseload(store, hood)
    before = datetime.now(UTC) - timedelta(seconds=1)
    note_id = notes.escalate_to_next_mdt(
        store, hood.patients[0], "Carer in hospital; Edith alone at home"
    )
    with store.session() as s:
        note = s.get(Note, note_id)
        entry = s.get(CaseloadEntry, entry_id)
    assert note.category == "escalation"
    assert note.escalation_reason == "Carer in hospital; Edith alone at home"
    assert entry.escalation_reason == "Carer in hospital; Edith alone at home"
    assert entry.escalated_at is not None and entry.escalated_at >= before
    # What the meetings' agenda builder reads: escalated since the last meeting.
    proposed = caseload.escalated_since(store, hood.team.id, before)
    assert [e.patient_id for e in proposed] == [hood.patients[0]]
    assert caseload.escalated_since(store, hood.team.id, datetime.now(UTC) + timedelta(1)) == []
    caseload.clear_escalation(store, entry_id)  # discussed at the meeting
    assert caseload.escalated_since(store, hood.team.id, None) == []
    assert notes.notes_for(store, hood.patients[0])[0].category == "escalation"  # kept
    with pytest.raises(ValueError, match="refer them first"):
        notes.escalate_to_next_mdt(store, hood.patients[3], "Not on the caseload")


def test_mentions_reach_the_colleagues_inbox(store: Store, hood: Neighbourhood) -> None:
    pid = hood.patients[1]
    note_id = notes.write_note(
        store, pid, "@Mark Fletcher can you look at the care package? cc @carol", category="concern"
    )
    with store.session() as s:
        mentioned = set(
            s.scalars(select(NoteMention.staff_id).where(NoteMention.note_id == note_id))
        )
    assert mentioned == {hood.social_worker.id, hood.coordinator.id}
    assert notes.notes_for(store, pid)[0].mentioned == ("Carol Hughes", "Mark Fletcher")

    # Mark signs in on the shared PC: the note is in his inbox until he reads it.
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.users import create_user

    mark = create_user(store, "Mark Fletcher", Role.SOCIAL_WORKER, hood.team)
    act_as(store, mark)
    assert staff_for_user(store, mark).id == hood.social_worker.id  # linked, not duplicated
    box = notes.inbox(store, mark)
    assert [(i.kind, i.patient_id) for i in box.mentions] == [("mention", pid)]
    assert "care package" in box.mentions[0].detail
    notes.mark_mention_read(store, box.mentions[0].id)
    assert notes.inbox(store, mark).mentions == []


def test_inbox_lists_waiting_referrals_urgent_first(store: Store, hood: Neighbourhood) -> None:
    caseload.refer_person(store, hood.patients[0], reason="Routine", team_id=hood.team.id)
    caseload.refer_person(
        store, hood.patients[1], reason="Falls", team_id=hood.team.id, urgency="urgent"
    )
    box = notes.inbox(store, hood.nurse)
    assert [i.urgent for i in box.referrals] == [True, False]
    assert box.referrals[0].title == "OKAFOR, Joseph (Mr)"
    assert box.total == 2


def test_notes_cannot_be_altered_in_place(store: Store, hood: Neighbourhood) -> None:
    """Immutability is the service's promise; an audited update would show any change."""
    note_id = notes.write_note(store, hood.patients[0], "Original words")
    assert not hasattr(notes, "edit_note")
    with store.transaction() as s:
        s.get(Note, note_id).text = "Changed words"
    with store.session() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.entity == "notes", AuditEntry.action == "update"
            )
        ).one()
    assert detail == "text"  # even a change behind the app's back is on the record


def _colleagues(*names: str) -> list[notes.Colleague]:
    return [notes.Colleague(uuid.uuid4(), name, "gp") for name in names]


def _told(text: str, directory: list[notes.Colleague]) -> list[str]:
    return [c.name for c in notes.resolve_mentions(text, directory).told]


def test_mention_matching_full_names_titles_first_and_surnames() -> None:
    team = _colleagues("Dr Priya Raman", "Sue Palmer", "Sue Brown", "Kwame Mensah", "Tom Hendry")
    assert _told("@Priya Raman please review", team) == ["Dr Priya Raman"]
    assert _told("@Dr Priya Raman please review", team) == ["Dr Priya Raman"]
    assert _told("@Dr Raman, can you look?", team) == ["Dr Priya Raman"]
    assert _told("@Tom Hendry to visit", team) == ["Tom Hendry"]
    assert _told("@Dr Hendry to visit", team) == ["Tom Hendry"]  # a title he has not got
    assert _told("@hendry to visit", team) == ["Tom Hendry"]  # surname, unique
    assert _told("ask @kwame", team) == ["Kwame Mensah"]  # first name, unique
    assert _told("@Sue Palmer and @Sue Brown", team) == ["Sue Palmer", "Sue Brown"]
    assert _told("email sue@example.org or @ Sue", team) == []
    assert _told("@Tom Hendry @tom @Hendry", team) == ["Tom Hendry"]  # told once


def test_ambiguous_and_unmatched_mentions_are_flagged() -> None:
    team = _colleagues("Sue Palmer", "Sue Brown", "Tom Hendry", "Amy Hendry")
    two_sues = notes.resolve_mentions("@sue what do you think", team)
    assert two_sues.told == () and two_sues.ambiguous == (("@sue", ("Sue Brown", "Sue Palmer")),)
    hendrys = notes.resolve_mentions("@Dr Hendry please", team)
    assert hendrys.ambiguous == (("@Dr Hendry", ("Amy Hendry", "Tom Hendry")),)
    typo = notes.resolve_mentions("@Dr Hendy please visit; @Tom Hendry knows", team)
    assert [c.name for c in typo.told] == ["Tom Hendry"]
    assert typo.unmatched == ("@Dr Hendy",) and typo.flagged
    assert typo.warning() == (
        "@Dr Hendy matches nobody in the team's staff directory, so nobody is told for it. "
        "Write the colleague's full name."
    )
    assert not notes.resolve_mentions("No mention here", team).flagged
    two = notes.resolve_mentions("@Hendy and @Plamer, and @sue", team)
    assert two.warning() == (
        "@Hendy and @Plamer match nobody in the team's staff directory; @sue could be "
        "Sue Brown or Sue Palmer, so nobody is told for it. Write the colleague's full name."
    )


def test_the_save_tells_whom_the_preview_promised(store: Store, hood: Neighbourhood) -> None:
    pid = hood.patients[0]
    _on_caseload(store, hood)
    text = "@Dr Fletcher please call the family; @Hughes for the review; @Nobody here"
    preview = notes.resolve_mentions(text, notes.mention_directory(store, pid))
    assert {c.name for c in preview.told} == {"Mark Fletcher", "Carol Hughes"}
    assert preview.unmatched == ("@Nobody",)
    note_id = notes.write_note(store, pid, text)
    with store.session() as s:
        told = set(s.scalars(select(NoteMention.staff_id).where(NoteMention.note_id == note_id)))
    assert told == {c.id for c in preview.told}


def test_an_administrator_may_write_notes_but_not_accept(store: Store, hood: Neighbourhood) -> None:
    act_as(store, hood.admin)
    notes.write_note(store, hood.patients[0], "Family phoned to rearrange the visit")
    referral = caseload.refer_person(store, hood.patients[0], reason="x", team_id=hood.team.id)
    with pytest.raises(NotPermitted):
        caseload.accept_referral(store, referral, coordinator_id=hood.coordinator.id)
