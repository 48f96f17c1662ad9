"""The demo for a new user: in their team if they ask, all or nothing, failures in words."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mdt_desktop.services import demo
from mdt_desktop.services.demo import population
from mdt_desktop.services.errors import UserError
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.services.users import add_profile, current_user, sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Base,
    Budget,
    CaseloadEntry,
    Meeting,
    Patient,
    Staff,
    Team,
    User,
)

TODAY = date(2026, 11, 22)


def _new_user(store: Store, team: str = "Frailty MDT", role: str = "care_coordinator") -> User:
    user = add_profile(store, "Alex Morgan", role, team, "2468")
    sign_in(store, user)
    return user


def _rows_of_every_synced_table(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.name: conn.exec_driver_sql(f"SELECT count(*) FROM {t.name}").scalar()
            for t in Base.metadata.sorted_tables
            if t.name not in {"audit_log", "audit_anchor", "store_meta", "sync_conflicts"}
        }


def test_joining_the_demo_team_gives_me_its_caseload_and_meetings(store: Store) -> None:
    user = _new_user(store)
    demo.generate_demo(store, 5000, seed=1, today=TODAY, join_team=True)
    me = current_user(store)
    assert me is not None
    with store.session() as s:
        team = s.get(Team, me.team_id)
        assert team is not None and team.name == demo.DEMO_TEAM
        staff = staff_for_user(store, me)
        assert staff.team_id == team.id and staff.id == user.staff_id
        mine = s.scalar(
            select(func.count())
            .select_from(CaseloadEntry)
            .where(CaseloadEntry.care_coordinator_id == staff.id, CaseloadEntry.status == "active")
        )
        meetings = s.scalar(
            select(func.count()).select_from(Meeting).where(Meeting.team_id == team.id)
        )
    # A working caseload for one coordinator (it was 1 in 33 before), and the team's meetings.
    assert 5 <= mine <= 30
    assert meetings >= 3


def test_without_joining_my_team_stays_as_it_was(store: Store) -> None:
    user = _new_user(store)
    demo.generate_demo(store, 300, seed=1, today=TODAY)
    me = current_user(store)
    assert me is not None and me.team_id == user.team_id


def test_a_team_with_the_demo_teams_name_is_no_trouble(store: Store) -> None:
    """It was: "Sample larger than population or is negative", and 5,000 patients stayed."""
    _new_user(store, team=demo.DEMO_TEAM)
    summary = demo.generate_demo(store, 5000, seed=1, today=TODAY)
    assert summary.patients == 5000
    with store.session() as s:
        demo_teams = s.scalars(select(Team).where(Team.name == demo.DEMO_TEAM)).all()
        held = s.scalar(select(func.count()).select_from(CaseloadEntry))
    assert len(demo_teams) == 2 and held > 0


@pytest.mark.parametrize("join", [False, True])
def test_cancel_after_the_bulk_steps_takes_everything_out(store: Store, join: bool) -> None:
    user = _new_user(store)
    before = _rows_of_every_synced_table(store)
    asked: list[int] = []

    def cancel_late() -> bool:
        # The population's own check, then one after each later step: cancel once the
        # caseload, care plans and stays are in (bulk loads and ORM writes both).
        asked.append(1)
        return len(asked) >= 5

    with pytest.raises(demo.Cancelled):
        demo.generate_demo(
            store, 1000, seed=1, today=TODAY, should_cancel=cancel_late, join_team=join
        )
    assert len(asked) == 5
    assert _rows_of_every_synced_table(store) == before
    me = current_user(store)
    assert me is not None and me.team_id == user.team_id
    with store.session() as s:
        assert s.get(Staff, user.staff_id).team_id == user.team_id
    # and a second go works: nothing "already holds demo patients"
    demo.generate_demo(store, 1000, seed=1, today=TODAY)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 1000


def test_a_failure_in_the_last_step_is_a_sentence_and_leaves_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _new_user(store)
    before = _rows_of_every_synced_table(store)

    def broken(*_args: object) -> None:
        raise ValueError("Sample larger than population or is negative")

    # The budgets come last, after every bulk load and the meetings' own transactions.
    monkeypatch.setattr(population, "add_demo_budgets", broken)
    with pytest.raises(UserError) as caught:
        demo.generate_demo(store, 1000, seed=1, today=TODAY, join_team=True)
    message = str(caught.value)
    assert "Sample larger" not in message and message.startswith("The demo data could not")
    assert message.endswith(".")
    assert _rows_of_every_synced_table(store) == before


def test_a_budget_ledger_written_before_a_failure_is_taken_out_too(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger refuses deletes; the roll-back sets its guard aside and puts it back."""
    _new_user(store)
    before = _rows_of_every_synced_table(store)
    real = population.add_demo_budgets

    def then_fail(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Budget)) > 0  # there to undo
        raise OSError("disk full")

    monkeypatch.setattr(population, "add_demo_budgets", then_fail)
    with pytest.raises(UserError):
        demo.generate_demo(store, 3000, seed=1, today=TODAY)
    assert _rows_of_every_synced_table(store) == before
    with store.engine.connect() as conn:
        guards = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'budget_ledger_no_delete'"
        ).scalar()
    assert guards == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Budget)) == 0
