from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import meetings as m
from mdt_desktop.services import notes
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store.schema import (
    CaseloadEntry,
    Decision,
    OutboxEntry,
    RiskScore,
    Staff,
    User,
)


@pytest.fixture
def team(store):
    return make_team(store)


def _schedule(store, team, at=MEETING_AT):
    return m.schedule_meeting(
        store,
        team_id=team.team_id,
        starts_at=at,
        location="Meadowbank Surgery, meeting room 2",
        chair_staff_id=team.staff["Dr Priya Raman"],
        note_taker_staff_id=team.staff["Paul Marshall"],
    )


def test_proposals_cover_reviews_escalations_admissions_and_referrals(store, team) -> None:
    meeting = _schedule(store, team)
    proposed = {c.name: c for c in m.propose_agenda(store, meeting, today=TODAY)}
    assert proposed["ASHWORTH, Edith (Mrs)"].reason_kind == "review_due"
    assert "(overdue)" in proposed["ASHWORTH, Edith (Mrs)"].reason
    assert proposed["BHATTI, Nasreen (Mrs)"].reason_kind == "escalation"
    assert "pressure ulcer" in proposed["BHATTI, Nasreen (Mrs)"].reason
    assert proposed["DUNMORE, Irene (Mrs)"].reason_kind == "admitted"
    assert "Northside General" in proposed["DUNMORE, Irene (Mrs)"].reason
    assert proposed["EVANS, Megan (Mrs)"].reason_kind == "new_referral"
    assert "CLARKE, Joan (Mrs)" not in proposed  # nothing due
    # Most pressing first: escalation before admission before referral before review.
    kinds = [c.reason_kind for c in m.propose_agenda(store, meeting, today=TODAY)]
    assert kinds == ["escalation", "admitted", "new_referral", "review_due"]


def test_an_escalation_stays_until_the_mdt_discusses_it(store, team) -> None:
    """Closing a meeting without the escalated person does not drop the escalation."""
    earlier = _schedule(store, team, MEETING_AT - timedelta(days=14))
    assert "BHATTI, Nasreen (Mrs)" in {c.name for c in m.escalations_not_on_agenda(store, earlier)}
    m.close_meeting(store, earlier)  # the chair never added her
    later = _schedule(store, team, MEETING_AT)
    proposed = m.propose_agenda(store, later, today=TODAY)
    assert proposed[0].name == "BHATTI, Nasreen (Mrs)"
    assert proposed[0].reason_kind == "escalation" and proposed[0].fits
    # Not reached counts as not discussed: she is carried as an escalation, first.
    m.build_agenda(store, later, today=TODAY)
    item = m.agenda(store, later)[0]
    assert item.patient_id == team.people["Bhatti"]
    m.start_meeting(store, later)
    m.mark_not_reached(store, item.id)
    m.close_meeting(store, later)
    third = _schedule(store, team, MEETING_AT + timedelta(days=14))
    first = m.agenda(store, third)[0]
    assert (first.patient_id, first.reason_kind, first.carried) == (
        team.people["Bhatti"], "escalation", True,
    )  # fmt: skip
    assert first.minutes == m.default_minutes("escalation")
    # Once the MDT has recorded an outcome for her, she is no longer proposed.
    m.start_meeting(store, third)
    m.mark_discussed(store, first.id, "Dressings agreed.")
    m.close_meeting(store, third)
    fourth = _schedule(store, team, MEETING_AT + timedelta(days=28))
    assert "BHATTI, Nasreen (Mrs)" not in {c.name for c in m.propose_agenda(store, fourth)}
    assert not m.escalations_not_on_agenda(store, fourth)


def test_the_confirmation_names_the_meeting_the_escalation_is_for(store, team) -> None:
    now = MEETING_AT - timedelta(days=5)
    words = m.escalation_confirmation(store, team.people["Clarke"], now=now)
    assert words == (
        "Escalated: no MDT meeting is scheduled — it will be proposed for the next one scheduled."
    )
    meeting = _schedule(store, team, datetime(2026, 12, 8, 14, 0).astimezone())
    assert m.escalation_confirmation(store, team.people["Clarke"], now=now) == (
        "Escalated: proposed for the MDT meeting on Tue 08-Dec-2026 14:00."
    )
    m.add_person(store, meeting, team.people["Clarke"], "Housing")
    assert m.escalation_confirmation(store, team.people["Clarke"], now=now) == (
        "Escalated: on the agenda of the MDT meeting on Tue 08-Dec-2026 14:00."
    )


def test_schedule_lists_the_team_and_quorum_follows_attendance(store, team) -> None:
    meeting = _schedule(store, team)
    lines = {a.name: a for a in m.attendance(store, meeting)}
    assert set(lines) == {"Dr Priya Raman", "Sue Palmer", "Mark Fletcher", "Imran Shah",
                          "Paul Marshall"}  # fmt: skip
    assert not m.quorum(store, meeting).met
    for name in ("Dr Priya Raman", "Sue Palmer", "Paul Marshall"):
        m.set_attendance(store, lines[name].id, "present")
    m.set_attendance(store, lines["Mark Fletcher"].id, "apologies")
    q = m.quorum(store, meeting)
    assert not q.met  # GP + district nurse; the administrator is not a discipline
    assert "Not quorate" in q.detail
    m.add_attendee(store, meeting, name="Dr Kofi Mensah", role="geriatrician", is_guest=True)
    q = m.start_meeting(store, meeting)
    assert q.met and q.gps_present == 1 and len(q.disciplines_present) == 3
    summary = m.meeting_summary(store, meeting)
    assert summary.status == "in_progress" and summary.quorum_met is True
    assert summary.quorum_detail and summary.quorum_detail.startswith("Quorate")


def test_team_quorum_rule_is_used(store) -> None:
    team = make_team(store, quorum_rule={"gp": 0, "disciplines": 1})
    meeting = _schedule(store, team)
    line = next(a for a in m.attendance(store, meeting) if a.name == "Sue Palmer")
    m.set_attendance(store, line.id, "present")
    assert m.quorum(store, meeting).met


def test_outcome_is_one_transaction_and_changes_the_caseload(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    items = {line.name: line for line in m.agenda(store, meeting)}
    review = items["ASHWORTH, Edith (Mrs)"]
    m.start_meeting(store, meeting)
    next_review = TODAY + timedelta(days=42)
    m.record_outcome(
        store,
        review.id,
        m.Outcome(
            "continue",
            "Settled; daughter managing medicines.",
            next_review_on=next_review,
            actions=(
                m.NewAction(
                    "Medication review",
                    "Imran Shah",
                    team.staff["Imran Shah"],
                    TODAY + timedelta(days=14),
                ),
            ),
        ),
    )
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(CaseloadEntry.patient_id == team.people["Ashworth"])
        ).one()
        assert entry.next_review_on == next_review and entry.status == "active"
    escalated = items["BHATTI, Nasreen (Mrs)"]
    m.record_outcome(store, escalated.id, m.Outcome("step_down", "Ulcer healing."))
    with store.session() as s:
        entry = s.scalars(
            select(CaseloadEntry).where(CaseloadEntry.patient_id == team.people["Bhatti"])
        ).one()
        assert entry.status == "stepped_down" and "Step down" in (entry.end_reason or "")
        assert s.get(RiskScore, team.people["Bhatti"]).caseload_status == ""
        outbox = s.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.table_name == "decisions")
        )
        assert outbox == 2
    lines = {line.name: line for line in m.agenda(store, meeting)}
    assert lines["ASHWORTH, Edith (Mrs)"].status == "discussed"
    assert lines["ASHWORTH, Edith (Mrs)"].decision == "Continue"


def test_a_bad_outcome_changes_nothing(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    with pytest.raises(m.MeetingError, match="Name the service"):
        m.record_outcome(store, item.id, m.Outcome("refer", "Needs memory clinic"))
    with pytest.raises(m.MeetingError, match="needs an owner"):
        m.record_outcome(
            store, item.id, m.Outcome("continue", "x", actions=(m.NewAction("Visit", " "),))
        )
    with pytest.raises(m.MeetingError, match="before the meeting"):
        m.record_outcome(
            store, item.id, m.Outcome("continue", "x", next_review_on=TODAY - timedelta(days=30))
        )
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
    assert m.agenda(store, meeting)[0].status == "pending"


def test_a_second_outcome_replaces_the_first_and_keeps_it(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    m.record_outcome(store, item.id, m.Outcome("continue", "First view"))
    m.record_outcome(store, item.id, m.Outcome("refer", "Second view", referred_to="Memory clinic"))
    assert m.agenda(store, meeting)[0].decision == "Refer to Memory clinic"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 2


def test_not_reached_is_carried_to_the_next_agenda(store, team) -> None:
    first = _schedule(store, team)
    m.build_agenda(store, first, today=TODAY)
    items = m.agenda(store, first)
    m.start_meeting(store, first)
    m.record_outcome(store, items[0].id, m.Outcome("continue", "Discussed"))
    m.mark_not_reached(store, items[1].id)
    carried = m.close_meeting(store, first)  # the rest were pending: not reached
    assert carried == len(items) - 2
    second = _schedule(store, team, MEETING_AT + timedelta(days=14))
    agenda = m.agenda(store, second)
    assert [a.patient_id for a in agenda] == [i.patient_id for i in items[1:]]
    # Each keeps its reason, its priority and its minutes.
    assert [(a.reason_kind, a.pressing, a.minutes) for a in agenda] == [
        (i.reason_kind, i.pressing, i.minutes) for i in items[1:]
    ]
    assert all(a.carried for a in agenda)
    assert agenda[0].reason.startswith("Not reached on 25-Nov-2026 — ")
    assert agenda[0].reason_line == agenda[0].reason
    # and not proposed twice
    assert not [c for c in m.propose_agenda(store, second, today=TODAY) if c.carried_from_id]


def test_closing_carries_to_an_already_planned_meeting(store, team) -> None:
    first = _schedule(store, team)
    second = _schedule(store, team, MEETING_AT + timedelta(days=14))
    m.build_agenda(store, first, today=TODAY)
    m.add_person(store, second, team.people["Clarke"], "Housing issue")
    not_reached = m.agenda(store, first)[-1]
    for line in m.agenda(store, first)[:-1]:
        m.record_outcome(store, line.id, m.Outcome("continue", ""))
    m.close_meeting(store, first)
    agenda = m.agenda(store, second)
    # An overdue review goes before the chair's own addition, as it did on the first.
    assert agenda[0].patient_id == not_reached.patient_id
    assert (agenda[0].reason_kind, agenda[0].pressing) == ("review_due", True)
    assert agenda[1].reason == "Housing issue"


def test_the_agenda_order_is_one_table(store, team) -> None:
    rank = m.agenda_rank
    order = [
        rank("escalation"),
        rank("admitted"),
        rank("discharged"),
        rank("new_referral", pressing=True),
        rank("review_due", pressing=True),
        rank("review_due"),
        rank("new_referral"),
        rank("added"),
    ]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert rank("review_due", carried=True) < rank("review_due")
    assert rank("something_new") > rank("added")  # a reason not in the table comes last
    assert m.AGENDA_ORDER[0].reason_kind == "escalation"
    # The proposals follow it: the urgent referral before the overdue review.
    meeting = _schedule(store, team)
    proposed = m.propose_agenda(store, meeting, today=TODAY)
    assert [(c.reason_kind, c.pressing) for c in proposed] == [
        ("escalation", False), ("admitted", False), ("new_referral", True),
        ("review_due", True),
    ]  # fmt: skip
    assert [c.minutes for c in proposed] == [m.default_minutes(c.reason_kind, c.pressing)
                                             for c in proposed]  # fmt: skip


def test_a_meeting_has_a_length_and_proposals_are_ticked_to_fit_it(store, team) -> None:
    meeting = _schedule(store, team)
    summary = m.meeting_summary(store, meeting)
    assert summary.length_minutes == 90 and summary.time_line == "0 of 90 minutes"
    m.update_meeting(
        store, meeting, location="Room 2", length_minutes=20
    )  # escalation 10, admission 5, urgent referral 10, overdue review 5
    proposed = m.propose_agenda(store, meeting, today=TODAY)
    # The referral does not fit what is left; the shorter review after it does.
    assert [c.fits for c in proposed] == [True, True, False, True]
    # Even with no time left an escalation is ticked: the team said it would discuss it.
    m.update_meeting(store, meeting, location="Room 2", length_minutes=15)
    m.add_person(store, meeting, team.people["Clarke"], "Housing", minutes=15)
    proposed = m.propose_agenda(store, meeting, today=TODAY)
    assert [(c.reason_kind, c.fits) for c in proposed][:2] == [
        ("escalation", True), ("admitted", False)
    ]  # fmt: skip
    assert m.build_agenda(store, meeting, today=TODAY) == 1
    summary = m.meeting_summary(store, meeting)
    assert (summary.agenda_minutes, summary.over_time) == (25, True)
    assert summary.time_line == "25 of 15 minutes — 10 over"
    # The escalation went to the top, above the chair's own addition.
    assert [a.reason_kind for a in m.agenda(store, meeting)] == ["escalation", "added"]
    with pytest.raises(m.MeetingError, match="15 to 480 minutes"):
        m.update_meeting(store, meeting, location="Room 2", length_minutes=5)


def test_reorder_minutes_and_add_by_search(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    found = m.search_caseload(store, team.team_id, "clar")
    assert [f[1] for f in found] == ["CLARKE, Joan (Mrs)"]
    assert m.search_caseload(store, team.team_id, "999 000 0034")[0][1] == "CLARKE, Joan (Mrs)"
    m.add_person(store, meeting, found[0][0], "Carer asked for a review", minutes=10)
    with pytest.raises(m.MeetingError, match="already on this agenda"):
        m.add_person(store, meeting, found[0][0], "Again")
    ids = [line.id for line in m.agenda(store, meeting)]
    m.reorder_agenda(store, meeting, list(reversed(ids)))
    assert [line.id for line in m.agenda(store, meeting)] == list(reversed(ids))
    m.set_minutes(store, ids[0], 12)
    assert next(x for x in m.agenda(store, meeting) if x.id == ids[0]).minutes == 12
    with pytest.raises(ValueError):
        m.set_minutes(store, ids[0], 0)
    with pytest.raises(m.MeetingError, match="changed meanwhile"):
        m.reorder_agenda(store, meeting, ids[:-1])


def test_actions_tracker_overdue_mine_and_complete(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    m.record_outcome(
        store,
        item.id,
        m.Outcome(
            "continue",
            "",
            actions=(
                m.NewAction("Visit", "Sue Palmer", team.staff["Sue Palmer"], TODAY + timedelta(3)),
                m.NewAction("Call daughter", "Mark Fletcher", team.staff["Mark Fletcher"]),
            ),
        ),
    )
    later = TODAY + timedelta(days=10)
    overdue = m.actions(store, overdue_on=later)
    assert [a.description for a in overdue] == ["Visit"]
    assert overdue[0].overdue(later) and overdue[0].patient == item.name
    nurse = m.actions(store, owner_staff_id=team.staff["Sue Palmer"])
    assert [a.description for a in nurse] == ["Visit"]
    team_role = ensure_team(store, "Northside Neighbourhood MDT")
    sue = create_user(store, "Sue Palmer", "district_nurse", team_role)
    sign_in(store, sue)
    assert [a.description for a in m.my_actions(store, sue)] == ["Visit"]
    m.complete_action(store, nurse[0].id)
    done = m.actions(store, status="done")
    assert done[0].completed_by == "Sue Palmer" and done[0].completed_at is not None
    assert [a.description for a in m.actions(store)] == ["Call daughter"]
    with pytest.raises(m.MeetingError, match="not open"):
        m.complete_action(store, nurse[0].id)


def test_roles_without_the_permission_are_refused(store, team) -> None:
    volunteer = create_user(
        store, "Siobhán Kelly", "voluntary_sector_worker", ensure_team(store, "X")
    )
    sign_in(store, volunteer)
    with pytest.raises(NotPermitted):
        _schedule(store, team)


def test_case_essentials_are_only_this_persons(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = next(x for x in m.agenda(store, meeting) if x.name.startswith("DUNMORE"))
    case = m.case_essentials(store, item.id, today=TODAY)
    assert case.banner.name == "DUNMORE, Irene (Mrs)"
    assert case.banner.nhs_number == "NHS No. 999 000 0042"
    assert case.reason_label == "In hospital"
    assert case.risk_reasons[0].startswith("Severe frailty") and case.risk_score == 82.0
    assert not case.plan_found and case.goals == ()


def test_goals_read_defensively() -> None:
    assert m._goal_text("Walk to the shop") == "Walk to the shop"
    assert m._goal_text({"goal": "Stay at home", "status": "on track"}) == "Stay at home (on track)"
    assert m._goal_text({"text": "Sleep better"}) == "Sleep better"
    assert m._goal_text({"id": 3}) is None and m._goal_text(7) is None


def _entry(store, team, family):
    with store.session() as s:
        return s.scalars(
            select(CaseloadEntry).where(CaseloadEntry.patient_id == team.people[family])
        ).one()


def test_a_decision_that_steps_down_uses_the_caseload_rule(store, team) -> None:
    """The MDT's step-down writes the caseload note and clears the flag, as the page does."""
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    items = {line.name: line for line in m.agenda(store, meeting)}
    m.start_meeting(store, meeting)
    m.record_outcome(store, items["BHATTI, Nasreen (Mrs)"].id, m.Outcome("step_down", "Healing."))
    m.record_outcome(store, items["DUNMORE, Irene (Mrs)"].id, m.Outcome("close", "Moved away."))
    bhatti, dunmore = _entry(store, team, "Bhatti"), _entry(store, team, "Dunmore")
    assert bhatti.status == "stepped_down" and bhatti.escalated_at is None
    assert dunmore.status == "closed" and dunmore.next_review_on is None
    texts = [n.text for n in notes.notes_for(store, team.people["Bhatti"])]
    assert any(t.startswith("Stepped down: MDT ") and "Healing." in t for t in texts)
    closed = [n for n in notes.notes_for(store, team.people["Dunmore"]) if n.category == "caseload"]
    assert closed and closed[0].text.startswith("Closed: MDT ")


def test_discussing_an_escalated_case_clears_the_escalation(store, team) -> None:
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = {line.name: line for line in m.agenda(store, meeting)}["BHATTI, Nasreen (Mrs)"]
    assert _entry(store, team, "Bhatti").escalated_at is not None
    m.start_meeting(store, meeting)
    m.mark_discussed(store, item.id, "Dressings twice weekly; review in a month.")
    entry = _entry(store, team, "Bhatti")
    assert entry.status == "active" and entry.escalated_at is None
    assert entry.escalation_reason is None
    newest = notes.notes_for(store, team.people["Bhatti"])[0]
    assert newest.category == "caseload"
    assert newest.text.startswith("Escalation discussed at the MDT on ")
    assert newest.text.endswith("no longer flagged as escalated.")


def test_who_the_signed_in_user_is_is_answered_once(store, team) -> None:
    """A profile not linked to the directory is not taken for a namesake in another team."""
    south = ensure_team(store, "Southside Neighbourhood MDT")
    sue = create_user(store, "Sue Palmer", "district_nurse", south)
    with store.transaction() as s:
        # A profile made before the staff directory: no link and no entry of her own.
        profile = s.get(User, sue.id)
        s.delete(s.get(Staff, profile.staff_id))
        profile.staff_id = None
    sue.staff_id = None
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    north_sue = team.staff["Sue Palmer"]
    m.record_outcome(
        store,
        item.id,
        m.Outcome("continue", "", actions=(m.NewAction("Visit", "Sue Palmer", north_sue),)),
    )
    assert m.my_actions(store, sue) == []
    assert notes.inbox(store, sue).actions == []
    me = staff_for_user(store, sue)
    assert me.id != north_sue and me.team_id == south.id


def test_inbox_actions_and_the_trackers_mine_are_one_query(store, team) -> None:
    """An action whose owner was typed by name (no staff link) is in both lists, or neither."""
    sue = create_user(
        store, "Sue Palmer", "district_nurse", ensure_team(store, "Northside Neighbourhood MDT")
    )
    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    item = m.agenda(store, meeting)[0]
    m.record_outcome(
        store,
        item.id,
        m.Outcome(
            "continue",
            "",
            actions=(
                m.NewAction("Linked", "Sue Palmer", team.staff["Sue Palmer"]),
                m.NewAction("Typed", "Sue Palmer"),
            ),
        ),
    )
    mine = {a.id for a in m.my_actions(store, sue)}
    assert len(mine) == 2
    assert {i.id for i in notes.inbox(store, sue).actions} == mine


def test_a_meeting_synced_without_a_length_has_the_default(store, team) -> None:
    from mdt_desktop.store.schema import AgendaItem, Meeting

    meeting = _schedule(store, team)
    m.build_agenda(store, meeting, today=TODAY)
    with store.transaction() as s:
        s.get(Meeting, meeting).length_minutes = None
        for item in s.scalars(select(AgendaItem)):
            item.pressing = None
    assert m.meeting_summary(store, meeting).time_line == "30 of 90 minutes"
    assert not any(line.pressing for line in m.agenda(store, meeting))
    m.add_person(store, meeting, team.people["Clarke"], "Housing")
    assert m.agenda(store, meeting)[-1].name == "CLARKE, Joan (Mrs)"


def test_a_case_added_during_the_meeting_goes_after_those_already_taken(store, team) -> None:
    meeting = _schedule(store, team)
    m.add_person(store, meeting, team.people["Clarke"], "Housing")
    m.add_person(store, meeting, team.people["Ashworth"], "Carer unwell")
    m.start_meeting(store, meeting)
    first = m.agenda(store, meeting)[0]
    m.mark_discussed(store, first.id, "Housing officer to visit.")
    escalation = next(
        c for c in m.propose_agenda(store, meeting, today=TODAY) if c.reason_kind == "escalation"
    )
    m.add_to_agenda(store, meeting, [escalation])
    assert [line.name for line in m.agenda(store, meeting)] == [
        "CLARKE, Joan (Mrs)", "BHATTI, Nasreen (Mrs)", "ASHWORTH, Edith (Mrs)",
    ]  # fmt: skip


def test_cases_not_reached_are_carried_while_the_next_meeting_has_time(store, team) -> None:
    """Not reached does not pile onto the next agenda: the rest stay proposed, in order."""
    first = _schedule(store, team)
    m.build_agenda(store, first, today=TODAY)  # 30 minutes
    m.close_meeting(store, first)  # none reached
    second = m.schedule_meeting(
        store, team_id=team.team_id, starts_at=MEETING_AT + timedelta(days=14),
        location="Room 2", length_minutes=20,
    )  # fmt: skip
    # The escalation (10), the admission (5) and the overdue review (5) fit; the urgent
    # referral (10) would not.
    assert [(a.name, a.carried) for a in m.agenda(store, second)] == [
        ("BHATTI, Nasreen (Mrs)", True), ("DUNMORE, Irene (Mrs)", True),
        ("ASHWORTH, Edith (Mrs)", True),
    ]  # fmt: skip
    left = m.propose_agenda(store, second, today=TODAY)
    assert [(c.name, c.reason_kind, c.pressing, c.fits) for c in left] == [
        ("EVANS, Megan (Mrs)", "new_referral", True, False),
    ]
    assert all(c.carried_from_id and c.reason_line.startswith("Not reached on") for c in left)
    # Still waiting and not reached: said once.
    assert left[0].reason_line == (
        "Not reached on 25-Nov-2026 — New referral (soon): Falls at home, carer struggling"
    )
