"""The agenda against the meeting's time, and escalations that keep their promise:
the escalation's confirmation, the minutes figure and the cut-off line, the meeting's
length when scheduling, and the warnings on Present and Close."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.gui.meetings import MeetingsPage
from mdt_desktop.gui.record.view import RecordView
from mdt_desktop.services import meetings as m
from mdt_desktop.services.users import create_user, ensure_team, sign_in


@pytest.fixture
def team(store):
    return make_team(store)


@pytest.fixture
def gp(store, team):
    user = create_user(
        store, "Dr Priya Raman", "gp", ensure_team(store, "Northside Neighbourhood MDT"),
        pin="2468",
    )  # fmt: skip
    sign_in(store, user)
    return user


def _schedule(store, team, at=MEETING_AT, length=90):
    return m.schedule_meeting(
        store, team_id=team.team_id, starts_at=at, location="Meadowbank Surgery, room 2",
        chair_staff_id=team.staff["Dr Priya Raman"], length_minutes=length,
    )  # fmt: skip


def _quorate(store, meeting):
    for line in m.attendance(store, meeting):
        if line.name in ("Dr Priya Raman", "Sue Palmer", "Mark Fletcher"):
            m.set_attendance(store, line.id, "present")


def _page(qtbot, store, user) -> MeetingsPage:
    page = MeetingsPage(store, user)
    page.today = TODAY
    page.agenda.today = TODAY
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    page.reload()
    return page


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def test_escalating_says_which_meeting_it_is_for(qtbot, store, team, gp) -> None:
    view = RecordView(store, gp, team.people["Clarke"])
    qtbot.addWidget(view)
    assert view.escalate("Daughter worried about falls")
    assert view.message.text() == (
        "Escalated: no MDT meeting is scheduled — it will be proposed for the next one scheduled."
    )
    today = date.today()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    _schedule(store, team, datetime.combine(tuesday, time(14, 0)).astimezone())
    assert view.escalate("Two falls this week")
    assert view.message.text() == (
        f"Escalated: proposed for the MDT meeting on Tue {format_patient_date(tuesday)} 14:00."
    )


def test_the_agenda_shows_its_minutes_against_the_meeting_and_where_time_runs_out(
    qtbot, store, team, gp
) -> None:
    from mdt_desktop.gui.meetings.agenda import CUTOFF_ROLE

    # Escalation 10, admission 5, urgent referral 10, overdue review 5: 30 minutes.
    meeting = _schedule(store, team, length=20)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    builder = page.agenda
    ticked = [builder.proposed.item(i).checkState().name for i in range(builder.proposed.count())]
    # Not pre-ticked beyond the time available.
    assert ticked == ["Checked", "Checked", "Unchecked", "Checked"]
    assert builder.proposed_time.text().startswith("Ticked: 3 of 4, 20 minutes; 20 minutes left")
    builder.proposed.item(3).setCheckState(Qt.CheckState.Unchecked)  # the figure follows
    assert builder.proposed_time.text().startswith("Ticked: 2 of 4, 15 minutes; 20 minutes left")
    assert builder.agenda.cutoff_row() is None
    builder.add_all.click()  # the chair's choice: everything, over time
    assert builder.total.text() == "4 cases, 30 of 20 minutes — 10 over"
    assert builder.total.property("over") is True
    assert page.heading.text().endswith("— agenda 30 of 20 minutes — 10 over")
    row = builder.agenda.cutoff_row()
    assert row == 2  # after the escalation and the admission (15 minutes)
    line = builder.agenda.item(row)
    assert line.data(CUTOFF_ROLE) and line.flags() == Qt.ItemFlag.NoItemFlags
    assert line.text() == "— Time runs out at 20 minutes: 2 cases below may not be reached —"
    assert builder.agenda.count() == 5 and len(builder.agenda.ids()) == 4
    # Ctrl+↓ steps over the line, and the order saved holds cases only.
    builder.agenda.setCurrentRow(1)
    builder.agenda.move_selected(1)
    assert [x.reason_kind for x in m.agenda(store, meeting)] == [
        "escalation", "new_referral", "admitted", "review_due",
    ]  # fmt: skip
    assert builder.agenda.cutoff_row() == 2  # 10 + 10 fit; the admission is past the line
    assert builder.agenda.item(3).text().startswith("3. DUNMORE, Irene (Mrs)")


def test_scheduling_takes_a_length(qtbot, store, team, gp, on_modal) -> None:
    page = _page(qtbot, store, gp)
    seen = {}

    def fill(dialog) -> None:
        try:
            seen["default"] = dialog.length.value()
            dialog.day.setDate(QDate(2026, 12, 8))
            dialog.time.setTime(QTime(14, 0))
            dialog.location.setText("Meadowbank Surgery, room 2")
            dialog.length.setValue(60)
            save = QDialogButtonBox.StandardButton.Save
            dialog.findChild(QDialogButtonBox).button(save).click()
        finally:
            if dialog.isVisible():  # a dialog without the field fails the test, not hangs
                dialog.reject()

    on_modal(fill)
    page.schedule_button.click()
    [summary] = m.list_meetings(store)
    assert seen["default"] == 90 and summary.length_minutes == 60
    assert page.agenda.total.text() == "0 cases, 0 of 60 minutes"


def _agenda_without_the_escalation(store, team):
    meeting = _schedule(store, team)
    _quorate(store, meeting)
    m.add_person(store, meeting, team.people["Clarke"], "Housing worry")
    return meeting


@pytest.mark.parametrize("choice", ["Add to the agenda", "Present without adding", "Cancel"])
def test_present_warns_about_escalations_not_on_the_agenda(
    qtbot, store, team, gp, on_modal, choice
) -> None:
    meeting = _agenda_without_the_escalation(store, team)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    texts = []

    def answer(box) -> None:
        texts.append(box.text())
        _button(box, choice).click()

    on_modal(answer)
    mode = page.present()
    assert "1 person escalated to the MDT is not on this agenda" in texts[0]
    assert "• BHATTI, Nasreen (Mrs) — Escalated: New pressure ulcer" in texts[0]
    names = [line.name for line in m.agenda(store, meeting)]
    if choice == "Cancel":
        assert mode is None and names == ["CLARKE, Joan (Mrs)"]
        assert m.meeting_summary(store, meeting).status == "planned"
        return
    assert mode is not None
    if choice == "Add to the agenda":
        assert names == ["BHATTI, Nasreen (Mrs)", "CLARKE, Joan (Mrs)"]
    else:
        assert names == ["CLARKE, Joan (Mrs)"]
    page.leave_meeting_mode()


def test_close_warns_about_escalations_and_they_carry_on(qtbot, store, team, gp, on_modal) -> None:
    meeting = _agenda_without_the_escalation(store, team)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    # Adding them keeps the meeting open, to discuss them.
    on_modal(lambda box: _button(box, "Add to the agenda").click())
    page.close_button.click()
    assert m.meeting_summary(store, meeting).status == "planned"
    assert "BHATTI, Nasreen (Mrs)" in [line.name for line in m.agenda(store, meeting)]
    assert page.notice.text() == "Added to the agenda: discuss them, then end the meeting."
    m.remove_from_agenda(store, m.agenda(store, meeting)[0].id)
    page.reload()

    def without(box) -> None:
        assert "BHATTI" in box.text()
        on_modal(lambda confirm: confirm.button(QMessageBox.StandardButton.Yes).click())
        _button(box, "End without adding").click()

    on_modal(without)
    page.close_button.click()
    assert m.meeting_summary(store, meeting).status == "closed"
    # Still an escalation, first for the next meeting.
    following = _schedule(store, team, MEETING_AT + timedelta(days=14))
    first = m.propose_agenda(store, following, today=TODAY)[0]
    assert (first.name, first.reason_kind, first.fits) == (
        "BHATTI, Nasreen (Mrs)", "escalation", True,
    )  # fmt: skip


def test_no_warning_when_every_escalation_is_on_the_agenda(qtbot, store, team, gp) -> None:
    meeting = _schedule(store, team)
    _quorate(store, meeting)
    m.build_agenda(store, meeting, today=TODAY)
    page = _page(qtbot, store, gp)
    page.choose(meeting)
    mode = page.present()  # no modal: nothing asked
    assert mode is not None and not isinstance(QApplication.activeModalWidget(), QWidget)
    page.leave_meeting_mode()
