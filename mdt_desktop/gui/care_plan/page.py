"""The "Care plans" area: every live plan, soonest review first, with review flags."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import display_name, format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..background import Operation, run_in_background
from ..pages import Page, page_header
from .editor import CarePlanEditor

Index = QModelIndex | QPersistentModelIndex
FLAG_COLOURS = {
    cp.ReviewFlag.OVERDUE: ("#d5281b", "#ffffff"),
    cp.ReviewFlag.DUE_7: ("#ffeb3b", "#212b32"),
    cp.ReviewFlag.DUE_14: ("#fff3c4", "#212b32"),
}
STATUS_WORDS = {"draft": "Draft (not agreed)", "agreed": "Agreed"}
FILTERS = [
    ("All live plans", None),
    ("Review overdue", {cp.ReviewFlag.OVERDUE}),
    ("Review due within 7 days or overdue", {cp.ReviewFlag.OVERDUE, cp.ReviewFlag.DUE_7}),
    (
        "Review due within 14 days or overdue",
        {cp.ReviewFlag.OVERDUE, cp.ReviewFlag.DUE_7, cp.ReviewFlag.DUE_14},
    ),
    ("A merge is waiting", "merge"),
]


class CarePlanListModel(QAbstractTableModel):
    COL_PERSON, COL_NHS, COL_VERSION, COL_STATUS, COL_REVIEW, COL_FLAG, COL_SAVED = range(7)
    HEADERS = ["Person", "NHS No.", "Version", "Status", "Review date", "Review", "Last saved"]
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, today: date, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = today
        self.rows: list[care_plans.PlanRow] = []

    def set_rows(self, rows: list[care_plans.PlanRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == self.IdRole:
            return r.patient_id
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_PERSON:
                return display_name(r.family_name, r.given_name, r.title)
            if col == self.COL_NHS:
                return format_nhs_number(r.nhs_number) if r.nhs_number else "Not Known"
            if col == self.COL_VERSION:
                text = str(r.version_number or "")
                return text + (" · merge waiting" if r.merges_waiting else "")
            if col == self.COL_STATUS:
                if r.changed_since_agreed:
                    return "Changed since agreed: to agree again"
                return STATUS_WORDS.get(r.status, r.status)
            if col == self.COL_REVIEW:
                return format_patient_date(r.review_on) if r.review_on else "Not set"
            if col == self.COL_FLAG:
                return cp.review_words(r.review_on, self.today) if r.review_on else ""
            if col == self.COL_SAVED:
                if r.saved_at is None:
                    return ""
                return f"{format_local_datetime(r.saved_at)} by {r.saved_by}"
        if col == self.COL_FLAG and r.flag in FLAG_COLOURS:
            background, foreground = FLAG_COLOURS[r.flag]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(background))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(foreground))
        return None


class CarePlansPage(Page):
    title = "Care plans"

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.today = date.today()
        self.all_rows: list[care_plans.PlanRow] = []
        self.operation: Operation | None = None
        self.editor: CarePlanEditor | None = None
        # The list, or one plan open in the editor (kept while the app is locked).
        self.views = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.views)
        self.list_view = QWidget()
        self.views.addWidget(self.list_view)
        self.editor_view = QWidget()
        editor_layout = QVBoxLayout(self.editor_view)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.setSpacing(0)
        back_row = QHBoxLayout()
        back_row.setContentsMargins(16, 8, 16, 0)
        self.back_button = QPushButton("← All care plans")
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.back_to_list)
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        editor_layout.addLayout(back_row)
        self.views.addWidget(self.editor_view)
        layout = QVBoxLayout(self.list_view)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(
            page_header(
                "Care plans",
                "One shared plan per person on the caseload. Reviews due within 14 days, "
                "within 7 days and overdue are flagged. Open a plan to edit, compare versions "
                "or export the copy the person takes home.",
            )
        )
        bar = QHBoxLayout()
        self.filter = QComboBox()
        self.filter.setObjectName("planFilter")
        for label, _ in FILTERS:
            self.filter.addItem(label)
        self.filter.currentIndexChanged.connect(self._apply_filter)
        self.counts = QLabel()
        self.counts.setObjectName("hint")
        self.counts.setWordWrap(True)  # two lines rather than cut off on a laptop screen
        self.open_button = QPushButton("Open plan")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.open_selected)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.filter)
        bar.addWidget(self.counts, 1)
        bar.addWidget(QLabel("Review plans"))
        self.review_days = QSpinBox()
        self.review_days.setObjectName("reviewDays")
        self.review_days.setAccessibleName("Review plans every")
        self.review_days.setRange(7, 730)
        self.review_days.setSuffix(" days")
        self.review_days.setValue(care_plans.review_days(store))
        self.review_days.setToolTip(
            "The review date a plan gets when it is agreed and no date is entered."
        )
        self.review_days.editingFinished.connect(self._review_days_changed)
        reason = why_not(user.role, Permission.EDIT_CARE_PLAN)
        self.review_days.setEnabled(reason is None)
        if reason:
            self.review_days.setToolTip(reason)
        bar.addWidget(self.review_days)
        bar.addWidget(QLabel("after agreement"))
        bar.addSpacing(16)
        bar.addWidget(self.open_button)
        layout.addLayout(bar)
        self.model = CarePlanListModel(self.today, self)
        self.table = QTableView()
        self.table.setObjectName("carePlanTable")
        self.table.setAccessibleName("Care plans")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CarePlanListModel.COL_PERSON, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table, 1)
        self.empty = QLabel(
            "No care plans yet. A plan is started from a person's record once they are on "
            "the caseload."
        )
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)

    def activated(self) -> None:
        self.load()

    def load(self) -> Operation:
        store, today = self.store, self.today
        self.counts.setText("Loading…")
        self.operation = run_in_background(
            self,
            lambda _p: care_plans.plan_rows(store, today),
            on_success=self._loaded,
            label="Loading care plans",
        )
        return self.operation

    def wait_until_loaded(self) -> None:
        from ..background import wait_for

        if self.operation is None:
            self.load()
        wait_for(self.operation)

    def _loaded(self, rows: list[care_plans.PlanRow]) -> None:
        self.all_rows = rows
        self._apply_filter()

    def _apply_filter(self) -> None:
        wanted = FILTERS[self.filter.currentIndex()][1]
        if wanted is None:
            rows = self.all_rows
        elif wanted == "merge":
            rows = [r for r in self.all_rows if r.merges_waiting]
        else:
            rows = [r for r in self.all_rows if r.flag in wanted]
        self.model.set_rows(rows)
        flags = [r.flag for r in self.all_rows]
        self.counts.setText(
            f"{len(self.all_rows)} plans · {flags.count(cp.ReviewFlag.OVERDUE)} overdue · "
            f"{flags.count(cp.ReviewFlag.DUE_7)} due within 7 days · "
            f"{flags.count(cp.ReviewFlag.DUE_14)} within 14 days"
        )
        self.empty.setVisible(not self.all_rows)
        self.open_button.setEnabled(bool(rows))
        if rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _review_days_changed(self) -> None:
        days = self.review_days.value()
        if days != care_plans.review_days(self.store):
            care_plans.set_review_days(self.store, days)

    def set_user(self, user: User) -> None:
        """Another person signed in: an open plan is shown again with their permissions.

        Unsaved edits of the person before are not shown to the next: they were kept as
        that person's draft (a moment after typing, long before anyone could unlock), and
        the plan opens with the newcomer's own draft, if any, offered instead.
        """
        before = self.user
        self.user = user
        reason = why_not(user.role, Permission.EDIT_CARE_PLAN)
        self.review_days.setEnabled(reason is None)
        self.review_days.setToolTip(
            reason or "The review date a plan gets when it is agreed and no date is entered."
        )
        if self.editor is not None and (not self.editor.dirty or user.id != before.id):
            self.editor.drafts.timer.stop()
            self.open_plan(self.editor.patient_id)

    def open_selected(self) -> CarePlanEditor | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.open_plan(self.model.data(index, CarePlanListModel.IdRole))

    def open_plan(self, patient_id: uuid.UUID) -> CarePlanEditor:
        self._drop_editor()
        self.editor = CarePlanEditor(self.store, self.user, patient_id, self.editor_view)
        self.editor_view.layout().addWidget(self.editor)
        self.views.setCurrentWidget(self.editor_view)
        return self.editor

    def _drop_editor(self) -> None:
        if self.editor is not None:
            self.editor.hide()
            self.editor.setParent(None)
            self.editor.deleteLater()
            self.editor = None

    def back_to_list(self) -> bool:
        if self.editor is not None and self.editor.dirty:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "This plan has changes that are not saved. Go back to the list and lose them?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            self.editor.drafts.forget()  # lost on purpose: not offered back later
        self._drop_editor()
        self.views.setCurrentWidget(self.list_view)
        self.load()
        return True
