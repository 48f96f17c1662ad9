"""Attendance with quorum, and the agenda builder (proposals, search, drag or keys to order)."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..operations import show_people_error

ID_ROLE = Qt.ItemDataRole.UserRole + 1
# The line across the agenda where the meeting's time runs out (it is not a case).
CUTOFF_ROLE = Qt.ItemDataRole.UserRole + 2


def _nhs(nhs: str | None) -> str:
    return f"NHS No. {format_nhs_number(nhs)}" if nhs else "NHS No. Not Known"


class AttendancePanel(QWidget):
    """Each member present / sent apologies / absent, guests, and quorum as it stands."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.meeting_id: uuid.UUID | None = None
        self.editable = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.quorum_label = QLabel()
        self.quorum_label.setObjectName("quorum")
        self.quorum_label.setWordWrap(True)
        layout.addWidget(self.quorum_label)
        # Most of the team comes: one step for everyone, then the exceptions in the table.
        self.all_present_button = QPushButton("Everyone invited is present")
        self.all_present_button.setObjectName("everyonePresent")
        self.all_present_button.setToolTip("Mark everyone present, then change those who are not")
        self.all_present_button.clicked.connect(self.everyone_present)
        top = QHBoxLayout()
        top.addWidget(self.all_present_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("attendanceTable")
        self.table.setAccessibleName("Attendance")
        self.table.setHorizontalHeaderLabels(["Name", "Role", "Attendance", ""])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        guest = QHBoxLayout()
        self.guest_name = QLineEdit()
        self.guest_name.setObjectName("guestName")
        self.guest_name.setAccessibleName("Guest's name")
        self.guest_name.setPlaceholderText("Guest's name, e.g. Dr Kofi Mensah")
        self.guest_role = QComboBox()
        self.guest_role.setObjectName("guestRole")
        self.guest_role.setAccessibleName("Guest's role")
        for role in Role:
            self.guest_role.addItem(role.label, role.value)
        self.add_guest_button = QPushButton("Add guest")
        self.add_guest_button.setObjectName("addGuest")
        self.add_guest_button.clicked.connect(self.add_guest)
        guest.addWidget(QLabel("Guest"))
        guest.addWidget(self.guest_name, 2)
        guest.addWidget(self.guest_role, 1)
        guest.addWidget(self.add_guest_button)
        layout.addLayout(guest)

    def show_meeting(self, meeting_id: uuid.UUID, editable: bool) -> None:
        self.meeting_id = meeting_id
        self.editable = editable
        for w in (self.guest_name, self.guest_role, self.add_guest_button,
                  self.all_present_button):  # fmt: skip
            w.setEnabled(editable)
        self.reload()

    def reload(self) -> None:
        if self.meeting_id is None:
            return
        lines = svc.attendance(self.store, self.meeting_id)
        self.table.setRowCount(0)  # drops the old rows' combo boxes with them
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            self.table.setItem(row, 0, QTableWidgetItem(line.name))
            self.table.setItem(row, 1, QTableWidgetItem(line.role_label))
            combo = QComboBox()
            combo.setObjectName("attendanceChoice")
            for value, label in rules.ATTENDANCE_LABELS.items():
                combo.addItem(label, value)
            combo.setCurrentIndex(list(rules.ATTENDANCE_LABELS).index(line.attendance))
            combo.setEnabled(self.editable)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, lid=line.id: self._set(lid, str(c.currentData()))
            )
            self.table.setCellWidget(row, 2, combo)
            self.table.setItem(row, 3, QTableWidgetItem("Guest" if line.is_guest else ""))
        self.show_quorum()

    def combo_for(self, name: str) -> QComboBox:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                widget = self.table.cellWidget(row, 2)
                assert isinstance(widget, QComboBox)
                return widget
        raise LookupError(name)

    def _set(self, line_id: uuid.UUID, value: str) -> None:
        try:
            svc.set_attendance(self.store, line_id, value)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Attendance", exc)
            self.reload()
            return
        self.show_quorum()
        self.changed.emit()

    def everyone_present(self) -> None:
        assert self.meeting_id is not None
        try:
            svc.mark_everyone_present(self.store, self.meeting_id)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Attendance", exc)
            return
        self.reload()
        self.changed.emit()

    def show_quorum(self) -> None:
        assert self.meeting_id is not None
        summary = svc.meeting_summary(self.store, self.meeting_id)
        if summary.quorum_detail and summary.status != "planned":
            text, met = f"Recorded at the start: {summary.quorum_detail}", summary.quorum_met
        else:
            q = svc.quorum(self.store, self.meeting_id)
            text, met = q.detail, q.met
        self.quorum_label.setText(text)
        self.quorum_label.setProperty("met", bool(met))
        self.quorum_label.setStyleSheet(
            "QLabel { padding: 8px; border-radius: 4px; font-weight: bold; "
            + ("background: #e3f2e8; color: #00662f; }" if met else "background: #fbe9e7; "
               "color: #a0200f; }")
        )  # fmt: skip

    def add_guest(self) -> None:
        assert self.meeting_id is not None
        try:
            svc.add_attendee(
                self.store,
                self.meeting_id,
                name=self.guest_name.text(),
                role=str(self.guest_role.currentData()),
                is_guest=True,
            )
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Add a guest", exc)
            return
        self.guest_name.clear()
        self.reload()
        self.changed.emit()


class AgendaList(QListWidget):
    """The agenda in order: drag a case, or Ctrl+↑ / Ctrl+↓ to move the selected one."""

    order_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agendaList")
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self._moved = False
        self.model().rowsMoved.connect(self._rows_moved)

    def _rows_moved(self, *args: object) -> None:
        self._moved = True
        self.order_changed.emit()

    def dropEvent(self, event: QDropEvent) -> None:
        # A drop moves the row (rowsMoved); should a style insert a copy and remove the
        # original after the drag instead, the new order is saved once the list is whole.
        before = self.ids()
        self._moved = False
        super().dropEvent(event)

        def settled() -> None:
            after = self.ids()
            if not self._moved and after != before and len(set(after)) == len(after):
                self.order_changed.emit()

        QTimer.singleShot(0, settled)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The agenda's own keys, before the list's (Ctrl+arrows would only move the cursor).
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.key() in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self.move_selected(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        super().keyPressEvent(event)

    def move_selected(self, step: int) -> None:
        row = self.currentRow()
        target = row + step
        if 0 <= target < self.count() and self.item(target).data(CUTOFF_ROLE):
            target += step  # over the time line, to the case beyond it
        if row < 0 or not 0 <= target < self.count():
            return
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self.order_changed.emit()

    def ids(self) -> list[uuid.UUID]:
        return [
            self.item(i).data(ID_ROLE)
            for i in range(self.count())
            if not self.item(i).data(CUTOFF_ROLE)
        ]

    def cutoff_row(self) -> int | None:
        """The row of the time line, or None when the agenda fits the meeting."""
        for i in range(self.count()):
            if self.item(i).data(CUTOFF_ROLE):
                return i
        return None


class AgendaBuilder(QWidget):
    """Proposed cases on the left, the agenda on the right, search to add anyone else."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.meeting_id: uuid.UUID | None = None
        self.team_id: uuid.UUID | None = None
        self.editable = False
        self.today = date.today()
        self.proposals: list[svc.ProposedCase] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 8, 0, 0)

        left = QVBoxLayout()
        proposed_box = QGroupBox("Proposed, most pressing first (ticked: what fits the time)")
        pb = QVBoxLayout(proposed_box)
        self.proposed_time = QLabel()
        self.proposed_time.setObjectName("proposedTime")
        self.proposed_time.setWordWrap(True)
        pb.addWidget(self.proposed_time)
        self.proposed = QListWidget()
        self.proposed.setAccessibleName("Proposed cases")
        self.proposed.setObjectName("proposedList")
        self.proposed.setWordWrap(True)
        self.proposed.itemChanged.connect(lambda _item: self._show_proposed_time())
        pb.addWidget(self.proposed, 1)
        buttons = QHBoxLayout()
        self.add_ticked = QPushButton("Add ticked")
        self.add_ticked.setObjectName("addTicked")
        self.add_ticked.clicked.connect(self.add_checked)
        self.add_all = QPushButton("Add all")
        self.add_all.setObjectName("addAll")
        self.add_all.clicked.connect(self.add_all_proposed)
        buttons.addWidget(self.add_ticked)
        buttons.addWidget(self.add_all)
        buttons.addStretch(1)
        pb.addLayout(buttons)
        left.addWidget(proposed_box, 3)

        search_box = QGroupBox("Add someone on the caseload")
        sb = QVBoxLayout(search_box)
        self.search = QLineEdit()
        self.search.setObjectName("caseloadSearch")
        self.search.setPlaceholderText("Name or NHS number")
        self.search.textChanged.connect(self.run_search)
        self.results = QListWidget()
        self.results.setObjectName("searchResults")
        self.results.setMaximumHeight(120)
        self.add_reason = QLineEdit()
        self.add_reason.setObjectName("addReason")
        self.add_reason.setPlaceholderText("Why the team should discuss them")
        self.add_found = QPushButton("Add to agenda")
        self.add_found.setObjectName("addFound")
        self.add_found.clicked.connect(self.add_selected_result)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.add_reason, 1)
        reason_row.addWidget(self.add_found)
        sb.addWidget(self.search)
        sb.addWidget(self.results)
        sb.addLayout(reason_row)
        left.addWidget(search_box, 2)
        row.addLayout(left, 2)

        agenda_box = QGroupBox("Agenda (drag to reorder, or Ctrl+↑ / Ctrl+↓)")
        ab = QVBoxLayout(agenda_box)
        self.agenda = AgendaList()
        self.agenda.order_changed.connect(self.save_order)
        self.agenda.currentRowChanged.connect(self._selected)
        ab.addWidget(self.agenda, 1)
        tools = QHBoxLayout()
        # Short words: the row must fit beside the proposals on a 1366-pixel screen.
        self.up = QPushButton("Up")
        self.up.setToolTip("Move the chosen case up (Ctrl+↑)")
        self.up.setObjectName("moveUp")
        self.up.clicked.connect(lambda: self.agenda.move_selected(-1))
        self.down = QPushButton("Down")
        self.down.setToolTip("Move the chosen case down (Ctrl+↓)")
        self.down.setObjectName("moveDown")
        self.down.clicked.connect(lambda: self.agenda.move_selected(1))
        self.minutes = QSpinBox()
        self.minutes.setObjectName("caseMinutes")
        self.minutes.setRange(rules.MIN_MINUTES, rules.MAX_MINUTES)
        self.minutes.setSuffix(" min")
        self.minutes.setToolTip("Minutes allotted to the selected case")
        self.minutes.editingFinished.connect(self.save_minutes)
        self.remove = QPushButton("Remove")
        self.remove.setObjectName("removeCase")
        self.remove.clicked.connect(self.remove_selected)
        tools.addWidget(self.up)
        tools.addWidget(self.down)
        tools.addWidget(QLabel("Time"))
        tools.addWidget(self.minutes)
        tools.addWidget(self.remove)
        tools.addStretch(1)
        ab.addLayout(tools)
        self.total = QLabel()
        self.total.setObjectName("agendaTotal")
        ab.addWidget(self.total)
        row.addWidget(agenda_box, 3)  # the agenda is what the meeting works from

    def show_meeting(
        self, meeting_id: uuid.UUID, team_id: uuid.UUID | None, editable: bool
    ) -> None:
        self.meeting_id = meeting_id
        self.team_id = team_id
        self.editable = editable
        for w in (self.add_ticked, self.add_all, self.search, self.add_reason, self.add_found,
                  self.up, self.down, self.minutes, self.remove):  # fmt: skip
            w.setEnabled(editable)
        self.agenda.setDragEnabled(editable)
        self.reload()

    def reload(self) -> None:
        if self.meeting_id is None:
            return
        self.lines = svc.agenda(self.store, self.meeting_id)
        self.summary = svc.meeting_summary(self.store, self.meeting_id)
        length = self.summary.length_minutes
        current = self.agenda.currentItem().data(ID_ROLE) if self.agenda.currentItem() else None
        self.agenda.blockSignals(True)
        self.agenda.clear()
        used = 0
        for n, line in enumerate(self.lines, 1):
            if used <= length < used + line.minutes:
                self.agenda.addItem(self._cutoff_item(length, len(self.lines) - n + 1))
            used += line.minutes
            status = (
                "" if line.status == "pending" else f" [{rules.AGENDA_STATUS_LABELS[line.status]}]"
            )
            item = QListWidgetItem(
                f"{n}. {line.name}   {_nhs(line.nhs_number)}   ({line.minutes} min){status}\n"
                f"     {line.reason_line}"
            )
            item.setData(ID_ROLE, line.id)
            self.agenda.addItem(item)
            if line.id == current:
                self.agenda.setCurrentItem(item)
        self.agenda.blockSignals(False)
        self.total.setText(f"{len(self.lines)} cases, {self.summary.time_line}")
        self.total.setProperty("over", self.summary.over_time)
        self.total.setStyleSheet("QLabel { color: #a0200f; font-weight: bold; }"
                                 if self.summary.over_time else "")  # fmt: skip
        self._selected(self.agenda.currentRow())
        self.proposals = svc.propose_agenda(self.store, self.meeting_id, self.today)
        self.proposed.clear()
        for case in self.proposals:
            item = QListWidgetItem(
                f"{case.name}   {_nhs(case.nhs_number)}\n"
                f"     {case.minutes} min · {case.reason_line}"
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if case.fits else Qt.CheckState.Unchecked)
            self.proposed.addItem(item)
        if not self.proposals:
            empty = QListWidgetItem("Nobody else is due: add people from the caseload below.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.proposed.addItem(empty)
        self._show_proposed_time()

    def _cutoff_item(self, length: int, beyond: int) -> QListWidgetItem:
        """A line across the agenda where the meeting's time runs out."""
        cases = f"{beyond} case{'s' if beyond != 1 else ''}"
        item = QListWidgetItem(
            f"— Time runs out at {length} minutes: {cases} below may not be reached —"
        )
        item.setData(CUTOFF_ROLE, True)
        # Not a case: it cannot be chosen, dragged or dropped on.
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setForeground(QBrush(QColor("#a0200f")))
        item.setBackground(QBrush(QColor("#fbe9e7")))
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        return item

    def _show_proposed_time(self) -> None:
        if self.proposed.count() < len(self.proposals):
            return  # still being filled
        left = self.summary.length_minutes - self.summary.agenda_minutes
        ticked = [
            c for i, c in enumerate(self.proposals)
            if self.proposed.item(i).checkState() == Qt.CheckState.Checked
        ]  # fmt: skip
        minutes = sum(c.minutes for c in ticked)
        room = f"{left} minutes left in the meeting" if left > 0 else "no time left in the meeting"
        if not self.proposals:
            self.proposed_time.setText(f"{room[0].upper()}{room[1:]}.")
            return
        self.proposed_time.setText(
            f"Ticked: {len(ticked)} of {len(self.proposals)}, {minutes} minutes; {room}. "
            "Escalations are always ticked."
        )

    def _selected(self, row: int) -> None:
        item = self.agenda.item(row) if row >= 0 else None
        chosen = item is not None and item.data(ID_ROLE) is not None
        for w in (self.minutes, self.up, self.down, self.remove):
            w.setEnabled(self.editable and chosen)
        if chosen:
            assert item is not None
            line = next(x for x in self.lines if x.id == item.data(ID_ROLE))
            self.minutes.blockSignals(True)
            self.minutes.setValue(line.minutes)
            self.minutes.blockSignals(False)

    def _add(self, cases: list[svc.ProposedCase]) -> None:
        assert self.meeting_id is not None
        if not cases:
            return
        try:
            svc.add_to_agenda(self.store, self.meeting_id, cases)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Add to the agenda", exc)
            return
        self.reload()
        self.changed.emit()

    def add_checked(self) -> None:
        ticked = [
            self.proposals[i]
            for i in range(min(self.proposed.count(), len(self.proposals)))
            if self.proposed.item(i).checkState() == Qt.CheckState.Checked
        ]
        self._add(ticked)

    def add_all_proposed(self) -> None:
        self._add(list(self.proposals))

    def run_search(self, text: str) -> None:
        self.results.clear()
        if len(text.strip()) < 2:
            return
        for pid, name, nhs, dob in svc.search_caseload(self.store, self.team_id, text, 30):
            item = QListWidgetItem(f"{name}   {_nhs(nhs)}   Born {format_patient_date(dob)}")
            item.setData(ID_ROLE, pid)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def add_selected_result(self) -> None:
        assert self.meeting_id is not None
        item = self.results.currentItem()
        if item is None:
            QMessageBox.information(self, "Add to the agenda", "Search for someone first.")
            return
        try:
            svc.add_person(self.store, self.meeting_id, item.data(ID_ROLE), self.add_reason.text())
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Add to the agenda", exc)
            return
        self.add_reason.clear()
        self.search.clear()
        self.reload()
        self.changed.emit()

    def save_order(self) -> None:
        assert self.meeting_id is not None
        try:
            svc.reorder_agenda(self.store, self.meeting_id, self.agenda.ids())
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Agenda order", exc)
        self.reload()
        self.changed.emit()

    def save_minutes(self) -> None:
        item = self.agenda.currentItem()
        if item is None:
            return
        try:
            svc.set_minutes(self.store, item.data(ID_ROLE), self.minutes.value())
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Time for the case", exc)
        self.reload()
        self.changed.emit()

    def remove_selected(self) -> None:
        item = self.agenda.currentItem()
        if item is None:
            return
        try:
            svc.remove_from_agenda(self.store, item.data(ID_ROLE))
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Remove from the agenda", exc)
            return
        self.reload()
        self.changed.emit()
