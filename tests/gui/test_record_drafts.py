"""A record window never loses typed work: close asks, drafts are kept and offered back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit
from support.care_plans import rich_content
from support.neighbourhood import Neighbourhood, build_neighbourhood

from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.gui.care_plan.editor import CarePlanEditor
from mdt_desktop.gui.record import RecordWindow
from mdt_desktop.gui.record.notes import NotesTab
from mdt_desktop.services import care_plans, caseload, drafts, notes
from mdt_desktop.services.users import sign_in
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User


@pytest.fixture
def hood(store: Store, user: User) -> Neighbourhood:
    built = build_neighbourhood(store)
    sign_in(store, user)
    return built


def _open(qtbot: Any, window: Any, pid: Any, tab: str = "Notes") -> RecordWindow:
    record = window.open_record(pid, tab)
    assert isinstance(record, RecordWindow)
    qtbot.waitExposed(record)
    return record


def _choose(label: str, seen: list[str]) -> Any:
    def act(box: Any) -> None:
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        [button] = [b for b in box.buttons() if b.text() == label]
        button.click()

    return act


def _records() -> list[RecordWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, RecordWindow)]


def test_closing_with_a_typed_note_asks_and_keeps_it_as_a_draft(
    qtbot, window, store: Store, hood: Neighbourhood, on_modal
) -> None:
    pid = hood.patients[0]
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    assert isinstance(tab, NotesTab)
    tab.text.setPlainText("Daughter worried about night-time falls; visit Thursday.")
    seen: list[str] = []
    on_modal(_choose("Cancel", seen))
    record.close()
    assert record.isVisible() and "has a note not saved yet" in seen[0]
    assert tab.text.toPlainText().startswith("Daughter worried")
    on_modal(_choose("Keep as draft", seen))
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()
    kept = drafts.draft(store, pid, DraftKind.NOTE)
    assert kept is not None and kept.content["text"].startswith("Daughter worried")
    assert notes.notes_for(store, pid) == []  # a draft is not in the record
    # Opened again: offered back with its time; restoring puts the text back.
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    assert tab.draft_bar.isVisible()
    local = kept.saved_at.astimezone()
    assert f"You have an unsaved note from {local:%H:%M}" in tab.draft_bar.text.text()
    tab.draft_bar.restore_button.click()
    assert tab.text.toPlainText() == "Daughter worried about night-time falls; visit Thursday."
    assert not tab.draft_bar.isVisible()
    # Save from the close question: the note is added and the draft goes.
    on_modal(_choose("Save", seen))
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()
    assert [n.text for n in notes.notes_for(store, pid)] == [
        "Daughter worried about night-time falls; visit Thursday."
    ]
    assert drafts.draft(store, pid, DraftKind.NOTE) is None


def test_discard_on_close_and_discard_of_an_offered_draft(
    qtbot, window, store: Store, hood: Neighbourhood, on_modal
) -> None:
    pid = hood.patients[1]
    record = _open(qtbot, window, pid)
    record.view.tab("Notes").text.setPlainText("Not worth keeping")
    on_modal(_choose("Discard", []))
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()
    assert drafts.draft(store, pid, DraftKind.NOTE) is None
    drafts.keep_draft(store, pid, DraftKind.NOTE, {"text": "Old draft", "category": "general"})
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    tab.draft_bar.discard_button.click()
    assert not tab.draft_bar.isVisible() and tab.text.toPlainText() == ""
    assert drafts.draft(store, pid, DraftKind.NOTE) is None
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()  # nothing unsaved: no question


def test_typing_is_kept_a_moment_after_it_stops_so_a_crash_loses_seconds(
    qtbot, window, store: Store, hood: Neighbourhood
) -> None:
    pid = hood.patients[0]
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    assert tab.drafts.timer.interval() <= 2000  # at most two seconds of typing at risk
    tab.drafts.timer.setInterval(30)
    tab.text.setPlainText("BP 150/90")
    qtbot.waitUntil(lambda: drafts.draft(store, pid, DraftKind.NOTE) is not None, timeout=3000)
    assert drafts.draft(store, pid, DraftKind.NOTE).content["text"] == "BP 150/90"
    # Another user's drafts are their own.
    other = hood.nurse
    sign_in(store, other)
    assert drafts.draft(store, pid, DraftKind.NOTE) is None


def test_locking_keeps_unsaved_work_and_unlocking_shows_it_again(
    qtbot, window, store: Store, hood: Neighbourhood
) -> None:
    pid = hood.patients[0]
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    tab.text.setPlainText("Half-written: carer says")
    window.lock()
    qtbot.wait(50)
    assert not record.isVisible() and record in _records()  # hidden, not closed
    assert drafts.draft(store, pid, DraftKind.NOTE).content["text"] == "Half-written: carer says"
    window.lock_screen.secret.setText("4321")
    window.lock_screen.try_unlock()
    qtbot.waitUntil(lambda: not window.locked, timeout=5000)
    assert record.isVisible() and tab.text.toPlainText() == "Half-written: carer says"


def test_care_plan_edits_are_kept_on_close_and_restored_onto_their_version(
    qtbot, window, store: Store, user: User, hood: Neighbourhood, on_modal
) -> None:
    pid = hood.patients[2]
    referral = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    caseload.accept_referral(store, referral, coordinator_id=hood.coordinator.id)
    care_plans.save_version(store, pid, rich_content(), None)
    record = _open(qtbot, window, pid, "Care plan")
    editor = record.view.tab("Care plan")
    assert isinstance(editor, CarePlanEditor)
    editor.show_section("medicines").findChild(QPlainTextEdit).setPlainText("Furosemide 40 mg")
    editor.note.setText("Dose changed by the GP")
    seen: list[str] = []
    on_modal(_choose("Keep as draft", seen))
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()
    assert "changes to the care plan not saved yet" in seen[0]
    assert care_plans.load_plan(store, pid).current.number == 1
    # Someone else saves version 2 meanwhile; the draft is restored on version 1.
    theirs = care_plans.load_plan(store, pid).current
    changed = dict(theirs.content, needs="New needs written on another laptop")
    care_plans.save_version(store, pid, changed, theirs.id)
    record = _open(qtbot, window, pid, "Care plan")
    editor = record.view.tab("Care plan")
    assert editor.draft_bar.isVisible()
    assert "made from version 1" in editor.draft_bar.text.text()
    editor.draft_bar.restore_button.click()
    assert editor.dirty and editor.base.number == 1
    assert editor.editors["medicines"].value() == "Furosemide 40 mg"
    assert editor.note.text() == "Dose changed by the GP"
    result = editor.save()
    assert result is not None and result.stale  # kept whole for a merge, nothing overwritten
    state = care_plans.load_plan(store, pid)
    assert state.current.content["needs"] == "New needs written on another laptop"
    assert state.pending and state.pending[0].mine.content["medicines"] == "Furosemide 40 mg"
    assert drafts.draft(store, pid, DraftKind.CARE_PLAN) is None
    if editor.merge_dialog is not None:
        editor.merge_dialog.reject()


def test_someone_else_unlocking_closes_the_record_and_the_draft_waits_for_its_author(
    qtbot, window, store: Store, user: User, hood: Neighbourhood
) -> None:
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.users import create_user

    create_user(store, "Alex Kim", Role.PHARMACIST, hood.team, pin="1111")
    pid = hood.patients[0]
    record = _open(qtbot, window, pid)
    record.view.tab("Notes").text.setPlainText("Sam's half-written note")
    window.lock()
    screen = window.lock_screen
    screen.who.setCurrentIndex(screen.who.findText("Alex Kim (Pharmacist)"))
    screen.secret.setText("1111")
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        screen.try_unlock()
    qtbot.waitUntil(lambda: not window.locked, timeout=5000)
    assert _records() == []
    assert drafts.draft(store, pid, DraftKind.NOTE) is None  # not Alex's
    sign_in(store, user)
    assert drafts.draft(store, pid, DraftKind.NOTE).content["text"] == "Sam's half-written note"


def test_the_app_closing_keeps_the_draft_without_asking(
    qtbot, window, store: Store, hood: Neighbourhood
) -> None:
    pid = hood.patients[3]
    record = _open(qtbot, window, pid)
    record.view.tab("Notes").text.setPlainText("Typed just before closing the app")
    window.close()
    record.close()  # as quitting does after the main window has gone: no question
    assert not record.isVisible()
    assert drafts.draft(store, pid, DraftKind.NOTE).content["text"].startswith("Typed just")


def test_care_plans_page_never_shows_one_persons_unsaved_edits_to_the_next(
    qtbot, store: Store, user: User, hood: Neighbourhood
) -> None:
    from mdt_desktop.gui.care_plan.page import CarePlansPage

    pid = hood.patients[2]
    referral = caseload.refer_person(store, pid, reason="Frailty", team_id=hood.team.id)
    caseload.accept_referral(store, referral, coordinator_id=hood.coordinator.id)
    care_plans.save_version(store, pid, rich_content(), None)
    page = CarePlansPage(store, user)
    qtbot.addWidget(page)
    editor = page.open_plan(pid)
    editor.show_section("medicines").findChild(QPlainTextEdit).setPlainText("Sam's edit")
    qtbot.waitUntil(lambda: drafts.draft(store, pid, DraftKind.CARE_PLAN) is not None, timeout=4000)
    sign_in(store, hood.nurse)
    page.set_user(hood.nurse)
    assert page.editor is not editor and not page.editor.dirty
    assert page.editor.editors["medicines"].value() != "Sam's edit"
    assert not page.editor.draft_bar.isVisible()
    sign_in(store, user)
    kept = drafts.draft(store, pid, DraftKind.CARE_PLAN)
    assert kept is not None and kept.content["content"]["medicines"] == "Sam's edit"


def test_typing_while_a_draft_is_offered_replaces_nothing(
    qtbot, window, store: Store, hood: Neighbourhood, on_modal
) -> None:
    pid = hood.patients[1]
    drafts.keep_draft(
        store, pid, DraftKind.NOTE, {"text": "Yesterday's words", "category": "visit"}
    )
    record = _open(qtbot, window, pid)
    tab = record.view.tab("Notes")
    tab.drafts.timer.setInterval(10)
    tab.text.setPlainText("Today's words")
    qtbot.wait(60)  # the timer has run: the offered draft is not overwritten
    assert drafts.draft(store, pid, DraftKind.NOTE).content["text"] == "Yesterday's words"
    on_modal(_choose("Keep as draft", []))
    with qtbot.waitSignal(record.destroyed, timeout=5000):
        record.close()
    kept = drafts.draft(store, pid, DraftKind.NOTE).content
    assert kept == {"text": "Yesterday's words\n\nToday's words", "category": "visit"}
