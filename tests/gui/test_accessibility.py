"""Accessibility basics: every focusable control has a name, Tab leaves multi-line fields."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget
from support.demo_store import *  # noqa: F403 (the demo fixtures)
from support.demo_store import DemoStore

from mdt_desktop.gui.main_window import AREAS, MainWindow


def accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return (iface.text(QAccessible.Text.Name) if iface is not None else "").strip()


def focusable(root: QWidget) -> list[QWidget]:
    found = []
    for w in root.findChildren(QWidget):
        if not w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        # A combo box's pop-up list is its own window, named through the combo box; the
        # line edit inside a spin box or combo box likewise.
        if w.window() is not root.window():
            continue
        if isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue
        found.append(w)
    return found


def unnamed(root: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName()!r} in {type(w.window()).__name__}"
        for w in focusable(root)
        if not accessible_name(w)
    ]


def test_every_page_names_every_control(demo_window: MainWindow) -> None:
    missing: list[str] = []
    total = 0
    for area in AREAS:
        page = demo_window.show_area(area)
        page.wait_until_loaded()
        total += len(focusable(page))
        missing += [f"{area}: {m}" for m in unnamed(page)]
    assert total >= 60  # the walk really reached the pages' controls
    assert missing == [], "\n".join(missing)


def _planned_person(store: Any) -> Any:
    from sqlalchemy import select

    from mdt_desktop.store.schema import CarePlan

    with store.session() as s:
        return s.scalars(select(CarePlan.patient_id).order_by(CarePlan.id)).first()


def test_the_record_and_the_care_plan_editor_name_every_control(
    qtbot: Any, demo_window: MainWindow
) -> None:
    from mdt_desktop.gui.record.registry import RECORD_TABS

    pid = _planned_person(demo_window.store)
    record = demo_window.open_record(pid)
    qtbot.waitExposed(record)
    for name in RECORD_TABS:
        record.view.show_tab(name)
    plans = demo_window.show_area("Care plans")
    editor = plans.open_plan(pid)
    missing = unnamed(record) + unnamed(editor)
    assert missing == [], "\n".join(missing)


def _dialogs(demo: DemoStore) -> list[QWidget]:
    from datetime import date

    from sqlalchemy import select

    from mdt_desktop.gui.case_finding import ReferDialog
    from mdt_desktop.gui.caseload.dialogs import AcceptDialog, ManualReferralDialog
    from mdt_desktop.gui.meetings.outcome import ActionDialog, OutcomeDialog
    from mdt_desktop.gui.meetings.page import ScheduleDialog
    from mdt_desktop.gui.record.care_team import MemberDialog
    from mdt_desktop.gui.widgets.forms import ConsentDialog, ReasonDialog
    from mdt_desktop.services import meetings
    from mdt_desktop.services.caseload import teams
    from mdt_desktop.services.staff import coordinators, list_staff
    from mdt_desktop.store.schema import AgendaItem

    store = demo.store
    with store.session() as s:
        item_id = s.scalars(select(AgendaItem.id).order_by(AgendaItem.id)).first()
    team_id = demo.user.team_id
    owners = [(None, "Sue Palmer")]
    return [
        ReferDialog(["OKAFOR, Joseph"], teams(store)),
        AcceptDialog("OKAFOR, Joseph", "Falls", coordinators(store, team_id)),
        ManualReferralDialog(store, teams(store), team_id),
        ReasonDialog("Decline", "Why?"),
        ConsentDialog("Sue Palmer"),
        ScheduleDialog(meetings.staff_choices(store, team_id)),
        OutcomeDialog(store, item_id, owners, date.today()),
        ActionDialog(store, item_id, owners, date.today()),
        MemberDialog(list_staff(store)),
    ]


def test_the_main_dialogs_name_every_control(qtbot: Any, demo: DemoStore) -> None:
    missing = []
    for dialog in _dialogs(demo):
        qtbot.addWidget(dialog)
        dialog.show()
        missing += unnamed(dialog)
    assert missing == [], "\n".join(missing)


# --- Tab moves focus ------------------------------------------------------------------


def _multi_line_fields(root: QWidget) -> list[QWidget]:
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, (QPlainTextEdit, QTextEdit))
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isVisible()
        and w.isEnabled()
    ]


def _tab_leaves(qtbot: Any, field: QWidget) -> bool:
    """Tab pressed in the field: the focus moves on and no tab character is typed."""
    from PySide6.QtTest import QTest

    field.window().activateWindow()
    field.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    before = field.toPlainText()
    QTest.keyClick(field, Qt.Key.Key_Tab)
    # A read-only text (the notes list) first walks its links, then lets go.
    for _ in range(30 if field.isReadOnly() else 0):
        if not field.hasFocus():
            break
        QTest.keyClick(field, Qt.Key.Key_Tab)
    return (
        not field.hasFocus() and "\t" not in field.toPlainText() and (field.toPlainText() == before)
    )


def test_tab_moves_out_of_every_multi_line_field(qtbot: Any, demo_window: MainWindow) -> None:
    from mdt_desktop.gui.record.registry import RECORD_TABS

    tried: list[str] = []
    typed_tabs: list[str] = []

    def try_fields(root: QWidget) -> None:
        for field in _multi_line_fields(root):
            where = f"{type(field.window()).__name__}: {field.objectName()}"
            if where in tried:
                continue
            tried.append(where)
            if not _tab_leaves(qtbot, field):
                typed_tabs.append(where)

    pid = _planned_person(demo_window.store)
    record = demo_window.open_record(pid)
    qtbot.waitExposed(record)
    for name in RECORD_TABS:
        record.view.show_tab(name)
        try_fields(record)
    record.close()
    plans = demo_window.show_area("Care plans")
    editor = plans.open_plan(pid)
    for section in ("about_me", "needs", "contingency", "future_care", "support_network"):
        editor.show_section(section)
        try_fields(editor)
    for dialog in _dialogs(DemoStore(demo_window.store, demo_window.user)):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        try_fields(dialog)
        dialog.close()
    assert len(tried) >= 11, tried
    assert typed_tabs == []


def test_tab_leaves_the_goals_and_actions_tables(qtbot: Any, demo_window: MainWindow) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    plans = demo_window.show_area("Care plans")
    editor = plans.open_plan(_planned_person(demo_window.store))
    demo_window.activateWindow()
    for key in ("goals", "actions"):
        section = editor.show_section(key)
        table = section.table
        assert table.rowCount() > 0
        first = section.cell(0, 0)
        first.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(first.hasFocus, timeout=2000)
        left = False
        for _ in range(table.rowCount() * table.columnCount() + 2):
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            focus = QApplication.focusWidget()
            if focus is not None and not table.isAncestorOf(focus) and focus is not table:
                left = True
                break
        assert left, f"Tab stays in the {key} table"
        assert "\t" not in first.text()
