"""Accessibility basics: every focusable control has a name, Tab leaves multi-line fields."""

from __future__ import annotations

from typing import Any

import pytest
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


# --- placeholder contrast and text size ------------------------------------------------


def _luminance(colour: Any) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(fore: Any, back: Any) -> float:
    """WCAG 2 contrast ratio; a translucent foreground is first laid over the background."""
    from PySide6.QtGui import QColor

    a = fore.alphaF()
    shown = QColor.fromRgbF(
        fore.redF() * a + back.redF() * (1 - a),
        fore.greenF() * a + back.greenF() * (1 - a),
        fore.blueF() * a + back.blueF() * (1 - a),
    )
    light, dark = sorted((_luminance(shown), _luminance(back)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_placeholder_text_is_readable(qtbot: Any) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    for field in (QLineEdit(), QPlainTextEdit()):
        qtbot.addWidget(field)
        field.setPlaceholderText("Name (FAMILY, Given) or NHS No.")
        field.show()
        qtbot.waitExposed(field)
        placeholder = field.palette().color(QPalette.ColorRole.PlaceholderText)
        # The theme draws every field on white.
        assert contrast(placeholder, QColor("#ffffff")) >= 4.5
        assert contrast(placeholder, field.palette().color(QPalette.ColorRole.Base)) >= 4.5


def test_text_follows_the_system_size_and_the_persons_choice(
    qtbot: Any, demo_window: MainWindow
) -> None:
    from PySide6.QtWidgets import QApplication

    from mdt_desktop.gui.widgets import text_size
    from mdt_desktop.services.users import create_user

    # The computer's text size: larger than the theme's, everything grows with it; smaller,
    # the theme's sizes stay (they are the smallest that read well).
    assert text_size.scale_for("normal", system=14.0) == pytest.approx(14.0 / 10.5)
    assert text_size.scale_for("normal", system=9.0) == 1.0
    assert text_size.scale_for("larger", system=9.0) == 1.25
    assert text_size.scaled_style("QLabel { font-size: 18pt; }", 1.25) == (
        "QLabel { font-size: 22.5pt; }"
    )

    page = demo_window.show_area("Case finding")
    normal = page.count_label.font().pointSizeF()
    try:
        demo_window.text_size_actions["larger"].trigger()
        QApplication.processEvents()
        assert page.count_label.font().pointSizeF() == pytest.approx(normal * 1.25, abs=0.3)
        assert demo_window.text_size_actions["larger"].isChecked()
        # Remembered for this person: another person signing in sees their own choice.
        other = create_user(demo_window.store, "Rachel Ward", "community_matron", None)
        demo_window.user_changed.emit(other)
        QApplication.processEvents()
        assert page.count_label.font().pointSizeF() == pytest.approx(normal, abs=0.1)
        demo_window.user_changed.emit(demo_window.user)
        QApplication.processEvents()
        assert page.count_label.font().pointSizeF() == pytest.approx(normal * 1.25, abs=0.3)
        assert text_size.saved_choice(demo_window.user.id) == "larger"
    finally:
        text_size.apply_text_size(QApplication.instance(), "normal")  # type: ignore[arg-type]
