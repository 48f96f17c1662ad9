"""Mentions in the note box: completion after "@", who will be told, and "@" typos flagged."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, build_neighbourhood

from mdt_desktop.gui.record import RecordView
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import NoteMention, Staff, User


@pytest.fixture
def hood(store: Store, user: User) -> Neighbourhood:
    built = build_neighbourhood(store)
    sign_in(store, user)
    return built


def _notes(qtbot: Any, store: Store, user: User, patient_id: Any) -> Any:
    view = RecordView(store, user, patient_id, initial_tab="Notes")
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    return view.tab("Notes")


def _mentioned(store: Store) -> list[str]:
    with store.session() as s:
        return list(
            s.scalars(select(Staff.name).join(NoteMention, NoteMention.staff_id == Staff.id))
        )


# The completer's popup grabs the keyboard, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_typing_at_offers_the_team_and_shows_who_will_be_told(
    qtbot, store: Store, user: User, hood: Neighbourhood
) -> None:
    notes = _notes(qtbot, store, user, hood.patients[0])
    notes.text.setFocus()
    qtbot.keyClicks(notes.text, "Package review: @fle")
    completer = notes.text.completer
    assert notes.text.popup.isVisible()
    assert completer.currentCompletion() == "Mark Fletcher"
    qtbot.keyClick(notes.text.popup, Qt.Key.Key_Return)
    assert notes.text.toPlainText() == "Package review: @Mark Fletcher "
    assert not notes.text.popup.isVisible()
    assert notes.told.isVisible()
    assert "Will be told (in their inbox): <b>Mark Fletcher</b>" in notes.told.text()
    # A surname with a title he has not got still finds him, in the preview and the save.
    notes.text.setPlainText("@Dr Hughes please call the family")
    assert "<b>Carol Hughes</b>" in notes.told.text()
    notes.add_button.click()
    assert notes.text.toPlainText() == ""
    assert _mentioned(store) == ["Carol Hughes"]


def test_a_mention_that_matches_nobody_is_flagged_before_saving(
    qtbot, store: Store, user: User, hood: Neighbourhood, on_modal
) -> None:
    notes = _notes(qtbot, store, user, hood.patients[1])
    notes.text.setPlainText("@Dr Flecher please review the care package")
    assert "@Dr Flecher matches nobody in the team's staff directory" in notes.told.text()
    asked: list[str] = []

    def answer(label: str) -> Any:
        def act(box: Any) -> None:
            assert isinstance(box, QMessageBox)
            asked.append(box.text())
            [button] = [b for b in box.buttons() if b.text() == label]
            button.click()

        return act

    on_modal(answer("Go back to the note"))
    notes.add_button.click()
    assert "@Dr Flecher matches nobody" in asked[0]
    assert notes.text.toPlainText() == "@Dr Flecher please review the care package"
    assert notes.shown == []
    on_modal(answer("Add the note anyway"))
    notes.add_button.click()
    assert [n.text for n in notes.shown] == ["@Dr Flecher please review the care package"]
    assert _mentioned(store) == []
