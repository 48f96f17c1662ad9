"""The staff directory: the team's members and partner professionals (name, role,
organisation, contact). Everyone may look; roles with MANAGE_STAFF may add and change."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.permissions import Permission
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import staff as staff_service
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..operations import run_change
from ..users import role_label
from ..widgets.guard import guard

HEADERS = ["Name", "Role", "Organisation", "Email", "Phone", "Active"]


class StaffForm(QDialog):
    def __init__(self, existing: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change a colleague" if existing else "Add a colleague")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        form = QFormLayout()
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setObjectName("staffName")
        self.role = QComboBox()
        self.role.setObjectName("staffRole")
        for role in Role:
            self.role.addItem(role.label, role.value)
            if existing is not None and existing.role == role.value:
                self.role.setCurrentIndex(self.role.count() - 1)
        self.organisation = QLineEdit(existing.organisation or "" if existing else "")
        self.email = QLineEdit(existing.email or "" if existing else "")
        self.phone = QLineEdit(existing.phone or "" if existing else "")
        self.active = QCheckBox("Works with the team now")
        self.active.setChecked(existing.active if existing else True)
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        form.addRow("Organisation", self.organisation)
        form.addRow("Email", self.email)
        form.addRow("Phone", self.phone)
        form.addRow("", self.active)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, self.sizeHint().height())

    def _check(self) -> None:
        if not self.name.text().strip():
            self.error.setText("Enter the name.")
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "role": self.role.currentData(),
            "organisation": self.organisation.text(),
            "email": self.email.text(),
            "phone": self.phone.text(),
        }


class StaffDirectoryDialog(QDialog):
    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.setWindowTitle("Staff directory")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Staff directory")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("staffTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.add_button = QPushButton("Add colleague…")
        self.edit_button = QPushButton("Change…")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        for button in (self.add_button, self.edit_button):
            guard(button, user.role, Permission.MANAGE_STAFF)
            row.addWidget(button)
        row.addWidget(close)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.ask_add)
        self.edit_button.clicked.connect(self.ask_edit)
        self.resize(980, 560)
        self.reload()

    def reload(self) -> None:
        self.staff = staff_service.list_staff(self.store, include_inactive=True)
        self.table.setRowCount(len(self.staff))
        for r, st in enumerate(self.staff):
            values = (st.name, role_label(st.role), st.organisation or "", st.email or "",
                      st.phone or "", "Yes" if st.active else "No")  # fmt: skip
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def ask_add(self) -> None:
        form = StaffForm(parent=self)
        if form.exec() == QDialog.DialogCode.Accepted:
            self.add(**form.values())

    def add(self, **values: Any) -> bool:
        if not run_change(
            self,
            "Staff directory",
            lambda: staff_service.add_staff(self.store, team_id=self.user.team_id, **values),
        ):
            return False
        self.reload()
        return True

    def ask_edit(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return
        existing = self.staff[rows.pop()]
        form = StaffForm(existing, self)
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        values = form.values()
        if not run_change(
            self,
            "Staff directory",
            lambda: staff_service.update_staff(
                self.store, existing.id, active=form.active.isChecked(), **values
            ),
        ):
            return
        self.reload()
