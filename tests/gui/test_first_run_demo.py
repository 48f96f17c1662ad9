"""The first run's demo: the new user works in the demo team, and a failure is a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from mdt_desktop.gui.first_run import FirstRunWizard
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.services import demo
from mdt_desktop.services.demo import population
from mdt_desktop.store.schema import Patient, Team

DEMO = 5_000  # the smallest size offered: what a newcomer picks


def _to_demo_page(qtbot, wizard: FirstRunWizard, team: str, *, join: bool = True) -> None:
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    profile = wizard.profile_page
    profile.name.setText("Alex Morgan")
    profile.role.setCurrentIndex(profile.role.findData("care_coordinator"))
    profile.team.setText(team)
    profile.pin.setText("2468")
    wizard.next()
    page = wizard.demo_page
    assert wizard.currentPage() is page
    page.fill.setChecked(True)
    if join:
        assert page.join.isEnabled() and page.join.isChecked()  # offered, and the default
        page.fill.setChecked(False)
        assert not page.join.isEnabled()  # only while "fill" is ticked
        page.fill.setChecked(True)
    else:
        page.join.setChecked(False)
    page.size.setCurrentIndex(page.size.findData(DEMO))


def _finish(qtbot, wizard: FirstRunWizard) -> None:
    with qtbot.waitSignal(wizard.finished, timeout=60_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()


def test_the_new_user_works_in_the_demo_team(qtbot, tmp_path: Path) -> None:
    wizard = FirstRunWizard(tmp_path / "first.mdt")
    _to_demo_page(qtbot, wizard, "Frailty MDT")
    _finish(qtbot, wizard)
    store, user = wizard.store, wizard.user
    assert store is not None and user is not None
    with store.session() as s:
        assert s.get(Team, user.team_id).name == demo.DEMO_TEAM
    window = MainWindow(store, user, idle_ms=100_000_000)
    qtbot.addWidget(window)
    window.show()
    meetings = window.show_area("Meetings")
    meetings.wait_until_loaded()
    assert len(meetings.summaries) >= 4  # three held, one planned (it was empty)
    caseload = window.show_area("Caseload")
    caseload.wait_until_loaded()
    caseload.mine.setChecked(True)
    caseload.wait_until_loaded()
    qtbot.waitUntil(lambda: caseload.count_label.text().endswith("people"), timeout=10_000)
    mine = int(caseload.count_label.text().split()[0].replace(",", ""))
    assert 5 <= mine <= 30  # a coordinator's working caseload (it was 1)
    today = window.show_area("Today")
    today.wait_until_loaded()
    assert today.summary.caseload == mine
    assert today.summary.actions_open >= 1 and today.summary.next_meeting is not None
    window.close()
    store.close()


def test_a_team_with_the_demo_teams_name_loads_the_demo(qtbot, tmp_path: Path) -> None:
    wizard = FirstRunWizard(tmp_path / "same-name.mdt")
    _to_demo_page(qtbot, wizard, demo.DEMO_TEAM, join=False)
    _finish(qtbot, wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.demo_page.error.text() == ""
    store = wizard.store
    assert store is not None
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == DEMO
    store.close()


def test_a_demo_that_fails_keeps_nothing_and_says_so_in_words(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("Sample larger than population or is negative")

    monkeypatch.setattr(population, "add_demo_budgets", broken)  # the last step
    wizard = FirstRunWizard(tmp_path / "fails.mdt")
    _to_demo_page(qtbot, wizard, "Frailty MDT")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(lambda: wizard.demo_page.error.text() != "", timeout=60_000)
    error = wizard.demo_page.error.text()
    assert "Sample larger" not in error and "ValueError" not in error
    assert error.startswith("The demo data could not be made") and "store is ready" in error
    store = wizard.store
    assert store is not None
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 0
        assert s.scalar(select(func.count()).select_from(Team)) == 1  # the user's own
    monkeypatch.undo()
    # Nothing was left behind, so loading it again works (it said "already holds demo
    # patients" before).
    demo.generate_demo(store, 300, seed=1)
    _finish(qtbot, wizard)
    store.close()
