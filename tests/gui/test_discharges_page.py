"""The Discharges page: record a stay, set its dates, choose a pathway, finish tasks, discharge."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog

from mdt_desktop.domain.discharges import TaskStatus
from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.discharges import DischargesPage, dialogs
from mdt_desktop.gui.discharges.model import BoardModel
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.services import caseload
from mdt_desktop.services import discharges as svc
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Patient, Staff


def _person_on_caseload(store: Store, user: Any) -> Any:
    with store.transaction() as s:
        staff = Staff(team_id=user.team_id, name=user.name, role=user.role, active=True)
        patient = Patient(
            team_id=user.team_id, nhs_number=next(iter_test_numbers(700)), family_name="Wiśniewska",
            given_name="Zoë", date_of_birth=date(1938, 3, 14), sex="female",
        )  # fmt: skip
        s.add_all([staff, patient])
    ref = caseload.refer_person(store, patient.id, reason="Falls", team_id=user.team_id)
    caseload.accept_referral(store, ref, coordinator_id=staff.id)
    return patient.id


PROBLEMS: list[str] = []


def _answer(on_modal: Any, fill: Any) -> None:
    def act(dialog: QDialog) -> None:
        fill(dialog)
        dialog._check()  # the named OK button's handler: checks, then accepts
        if dialog.isVisible():  # refused: say why instead of waiting for ever
            PROBLEMS.append(dialog.error.text())
            dialog.reject()

    on_modal(act)


def _index_of(combo: Any, value: Any) -> int:
    return next(i for i in range(combo.count()) if combo.itemData(i) == value)


def _set_date(edit: Any, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


def test_a_stay_from_the_board(qtbot, window: MainWindow, store: Store, user, on_modal) -> None:
    pid = _person_on_caseload(store, user)
    page = window.show_area("Discharges")
    assert isinstance(page, DischargesPage)
    wait_for(page.loading)
    assert page.model.rowCount() == 0
    today = date.today()

    def stay(d: dialogs.AdmissionDialog) -> None:
        d.person.setCurrentIndex(_index_of(d.person, pid))
        d.hospital.setText("St James's")
        d.ward.setText("J27")
        _set_date(d.day, today - timedelta(days=6))

    _answer(on_modal, stay)
    wait_for(page.record_stay())
    wait_for(page.loading)
    assert not PROBLEMS
    assert page.model.rowCount() == 1
    page.table.selectRow(0)

    _answer(on_modal, lambda d: _set_date(d.day, today + timedelta(days=2)))
    wait_for(page.set_edd())

    def not_meeting(d: dialogs.CriteriaDialog) -> None:
        _set_date(d.day, today - timedelta(days=2))
        d.meets.setChecked(False)

    wait_for(page.loading)
    page.table.selectRow(0)
    _answer(on_modal, not_meeting)
    wait_for(page.assess())
    wait_for(page.loading)
    page.table.selectRow(0)
    _answer(on_modal, lambda d: d.pathway.setCurrentIndex(d.pathway.findData(1)))
    wait_for(page.choose_pathway())
    wait_for(page.loading)
    line = page.model.line(0)
    assert line.row.pathway == 1 and line.since_ready.calendar == 2
    assert page.model.data(page.model.index(0, BoardModel.COL_PATHWAY)) == "P1"
    assert "Task without an owner" in page.model.data(page.model.index(0, BoardModel.COL_FLAGS))

    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.tasks.count() > 0)
    page.tasks.setCurrentRow(0)
    from mdt_desktop.services.staff import staff_for_user

    me = staff_for_user(store, user).id
    _answer(on_modal, lambda d: d.staff.setCurrentIndex(_index_of(d.staff, me)))
    wait_for(page.assign_task())
    wait_for(page.loading)
    page.mine.setChecked(True)  # a task I own: the stay is mine
    wait_for(page.loading)
    assert page.model.rowCount() == 1
    page.mine.setChecked(False)
    wait_for(page.loading)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.tasks.count() > 0)
    page.tasks.setCurrentRow(0)
    wait_for(page.complete_task())
    wait_for(page.loading)
    tasks = svc.stay_tasks(store, line.row.plan_id)
    assert sum(t.status == TaskStatus.DONE for t in tasks) == 1
    assert any(t.owner_name == user.name for t in tasks)

    page.table.selectRow(0)

    def home(d: dialogs.DischargeDialog) -> None:
        _set_date(d.day, today)
        d.at.setTime(d.at.time().fromString("00:01", "hh:mm"))
        d.destination.setCurrentIndex(d.destination.findData("19"))

    _answer(on_modal, home)
    wait_for(page.discharge())
    wait_for(page.loading)
    assert page.model.rowCount() == 0  # home: off the board
    from mdt_desktop.store import discharges as reads

    with store.session() as s:
        (plan,) = s.scalars(
            __import__("sqlalchemy").select(
                __import__("mdt_desktop.store.schema", fromlist=["DischargePlan"]).DischargePlan
            )
        ).all()
    assert plan.follow_up_due_on is not None
    svc.complete_follow_up(store, plan.id, "Seen at home")
    assert reads is not None


def test_a_role_without_the_permission_sees_why(
    qtbot, store: Store, window: MainWindow, user
) -> None:
    from mdt_desktop.domain.roles import Role

    user.role = Role.VOLUNTARY_SECTOR_WORKER.value
    page = window.show_area("Discharges")
    page.set_user(user)
    assert not page.buttons["admit"].isEnabled()
    assert "may not manage discharge plans" in page.buttons["admit"].toolTip()
    assert page.table.accessibleName() == "People in hospital"
    assert Qt is not None


def test_the_record_shows_the_persons_stays_and_their_history(qtbot, store: Store, user) -> None:
    from datetime import UTC, datetime

    from mdt_desktop.gui.discharges.person_tab import PersonStaysTab

    pid = _person_on_caseload(store, user)
    stay = svc.record_admission(
        store, pid, admitted_at=datetime(2026, 11, 20, 9, tzinfo=UTC), hospital="LGI", method="21"
    )
    svc.set_expected_date(store, stay.plan_id, date(2026, 11, 27))
    svc.set_expected_date(store, stay.plan_id, date(2026, 11, 29), "Awaiting bloods")
    tab = PersonStaysTab(store, user, pid)
    qtbot.addWidget(tab)
    assert tab.table.rowCount() == 1
    assert "In hospital now" in tab.table.item(0, 6).text()
    texts = [tab.history.item(i).text() for i in range(tab.history.count())]
    assert len(texts) == 2 and "Awaiting bloods" in texts[1] and "29-Nov-2026" in texts[1]


def test_importing_the_hospitals_feed_from_the_page(
    qtbot, window: MainWindow, store: Store, user, tmp_path, on_modal
) -> None:
    pid = _person_on_caseload(store, user)
    with store.session() as s:
        number = s.get(Patient, pid).nhs_number
    feed = tmp_path / "adt.csv"
    feed.write_text(
        "spell_id,nhs_number,hospital,ward,admitted_at,admission_method\n"
        f"S1,{number},St James's,J27,2026-11-20T09:30:00,21\n"
        "S2,1234567890,St James's,J27,2026-11-20T09:30:00,21\n"
    )
    page = window.show_area("Discharges")
    wait_for(page.loading)
    said: list[str] = []

    def read_then_close(box: Any) -> None:
        said.append(box.text())
        box.accept()

    on_modal(read_then_close)
    wait_for(page.import_feed([str(feed)]))
    qtbot.waitUntil(lambda: bool(said))
    assert "1 new stays" in said[0] and "1 rows refused" in said[0]
    wait_for(page.loading)
    assert page.model.rowCount() == 1


def test_the_follow_up_is_recorded_from_the_record(qtbot, store: Store, user, on_modal) -> None:
    from datetime import UTC, datetime

    from mdt_desktop.gui.discharges.person_tab import PersonStaysTab

    pid = _person_on_caseload(store, user)
    stay = svc.record_admission(
        store, pid, admitted_at=datetime(2026, 11, 20, 9, tzinfo=UTC), hospital="LGI", method="21"
    )
    svc.record_discharge(
        store, stay.plan_id, discharged_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
        pathway=1, destination="19",
    )  # fmt: skip
    tab = PersonStaysTab(store, user, pid)
    qtbot.addWidget(tab)
    assert tab.follow_up.isEnabled()
    _answer(on_modal, lambda d: d.note.setPlainText("Seen at home; managing well."))
    tab.record_follow_up()
    assert not PROBLEMS
    assert tab.table.item(0, 5).text() == "Done" and not tab.follow_up.isEnabled()
