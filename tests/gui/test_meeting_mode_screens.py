"""Meeting mode on a shared screen at 1920×1080 and 1280×720: nothing cut off.

Set MDT_SCREENSHOT_DIR to keep the PNGs (docs/screenshots holds the ones looked at).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.gui.meetings.meeting_mode import MeetingMode
from mdt_desktop.services import meetings as m
from mdt_desktop.store.schema import CarePlan, CarePlanVersion, Note


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_meeting_mode_fits_the_screen(qtbot, store, width, height) -> None:
    team = make_team(store)
    pid = team.people["Bhatti"]
    with store.transaction() as s:
        s.add(
            Note(
                team_id=team.team_id,
                patient_id=pid,
                author_name="Sue Palmer",
                author_role="district_nurse",
                written_at=datetime.now(UTC),
                text="Sacral pressure area red but intact; repositioning chart started.",
            )
        )
        plan = CarePlan(team_id=team.team_id, patient_id=pid, status="agreed")
        s.add(plan)
        s.flush()
        s.add(
            CarePlanVersion(
                team_id=team.team_id,
                care_plan_id=plan.id,
                number=1,
                author_name="Dr Priya Raman",
                created_at=datetime.now(UTC),
                content={"goals": [{"goal": "Stay living at home"}, "Sleep well"]},
            )
        )
    meeting = m.schedule_meeting(store, team_id=team.team_id, starts_at=MEETING_AT,
                                 location="Room 2")  # fmt: skip
    m.build_agenda(store, meeting, today=TODAY)
    first = m.agenda(store, meeting)[0]
    m.add_actions(
        store,
        first.id,
        [
            m.NewAction(
                "Review pressure areas twice a week", "Sue Palmer", None, TODAY + timedelta(7)
            )
        ],
    )
    scale = round(height / 560, 1)  # as the Meetings page sizes it to the screen
    mode = MeetingMode(store, meeting, scale=scale, today=TODAY)
    qtbot.addWidget(mode)
    mode.resize(QSize(width, height))
    mode.show()
    qtbot.waitExposed(mode)
    for _ in range(3):
        QApplication.processEvents()
    assert mode.banner.name.text() == "BHATTI, Nasreen (Mrs)"
    assert "Stay living at home" in mode.goals.body.text()
    # Single-line labels get the width their text needs; wrapped ones the height (the
    # panels' texts scroll instead, so they are never cut).
    for label in mode.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        scrolls = isinstance(label.parentWidget().parentWidget(), QScrollArea)
        if label.wordWrap() and not scrolls:
            assert label.height() >= label.heightForWidth(label.width()) - 1, label.objectName()
        elif not label.wordWrap():
            assert label.width() >= label.sizeHint().width() - 1, (label.objectName(), label.text())
        # Nothing drawn past the screen's edge.
        bottom_right = label.mapTo(mode, label.rect().bottomRight())
        assert bottom_right.x() <= width and bottom_right.y() <= height, label.objectName()
    folder = os.environ.get("MDT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        mode.grab().save(str(Path(folder) / f"meeting-mode-{width}x{height}.png"))


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_paused_screen_and_decision_dialog_fit(qtbot, store, width, height) -> None:
    from mdt_desktop.gui.meetings.outcome import OutcomeDialog

    team = make_team(store)
    meeting = m.schedule_meeting(store, team_id=team.team_id, starts_at=MEETING_AT,
                                 location="Room 2")  # fmt: skip
    m.build_agenda(store, meeting, today=TODAY)
    first = m.agenda(store, meeting)[0]
    m.record_outcome(store, first.id, m.Outcome("step_down", "Stable for three months"))
    mode = MeetingMode(store, meeting, scale=round(height / 560, 1), today=TODAY)
    qtbot.addWidget(mode)
    mode.resize(QSize(width, height))
    mode.show()
    qtbot.waitExposed(mode)
    dialog = OutcomeDialog(
        store, first.id, mode.owners(), mode.meeting_day,
        recorded=m.recorded_outcome(store, first.id), scale=mode.scale * 0.8, parent=mode,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    # The dialog fits the screen it opens over, and its words are not cut.
    assert dialog.width() <= width and dialog.height() <= height
    for label in dialog.findChildren(QLabel):
        if label.isVisible() and label.text() and not label.wordWrap():
            assert label.width() >= label.sizeHint().width() - 1, label.text()
    grabbed = {"decision": dialog.grab()}
    dialog.done(0)
    mode.pause()
    QApplication.processEvents()
    shown = [w for w in mode.findChildren(QLabel) if w.isVisible() and w.text()]
    assert [w.text() for w in shown] == ["Meeting paused", mode.meeting_title]
    for label in shown:
        assert label.width() >= min(label.sizeHint().width(), width) - 1, label.text()
        for family in team.people:
            assert family.upper() not in label.text().upper()
    for button in (mode.resume_button, mode.leave_button):
        assert button.isVisible() and button.width() >= button.sizeHint().width() - 1
    grabbed["paused"] = mode.grab()
    folder = os.environ.get("MDT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for name, image in grabbed.items():
            image.save(str(Path(folder) / f"meeting-{name}-{width}x{height}.png"))
