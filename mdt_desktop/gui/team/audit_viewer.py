"""The audit log viewer: filter by person, user, action and dates; export CSV; verify.

The table pages through the log 200 entries at a time, newest first. Verifying the
hash chain and exporting run in the background.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import audit_log
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..background import Operation, run_in_background, show_failure
from ..users import role_label
from ..widgets.forms import date_edit, date_of
from ..widgets.paged_model import PagedTableModel, Read

Index = QModelIndex | QPersistentModelIndex


class AuditModel(PagedTableModel):
    """The audit log, newest first, a page at a time (the service checks VIEW_AUDIT)."""

    HEADERS = ["#", "When", "Who", "Role", "What", "Person", "NHS No.", "Detail"]

    def __init__(
        self, store: Store | None, parent: Any = None, *, read: Read | None = None
    ) -> None:
        super().__init__(parent, read=read)
        self.store = store
        self.filter = audit_log.AuditFilter()

    def read_rows(self, offset: int, limit: int) -> list[audit_log.AuditRow]:
        if self._read is not None or self.store is None:
            return super().read_rows(offset, limit)
        return audit_log.page(self.store, self.filter, offset, limit)

    def row_key(self, row: audit_log.AuditRow) -> int:
        return row.seq

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 7:
            return row.detail
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            str(row.seq),
            row.when,
            row.user_name,
            role_label(row.role),
            row.what,
            row.patient_name or "",
            format_nhs_number(row.nhs_number) if row.nhs_number else "",
            (row.detail or "").replace("\n", " "),
        )[index.column()]


class AuditLogDialog(QDialog):
    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.setWindowTitle("Audit log")
        self.setObjectName("auditLog")
        self._ops: list[Operation] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Audit log")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(
            "Every view, change, export and sign-in on this computer, newest first. "
            "Entries cannot be changed; verifying checks that none was altered or removed."
        )
        intro.setObjectName("pageSubtitle")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        bar = QHBoxLayout()
        self.person = QLineEdit()
        self.person.setObjectName("auditPerson")
        self.person.setPlaceholderText("Person: FAMILY, Given or NHS No.")
        self.person.setClearButtonEnabled(True)
        self.person.setMinimumWidth(220)
        self.person_match = QComboBox()
        self.person_match.setObjectName("auditPersonMatch")
        self.person_match.setMinimumContentsLength(16)
        self.person_match.addItem("Anyone", None)
        self.who = QComboBox()
        self.who.setObjectName("auditUser")
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        self.action.addItem("Any action", None)
        for key, label in audit_log.ACTION_LABELS.items():
            self.action.addItem(label, key)
        self.use_from = QCheckBox("From")
        self.date_from = date_edit(date.today() - timedelta(days=30))
        self.use_to = QCheckBox("to")
        self.date_to = date_edit(date.today())
        for widget in (self.person, self.person_match, self.who, self.action, self.use_from,
                       self.date_from, self.use_to, self.date_to):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.model = AuditModel(store, self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((50, 150, 150, 150, 200, 190, 112, 240)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        footer = QHBoxLayout()
        self.count_label = QLabel("")
        footer.addWidget(self.count_label)
        self.message = QLabel("")
        self.message.setObjectName("verifyResult")
        self.message.setWordWrap(True)
        footer.addWidget(self.message, 1)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.ask_export)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for button in (self.verify_button, self.export_button, close):
            footer.addWidget(button)
        layout.addLayout(footer)
        self.resize(1280, 700)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self._find_people)
        self.person.textChanged.connect(self._debounce.start)
        for combo in (self.person_match, self.who, self.action):
            combo.currentIndexChanged.connect(self.apply_filters)
        for box in (self.use_from, self.use_to):
            box.toggled.connect(self.apply_filters)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self.apply_filters)

        self.refused = why_not(user.role, Permission.VIEW_AUDIT)
        if self.refused is not None:
            self.message.setText(self.refused)
            for widget in (self.verify_button, self.export_button, self.table, self.person,
                           self.person_match, self.who, self.action):  # fmt: skip
                widget.setEnabled(False)
            return
        self.who.addItem("Anyone", None)
        for user_id, name in audit_log.users_in_log(store):
            self.who.addItem(name, (user_id, name))
        self.apply_filters()

    def _find_people(self) -> None:
        self.person_match.blockSignals(True)
        self.person_match.clear()
        self.person_match.addItem("Anyone", None)
        matches = audit_log.people_in_log(self.store, self.person.text())
        for pid, label in matches:
            self.person_match.addItem(label, pid)
        if matches:
            self.person_match.setCurrentIndex(1)
        self.person_match.blockSignals(False)
        self.apply_filters()

    def current_filter(self) -> audit_log.AuditFilter:
        who = self.who.currentData()
        return audit_log.AuditFilter(
            patient_id=self.person_match.currentData(),
            user_id=who[0] if who else None,
            user_name=who[1] if who and who[0] is None else None,
            action=self.action.currentData(),
            date_from=date_of(self.date_from) if self.use_from.isChecked() else None,
            date_to=date_of(self.date_to) if self.use_to.isChecked() else None,
        )

    def apply_filters(self) -> None:
        if self.refused is not None:
            return
        self.model.filter = self.current_filter()
        self.model.reload()
        wanted = self.model.filter

        def show(n: int) -> None:
            if wanted is self.model.filter:
                self.count_label.setText(f"{n:,} {'entry' if n == 1 else 'entries'}")

        self._ops.append(
            run_in_background(
                self, lambda p: audit_log.count(self.store, wanted), on_success=show,
                label="Counting audit entries",
            )
        )  # fmt: skip

    def verify(self) -> Operation:
        self.verify_button.setEnabled(False)
        self.message.setText("Checking every entry…")

        def done(report: Any) -> None:
            self.verify_button.setEnabled(True)
            if report.ok:
                self.message.setText(f"✔ The chain is intact: {report.checked:,} entries checked.")
                self.message.setProperty("ok", True)
            else:
                self.message.setText(f"✖ The audit log is broken: {report.reason}.")
                self.message.setProperty("ok", False)
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.message.setText("")
            show_failure(self, "Verify the audit log", exc)

        op = run_in_background(
            self, lambda p: audit_log.verify(self.store), on_success=done, on_failure=failed,
            label="Verifying the audit log",
        )  # fmt: skip
        self._ops.append(op)
        return op

    def ask_export(self) -> None:
        default = Path.home() / f"audit-log-{date.today().isoformat()}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export audit log", str(default), "CSV (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Operation:
        wanted = self.current_filter()
        self.export_button.setEnabled(False)

        def done(n: int) -> None:
            self.export_button.setEnabled(True)
            self.message.setText(f"{n:,} entries exported to {path}")
            self.apply_filters()  # the export itself is now in the log

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            show_failure(self, "Export the audit log", exc)

        op = run_in_background(
            self, lambda p: audit_log.export_csv(self.store, wanted, path), on_success=done,
            on_failure=failed, label="Exporting the audit log",
        )  # fmt: skip
        self._ops.append(op)
        return op

    def wait(self) -> None:
        from ..background import wait_for

        for op in list(self._ops):
            wait_for(op)

    def patient_filter(self, patient_id: uuid.UUID) -> None:
        """Show one person's entries (used from a record)."""
        self.person_match.blockSignals(True)
        self.person_match.clear()
        self.person_match.addItem("Anyone", None)
        self.person_match.addItem("This person", patient_id)
        self.person_match.setCurrentIndex(1)
        self.person_match.blockSignals(False)
        self.apply_filters()
