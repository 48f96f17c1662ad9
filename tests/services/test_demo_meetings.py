from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from mdt_desktop.services import meetings as m
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.demo.meetings import add_demo_meetings
from mdt_desktop.services.stratify import stratify_store
from mdt_desktop.store.schema import CaseloadEntry, Meeting, Patient, Team

TODAY = date(2026, 11, 23)


def _caseload(store, n: int = 24) -> None:
    """What the caseload work puts in the demo: active entries with review dates."""
    rng = random.Random(3)
    with store.transaction() as s:
        team = s.scalars(select(Team)).first()
        people = list(s.scalars(select(Patient.id).order_by(Patient.date_of_birth).limit(n)))
        for i, pid in enumerate(people):
            s.add(
                CaseloadEntry(
                    team_id=team.id,
                    patient_id=pid,
                    status="active",
                    started_on=TODAY - timedelta(days=120),
                    next_review_on=TODAY - timedelta(days=rng.randrange(-30, 60)),
                    escalated_at=None,
                )
            )
            assert i >= 0


def test_no_caseload_no_meetings(store) -> None:
    generate_demo(store, 50, seed=2, today=TODAY, stratify=False)  # no caseload without it
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0


def test_demo_meetings_from_the_caseload(store) -> None:
    # The registered list alone, then a caseload of this test's own making.
    generate_demo(store, 300, seed=2, today=TODAY, stratify=False)
    stratify_store(store, today=TODAY)
    _caseload(store)
    assert add_demo_meetings(store, 2, TODAY) == 4
    meetings = m.list_meetings(store)
    assert [x.status for x in meetings] == ["planned", "closed", "closed", "closed"]
    past = meetings[1:]
    assert all(x.quorum_detail for x in past)
    assert all(x.discussed > 0 for x in past)
    upcoming = m.agenda(store, meetings[0].id)
    # The case not reached last time is there with its own reason, marked as carried.
    carried = [a for a in upcoming if a.carried]
    assert carried and carried[0].reason.startswith("Not reached on ")
    assert carried[0].reason_kind != "carried_forward"
    assert any(a.overdue(TODAY) for a in m.actions(store))
    assert m.actions(store, status="done")
    minutes = m.minutes(store, past[0].id)
    assert minutes.present and any(c.decision for c in minutes.cases)
    # Running it again does nothing: the team has its meetings.
    assert add_demo_meetings(store, 2, TODAY) == 0


def test_demo_meetings_fit_their_length(store) -> None:
    """A caseload with more due than an hour and a half holds: no agenda runs over."""
    generate_demo(store, 300, seed=2, today=TODAY, stratify=False)
    stratify_store(store, today=TODAY)
    _caseload(store, 80)
    add_demo_meetings(store, 2, TODAY)
    meetings = m.list_meetings(store)
    assert meetings and all(x.length_minutes == m.DEFAULT_LENGTH for x in meetings)
    for meeting in meetings:
        assert 0 < meeting.agenda_minutes <= meeting.length_minutes, meeting.time_line
    # The first meeting had more due than its time: it was filled, not overfilled.
    assert meetings[-1].agenda_minutes > meetings[-1].length_minutes - 5
