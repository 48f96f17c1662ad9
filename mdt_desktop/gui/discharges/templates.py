"""The team's task templates: each pathway's tasks as the team wants them proposed.

Opened from the Discharges page. One pathway at a time: its tasks in the order proposed,
with the selected task's title, owning organisation, what its due date counts from and in
how many working days; tasks added, removed and moved; saved as the team's own version, or
reset to the national default. Reads and writes run off the GUI thread; the service checks
everything and its refusal (a sentence) is shown under the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.discharges import Pathway, TaskAnchor
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import discharges as svc
from mdt_desktop.services.discharges.templates import MAX_WORKING_DAYS
from mdt_desktop.store.database import Store

from ..background import Operation, run_in_background

PEOPLE_ERRORS = (ValueError, LookupError, PermissionError)
_COUNTS_FROM = {
    TaskAnchor.PATHWAY: "the pathway being chosen",
    TaskAnchor.DISCHARGE: "the discharge",
}


def _line(task: svc.TemplateTask) -> str:
    days = "day" if task.working_days == 1 else "days"
    return (
        f"{task.title or '(no title yet)'} — {task.organisation or '(no organisation)'}, "
        f"{task.working_days} working {days} from {_COUNTS_FROM[task.anchor]}"
    )


class TemplatesDialog(QDialog):
    """Edit the team's version of one pathway's task template at a time."""

    def __init__(
        self, store: Store, user: Any, pathway: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.team_id = store, user.team_id
        self.setWindowTitle("Task templates for the pathways")
        self.resize(920, 560)
        self.tasks: list[svc.TemplateTask] = []
        self.operation: Operation | None = None
        outer = QVBoxLayout(self)
        top = QFormLayout()
        self.pathway = QComboBox()
        self.pathway.setAccessibleName("Pathway")
        for p in Pathway:
            self.pathway.addItem(p.label, int(p))
        if pathway is not None:
            self.pathway.setCurrentIndex(self.pathway.findData(int(pathway)))
        top.addRow("&Pathway", self.pathway)
        outer.addLayout(top)
        self.source = QLabel("")
        self.source.setWordWrap(True)
        outer.addWidget(self.source)

        middle = QHBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Tasks this pathway proposes, in order")
        self.list.setToolTip("Insert adds a task, Delete removes it, Ctrl+Up and Ctrl+Down move it")
        self.list.installEventFilter(self)
        self.list.setWordWrap(True)  # long titles and organisations read whole
        middle.addWidget(self.list, 1)
        moves = QVBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("add", "&Add a task", self.add_task),
            ("remove", "&Remove", self.remove_task),
            ("up", "Move &up", lambda: self.move_task(-1)),
            ("down", "Move do&wn", lambda: self.move_task(1)),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            moves.addWidget(b)
            self.buttons[key] = b
        moves.addStretch(1)
        middle.addLayout(moves)
        outer.addLayout(middle, 1)

        editor = QFormLayout()
        self.title = QLineEdit()
        self.title.setAccessibleName("Task")
        self.organisation = QLineEdit()
        self.organisation.setAccessibleName("Owning organisation")
        self.anchor = QComboBox()
        self.anchor.setAccessibleName("Due date counts from")
        for anchor, words in _COUNTS_FROM.items():
            self.anchor.addItem(words, anchor.value)
        self.days = QSpinBox()
        self.days.setRange(0, MAX_WORKING_DAYS)
        self.days.setAccessibleName("Due in working days")
        editor.addRow("&Task", self.title)
        editor.addRow("Owning &organisation", self.organisation)
        editor.addRow("Due date &counts from", self.anchor)
        editor.addRow("Due in wor&king days", self.days)
        outer.addLayout(editor)

        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)
        footer = QHBoxLayout()
        ends: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("reset", "Reset to the &national default", self.reset),
            ("save", "&Save the team's version", self.save),
        )
        for key, text, act in ends:
            b = QPushButton(text)
            b.clicked.connect(act)
            footer.addWidget(b)
            self.buttons[key] = b
        footer.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        footer.addWidget(close)
        outer.addLayout(footer)

        self._editing = False
        self.list.currentRowChanged.connect(self._show_task)
        for w in (self.title, self.organisation):
            w.textEdited.connect(self._edited)
        self.anchor.currentIndexChanged.connect(self._edited)
        self.days.valueChanged.connect(self._edited)
        self.pathway.currentIndexChanged.connect(self.load)
        why = why_not(user.role, Permission.MANAGE_DISCHARGE)
        for key in ("add", "remove", "up", "down", "reset", "save"):
            self.buttons[key].setEnabled(why is None)
            self.buttons[key].setToolTip(why or "")
        self.can_edit = why is None
        self.load()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The list's own keys: Insert, Delete, Ctrl+Up and Ctrl+Down (no mouse needed)."""
        if watched is self.list and event.type() == QEvent.Type.KeyPress and self.can_edit:
            key = cast(QKeyEvent, event)
            ctrl = key.modifiers() & Qt.KeyboardModifier.ControlModifier
            if key.key() == Qt.Key.Key_Insert:
                self.add_task()
                return True
            if key.key() == Qt.Key.Key_Delete:
                self.remove_task()
                return True
            if ctrl and key.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move_task(-1 if key.key() == Qt.Key.Key_Up else 1)
                return True
        return super().eventFilter(watched, event)

    # --- reading ------------------------------------------------------------------------

    def chosen_pathway(self) -> int:
        return int(self.pathway.currentData())

    def load(self) -> Operation:
        pathway, team = self.chosen_pathway(), self.team_id
        self.operation = run_in_background(
            self,
            lambda _: svc.pathway_template(self.store, team, pathway),
            on_success=self._loaded,
            label="Reading the task template",
        )
        return self.operation

    def _loaded(self, template: svc.PathwayTemplate) -> None:
        if int(template.pathway) != self.chosen_pathway():
            return  # the pathway was changed again while this was read
        self.tasks = list(template.tasks)
        if template.team_version:
            when = format_patient_date(template.edited_at) if template.edited_at else ""
            self.source.setText(
                f"The team's own version, last saved by {template.edited_by or 'someone'}"
                f"{' on ' + when if when else ''}."
            )
        else:
            self.source.setText("The national default (the team has not changed it).")
        self.error.setText("")
        self._fill(0 if self.tasks else -1)

    def _fill(self, select: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for task in self.tasks:
            item = QListWidgetItem(_line(task))
            item.setData(Qt.ItemDataRole.UserRole, task.key)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(select)
        self._show_task(select)

    def _show_task(self, row: int) -> None:
        has = 0 <= row < len(self.tasks)
        for w in (self.title, self.organisation, self.anchor, self.days):
            w.setEnabled(has and self.can_edit)
        for key in ("remove", "up", "down"):
            self.buttons[key].setEnabled(has and self.can_edit)
        self._editing = True
        try:
            task = self.tasks[row] if has else None
            self.title.setText(task.title if task else "")
            self.organisation.setText(task.organisation if task else "")
            self.anchor.setCurrentIndex(self.anchor.findData(task.anchor.value) if task else 0)
            self.days.setValue(task.working_days if task else 0)
        finally:
            self._editing = False

    # --- editing (in the dialog until saved) -------------------------------------------

    def _edited(self, *_: Any) -> None:
        row = self.list.currentRow()
        if self._editing or not 0 <= row < len(self.tasks):
            return
        task = svc.TemplateTask(
            self.title.text(),
            self.organisation.text(),
            TaskAnchor(self.anchor.currentData()),
            self.days.value(),
            self.tasks[row].key,
        )
        self.tasks[row] = task
        item = self.list.item(row)
        item.setText(_line(task))

    def add_task(self) -> None:
        at = self.list.currentRow() + 1 if self.list.currentRow() >= 0 else len(self.tasks)
        self.tasks.insert(at, svc.TemplateTask("", "", TaskAnchor.PATHWAY, 1))
        self._fill(at)
        self.title.setFocus()

    def remove_task(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tasks):
            del self.tasks[row]
            self._fill(min(row, len(self.tasks) - 1))

    def move_task(self, step: int) -> None:
        row = self.list.currentRow()
        to = row + step
        if 0 <= row < len(self.tasks) and 0 <= to < len(self.tasks):
            self.tasks[row], self.tasks[to] = self.tasks[to], self.tasks[row]
            self._fill(to)
            self.list.setFocus()

    # --- writing ------------------------------------------------------------------------

    def _write(self, fn: Any, label: str) -> Operation:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, PEOPLE_ERRORS):
                self.error.setText(str(exc))
            else:
                raise exc

        def done(_: Any) -> None:
            self.load()

        self.operation = run_in_background(
            self, lambda _: fn(), on_success=done, on_failure=failed, label=label
        )
        return self.operation

    def save(self) -> Operation:
        pathway, team, tasks = self.chosen_pathway(), self.team_id, list(self.tasks)
        return self._write(
            lambda: svc.save_pathway_template(self.store, team, pathway, tasks),
            "Saving the task template",
        )

    def reset(self) -> Operation:
        pathway, team = self.chosen_pathway(), self.team_id
        return self._write(
            lambda: svc.reset_pathway_template(self.store, team, pathway),
            "Resetting the task template",
        )
