"""The care plan editor, merge and history dialogs, and the Care plans page, offscreen."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit
from support.care_plans import clinician, person_on_caseload, rich_content

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.roles import Role
from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.care_plan import care_plan_tab
from mdt_desktop.gui.care_plan import editor as editor_module
from mdt_desktop.gui.care_plan.editor import CarePlanEditor
from mdt_desktop.gui.care_plan.merge import MergeDialog
from mdt_desktop.gui.care_plan.page import CarePlanListModel
from mdt_desktop.gui.care_plan.sections import ActionsEditor, GoalsEditor, ReviewEditor
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import CarePlanVersion, User


def make_editor(qtbot: Any, store: Store, user: User, pid: Any) -> CarePlanEditor:
    editor = care_plan_tab(store, user, pid)
    assert isinstance(editor, CarePlanEditor)
    qtbot.addWidget(editor)
    editor.resize(1366, 768)
    editor.show()
    return editor


def type_text(editor: CarePlanEditor, key: str, text: str) -> None:
    edit = editor.show_section(key).findChild(QPlainTextEdit)
    edit.setPlainText(text)


def test_first_save_makes_version_one_with_goals_and_actions(qtbot, store, user) -> None:
    pid = person_on_caseload(store)
    editor = make_editor(qtbot, store, user, pid)
    assert editor.banner.name.text() == "NGUYỄN, Zoë (Ms)"
    assert "No care plan yet" in editor.version_label.text()
    assert not editor.save_button.isEnabled() and not editor.export_button.isEnabled()
    type_text(editor, "about_me", "I want to stay at home with my cat.")
    goals = editor.show_section("goals")
    assert isinstance(goals, GoalsEditor)
    goals.add_button.click()
    goals.cell(0, 0).setText("Walk to the shop")
    goals.cell(0, 2).setText("01-Oct-2026")
    actions = editor.show_section("actions")
    assert isinstance(actions, ActionsEditor)
    actions.add_button.click()
    actions.cell(0, 0).setText("Strength and balance exercises")
    goal_combo = actions.cell(0, 3)
    assert goal_combo.itemText(1) == "Goal 1: Walk to the shop"
    goal_combo.setCurrentIndex(1)
    assert editor.section_list.item(0).text().endswith("•")  # changed, not saved
    assert editor.save_button.isEnabled()
    editor.note.setText("First visit")
    result = editor.save()
    assert result and result.version.number == 1
    assert "Version 1" in editor.version_label.text()
    assert not editor.dirty and not editor.save_button.isEnabled()
    saved = care_plans.load_plan(store, pid).current.content
    assert saved["goals"][0]["target_date"] == "2026-10-01"
    assert saved["actions"][0]["goal_id"] == saved["goals"][0]["id"]
    assert care_plans.history(store, pid)[0].change_summary.endswith("First visit")


def test_a_refused_save_keeps_what_was_typed(qtbot, store, user, monkeypatch) -> None:
    pid = person_on_caseload(store)
    editor = make_editor(qtbot, store, user, pid)
    type_text(editor, "needs", "Falls at night")
    review = editor.show_section("review")
    assert isinstance(review, ReviewEditor)
    review.review_on.setText("next Tuesday")
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    assert editor.save() is None
    assert "review date" in warnings[0] and "not a date" in warnings[0]
    assert editor.editors["needs"].value() == "Falls at night"
    assert review.review_on.text() == "next Tuesday"
    assert care_plans.load_plan(store, pid) is None


def test_two_windows_stale_save_opens_merge_and_keeps_both(qtbot, store, user) -> None:
    pid = person_on_caseload(store)
    care_plans.save_version(store, pid, {"about_me": "I live alone."}, None)
    first = make_editor(qtbot, store, user, pid)
    second = make_editor(qtbot, store, user, pid)
    type_text(first, "about_me", "I live alone. My daughter visits on Sundays.")
    assert first.save().version.number == 2
    type_text(second, "about_me", "I live alone with my cat, Biscuit.")
    type_text(second, "medicines", "Ramipril 5 mg")
    result = second.save()
    assert result.stale
    dialog = second.merge_dialog
    assert isinstance(dialog, MergeDialog) and dialog.isVisible()
    # Both texts, side by side, for the section changed in both.
    [box] = dialog.boxes
    assert box.theirs.toPlainText() == "I live alone. My daughter visits on Sundays."
    assert box.mine.toPlainText() == "I live alone with my cat, Biscuit."
    merged_text = box.result.toPlainText()  # "keep both" is chosen at the start
    assert "Sundays" in merged_text and "Biscuit" in merged_text
    assert second.merge_bar.isVisible()
    version = dialog.save()
    assert version is not None and version.number == 4
    with store.session() as s:
        row = s.get(CarePlanVersion, version.id)
        parents = {s.get(CarePlanVersion, row.parent_id).number,
                   s.get(CarePlanVersion, row.second_parent_id).number}  # fmt: skip
    assert parents == {2, 3}
    current = care_plans.load_plan(store, pid).current.content
    assert current["medicines"] == "Ramipril 5 mg"
    assert "Biscuit" in current["about_me"] and "Sundays" in current["about_me"]
    assert not second.merge_bar.isVisible()
    assert "Version 4" in second.version_label.text()


def test_merge_later_leaves_the_bar_and_choosing_a_side(qtbot, store, user) -> None:
    pid = person_on_caseload(store)
    base = care_plans.save_version(store, pid, {"needs": "A"}, None).version
    care_plans.save_version(store, pid, {"needs": "B"}, base.id)
    care_plans.save_version(store, pid, {"needs": "C"}, base.id)
    editor = make_editor(qtbot, store, user, pid)
    assert editor.merge_bar.isVisible()
    dialog = editor.open_merge()
    dialog.reject()
    assert care_plans.load_plan(store, pid).pending  # nothing decided, nothing lost
    dialog = editor.open_merge()
    box = dialog.boxes[0]
    box.choice_buttons[cp.Choice.MINE].setChecked(True)
    assert box.result.toPlainText() == "C"
    dialog.save()
    assert care_plans.load_plan(store, pid).current.content["needs"] == "C"


def test_history_compares_any_two_versions(qtbot, store, user) -> None:
    pid = person_on_caseload(store)
    v1 = care_plans.save_version(store, pid, {"about_me": "Old words"}, None).version
    v2 = care_plans.save_version(store, pid, {"about_me": "Old words", "medicines": "M"}, v1.id)
    care_plans.save_version(store, pid, {"about_me": "New words", "medicines": "M"}, v2.version.id)
    editor = make_editor(qtbot, store, user, pid)
    dialog = editor.show_history()
    assert dialog.table.rowCount() == 3
    assert dialog.table.item(0, 0).text() == "3 (current)"
    assert "About me and what matters to me changed" in dialog.table.item(0, 3).text()
    text = dialog.compare(1, 3)
    assert "Old words" in text and "New words" in text and "Medicines summary" in text
    dialog.reject()


def test_export_runs_in_the_background_then_opens_the_file(
    qtbot, store, user, tmp_path: Path, monkeypatch
) -> None:
    pid = person_on_caseload(store)
    care_plans.save_version(store, pid, rich_content(), None)
    opened: list[Path] = []
    monkeypatch.setattr(editor_module, "open_file", lambda p: opened.append(p) or True)
    editor = make_editor(qtbot, store, user, pid)
    assert editor.export_button.isEnabled()
    op = editor.export_pdf(large_print=True, path=tmp_path / "plan.pdf")
    wait_for(op)
    assert opened == [tmp_path / "plan.pdf"]
    text = PdfReader(io.BytesIO(opened[0].read_bytes())).pages[0].extract_text()
    assert "(large print)" in text
    wait_for(editor.export_fhir(path=tmp_path / "plan.json"))
    assert opened[-1].suffix == ".json"


def test_roles_without_permission_see_why(qtbot, store) -> None:
    volunteer = clinician(store, Role.VOLUNTARY_SECTOR_WORKER, "Siobhán Kelly")
    pid = person_on_caseload(store)
    editor = make_editor(qtbot, store, volunteer, pid)
    type_text(editor, "about_me", "typed")
    assert not editor.save_button.isEnabled()
    assert "may not edit care plans" in editor.save_button.toolTip()
    assert editor.editors["about_me"].edit.isReadOnly()


def test_care_plans_page_lists_flags_and_opens_the_editor(qtbot, window, store) -> None:
    today = date.today()
    for serial, days in ((1, -2), (2, 5), (3, 12), (4, 60)):
        pid = person_on_caseload(store, serial, family=f"Person{serial}")
        care_plans.save_version(
            store, pid, {"review": {"review_on": (today + timedelta(days=days)).isoformat()}}, None
        )
    page = window.show_area("Care plans")
    page.wait_until_loaded()
    model = page.model
    assert model.rowCount() == 4
    flags = [model.data(model.index(r, model.COL_FLAG)) for r in range(4)]
    assert flags == [
        "Review overdue by 2 days",
        "Review due in 5 days",
        "Review due in 12 days",
        f"Review on {(today + timedelta(days=60)).strftime('%d-%b-%Y')}",
    ]
    assert "1 overdue · 1 due within 7 days · 1 within 14 days" in page.counts.text()
    page.filter.setCurrentIndex(2)  # due within 7 days or overdue
    assert model.rowCount() == 2
    page.table.selectRow(1)
    editor = page.open_selected()
    assert editor.banner.name.text() == "PERSON2, Zoë (Ms)"
    assert editor.review_label.text() == "Review due in 5 days"
    assert page.back_to_list()
    page.wait_until_loaded()
    # The team's review interval: used when a plan is agreed without a review date.
    assert page.review_days.value() == 90
    page.review_days.setValue(60)
    page.review_days.editingFinished.emit()
    assert care_plans.review_days(store) == 60


@pytest.mark.parametrize("size", [QSize(1366, 768), QSize(1920, 1080)])
def test_editor_renders_at_laptop_and_desktop_sizes(qtbot, store, user, tmp_path, size) -> None:
    pid = person_on_caseload(store)
    care_plans.save_version(store, pid, rich_content(), None)
    editor = make_editor(qtbot, store, user, pid)
    editor.resize(size)
    for key in ("about_me", "goals", "actions", "contingency", "review"):
        editor.show_section(key)
        QApplication.processEvents()
        path = tmp_path / f"editor-{key}-{size.width()}.png"
        assert editor.grab().save(str(path))
        assert path.stat().st_size > 10_000


def test_diff_marks_the_words_that_changed_and_escapes_markup(store, user) -> None:
    from mdt_desktop.gui.care_plan.history import NEW_WORD, OLD_WORD, diff_html

    pid = person_on_caseload(store)
    v1 = care_plans.save_version(store, pid, {"about_me": "I like <b>tea</b> & cake."}, None)
    v2 = care_plans.save_version(
        store, pid, {"about_me": "I like <b>coffee</b> & cake."}, v1.version.id
    )
    page = diff_html(v1.version, v2.version)
    assert "&lt;b&gt;" in page and "<b>tea" not in page
    assert f'<span style="background:{OLD_WORD};">&lt;b&gt;tea&lt;/b&gt;</span>' in page
    assert f'<span style="background:{NEW_WORD};">&lt;b&gt;coffee&lt;/b&gt;</span>' in page
    assert "&amp; cake." in page


def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_a_plan_changed_after_agreement_says_so_in_the_editor_and_on_the_pdf(
    qtbot, store, user, tmp_path: Path, monkeypatch
) -> None:
    pid = person_on_caseload(store)
    agreed = rich_content()
    agreed["review"] = {"agreed_on": "2026-10-18", "agreed_how": "In person",
                        "copy_given": True, "review_on": "2027-01-16"}  # fmt: skip
    care_plans.save_version(store, pid, agreed, None)
    monkeypatch.setattr(editor_module, "open_file", lambda p: True)
    editor = make_editor(qtbot, store, user, pid)
    assert "Changed since agreed" not in editor.version_label.text()
    type_text(editor, "needs", "Falls at night; now also struggling with the stairs.")
    assert "changed since agreed" in editor.status.text()
    assert editor.agree_button.isVisible()
    editor.save()
    assert "Changed since agreed" in editor.version_label.text()
    assert "18-Oct-2026 — to agree again" in editor.version_label.text()
    [row] = care_plans.plan_rows(store, date.today())
    assert row.changed_since_agreed and row.status == "draft"
    model = CarePlanListModel(date.today())
    model.set_rows([row])
    status = model.data(model.index(0, CarePlanListModel.COL_STATUS))
    assert status == "Changed since agreed: to agree again"
    wait_for(editor.export_pdf(path=tmp_path / "changed.pdf"))
    text = " ".join(_pdf_text(tmp_path / "changed.pdf").split())
    assert "Agreed with me on 18-Oct-2026" not in text
    assert "Changed since I agreed it on 18-Oct-2026" in text
    assert "to be agreed with me again" in text
    # The person agrees the changed plan: recorded for this version, the PDF says so.
    editor.agree_button.click()
    assert editor.save_button.isEnabled()
    editor.save()
    assert "Changed since agreed" not in editor.version_label.text()
    assert care_plans.load_plan(store, pid).status == "agreed"
    wait_for(editor.export_pdf(path=tmp_path / "agreed.pdf"))
    text = " ".join(_pdf_text(tmp_path / "agreed.pdf").split())
    assert f"Agreed with me on {date.today():%d-%b-%Y}" in text


def test_export_with_unsaved_edits_offers_to_save_first(
    qtbot, store, user, tmp_path: Path, monkeypatch, on_modal
) -> None:
    pid = person_on_caseload(store)
    care_plans.save_version(store, pid, rich_content(), None)
    opened: list[Path] = []
    monkeypatch.setattr(editor_module, "open_file", lambda p: opened.append(p) or True)
    editor = make_editor(qtbot, store, user, pid)
    type_text(editor, "medicines", "Furosemide 40 mg each morning (new)")
    asked: list[str] = []

    def choose(label: str) -> Any:
        def act(box: Any) -> None:
            assert isinstance(box, QMessageBox)
            asked.append(box.text())
            [button] = [b for b in box.buttons() if b.text().startswith(label)]
            button.click()

        return act

    # Cancel: nothing exported, the edit still on screen.
    on_modal(choose("Cancel"))
    assert editor.export_pdf(path=tmp_path / "none.pdf") is None
    assert "changes that are not saved" in asked[-1] and editor.dirty
    # The saved version, said plainly: version 1 without the edit.
    on_modal(choose("Export version 1 without my changes"))
    wait_for(editor.export_pdf(path=tmp_path / "saved.pdf"))
    assert "Furosemide" not in _pdf_text(tmp_path / "saved.pdf")
    assert editor.status.text() == "Exported version 1 to saved.pdf." and editor.dirty
    # Save first: version 2 is saved and is what is printed.
    on_modal(choose("Save, then export"))
    wait_for(editor.export_pdf(path=tmp_path / "new.pdf"))
    assert not editor.dirty and care_plans.load_plan(store, pid).current.number == 2
    assert "Furosemide 40 mg" in _pdf_text(tmp_path / "new.pdf")
    assert editor.status.text() == "Exported version 2 to new.pdf."
    # Nothing unsaved: no question.
    count = len(asked)
    wait_for(editor.export_fhir(path=tmp_path / "plan.json"))
    assert len(asked) == count and opened[-1] == tmp_path / "plan.json"
