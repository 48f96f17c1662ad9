"""The demo's stays: plans across the pathways, delays, a readmission, a missed follow-up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from mdt_desktop.services import discharges as d
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import DischargePlan, DischargeTask, HospitalAdmission, Team

TODAY = date(2026, 11, 22)


def test_every_demo_stay_has_a_plan_and_the_board_has_people(store: Store) -> None:
    generate_demo(store, 6000, seed=4, today=TODAY)
    with store.session() as s:
        stays = s.scalar(select(func.count()).select_from(HospitalAdmission))
        plans = s.scalar(select(func.count()).select_from(DischargePlan))
        readmitted = s.scalar(
            select(func.count()).select_from(DischargePlan).where(DischargePlan.readmission)
        )
        pathways = set(
            s.scalars(select(DischargePlan.pathway).where(DischargePlan.pathway.is_not(None)))
        )
        tasks = s.scalar(select(func.count()).select_from(DischargeTask))
        team_id = s.scalars(select(Team.id)).first()
    assert stays == plans > 0
    assert readmitted == 1
    assert len(pathways) >= 2 and tasks > 0
    lines = d.board(store, team_id, today=TODAY)
    assert lines, "the demo puts some of the caseload in hospital"
    assert any(x.row.ready_on for x in lines)
    with store.session() as s:
        from mdt_desktop.store import discharges as reads

        missed = reads.missed_follow_ups(s, team_id, TODAY)
    assert len(missed) <= 1
