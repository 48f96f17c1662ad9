"""The Care team tab: professionals, the lead professional, carers and next of kin."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.permissions import Permission
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import care_team
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..features import RecordTab
from ..operations import run_change
from ..users import role_label
from ..widgets.forms import dialog_footer
from ..widgets.guard import guard

HEADERS = ["Name", "Relationship", "Role", "Organisation", "Contact"]


class MemberDialog(QDialog):
    """A colleague from the staff directory, or anyone else: name, role, organisation."""

    def __init__(self, staff: list, parent: QWidget | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(parent)
        self.setWindowTitle("Add to the care team")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        form = QFormLayout()
        self.who = QComboBox()
        self.who.setObjectName("memberFromDirectory")
        self.who.addItem("Someone not in the staff directory", None)
        for st in staff:
            org = f", {st.organisation}" if st.organisation else ""
            self.who.addItem(f"{st.name} ({role_label(st.role)}{org})", st.id)
        self.relationship = QComboBox()
        for key, label in care_team.RELATIONSHIPS.items():
            self.relationship.addItem(label, key)
        self.name = QLineEdit()
        self.name.setObjectName("memberName")
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItem("")
        self.role.addItems([r.label for r in Role])
        self.organisation = QLineEdit()
        self.contact = QLineEdit()
        self.contact.setPlaceholderText("Phone or email")
        self.lead = QCheckBox("Lead professional")
        form.addRow("From the directory", self.who)
        form.addRow("Relationship", self.relationship)
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        form.addRow("Organisation", self.organisation)
        form.addRow("Contact", self.contact)
        form.addRow("", self.lead)
        layout.addLayout(form)
        self.error = dialog_footer(self, layout, "Add", self._check)
        self.who.currentIndexChanged.connect(self._who_changed)
        self.relationship.currentIndexChanged.connect(self._who_changed)
        self._who_changed()
        self.resize(540, self.sizeHint().height())

    def _who_changed(self) -> None:
        from_directory = self.who.currentData() is not None
        if from_directory:
            self.relationship.setCurrentIndex(0)
        for widget in (self.name, self.role, self.organisation):
            widget.setEnabled(not from_directory)
        self.relationship.setEnabled(not from_directory)
        self.lead.setEnabled(self.relationship.currentData() == "professional")

    def member(self) -> care_team.MemberInput:
        return care_team.MemberInput(
            relationship=self.relationship.currentData(),
            staff_id=self.who.currentData(),
            name=self.name.text(),
            role=self.role.currentText(),
            organisation=self.organisation.text(),
            contact=self.contact.text(),
            is_lead=self.lead.isChecked() and self.lead.isEnabled(),
        )

    def _check(self) -> None:
        if self.who.currentData() is None and not self.name.text().strip():
            self.error.setText("Choose a colleague or enter a name.")
            return
        self.accept()


class CareTeamTab(RecordTab):
    def __init__(self, store: Store, user: User, patient_id: uuid.UUID) -> None:
        super().__init__()
        self.store = store
        self.user = user
        self.patient_id = patient_id
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("careTeamTable")
        self.table.setAccessibleName("Care team")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.empty = QLabel("")
        self.empty.setObjectName("pageSubtitle")
        row.addWidget(self.empty, 1)
        self.add_button = QPushButton("Add to care team…")
        self.lead_button = QPushButton("Make lead professional")
        self.remove_button = QPushButton("Remove")
        for button in (self.add_button, self.lead_button, self.remove_button):
            guard(button, user.role, Permission.MANAGE_CARE_TEAM)
            row.addWidget(button)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.ask_add)
        self.lead_button.clicked.connect(self.make_lead)
        self.remove_button.clicked.connect(self.remove)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.reload()

    def reload(self) -> None:
        self.members = care_team.members(self.store, self.patient_id)
        self.table.setRowCount(len(self.members))
        for r, m in enumerate(self.members):
            role = role_label(m.role or "")
            relationship = care_team.RELATIONSHIPS.get(m.relationship, m.relationship)
            if m.is_lead:
                relationship = "Lead professional"
            for c, text in enumerate(
                (m.name, relationship, role, m.organisation or "", m.contact or "")
            ):
                item = QTableWidgetItem(text)
                if m.is_lead:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.empty.setText(
            "No one in the care team yet." if not self.members else f"{len(self.members)} people"
        )
        self._selection_changed()

    def selected(self):  # type: ignore[no-untyped-def]
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.members[rows.pop()] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        if not guard(self.remove_button, self.user.role, Permission.MANAGE_CARE_TEAM):
            return
        guard(self.lead_button, self.user.role, Permission.MANAGE_CARE_TEAM)
        member = self.selected()
        self.remove_button.setEnabled(member is not None)
        self.lead_button.setEnabled(
            member is not None and member.relationship == "professional" and not member.is_lead
        )

    def ask_add(self) -> None:
        from mdt_desktop.services.staff import list_staff

        dialog = MemberDialog(list_staff(self.store), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add(dialog.member())

    def add(self, member: care_team.MemberInput) -> bool:
        return self._do(lambda: care_team.add_member(self.store, self.patient_id, member))

    def make_lead(self) -> None:
        member = self.selected()
        if member is not None:
            self._do(lambda: care_team.set_lead(self.store, member.id))

    def remove(self) -> None:
        member = self.selected()
        if member is None:
            return
        answer = QMessageBox.question(
            self, "Care team", f"Remove {member.name} from the care team?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._do(lambda: care_team.remove_member(self.store, member.id))

    def _do(self, change) -> bool:  # type: ignore[no-untyped-def]
        if not run_change(self, "Care team", change):
            return False
        self.reload()
        self.changed.emit()
        return True
