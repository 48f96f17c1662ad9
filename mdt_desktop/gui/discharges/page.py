"""The Discharges page: the in-reach board of the team's people in hospital, and each stay.

Reads and writes run off the GUI thread; a refusal from the service (a finished sentence)
is shown as it is. The page lays widgets out and wires them; the rules are the service's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import discharges as svc
from mdt_desktop.services import meetings as meetings_svc
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.store.database import Store

from ..background import Progress, run_in_background
from ..pages import Page, page_header
from ..widgets.forms import date_of
from ..widgets.table_model import show_as_list
from . import dialogs
from .model import BoardModel

PEOPLE_ERRORS = (ValueError, LookupError, PermissionError)


def _stay_words(line: svc.BoardLine) -> str:
    """The side panel's account of a stay, as rich text with every value escaped."""
    r, since = line.row, line.since_ready
    edd = format_patient_date(r.expected_discharge_on) if r.expected_discharge_on else "not set"
    if r.ready_on and since:
        ready = (
            f"Ready since {format_patient_date(r.ready_on)} "
            f"({since.calendar} days, {since.working} working)"
        )
    else:
        ready = "Not ready for discharge yet"
    pathway = rules.Pathway(r.pathway).label if r.pathway is not None else "Pathway not chosen"
    facts = [
        f"{r.hospital or ''} {r.ward or ''}: in for {line.days_in} days",
        f"Expected discharge: {edd}",
        ready,
        pathway,
        f"Delay: {line.delay_label}" if line.delay_label else "No delay recorded",
    ]
    lines = [f"<b>{escape(r.family_name.upper())}, {escape(r.given_name)}</b>"]
    lines += [escape(f) for f in facts]
    if line.flags:
        lines.append("<b>" + escape("; ".join(f.label for f in line.flags)) + "</b>")
    return "<br/>".join(lines)


class DischargesPage(Page):
    title = "Discharges"

    def __init__(self, store: Store, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.user = store, user
        self.lines: list[svc.BoardLine] = []
        self.loading: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.addWidget(
            page_header(
                "Discharges",
                "Our people in hospital: what is holding each one up, who is doing what, "
                "and the follow-up when they are home.",
            )
        )
        filters = QHBoxLayout()
        self.hospital = self._combo("Hospital", filters)
        self.pathway = self._combo("Pathway", filters)
        self.family = self._combo("Delay", filters)
        self.flag = self._combo("Flag", filters)
        self.mine = QCheckBox("Mine")
        self.mine.setToolTip("People I coordinate, or with a task I own")
        self.mine.toggled.connect(self.reload)
        filters.addWidget(self.mine)
        filters.addStretch(1)
        self.count = QLabel("")
        filters.addWidget(self.count)
        outer.addLayout(filters)

        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("admit", "Record a stay…", self.record_stay),
            ("edd", "Expected date…", self.set_edd),
            ("criteria", "Criteria to reside…", self.assess),
            ("pathway", "Pathway…", self.choose_pathway),
            ("delay", "Delay…", self.set_delay),
            ("discharge", "Discharged…", self.discharge),
            ("summary", "Transfer of care PDF…", self.export_summary),
            ("import", "Import admissions…", self.import_feed),
            ("templates", "Task templates…", self.edit_templates),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[key] = b
        buttons.addStretch(1)
        outer.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = BoardModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("People in hospital")
        show_as_list(self.table, self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        split.addWidget(self.table)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        self.detail = QLabel("Choose someone to see their stay.")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        side_layout.addWidget(self.detail)
        side_layout.addWidget(QLabel("Tasks"))
        self.tasks = QListWidget()
        self.tasks.setAccessibleName("Tasks for this stay")
        side_layout.addWidget(self.tasks, 1)
        task_buttons = QHBoxLayout()
        self.done_button = QPushButton("Mark done")
        self.done_button.clicked.connect(self.complete_task)
        self.owner_button = QPushButton("Set owner…")
        self.owner_button.clicked.connect(self.assign_task)
        task_buttons.addWidget(self.done_button)
        task_buttons.addWidget(self.owner_button)
        side_layout.addLayout(task_buttons)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        outer.addWidget(split, 1)
        self._permissions()
        self._selection_changed()

    # --- layout helpers -------------------------------------------------------------------

    def _combo(self, label: str, row: QHBoxLayout) -> QComboBox:
        row.addWidget(QLabel(label))
        combo = QComboBox()
        combo.setAccessibleName(label)
        combo.addItem("All", None)
        combo.currentIndexChanged.connect(self.reload)
        row.addWidget(combo)
        return combo

    def _permissions(self) -> None:
        why = why_not(self.user.role, Permission.MANAGE_DISCHARGE)
        for key, b in self.buttons.items():
            if key not in ("summary", "templates"):  # templates: anyone may read them
                b.setEnabled(why is None)
                b.setToolTip(why or "")
        if why is None:
            self.buttons["import"].setToolTip(
                "A CSV of the hospital's admissions and discharges, or FHIR Encounters"
            )
        export = why_not(self.user.role, Permission.EXPORT_RECORD)
        self.buttons["summary"].setToolTip(export or "")
        self.can_manage = why is None

    def set_user(self, user: Any) -> None:
        self.user = user
        self._permissions()
        self.reload()

    def activated(self) -> None:
        self.reload()

    def wait_until_loaded(self) -> None:
        """For screenshots and tests: until the board has been read and shown."""
        from ..background import wait_for

        wait_for(self.loading)

    # --- reading ------------------------------------------------------------------------------

    def _filter(self) -> svc.BoardFilter:
        me = self._my_staff_id() if self.mine.isChecked() else None
        flag = self.flag.currentData()
        return svc.BoardFilter(
            hospital=self.hospital.currentData(),
            pathway=self.pathway.currentData(),
            delay_family=self.family.currentData(),
            owner_staff_id=me,
            flag=svc.BoardFlag(flag) if flag else None,
        )

    def _my_staff_id(self) -> uuid.UUID:
        """The signed-in person's directory entry, by the one rule that answers it."""
        return staff_for_user(self.store, self.user).id

    def reload(self) -> None:
        where = self._filter()
        team = self.user.team_id

        def work(_: Progress) -> tuple[list[svc.BoardLine], list[svc.BoardLine]]:
            return svc.board(self.store, team, where=where), svc.board(self.store, team)

        self.loading = run_in_background(
            self, work, on_success=self._loaded, label="Reading the discharges board"
        )

    def _loaded(self, result: tuple[list[svc.BoardLine], list[svc.BoardLine]]) -> None:
        shown, everyone = result
        selected = self._selected_plan()
        self._fill_filters(everyone)
        self.lines = shown
        self.model.set_rows(shown)
        self.count.setText(f"{len(shown)} of {len(everyone)} in hospital")
        self.table.resizeColumnsToContents()
        # Long ward and delay names are cut (full text in the side panel) so that the days
        # since ready, the pathway and the tasks fit a 1366-pixel screen.
        for column, widest in ((BoardModel.COL_WHERE, 190), (BoardModel.COL_DELAY, 220)):
            if self.table.columnWidth(column) > widest:
                self.table.setColumnWidth(column, widest)
        for row, line in enumerate(shown):
            if line.row.plan_id == selected:
                self.table.selectRow(row)
        self._selection_changed()

    def _fill_filters(self, everyone: list[svc.BoardLine]) -> None:
        def fill(combo: QComboBox, values: list[tuple[str, Any]]) -> None:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("All", None)
            for text, value in values:
                combo.addItem(text, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

        fill(
            self.hospital, [(h, h) for h in sorted({x.row.hospital or "" for x in everyone} - {""})]
        )
        fill(self.pathway, [(f"Pathway {p}", p) for p in range(4)])
        families = sorted({x.row.delay_family for x in everyone if x.row.delay_family})
        fill(self.family, [(f, f) for f in families])
        fill(self.flag, [(f.label, f.value) for f in svc.BoardFlag])

    # --- the selected stay ----------------------------------------------------------------

    def _selected_line(self) -> svc.BoardLine | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.line(rows[0].row()) if rows else None

    def _selected_plan(self) -> uuid.UUID | None:
        line = self._selected_line()
        return line.row.plan_id if line else None

    def _show_selected(self, *_: Any) -> None:
        self._selection_changed()

    def _selection_changed(self) -> None:
        line = self._selected_line()
        for key in ("edd", "criteria", "pathway", "delay", "discharge", "summary"):
            self.buttons[key].setEnabled(line is not None and (self.can_manage or key == "summary"))
        self.tasks.clear()
        if line is None:
            self.detail.setText("Choose someone to see their stay.")
            self.done_button.setEnabled(False)
            self.owner_button.setEnabled(False)
            return
        self.detail.setText(_stay_words(line))
        r = line.row
        plan_id = r.plan_id
        run_in_background(
            self,
            lambda _: svc.stay_tasks(self.store, plan_id),
            on_success=self._show_tasks,
            label="Reading the stay's tasks",
        )

    def _show_tasks(self, tasks: list[Any]) -> None:
        self.tasks.clear()
        for t in tasks:
            due = format_patient_date(t.due_on) if t.due_on else "due after discharge"
            owner = t.owner_name or "NO OWNER"
            state = rules.TaskStatus(t.status).label
            item = QListWidgetItem(
                f"{t.description} — {t.organisation or ''} — {owner} — {due} — {state}"
            )
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, t.status)
            self.tasks.addItem(item)
        self.done_button.setEnabled(self.can_manage and bool(tasks))
        self.owner_button.setEnabled(self.can_manage and bool(tasks))

    def _selected_task(self) -> uuid.UUID | None:
        item = self.tasks.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    # --- writing ------------------------------------------------------------------------------

    def _write(self, fn: Callable[[], Any], label: str) -> Any:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, PEOPLE_ERRORS):
                QMessageBox.warning(self, "Discharges", str(exc))
            else:
                raise exc

        return run_in_background(
            self, lambda _: fn(), on_success=lambda _: self.reload(), on_failure=failed,
            label=label,
        )  # fmt: skip

    def record_stay(self) -> Any:
        people = [
            (pid, name, nhs or "")
            for pid, name, nhs, _dob in meetings_svc.search_caseload(
                self.store, self.user.team_id, "", limit=500
            )
        ]
        dialog = dialogs.AdmissionDialog(people, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        pid, at = dialog.person.currentData(), dialog.admitted_at()
        values = dict(
            hospital=dialog.hospital.text(), ward=dialog.ward.text(),
            method=dialog.method.currentData(), reason=dialog.reason.text(),
            contact=dialog.contact.text(),
        )  # fmt: skip
        return self._write(
            lambda: svc.record_admission(self.store, pid, admitted_at=at, **values),
            "Recording the stay",
        )

    def set_edd(self) -> Any:
        line = self._selected_line()
        if line is None:
            return None
        dialog = dialogs.DateReasonDialog(
            "Expected date of discharge", line.row.expected_discharge_on, self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        on, why, plan = date_of(dialog.day), dialog.reason.text(), line.row.plan_id
        return self._write(
            lambda: svc.set_expected_date(self.store, plan, on, why), "Saving the expected date"
        )

    def assess(self) -> Any:
        line = self._selected_line()
        if line is None:
            return None
        dialog = dialogs.CriteriaDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        on, meets, plan = date_of(dialog.day), dialog.meets.isChecked(), line.row.plan_id
        return self._write(
            lambda: svc.assess_criteria_to_reside(self.store, plan, on, meets_criteria=meets),
            "Recording the assessment",
        )

    def choose_pathway(self) -> Any:
        line = self._selected_line()
        if line is None:
            return None
        dialog = dialogs.PathwayDialog(line.row.pathway, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        pathway, where = dialog.pathway.currentData(), dialog.destination.currentData()
        why, plan = dialog.reason.text(), line.row.plan_id
        return self._write(
            lambda: svc.choose_pathway(self.store, plan, pathway, destination=where, reason=why),
            "Choosing the pathway",
        )

    def edit_templates(self) -> Any:
        """The team's task templates, opened at the selected stay's pathway if it has one."""
        from .templates import TemplatesDialog

        line = self._selected_line()
        dialog = TemplatesDialog(
            self.store, self.user, line.row.pathway if line else None, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def set_delay(self) -> Any:
        line = self._selected_line()
        if line is None:
            return None
        dialog = dialogs.DelayDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        code, on = dialog.reason.currentData(), date_of(dialog.day)
        detail, plan, scheme = dialog.detail.toPlainText(), line.row.plan_id, dialog.scheme
        return self._write(
            lambda: svc.set_delay(self.store, plan, code, on=on, scheme=scheme, detail=detail),
            "Saving the delay reason",
        )

    def discharge(self) -> Any:
        line = self._selected_line()
        if line is None:
            return None
        dialog = dialogs.DischargeDialog(line.row.pathway, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        at, plan = dialog.discharged_at(), line.row.plan_id
        pathway, where = dialog.pathway.currentData(), dialog.destination.currentData()
        method = dialog.method.currentData()
        return self._write(
            lambda: svc.record_discharge(
                self.store, plan, discharged_at=at, pathway=pathway, destination=where,
                method=method,
            ),
            "Recording the discharge",
        )  # fmt: skip

    def complete_task(self) -> Any:
        task = self._selected_task()
        if task is None:
            QMessageBox.information(self, "Discharges", "Choose a task first.")
            return None
        return self._write(lambda: svc.complete_task(self.store, task), "Completing the task")

    def assign_task(self) -> Any:
        task = self._selected_task()
        if task is None:
            QMessageBox.information(self, "Discharges", "Choose a task first.")
            return None
        staff = meetings_svc.staff_choices(self.store, self.user.team_id)
        dialog = dialogs.OwnerDialog(staff, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        sid, name = dialog.staff.currentData(), dialog.name.text()
        return self._write(
            lambda: svc.assign_task(self.store, task, staff_id=sid, name=name),
            "Setting the task's owner",
        )

    def export_summary(self) -> Any:
        from PySide6.QtWidgets import QFileDialog

        from mdt_desktop.services.discharges.summary import export_transfer_of_care

        line = self._selected_line()
        if line is None:
            return None
        path, _ = QFileDialog.getSaveFileName(
            self, "Transfer of care summary", "transfer-of-care.pdf", "PDF (*.pdf)"
        )
        if not path:
            return None
        plan = line.row.plan_id
        from pathlib import Path

        return self._write(
            lambda: export_transfer_of_care(self.store, plan, Path(path)),
            "Writing the transfer of care summary",
        )

    def import_feed(self, paths: list[str] | None = None) -> Any:
        """The hospital's admissions and discharges (CSV or FHIR), then what became of them."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from mdt_desktop.services.discharges.importing import import_admissions

        if paths is None:
            paths, _ = QFileDialog.getOpenFileNames(
                self, "Import admissions", "", "Admissions (*.csv *.json *.ndjson)"
            )
        if not paths:
            return None
        files, team = [Path(p) for p in paths], self.user.team_id

        def done(result: Any) -> None:
            self.last_import = result
            lines = [
                f"{result.added} new stays, {result.updated} moved on, "
                f"{result.discharged} discharged, {result.unchanged} unchanged."
            ]
            if result.not_on_register:
                lines.append(f"{len(result.not_on_register)} people are not on the register.")
            if result.rejections:
                first = result.rejections[0]
                lines.append(
                    f"{len(result.rejections)} rows refused, the first: {first.file} "
                    f"{first.where}, {first.field}: {first.reason}."
                )
            QMessageBox.information(self, "Admissions imported", "\n".join(lines))
            self.reload()

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, "Admissions not imported", str(exc))

        return run_in_background(
            self,
            lambda _: import_admissions(self.store, files, team_id=team),
            on_success=done,
            on_failure=failed,
            label="Importing admissions",
        )
