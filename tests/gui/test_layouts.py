"""Screens laid out for 1366×768 first, and checked at 1920×1080 too.

Each test opens a screen of the demo neighbourhood at both sizes, saves a PNG (to
MDT_SCREENSHOT_DIR when set, else the test's folder) and checks the geometry that was cut
or squeezed before: an NHS number on one line, the Flags column's text, a goal in full.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget
from support.demo_store import *  # noqa: F403 (the demo fixtures)

from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.store import caseload as queries

SIZES = [
    pytest.param(QSize(1366, 768), id="1366x768"),
    pytest.param(QSize(1920, 1080), id="1920x1080"),
]


def shot(widget: QWidget, name: str, size: QSize, tmp_path: Path) -> Path:
    for _ in range(5):
        QApplication.processEvents()
    folder = Path(os.environ.get("MDT_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{size.width()}x{size.height()}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("size", SIZES)
def test_case_finding(qtbot: Any, demo_window: MainWindow, size: QSize, tmp_path: Path) -> None:
    demo_window.resize(size)
    page = demo_window.show_area("Case finding")
    page.wait_until_loaded()
    page.table.selectRow(0)
    shot(demo_window, "case-finding", size, tmp_path)
    m, table = page.model, page.table
    # The "why flagged" panel: the NHS number stays on one line, and the line fits.
    nhs = m.display(m.rows[0], m.COL_NHS)
    assert f"NHS&nbsp;No.&nbsp;{nhs.replace(' ', '&nbsp;')}" in page.explain.text()
    assert page.explain.width() >= page.explain.fontMetrics().horizontalAdvance(f"NHS No. {nhs}")
    # Practices by name; with the ODS code too where the column has room.
    practice = m.display(m.rows[0], m.COL_PRACTICE)
    code = m.rows[0][6]
    assert practice.startswith(m.practice_names[code])
    assert (f"({code})" in practice) == (size.width() >= 1920)
    fm = table.fontMetrics()
    # Every visible name, NHS number and caseload word in full; the headers too.
    for r in range(20):
        for col in (m.COL_NAME, m.COL_NHS, m.COL_SEGMENT, m.COL_CASELOAD):
            text = m.display(m.rows[r], col)
            assert fm.horizontalAdvance(text) + 8 <= table.columnWidth(col), (r, col, text)
    head = table.horizontalHeader()
    for col, title in enumerate(m.HEADERS):
        assert head.fontMetrics().horizontalAdvance(title) + 24 <= table.columnWidth(col), title
    if size.width() >= 1920:
        width = table.columnWidth(m.COL_PRACTICE)
        assert all(
            fm.horizontalAdvance(m.display(row, m.COL_PRACTICE)) < width for row in m.rows[:20]
        )
    # Nothing runs off to the right: no sideways scrolling at either size.
    assert sum(table.columnWidth(c) for c in range(9)) <= table.viewport().width()


@pytest.mark.parametrize("size", SIZES)
def test_caseload_with_the_inbox(
    qtbot: Any, demo_window: MainWindow, size: QSize, tmp_path: Path
) -> None:
    demo_window.resize(size)
    page = demo_window.show_area("Caseload")
    page.wait_until_loaded()
    page.inbox_button.setChecked(True)
    for _ in range(3):
        QApplication.processEvents()
    shot(demo_window, "caseload-inbox", size, tmp_path)
    m, table = page.model, page.table
    assert page.inbox.isVisible() and page.inbox.width() >= 220
    fm = table.fontMetrics()
    # The Flags column shows its flags, not "N…".
    flagged = [row for row in m.rows if m.display(row, m.COL_FLAGS)]
    assert flagged
    from mdt_desktop.domain.caseload import FLAG_LABELS

    longest = max(fm.horizontalAdvance(label) for label in FLAG_LABELS.values())
    assert table.columnWidth(m.COL_FLAGS) >= longest + 8
    for row in m.rows:
        for col in (m.COL_NAME, m.COL_NHS, m.COL_WHEN):
            assert fm.horizontalAdvance(m.display(row, col)) + 8 <= table.columnWidth(col)
    shown = [c for c in range(m.columnCount()) if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    if size.width() >= 1920:  # room for every column, practices with their codes
        assert shown == list(range(m.columnCount()))
        code = m.rows[0][queries.COL["practice_code"]]
        assert m.display(m.rows[0], m.COL_PRACTICE) == f"{m.practice_names[code]} ({code})"


def _longest_goal_person(store: Any) -> Any:
    """The demo person whose care plan has the longest goal outcome."""
    from sqlalchemy import select

    from mdt_desktop.store.schema import CarePlan, CarePlanVersion

    best, length = None, -1
    with store.session() as s:
        for pid, content in s.execute(
            select(CarePlan.patient_id, CarePlanVersion.content).join(
                CarePlanVersion, CarePlanVersion.care_plan_id == CarePlan.id
            )
        ):
            for goal in content.get("goals") or []:
                text = goal.get("outcome", "") if isinstance(goal, dict) else str(goal)
                if len(text) > length:
                    best, length = pid, len(text)
    return best


@pytest.mark.parametrize("size", SIZES)
def test_care_plan_editor(qtbot: Any, demo_window: MainWindow, size: QSize, tmp_path: Path) -> None:
    demo_window.resize(size)
    page = demo_window.show_area("Care plans")
    page.wait_until_loaded()
    editor = page.open_plan(_longest_goal_person(demo_window.store))
    goals = editor.show_section("goals")
    shot(demo_window, "care-plan-goals", size, tmp_path)
    # Each goal's outcome is shown in full: the wrapped text fits the height of its cell.
    assert_cells_show_their_text(goals, columns=(0, 1))
    actions = editor.show_section("actions")
    actions.add_row({"what": "Strength and balance exercises with the falls team, twice a week"})
    for _ in range(3):
        QApplication.processEvents()
    shot(demo_window, "care-plan-actions", size, tmp_path)
    assert_cells_show_their_text(actions, columns=(0, 2))


def assert_cells_show_their_text(section: Any, columns: tuple[int, ...]) -> None:
    from mdt_desktop.gui.widgets.access import WrappingLine

    table = section.table
    assert table.rowCount() > 0
    for row in range(table.rowCount()):
        for col in columns:
            cell = section.cell(row, col)
            assert isinstance(cell, WrappingLine)
            text = cell.text()
            doc = cell.document()
            # The laid-out text's height is inside the cell's viewport, and the cell is
            # inside its row: nothing is cut at the bottom or the right.
            lines = sum(
                doc.findBlockByNumber(b).layout().lineCount() for b in range(doc.blockCount())
            )
            needed = lines * cell.fontMetrics().lineSpacing()
            assert needed <= cell.viewport().height(), (row, col, text)
            assert cell.height() <= table.rowHeight(row) + 1
            if cell.fontMetrics().horizontalAdvance(text) > cell.viewport().width():
                assert lines > 1, text


@pytest.mark.parametrize("size", SIZES)
def test_agenda(qtbot: Any, demo_window: MainWindow, size: QSize, tmp_path: Path) -> None:
    demo_window.resize(size)
    page = demo_window.show_area("Meetings")
    page.wait_until_loaded()
    shot(demo_window, "agenda", size, tmp_path)
    # The agenda's list and the proposed list keep a usable width at either size.
    agenda = page.agenda
    assert agenda.isVisible()
    for child in agenda.findChildren(QWidget):
        if child.isVisible() and child.objectName() in ("agendaList", "proposedList"):
            assert child.width() >= 300, child.objectName()
