"""Merge two versions saved from the same base: both texts side by side, the clinician chooses.

Sections changed on one side only are combined already (and listed). For each section
changed on both sides the dialog shows the latest version's text and the other text, and
asks what the plan should say: the latest, the other, or both; text sections can also be
edited into one. "Keep both" is chosen at the start, so saving without reading loses
nothing. Closing the dialog without saving leaves both versions as they are.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store

from ..operations import show_people_error


def _who(v: care_plans.VersionInfo) -> str:
    return f"version {v.number}, {v.author_name}, {format_local_datetime(v.created_at)}"


class ConflictBox(QGroupBox):
    """One section changed on both sides."""

    def __init__(
        self,
        conflict: cp.Conflict,
        pending: care_plans.PendingMerge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(conflict.title, parent)
        self.conflict = conflict
        self.is_text = cp.SECTION_BY_KEY[conflict.key].kind is cp.Kind.TEXT
        grid = QGridLayout(self)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        left_label = QLabel(f"<b>Latest saved</b> ({_who(pending.theirs)})")
        right_label = QLabel(f"<b>Saved from an older version</b> ({_who(pending.mine)})")
        for label in (left_label, right_label):
            label.setWordWrap(True)
        grid.addWidget(left_label, 0, 0)
        grid.addWidget(right_label, 0, 1)
        self.theirs = QPlainTextEdit(conflict.theirs_text or "(empty)")
        self.mine = QPlainTextEdit(conflict.mine_text or "(empty)")
        for edit in (self.theirs, self.mine):
            edit.setReadOnly(True)
            edit.setMinimumHeight(110)
            edit.setObjectName("mergeSide")
        grid.addWidget(self.theirs, 1, 0)
        grid.addWidget(self.mine, 1, 1)
        self.group = QButtonGroup(self)
        self.choice_buttons: dict[cp.Choice, QRadioButton] = {}
        labels = {
            cp.Choice.THEIRS: "Keep the latest",
            cp.Choice.MINE: "Keep the other",
            cp.Choice.BOTH: "Keep both" + (" (one after the other)" if self.is_text else ""),
        }
        row = QWidget()
        row_layout = QGridLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        for i, (choice, text) in enumerate(labels.items()):
            button = QRadioButton(text)
            self.group.addButton(button)
            self.choice_buttons[choice] = button
            row_layout.addWidget(button, 0, i)
            button.toggled.connect(self._choice_changed)
        grid.addWidget(row, 2, 0, 1, 2)
        self.result: QPlainTextEdit | None = None
        if self.is_text:
            grid.addWidget(QLabel("<b>The plan will say</b> (edit to combine them):"), 3, 0, 1, 2)
            self.result = QPlainTextEdit()
            self.result.setObjectName("mergeResult")
            self.result.setMinimumHeight(110)
            grid.addWidget(self.result, 4, 0, 1, 2)
        self._pending = pending
        self.choice_buttons[cp.Choice.BOTH].setChecked(True)

    def choice(self) -> cp.Choice:
        for choice, button in self.choice_buttons.items():
            if button.isChecked():
                return choice
        return cp.Choice.BOTH

    def _choice_changed(self, checked: bool) -> None:
        if not checked or self.result is None:
            return
        theirs = self._pending.theirs.content.get(self.conflict.key) or ""
        mine = self._pending.mine.content.get(self.conflict.key) or ""
        merge = cp.MergeResult({}, (self.conflict,), ())
        text = cp.resolve(
            merge,
            {self.conflict.key: theirs},
            {self.conflict.key: mine},
            {self.conflict.key: self.choice()},
            mine_label=f"Also saved by {self._pending.mine.author_name}",
        )[self.conflict.key]
        self.result.setPlainText(text)


class MergeDialog(QDialog):
    merged = Signal(object)  # VersionInfo

    def __init__(
        self, store: Store, pending: care_plans.PendingMerge, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle("Merge two versions of the care plan")
        self.store = store
        self.pending = pending
        self.result_ = pending.merge()
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        base = f"version {pending.base.number}" if pending.base else "an empty plan"
        intro = QLabel(
            f"<p><b>Two versions were saved from {base}.</b> "
            f"The latest is {_who(pending.theirs)}; the other is {_who(pending.mine)}. "
            "Both are kept in the history whatever you choose here.</p>"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if self.result_.auto_merged:
            titles = ", ".join(cp.SECTION_BY_KEY[k].title for k in self.result_.auto_merged)
            auto = QLabel(f"Already combined (changed in only one version): {titles}.")
            auto.setObjectName("hint")
            auto.setWordWrap(True)
            layout.addWidget(auto)
        scroll = QScrollArea()
        scroll.setAccessibleName("Sections to merge")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        boxes = QVBoxLayout(holder)
        self.boxes: list[ConflictBox] = []
        if not self.result_.conflicts:
            none = QLabel("No section was changed in both versions: they combine as they are.")
            none.setWordWrap(True)
            boxes.addWidget(none)
        for conflict in self.result_.conflicts:
            box = ConflictBox(conflict, pending)
            boxes.addWidget(box)
            self.boxes.append(box)
        boxes.addStretch(1)
        scroll.setWidget(holder)
        layout.addWidget(scroll, 1)
        self.note = QLineEdit()
        self.note.setPlaceholderText("A note about this merge (optional)")
        layout.addWidget(self.note)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "Save merged version", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        later = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("Both versions stay as they are; the plan shows that a merge waits.")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def merged_content(self) -> dict[str, Any]:
        choices = {box.conflict.key: box.choice() for box in self.boxes}
        edited = {
            box.conflict.key: box.result.toPlainText()
            for box in self.boxes
            if box.result is not None
        }
        return cp.resolve(
            self.result_,
            self.pending.theirs.content,
            self.pending.mine.content,
            choices,
            edited_text=edited,
            mine_label=f"Also saved by {self.pending.mine.author_name}",
        )

    def save(self) -> care_plans.VersionInfo | None:
        try:
            version = care_plans.save_merge(
                self.store, self.pending, self.merged_content(), note=self.note.text()
            )
        except (ValueError, LookupError, NotPermitted, care_plans.StaleMerge) as exc:
            show_people_error(self, "The merge was not saved", exc)
            return None
        self.merged.emit(version)
        self.accept()
        return version
