"""Discharge planning: a stay from admission to follow-up, the board, history kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from support.neighbourhood import Neighbourhood, act_as

from mdt_desktop.domain.discharges import DischargeEventKind, TaskStatus
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import caseload
from mdt_desktop.services import discharges as d
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CaseloadEntry, DischargeEvent

ADMITTED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def on_caseload(store: Store, hood: Neighbourhood, n: int = 0):
    pid = hood.patients[n]
    ref = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    caseload.accept_referral(store, ref, coordinator_id=hood.coordinator.id)
    return pid


def admit(store: Store, pid, **kw) -> d.Stay:
    values = dict(admitted_at=ADMITTED, hospital="St James's", ward="J27", method="21")
    values.update(kw)
    return d.record_admission(store, pid, **values)


def test_a_stay_from_admission_to_follow_up(store: Store, hood: Neighbourhood) -> None:
    pid = on_caseload(store, hood)
    stay = admit(store, pid, reason="Fall, fractured wrist")
    d.set_expected_date(store, stay.plan_id, date(2026, 11, 27))
    d.assess_criteria_to_reside(store, stay.plan_id, date(2026, 11, 21), meets_criteria=True)
    ready = d.assess_criteria_to_reside(
        store, stay.plan_id, date(2026, 11, 24), meets_criteria=False
    )
    assert ready == date(2026, 11, 24)
    new = d.choose_pathway(store, stay.plan_id, 1, destination="P1-HOME-RRR", today=TODAY)
    assert len(new) >= 8
    d.set_delay(store, stay.plan_id, "CAP-P1-NOT-AVAILABLE", on=date(2026, 11, 25))

    (line,) = d.board(store, hood.team.id, today=TODAY)
    assert line.row.pathway == 1 and line.row.hospital == "St James's"
    assert line.since_ready == d.rules.DaysSince(calendar=7, working=5)
    assert line.days_in == 11
    assert line.delay_label.startswith("Home-based rehabilitation")
    assert d.BoardFlag.EDD_PASSED in line.flags
    assert d.BoardFlag.TASK_UNOWNED in line.flags

    with store.session() as s:
        tasks = reads.tasks_of(s, stay.plan_id)
    for task in tasks[:3]:
        d.assign_task(store, task.id, staff_id=hood.coordinator.id)
        d.complete_task(store, task.id)

    out = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    due = d.record_discharge(store, stay.plan_id, discharged_at=out, pathway=1, destination="19")
    assert due == date(2026, 12, 2)  # pathway 1: two working days
    with store.session() as s:
        after = {t.template_key: t for t in reads.tasks_of(s, stay.plan_id)}
        history = reads.history_of(s, stay.plan_id)
    assert after["hub-referral"].status in (TaskStatus.DONE, TaskStatus.CANCELLED)
    assert after["district-nurse-visit"].status == TaskStatus.OPEN
    assert after["district-nurse-visit"].due_on == date(2026, 12, 2)
    assert not any(
        t.status == TaskStatus.OPEN and t.template_key == "equipment" for t in after.values()
    )
    kinds = [e.kind for e in history]
    assert kinds.count("criteria") == 2 and "discharge" in kinds and "delay_ended" in kinds
    assert d.board(store, hood.team.id, today=TODAY) == []

    d.complete_follow_up(store, stay.plan_id, "Seen at home, managing with reablement.")
    with pytest.raises(d.DischargeError):
        d.complete_follow_up(store, stay.plan_id, "Again")
    with store.session() as s:
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "discharge_plans")
        )
    assert audited >= 5  # every write audited by the store's flush hook


def test_the_ready_date_follows_the_re_entry_rule(store: Store, hood: Neighbourhood) -> None:
    pid = on_caseload(store, hood)
    stay = admit(store, pid)
    d.assess_criteria_to_reside(store, stay.plan_id, date(2026, 11, 22), meets_criteria=False)
    d.assess_criteria_to_reside(store, stay.plan_id, date(2026, 11, 24), meets_criteria=True)
    assert d.board(store, hood.team.id, today=TODAY)[0].row.ready_on is None  # ongoing: not ready
    d.assess_criteria_to_reside(store, stay.plan_id, date(2026, 11, 26), meets_criteria=False)
    assert d.board(store, hood.team.id, today=TODAY)[0].row.ready_on == date(2026, 11, 26)


def test_a_pathway_change_keeps_history_and_swaps_tasks(store: Store, hood: Neighbourhood) -> None:
    stay = admit(store, on_caseload(store, hood))
    d.choose_pathway(store, stay.plan_id, 1, today=TODAY)
    with pytest.raises(d.DischargeError, match="why"):
        d.choose_pathway(store, stay.plan_id, 3, today=TODAY)
    d.choose_pathway(store, stay.plan_id, 3, reason="Needs 24-hour care", today=TODAY)
    with store.session() as s:
        history = [e for e in reads.history_of(s, stay.plan_id) if e.kind == "pathway"]
        tasks = {t.template_key: t.status for t in reads.tasks_of(s, stay.plan_id)}
    assert [e.pathway for e in history] == [1, 3]
    assert history[1].reason == "Needs 24-hour care"
    assert tasks["key-safe"] == TaskStatus.CANCELLED
    assert tasks["placement"] == TaskStatus.OPEN
    assert tasks["hub-referral"] == TaskStatus.OPEN  # both pathways bring it: kept, not doubled
    with pytest.raises(d.DischargeError, match="not a destination"):
        d.choose_pathway(store, stay.plan_id, 3, destination="P1-HOTEL", reason="x")


def test_delay_reasons_are_history_not_a_field(store: Store, hood: Neighbourhood) -> None:
    stay = admit(store, on_caseload(store, hood))
    d.set_delay(store, stay.plan_id, "CTH-CONFIRM-NEEDS", on=date(2026, 11, 21))
    d.set_delay(store, stay.plan_id, "CAP-P1-NOT-AVAILABLE", on=date(2026, 11, 24))
    d.set_delay(store, stay.plan_id, None, on=date(2026, 11, 28))
    spells = d.delay_history(store, stay.plan_id)
    assert [(x.code, x.start, x.end) for x in spells] == [
        ("CTH-CONFIRM-NEEDS", date(2026, 11, 21), date(2026, 11, 24)),
        ("CAP-P1-NOT-AVAILABLE", date(2026, 11, 24), date(2026, 11, 28)),
    ]
    days = d.rules.delayed_days_by_reason(spells, TODAY)
    assert days == {"sitrep-los7:CTH-CONFIRM-NEEDS": 3, "sitrep-los7:CAP-P1-NOT-AVAILABLE": 4}
    with pytest.raises(d.DischargeError, match="detail"):
        d.set_delay(store, stay.plan_id, "OTHER", on=TODAY)
    with pytest.raises(KeyError):
        d.set_delay(store, stay.plan_id, "NOT-A-CODE", on=TODAY)
    old = d.delay_history(store, stay.plan_id)
    d.set_delay(store, stay.plan_id, "11", scheme="sitrep-acute-2022", on=TODAY)
    assert d.delay_history(store, stay.plan_id)[-1].scheme == "sitrep-acute-2022"
    assert d.delay_history(store, stay.plan_id)[:-1] == old


def test_readmission_within_30_days_is_flagged(store: Store, hood: Neighbourhood) -> None:
    pid = on_caseload(store, hood)
    first = admit(store, pid, admitted_at=datetime(2026, 10, 1, 10, tzinfo=UTC))
    d.record_discharge(
        store,
        first.plan_id,
        discharged_at=datetime(2026, 10, 10, 12, tzinfo=UTC),
        pathway=0,
        destination="19",
    )
    planned = admit(store, pid, admitted_at=datetime(2026, 10, 20, 8, tzinfo=UTC), method="11")
    assert not planned.readmission  # elective: not an emergency readmission
    d.record_discharge(
        store,
        planned.plan_id,
        discharged_at=datetime(2026, 10, 21, 12, tzinfo=UTC),
        pathway=0,
        destination="19",
    )
    again = admit(store, pid, admitted_at=datetime(2026, 11, 19, 8, tzinfo=UTC))  # day 29
    assert again.readmission
    (line,) = d.board(store, hood.team.id, today=TODAY)
    assert d.BoardFlag.READMISSION in line.flags


def test_board_filters_and_mine(store: Store, hood: Neighbourhood) -> None:
    a = admit(store, on_caseload(store, hood, 0), hospital="St James's")
    b = admit(store, on_caseload(store, hood, 1), hospital="Leeds General")
    admit(store, hood.patients[2], hospital="Leeds General")  # not on the caseload: not shown
    d.choose_pathway(store, a.plan_id, 2, today=TODAY)
    d.set_delay(store, b.plan_id, "WB-READINESS-CONCERNS", on=TODAY)
    lines = d.board(store, hood.team.id, today=TODAY)
    assert len(lines) == 2
    only = d.board(store, hood.team.id, today=TODAY, where=d.BoardFilter(hospital="Leeds General"))
    assert [x.row.plan_id for x in only] == [b.plan_id]
    p2 = d.board(store, hood.team.id, today=TODAY, where=d.BoardFilter(pathway=2))
    assert [x.row.plan_id for x in p2] == [a.plan_id]
    family = d.BoardFilter(delay_family="Wellbeing concerns")
    assert [x.row.plan_id for x in d.board(store, hood.team.id, today=TODAY, where=family)] == [
        b.plan_id
    ]
    mine = d.BoardFilter(owner_staff_id=hood.social_worker.id)
    assert d.board(store, hood.team.id, today=TODAY, where=mine) == []
    with store.session() as s:
        task = reads.tasks_of(s, a.plan_id)[0]
    d.assign_task(store, task.id, staff_id=hood.social_worker.id)
    assert [x.row.plan_id for x in d.board(store, hood.team.id, today=TODAY, where=mine)] == [
        a.plan_id
    ]
    overdue = d.BoardFilter(flag=d.BoardFlag.TASK_OVERDUE)
    assert d.board(store, hood.team.id, today=TODAY, where=overdue) == []
    later = d.board(store, hood.team.id, today=TODAY + timedelta(days=14), where=overdue)
    assert [x.row.plan_id for x in later] == [a.plan_id]


def test_ready_but_no_pathway_is_flagged_until_a_pathway_is_chosen(
    store: Store, hood: Neighbourhood
) -> None:
    ready = admit(store, on_caseload(store, hood, 0))
    waiting = admit(store, on_caseload(store, hood, 1))  # still meets the criteria to reside
    d.assess_criteria_to_reside(store, ready.plan_id, date(2026, 11, 24), meets_criteria=False)
    d.set_expected_date(store, waiting.plan_id, TODAY + timedelta(days=3))
    flagged = d.BoardFilter(flag=d.BoardFlag.READY_NO_PATHWAY)
    lines = {x.row.plan_id: x for x in d.board(store, hood.team.id, today=TODAY)}
    assert d.BoardFlag.READY_NO_PATHWAY in lines[ready.plan_id].flags
    assert not lines[waiting.plan_id].flags  # not ready, and its expected date is ahead
    shown = d.board(store, hood.team.id, today=TODAY, where=flagged)
    assert [x.row.plan_id for x in shown] == [ready.plan_id]
    d.choose_pathway(store, ready.plan_id, 0, today=TODAY)
    assert d.board(store, hood.team.id, today=TODAY, where=flagged) == []


def test_missed_follow_up_goes_to_the_next_mdt_once(store: Store, hood: Neighbourhood) -> None:
    pid = on_caseload(store, hood)
    stay = admit(store, pid)
    d.record_discharge(
        store,
        stay.plan_id,
        discharged_at=datetime(2026, 11, 23, 12, tzinfo=UTC),
        pathway=1,
        destination="19",
    )
    assert d.escalate_missed_follow_ups(store, hood.team.id, today=TODAY) == 1
    assert d.escalate_missed_follow_ups(store, hood.team.id, today=TODAY) == 0
    with store.session() as s:
        entry = s.scalars(select(CaseloadEntry).where(CaseloadEntry.patient_id == pid)).one()
    assert entry.escalated_at is not None and "follow-up" in entry.escalation_reason


def test_refusals_say_why(store: Store, hood: Neighbourhood) -> None:
    pid = on_caseload(store, hood)
    stay = admit(store, pid)
    with pytest.raises(d.DischargeError, match="already in hospital"):
        admit(store, pid)
    with pytest.raises(d.DischargeError, match="future"):
        admit(store, hood.patients[3], admitted_at=datetime.now(UTC) + timedelta(hours=2))
    with pytest.raises(d.DischargeError, match="baseline"):
        d.add_criterion(store, stay.plan_id, "Back to baseline mobility")
    d.set_expected_date(store, stay.plan_id, date(2026, 11, 25))
    with pytest.raises(d.DischargeError, match="why"):
        d.set_expected_date(store, stay.plan_id, date(2026, 11, 28))
    with pytest.raises(d.DischargeError, match="national code"):
        d.record_discharge(
            store,
            stay.plan_id,
            discharged_at=datetime(2026, 11, 30, tzinfo=UTC),
            pathway=1,
            destination="XX",
        )
    with pytest.raises(d.DischargeError, match="before the admission"):
        d.set_expected_date(store, stay.plan_id, date(2026, 11, 1), reason="typo")
    act_as(store, hood.admin)
    with pytest.raises(NotPermitted):
        d.choose_pathway(store, stay.plan_id, 1)
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(DischargeEvent))
    assert n == 1  # only the first expected date: refusals wrote nothing
    assert DischargeEventKind.EDD == "edd"


def test_coming_home_the_summary_is_carried_in_item_by_item(
    store: Store, hood: Neighbourhood
) -> None:
    from mdt_desktop.services import care_plans
    from mdt_desktop.services.discharges import reconcile

    pid = on_caseload(store, hood)
    first = care_plans.save_version(
        store, pid, {"medicines": "Bisoprolol 2.5 mg once a day", "about_me": "Likes tea"}, None
    )
    stay = admit(store, pid)
    reconcile.record_discharge_summary(
        store,
        stay.plan_id,
        plan_and_actions="- District nurse to check the wound on day 3\n- Falls clinic referral",
        medicine_changes="Bisoprolol stopped\nApixaban 5 mg twice a day started",
        individual_requirements="Hard of hearing: face her when speaking",
    )
    with pytest.raises(d.DischargeError, match="home"):
        reconcile.carry_into_care_plan(store, stay.plan_id, [])
    d.record_discharge(
        store,
        stay.plan_id,
        discharged_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        pathway=1,
        destination="19",
    )
    rec = reconcile.reconciliation(store, stay.plan_id)
    assert len(rec.items) == 5 and not rec.decided
    assert rec.current_sections["medicines"] == "Bisoprolol 2.5 mg once a day"  # both texts kept
    assert care_plans.load_plan(store, pid).current.id == first.version.id  # nothing copied yet

    keys = {i.text: i.key for i in rec.items}
    chosen = [
        keys["District nurse to check the wound on day 3"],
        keys["Apixaban 5 mg twice a day started"],
        keys["Bisoprolol stopped"],
    ]
    version = reconcile.carry_into_care_plan(store, stay.plan_id, chosen, today=TODAY)
    plan = care_plans.load_plan(store, pid).current
    assert plan.id == version and plan.parent_id == first.version.id
    assert [a["what"] for a in plan.content["actions"]] == [
        "District nurse to check the wound on day 3"
    ]
    assert "Bisoprolol 2.5 mg once a day" in plan.content["medicines"]  # kept, not overwritten
    assert "- Apixaban 5 mg twice a day started" in plan.content["medicines"]
    assert "01-Dec-2026" in plan.content["medicines"]
    assert plan.content["about_me"] == "Likes tea"  # not chosen: not carried
    assert reconcile.reconciliation(store, stay.plan_id).decided
    with pytest.raises(d.DischargeError, match="already"):
        reconcile.carry_into_care_plan(store, stay.plan_id, [])


def test_transfer_of_care_pdf_has_the_headings_and_embedded_fonts(
    store: Store, hood: Neighbourhood, tmp_path
) -> None:
    import shutil
    import subprocess

    from mdt_desktop.services.discharges.summary import export_transfer_of_care
    from mdt_desktop.store.schema import Patient

    pid = on_caseload(store, hood)
    with store.transaction() as s:
        s.get(Patient, pid).family_name = "Wiśniewska"
    stay = admit(store, pid, reason="Fall at home")
    d.choose_pathway(store, stay.plan_id, 1, destination="P1-HOME-RRR", today=TODAY)
    d.record_discharge_summary(
        store,
        stay.plan_id,
        plan_and_actions="Falls clinic referral",
        medicine_changes="Apixaban started",
        individual_requirements="Hard of hearing",
    )
    d.record_discharge(
        store,
        stay.plan_id,
        discharged_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        pathway=1,
        destination="19",
    )
    out = export_transfer_of_care(store, stay.plan_id, tmp_path / "toc.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    for heading in (
        "Admission details",
        "Discharge details",
        "Plan and requested actions",
        "Medicine changes",
        "Individual requirements",
        "Person completing record",
    ):
        assert heading in text
    assert "WIŚNIEWSKA" in text.upper() and "Falls clinic referral" in text
    assert "Usual place of residence (19)" in text and "Due 02-Dec-2026" in text
    fonts = subprocess.run([shutil.which("pdffonts"), str(out)], capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows), fonts.stdout  # every font embedded
    with store.session() as s:
        exported = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "export", AuditEntry.entity == "discharge_plans")
        )
    assert exported == 1


def test_the_agenda_tells_the_stay(store: Store, hood: Neighbourhood) -> None:
    from mdt_desktop.services import meetings

    pid = on_caseload(store, hood)
    out = admit(store, pid, admitted_at=datetime(2026, 10, 20, 9, tzinfo=UTC))
    d.record_discharge(
        store,
        out.plan_id,
        discharged_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
        pathway=0,
        destination="19",
    )
    stay = admit(store, pid)  # 10 days after: a readmission
    d.assess_criteria_to_reside(store, stay.plan_id, date(2026, 11, 24), meets_criteria=False)
    d.choose_pathway(store, stay.plan_id, 1, today=TODAY)
    d.set_delay(store, stay.plan_id, "CAP-P1-NOT-AVAILABLE", on=date(2026, 11, 25))
    meeting = meetings.schedule_meeting(
        store, team_id=hood.team.id, starts_at=datetime(2026, 12, 2, 13, tzinfo=UTC), location="Hub"
    )
    [case] = [
        c for c in meetings.propose_agenda(store, meeting, today=TODAY) if c.patient_id == pid
    ]
    assert "Readmitted within 30 days (crude)" in case.reason
    assert "ready for discharge since 24-Nov-2026 (8 days, 6 working)" in case.reason
    assert "pathway 1" in case.reason and "delayed: Home-based rehabilitation" in case.reason


def test_a_stay_pauses_and_restarts_the_persons_budget_lines(store: Store) -> None:
    from support.budgets import agreed_budget
    from support.care_plans import clinician

    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services import budgets

    setup = agreed_budget(store)
    # A practice nurse, who may not record budget spend, records the stay: its consequence
    # for the budget needs no budget permission.
    clinician(store, Role.PRACTICE_NURSE, "Pat Nurse")
    stay = d.record_admission(
        store, setup.patient_id, admitted_at=datetime(2026, 6, 1, 9, tzinfo=UTC), hospital="LGI"
    )
    paused = budgets.hospital_surplus(store, setup.patient_id, date(2026, 6, 21))
    assert [p.description for p in paused] == ["Personal assistant, 10 hours"]
    d.record_discharge(
        store, stay.plan_id, discharged_at=datetime(2026, 6, 24, 15, tzinfo=UTC),
        pathway=0, destination="19",
    )  # fmt: skip
    assert budgets.hospital_surplus(store, setup.patient_id, date(2026, 6, 30)) == []
