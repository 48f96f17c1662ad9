"""Every version of a plan, and a side-by-side comparison of any two."""

from __future__ import annotations

import difflib
import html
import re
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store

OLD_BG = "#fde8e6"  # removed or changed lines, left
NEW_BG = "#e3f2e8"  # added or changed lines, right
OLD_WORD = "#f5b3ab"  # the words that differ within a changed line
NEW_WORD = "#9fd6b0"


def _word_marks(old: str, new: str) -> tuple[str, str]:
    """Both lines as HTML with the words that differ shaded (a paragraph is one line)."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_part = html.escape("".join(a[i1:i2]))
        new_part = html.escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if old_part:
            left.append(f'<span style="background:{OLD_WORD};">{old_part}</span>')
        if new_part:
            right.append(f'<span style="background:{NEW_WORD};">{new_part}</span>')
    return "".join(left), "".join(right)


def _side_html(cells: list[tuple[str, bool]], colour: str) -> str:
    out = []
    for text, marked in cells:
        style = f' style="background:{colour};"' if marked else ""
        out.append(f"<div{style}>{text or '&nbsp;'}</div>")
    return "".join(out) or '<div style="color:#768692;">(empty)</div>'


def diff_html(old: care_plans.VersionInfo, new: care_plans.VersionInfo) -> str:
    """Changed sections only, old on the left and new on the right, changed lines shaded."""
    diffs = cp.diff(old.content, new.content)
    head = (
        f"<p><b>Version {old.number}</b> ({html.escape(old.author_name)}, "
        f"{format_local_datetime(old.created_at)}) compared with <b>version {new.number}</b> "
        f"({html.escape(new.author_name)}, {format_local_datetime(new.created_at)}).</p>"
    )
    if not diffs:
        return head + "<p>These two versions say the same.</p>"
    parts = [head]
    for d in diffs:
        old_lines, new_lines = d.old_text.splitlines(), d.new_text.splitlines()
        left: list[tuple[str, bool]] = []
        right: list[tuple[str, bool]] = []
        for tag, i1, i2, j1, j2 in d.opcodes:
            if tag == "equal":
                left.extend((html.escape(line), False) for line in old_lines[i1:i2])
                right.extend((html.escape(line), False) for line in new_lines[j1:j2])
                continue
            olds, news = old_lines[i1:i2], new_lines[j1:j2]
            for k in range(max(len(olds), len(news))):
                if k < len(olds) and k < len(news):
                    o, n = _word_marks(olds[k], news[k])
                    left.append((o, True))
                    right.append((n, True))
                elif k < len(olds):
                    left.append((html.escape(olds[k]), True))
                else:
                    right.append((html.escape(news[k]), True))
        parts.append(
            f"<h3>{html.escape(d.title)}</h3>"
            '<table width="100%" cellspacing="0" cellpadding="6" border="1" '
            'style="border-color:#d8dde0; border-collapse:collapse;">'
            f'<tr><th width="50%" align="left">Version {old.number}</th>'
            f'<th width="50%" align="left">Version {new.number}</th></tr>'
            f'<tr><td valign="top">{_side_html(left, OLD_BG)}</td>'
            f'<td valign="top">{_side_html(right, NEW_BG)}</td></tr>'
            "</table>"
        )
    return "".join(parts)


class HistoryDialog(QDialog):
    COLUMNS = ["Version", "Saved", "By", "What changed"]

    def __init__(self, store: Store, patient_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("Care plan history")
        self.resize(1200, 720)
        self.versions = care_plans.history(store, patient_id)
        self.by_id = {v.id: v for v in self.versions}
        layout = QVBoxLayout(self)

        self.table = QTableWidget(len(self.versions), len(self.COLUMNS))
        self.table.setObjectName("versionTable")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        current = next((v for v in self.versions if v.is_current), None)
        main_line = self._ancestors(current.id) if current else set()
        for row, v in enumerate(self.versions):
            label = str(v.number)
            if v.is_current:
                label += " (current)"
            elif v.id not in main_line:
                label += " (to merge)"
            cells = [label, format_local_datetime(v.created_at), v.author_name, self._what(v)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()

        compare = QHBoxLayout()
        compare.addWidget(QLabel("Compare version"))
        self.left = QComboBox()
        self.left.setObjectName("compareLeft")
        self.right = QComboBox()
        self.right.setObjectName("compareRight")
        for v in self.versions:
            self.left.addItem(f"{v.number}", v.id)
            self.right.addItem(f"{v.number}", v.id)
        compare.addWidget(self.left)
        compare.addWidget(QLabel("with version"))
        compare.addWidget(self.right)
        compare.addStretch(1)

        self.view = QTextBrowser()
        self.view.setObjectName("diffView")
        self.view.setOpenLinks(False)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(compare)
        bottom_layout.addWidget(self.view, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([260, 460])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.left.currentIndexChanged.connect(self.refresh)
        self.right.currentIndexChanged.connect(self.refresh)
        self.table.currentCellChanged.connect(self._row_chosen)
        if self.versions:
            self.table.selectRow(0)
            self._row_chosen(0)

    def _ancestors(self, start: uuid.UUID) -> set[uuid.UUID]:
        seen: set[uuid.UUID] = set()
        queue = [start]
        while queue:
            vid = queue.pop()
            if vid in seen or vid not in self.by_id:
                continue
            seen.add(vid)
            v = self.by_id[vid]
            queue.extend(p for p in (v.parent_id, v.second_parent_id) if p)
        return seen

    def _what(self, v: care_plans.VersionInfo) -> str:
        text = v.change_summary
        if v.is_merge and v.second_parent_id in self.by_id and v.parent_id in self.by_id:
            a, b = self.by_id[v.parent_id], self.by_id[v.second_parent_id]
            text = f"[Merge of versions {a.number} and {b.number}] " + text
        return text

    def _row_chosen(self, row: int, *_: object) -> None:
        """Choosing a version compares it with the one it was made from."""
        if not 0 <= row < len(self.versions):
            return
        v = self.versions[row]
        parent = self.by_id.get(v.parent_id) if v.parent_id else None
        self.right.blockSignals(True)
        self.left.blockSignals(True)
        self.right.setCurrentIndex(self.right.findData(v.id))
        self.left.setCurrentIndex(self.left.findData(parent.id if parent else v.id))
        self.right.blockSignals(False)
        self.left.blockSignals(False)
        self.refresh()

    def compare(self, old_number: int, new_number: int) -> str:
        """Show any two versions side by side (by their numbers)."""
        numbers = {v.number: v.id for v in self.versions}
        self.left.setCurrentIndex(self.left.findData(numbers[old_number]))
        self.right.setCurrentIndex(self.right.findData(numbers[new_number]))
        self.refresh()
        return self.view.toPlainText()

    def refresh(self) -> None:
        old = self.by_id.get(self.left.currentData())
        new = self.by_id.get(self.right.currentData())
        if old is None or new is None:
            self.view.setHtml("<p>No versions yet.</p>")
            return
        if old.id == new.id:
            self.view.setHtml(
                f"<p><b>Version {new.number}</b> is the first version: nothing to compare it "
                "with. Choose another version on the left.</p>"
            )
            return
        self.view.setHtml(diff_html(old, new))
