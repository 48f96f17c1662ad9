"""The Caseload page: referrals and cases by status, filters, flags, the inbox, actions.

The table is a paged SQL query (store/caseload.py) like case finding's: 200 rows at a
time, sorted and filtered in SQL. Counts per status and the inbox load in the
background. Double-click or Enter opens the person's record.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.caseload import (
    FLAG_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    CaseFacts,
    Flag,
    flags_for,
)
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import age_on, display_name, format_patient_date
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.store import caseload as queries
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..background import Operation, run_in_background, show_failure
from ..pages import Page
from ..widgets.forms import ReasonDialog, date_edit, date_of
from ..widgets.guard import guard
from ..widgets.table_model import RowsTableModel, show_as_list

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
C = queries.COL
TAB_STATUSES = ["waiting", "active", "stepped_down", "closed", "declined"]
TAB_LABELS = {"waiting": "Referrals waiting", "active": "Active", "stepped_down": "Stepped down",
              "closed": "Closed", "declined": "Declined"}  # fmt: skip
ALERT = QColor("#d5281b")


def _day(text: Any) -> date | None:
    return date.fromisoformat(str(text)[:10]) if text else None


def _moment(text: Any) -> datetime | None:
    """SQLite's naive-UTC text of a UTCDateTime column, back to an aware time."""
    if not text:
        return None
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


class CaseloadModel(RowsTableModel):
    """One status of the caseload as a paged SQL query; sorting re-queries."""

    COL_NAME, COL_NHS, COL_AGE, COL_PRACTICE, COL_WHO, COL_WHEN, COL_FLAGS = range(7)
    COL_RISK, COL_SINCE = 7, 8
    CASE_HEADERS = ["Name", "NHS No.", "Age", "Practice", "Care coordinator", "Next review",
                    "Flags", "Risk", "Since"]  # fmt: skip
    REFERRAL_HEADERS = ["Name", "NHS No.", "Age", "Practice", "Referred by", "Urgency",
                        "Reason", "Risk", "Referred"]  # fmt: skip
    CASE_SORTS = ["name", "nhs_number", "age", "practice", "coordinator", "next_review",
                  None, "risk", "since"]  # fmt: skip
    REFERRAL_SORTS = ["name", "nhs_number", "age", "practice", "coordinator", "urgency",
                      None, "risk", "since"]  # fmt: skip
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filter = queries.CaseloadFilter()
        self.sort_key = "name"
        self.descending = False
        self.rows: list[tuple] = []
        self.exhausted = True
        self.today = date.today()

    @property
    def referrals(self) -> bool:
        return self.filter.status in queries.REFERRAL_STATUSES

    def _fetch(self, offset: int) -> list[tuple]:
        with self.store.engine.connect() as conn:
            return queries.page(conn, self.filter, self.sort_key, self.descending, offset, PAGE)

    def reload(self) -> None:
        self.beginResetModel()
        self.filter.today = self.today
        self.rows = self._fetch(0)
        self.exhausted = len(self.rows) < PAGE
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.CASE_HEADERS) - 1)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        more = self._fetch(len(self.rows))
        if not more:
            self.exhausted = True
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()
        self.exhausted = len(more) < PAGE

    def sort_keys(self) -> list[str | None]:
        return self.REFERRAL_SORTS if self.referrals else self.CASE_SORTS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.sort_keys()[column]
        if key is None:
            return  # flags and reasons are not an order anyone reads by
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.CASE_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            headers = self.REFERRAL_HEADERS if self.referrals else self.CASE_HEADERS
            if section == self.COL_SINCE and self.filter.status in ("stepped_down", "closed"):
                return "Ended"
            if section == self.COL_SINCE and self.filter.status == "declined":
                return "Declined"
            if section == self.COL_FLAGS and self.filter.status in ("stepped_down", "closed"):
                return "Reason"
            return headers[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.COL_RISK:
            return "Combined risk score from case finding, 0–100"
        return None

    # --- what a row says ------------------------------------------------------------

    def row_flags(self, row: tuple) -> list[Flag]:
        facts = CaseFacts(
            status=row[C["status"]],
            next_review_on=_day(row[C["next_review_on"]]),
            escalated_at=_moment(row[C["escalated_at"]]),
            in_hospital=bool(row[C["in_hospital"]]),
            has_care_plan=bool(row[C["has_care_plan"]]),
            care_plan_review_on=_day(row[C["care_plan_review_on"]]),
        )
        return flags_for(facts, self.today)

    def display(self, row: tuple, column: int) -> str:
        if column == self.COL_NAME:
            return display_name(row[C["family_name"]], row[C["given_name"]], row[C["title"]])
        if column == self.COL_NHS:
            nhs = row[C["nhs_number"]]
            return format_nhs_number(nhs) if nhs else "Not Known"
        if column == self.COL_AGE:
            dob = _day(row[C["date_of_birth"]])
            return str(age_on(dob, self.today)) if dob else ""
        if column == self.COL_PRACTICE:
            return row[C["practice_code"]] or ""
        if column == self.COL_WHO:
            return row[C["coordinator"]] or ("Not Known" if self.referrals else "None named")
        if column == self.COL_WHEN:
            if self.referrals:
                return URGENCY_LABELS.get(row[C["urgency"]], row[C["urgency"]] or "")
            if row[C["status"]] != "active":
                return ""
            return format_patient_date(_day(row[C["next_review_on"]]))
        if column == self.COL_FLAGS:
            if self.referrals:
                text = row[C["reason"]] if row[C["status"]] == "waiting" else row[C["end_reason"]]
                return " ".join((text or "").split())
            if row[C["status"]] != "active":
                return " ".join((row[C["end_reason"]] or "").split())
            return " · ".join(FLAG_LABELS[f] for f in self.row_flags(row))
        if column == self.COL_RISK:
            risk = row[C["risk_score"]]
            return f"{risk:.0f}" if risk is not None else ""
        if column == self.COL_SINCE:
            since = row[C["since"]]
            return format_patient_date(_day(since))
        return ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, column)
        if role == self.IdRole:
            return row[C["id"]]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_AGE, self.COL_RISK):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.COL_FLAGS and not self.referrals:
                urgent = {Flag.ESCALATED, Flag.IN_HOSPITAL, Flag.REVIEW_OVERDUE}
                if urgent & set(self.row_flags(row)):
                    return QBrush(ALERT)
            if column == self.COL_WHEN and self.referrals and row[C["urgency"]] == "urgent":
                return QBrush(ALERT)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_FLAGS:
            tip = self.display(row, column)
            if row[C["escalation_reason"]] and row[C["status"]] == "active":
                tip += f"\nEscalated: {row[C['escalation_reason']]}"
            return tip or None
        return None

    def row_id(self, row: int) -> uuid.UUID:
        return uuid.UUID(hex=self.rows[row][C["id"]])

    def patient_id(self, row: int) -> uuid.UUID:
        return uuid.UUID(hex=self.rows[row][C["patient_id"]])


class CaseloadTable(QTableView):
    """Enter opens the record, as a double-click does."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class InboxPanel(QWidget):
    """Referrals waiting, notes that mention me, and my open actions."""

    open_patient = Signal(object)
    counted = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        title = QLabel("Inbox")
        title.setObjectName("panelTitle")
        layout.addWidget(title)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("pageSubtitle")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("inboxList")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.items: list[Any] = []

    def show_inbox(self, box: Any) -> None:
        from mdt_desktop.domain.people import format_local_datetime

        self.list.clear()
        self.items = []
        sections = (
            ("Referrals waiting", box.referrals),
            ("Notes mentioning you", box.mentions),
            ("Your actions", box.actions),
        )
        for heading, items in sections:
            head = QListWidgetItem(f"{heading} ({len(items)})")
            head.setFlags(Qt.ItemFlag.NoItemFlags)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            head.setForeground(QBrush(QColor("#005eb8")))
            self.list.addItem(head)
            for item in items[:50]:
                when = item.when
                if isinstance(when, datetime):
                    stamp = format_local_datetime(when)
                elif isinstance(when, date):
                    stamp = "due " + format_patient_date(when)
                else:
                    stamp = ""
                detail = " ".join(item.detail.split())
                if len(detail) > 110:
                    detail = detail[:107] + "…"
                entry = QListWidgetItem(
                    f"{'⚠ ' if item.urgent else ''}{item.title} · {stamp}\n{detail}"
                )
                entry.setData(Qt.ItemDataRole.UserRole, item)
                entry.setToolTip(item.detail)
                if item.urgent:
                    entry.setForeground(QBrush(ALERT))
                self.list.addItem(entry)
                self.items.append(item)
        self.counted.emit(box.total)
        self.summary.setText(
            "Nothing waiting for you."
            if box.total == 0
            else f"{len(box.referrals)} referrals, {len(box.mentions)} mentions, "
            f"{len(box.actions)} actions. Double-click to open the record."
        )

    def _activated(self, entry: QListWidgetItem) -> None:
        item = entry.data(Qt.ItemDataRole.UserRole)
        if item is not None and item.patient_id is not None:
            self.open_patient.emit(item)


class CaseloadPage(Page):
    title = "Caseload"

    def __init__(self, store: Store, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.model = CaseloadModel(store, self)
        self.my_staff_id: str | None = None
        self._count_op: Operation | None = None
        self._inbox_op: Operation | None = None
        self._loaded = False
        self.counts: dict[str, int] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel("Caseload")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.search = QLineEdit()
        self.search.setObjectName("caseloadSearch")
        self.search.setPlaceholderText("Name (FAMILY, Given) or NHS No.")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        top.addWidget(self.search)
        self.inbox_button = QPushButton("Inbox")
        self.inbox_button.setObjectName("inboxToggle")
        self.inbox_button.setCheckable(True)
        self.inbox_button.setToolTip("Referrals waiting, notes that mention you, your actions")
        self.inbox_button.toggled.connect(self._inbox_toggled)
        top.addWidget(self.inbox_button)
        self._inbox_chosen = False  # until the user chooses, it follows the window's width
        outer.addLayout(top)

        self.tabs = QTabBar()
        self.tabs.setObjectName("caseloadStatus")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        for status in TAB_STATUSES:
            self.tabs.addTab(TAB_LABELS[status])
        self.tabs.setCurrentIndex(TAB_STATUSES.index("active"))
        outer.addWidget(self.tabs)

        bar = QHBoxLayout()
        self.team = QComboBox()
        self.team.setObjectName("caseloadTeam")
        self.mine = QCheckBox("My caseload")
        self.mine.setObjectName("myCaseload")
        self.mine.setToolTip("Only the people you are the named care coordinator for")
        self.coordinator = QComboBox()
        self.coordinator.setObjectName("coordinatorFilter")
        self.flag = QComboBox()
        self.flag.setObjectName("flagFilter")
        self.flag.addItem("Any flag", None)
        for flag in Flag:
            self.flag.addItem(flag.label, flag.value)
        self.practice = QComboBox()
        self.urgency = QComboBox()
        self.urgency.addItem("Any urgency", None)
        for key, label in URGENCY_LABELS.items():
            self.urgency.addItem(label, key)
        for combo in (self.team, self.coordinator, self.flag, self.practice, self.urgency):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(self.team)
        bar.addWidget(self.mine)
        bar.addWidget(self.coordinator)
        bar.addWidget(self.flag)
        bar.addWidget(self.urgency)
        bar.addWidget(self.practice)
        bar.addStretch(1)
        outer.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = CaseloadTable()
        self.table.setObjectName("caseloadTable")
        show_as_list(self.table, self.model, QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        # Widths from the font, so NHS numbers and dates are never cut; spare width goes
        # to the flags (or reasons), which are what needs reading.
        fm = self.table.fontMetrics()
        pad = 22
        samples = (
            "MACDONALD, Margaret (Mrs)",
            "999 999 9999",
            "100",
            "B86006",
            "Dr Anna Kowalska",
            "30-Dec-2026",
            "Review overdue",
            "Risk",
            "30-Dec-2026",
        )
        bold = self.table.font()
        bold.setBold(True)
        from PySide6.QtGui import QFontMetrics

        heads = QFontMetrics(bold)
        widths = [
            max(fm.horizontalAdvance(text), heads.horizontalAdvance(head) + 10)
            for text, head in zip(samples, CaseloadModel.CASE_HEADERS, strict=True)
        ]
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width + pad)
        header.setSectionResizeMode(CaseloadModel.COL_FLAGS, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(CaseloadModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        splitter.addWidget(self.table)
        self.inbox = InboxPanel()
        self.inbox.setMinimumWidth(220)
        splitter.addWidget(self.inbox)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 230])
        outer.addWidget(splitter, 1)

        footer = QHBoxLayout()
        self.count_label = QLabel("")
        footer.addWidget(self.count_label)
        self.message = QLabel("")
        self.message.setObjectName("pageSubtitle")
        self.message.setWordWrap(True)
        footer.addWidget(self.message, 1)
        self.refer_button = QPushButton("Refer someone…")
        self.open_button = QPushButton("Open record")
        self.accept_button = QPushButton("Accept…")
        self.accept_button.setObjectName("primary")
        self.decline_button = QPushButton("Decline…")
        self.review_button = QPushButton("Next review…")
        self.step_down_button = QPushButton("Step down…")
        self.close_button = QPushButton("Close case…")
        self.action_buttons = [self.refer_button, self.open_button, self.review_button,
                               self.step_down_button, self.close_button, self.decline_button,
                               self.accept_button]  # fmt: skip
        for button in self.action_buttons:
            footer.addWidget(button)
        outer.addLayout(footer)

        self.refer_button.clicked.connect(self.ask_refer)
        self.open_button.clicked.connect(self.open_selected)
        self.accept_button.clicked.connect(self.ask_accept)
        self.decline_button.clicked.connect(self.ask_decline)
        self.review_button.clicked.connect(self.ask_review)
        self.step_down_button.clicked.connect(lambda: self.ask_end("stepped_down"))
        self.close_button.clicked.connect(lambda: self.ask_end("closed"))
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated_row.connect(self.open_row)
        self.inbox.open_patient.connect(self._open_from_inbox)
        self.inbox.counted.connect(lambda n: self.inbox_button.setText(f"Inbox ({n})"))

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.tabs.currentChanged.connect(self.apply_filters)
        for combo in (self.team, self.coordinator, self.flag, self.practice, self.urgency):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.mine.toggled.connect(self._mine_toggled)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    # --- the inbox beside the list ------------------------------------------------------

    def _inbox_toggled(self, on: bool) -> None:
        self.inbox.setVisible(on)
        if self.isVisible():
            self._inbox_chosen = True

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not self._inbox_chosen:
            # Beside the list on a wide screen; one click away at 1366 px.
            wide = event.size().width() >= 1500
            self.inbox_button.blockSignals(True)
            self.inbox_button.setChecked(wide)
            self.inbox_button.blockSignals(False)
            self.inbox.setVisible(wide)

    # --- loading ----------------------------------------------------------------------

    def activated(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._fill_filters()
            self.apply_filters()
        else:
            self.refresh()
        from mdt_desktop.services import list_views

        # Each opening of the page is one view of everyone listed; scrolling adds none.
        list_views.list_opened(self.store, list_views.CASELOAD, self.model.rowCount())

    def set_user(self, user: User) -> None:
        """After "Switch user": My caseload, the inbox and the buttons follow the new user."""
        self.user = user
        self.my_staff_id = None
        if self._loaded:
            self._fill_filters()
            self.apply_filters()

    def _fill_filters(self) -> None:
        from mdt_desktop.services.staff import list_staff, staff_for_user

        self.my_staff_id = staff_for_user(self.store, self.user).id.hex
        for combo in (self.team, self.coordinator, self.practice):
            combo.blockSignals(True)
            combo.clear()
        with self.store.engine.connect() as conn:
            teams = queries.teams_with_cases(conn)
            codes = queries.practice_codes(conn)
        mine = self.user.team_id.hex if self.user.team_id else None
        chosen = mine if any(t[0] == mine and t[2] for t in teams) else None
        if chosen is None and teams:
            chosen = teams[0][0] if teams[0][2] else mine or teams[0][0]
        for team_id, name, _n in teams:
            self.team.addItem(name, team_id)
            if team_id == chosen:
                self.team.setCurrentIndex(self.team.count() - 1)
        self.team.setVisible(len(teams) > 1)
        self.coordinator.addItem("Any care coordinator", None)
        for st in list_staff(self.store):
            self.coordinator.addItem(st.name, st.id.hex)
        self.practice.addItem("All practices", None)
        for code in codes:
            self.practice.addItem(code, code)
        for combo in (self.team, self.coordinator, self.practice):
            combo.blockSignals(False)

    def status(self) -> str:
        return TAB_STATUSES[max(self.tabs.currentIndex(), 0)]

    def current_filter(self) -> queries.CaseloadFilter:
        coordinator = self.my_staff_id if self.mine.isChecked() else self.coordinator.currentData()
        return queries.CaseloadFilter(
            team_id=self.team.currentData(),
            status=self.status(),
            coordinator_id=coordinator,
            flag=self.flag.currentData(),
            practice_code=self.practice.currentData(),
            urgency=self.urgency.currentData() if self.status() == "waiting" else None,
            search=self.search.text(),
            today=self.model.today,
        )

    def _mine_toggled(self, on: bool) -> None:
        self.coordinator.setEnabled(not on)
        self.apply_filters()

    def apply_filters(self) -> None:
        self._debounce.stop()
        referrals = self.status() in queries.REFERRAL_STATUSES
        self.urgency.setVisible(self.status() == "waiting")
        self.flag.setVisible(self.status() == "active")
        self.mine.setVisible(not referrals)
        self.coordinator.setVisible(not referrals)
        self.model.filter = self.current_filter()
        if referrals and self.model.sort_key == "next_review":
            self.model.sort_key = "urgency"
        if not referrals and self.model.sort_key == "urgency":
            self.model.sort_key = "next_review"
        self.model.reload()
        self._selection_changed()
        self._recount()

    def refresh(self) -> None:
        """Re-read the list, counts and inbox (after a change here or in a record)."""
        self.model.reload()
        self._selection_changed()
        self._recount()

    def wait_until_loaded(self) -> None:
        from ..background import wait_for

        wait_for(self._count_op)
        wait_for(self._inbox_op)

    def _recount(self) -> None:
        from mdt_desktop.services.notes import inbox

        self.count_label.setText("Counting…")
        wanted = self.model.filter
        user = self.user

        def count(progress: Any) -> dict[str, int]:
            with self.store.engine.connect() as conn:
                return queries.counts(conn, wanted)

        def show(counts: dict[str, int]) -> None:
            if wanted is not self.model.filter:
                return
            self.counts = counts
            for i, status in enumerate(TAB_STATUSES):
                self.tabs.setTabText(i, f"{TAB_LABELS[status]} ({counts.get(status, 0):,})")
            n = counts.get(wanted.status, 0)
            self.count_label.setText(f"{n:,} {'person' if n == 1 else 'people'}")

        self._count_op = run_in_background(self, count, on_success=show, label="Counting")
        self._inbox_op = run_in_background(
            self,
            lambda progress: inbox(self.store, user),
            on_success=self.inbox.show_inbox,
            label="Reading the inbox",
        )

    # --- selection and actions --------------------------------------------------------

    def selected_row(self) -> int | None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return rows.pop() if len(rows) == 1 else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _selection_changed(self, *args: Any) -> None:
        status = self.status()
        row = self.selected_row()
        role = self.user.role
        guard(self.refer_button, role, Permission.REFER)
        self.open_button.setEnabled(row is not None)
        for button, visible, permission in (
            (self.accept_button, status == "waiting", Permission.ACCEPT_REFERRAL),
            (self.decline_button, status == "waiting", Permission.ACCEPT_REFERRAL),
            (self.review_button, status == "active", Permission.COORDINATE_CARE),
            (self.step_down_button, status == "active", Permission.ACCEPT_REFERRAL),
            (self.close_button, status == "active", Permission.ACCEPT_REFERRAL),
        ):
            button.setVisible(visible)
            reason = why_not(role, permission)
            if reason is not None:
                button.setEnabled(False)
                button.setToolTip(reason)
            else:
                button.setEnabled(row is not None)
                button.setToolTip("" if row is not None else "Select someone in the list first")

    def _name(self, row: int) -> str:
        return self.model.display(self.model.rows[row], CaseloadModel.COL_NAME)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.open_record(self.model.patient_id(row))

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_row(row)

    def open_record(self, patient_id: uuid.UUID, tab: str = "Summary") -> Any:
        """Open the record in its own window (audited as a view by the record)."""
        from ..record import open_record_window

        window = open_record_window(
            self.store, self.user, patient_id, self.window(), initial_tab=tab
        )
        window.changed.connect(self.refresh)
        return window

    def _open_from_inbox(self, item: Any) -> None:
        if item.kind == "mention":
            from mdt_desktop.services.notes import mark_mention_read

            mark_mention_read(self.store, item.id)
            self.open_record(item.patient_id, "Notes")
            self._recount()
        else:
            self.open_record(item.patient_id)

    def _run(self, title: str, change: Any, done: str) -> bool:
        try:
            change()
        except (ValueError, LookupError, PermissionError) as exc:
            text = str(exc)
            QMessageBox.warning(self, title, text[:1].upper() + text[1:] + ".")
            return False
        self.message.setText(done)
        self.refresh()
        return True

    def ask_refer(self) -> None:
        from mdt_desktop.services.caseload import teams

        from .dialogs import ManualReferralDialog

        team_id = uuid.UUID(hex=self.team.currentData()) if self.team.currentData() else None
        dialog = ManualReferralDialog(
            self.store, teams(self.store), team_id or self.user.team_id, self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.refer(
            dialog.chosen(),
            dialog.reason.toPlainText(),
            dialog.team.currentData(),
            dialog.urgency.currentData(),
            dialog.referrer.text(),
        )

    def refer(
        self, patient_id: uuid.UUID, reason: str, team_id: uuid.UUID, urgency: str, referrer: str
    ) -> bool:
        from mdt_desktop.services.caseload import refer_person

        return self._run(
            "Refer to caseload",
            lambda: refer_person(
                self.store, patient_id, reason=reason, team_id=team_id, urgency=urgency,
                referred_by=referrer,
            ),
            "Referred: waiting in the inbox.",
        )  # fmt: skip

    def ask_accept(self) -> None:
        from mdt_desktop.services.staff import coordinators

        from .dialogs import AcceptDialog

        row = self.selected_row()
        if row is None:
            return
        data = self.model.rows[row]
        team = uuid.UUID(hex=self.team.currentData()) if self.team.currentData() else None
        dialog = AcceptDialog(
            self._name(row),
            data[C["reason"]] or "",
            coordinators(self.store, team),
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.accept(row, dialog.coordinator.currentData(), date_of(dialog.review))

    def accept(self, row: int, coordinator_id: uuid.UUID, review: date | None = None) -> bool:
        from mdt_desktop.services.caseload import accept_referral

        name = self._name(row)
        referral_id = self.model.row_id(row)
        return self._run(
            "Accept referral",
            lambda: accept_referral(
                self.store, referral_id, coordinator_id=coordinator_id, next_review_on=review
            ),
            f"{name} accepted onto the caseload.",
        )

    def ask_decline(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        dialog = ReasonDialog(
            "Decline referral",
            f"Decline the referral of <b>{self._name(row)}</b>. The reason is kept with the "
            "referral and written in their notes.",
            action="Decline",
            placeholder="e.g. Already under the community matron; needs are met",
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.decline(row, dialog.text())

    def decline(self, row: int, reason: str) -> bool:
        from mdt_desktop.services.caseload import decline_referral

        name = self._name(row)
        referral_id = self.model.row_id(row)
        return self._run(
            "Decline referral",
            lambda: decline_referral(self.store, referral_id, reason=reason),
            f"The referral of {name} was declined.",
        )

    def ask_end(self, outcome: str) -> None:
        row = self.selected_row()
        if row is None:
            return
        words = "Step down" if outcome == "stepped_down" else "Close the case of"
        dialog = ReasonDialog(
            "Step down" if outcome == "stepped_down" else "Close case",
            f"{words} <b>{self._name(row)}</b>. Say why; it is kept with the case and "
            "written in their notes.",
            action="Step down" if outcome == "stepped_down" else "Close case",
            placeholder="e.g. Goals met; stable for three months"
            if outcome == "stepped_down"
            else "e.g. Moved out of the area",
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.end(row, outcome, dialog.text())

    def end(self, row: int, outcome: str, reason: str) -> bool:
        from mdt_desktop.services.caseload import end_case

        name = self._name(row)
        entry_id = self.model.row_id(row)
        done = "stepped down" if outcome == "stepped_down" else "closed"
        return self._run(
            "Caseload",
            lambda: end_case(self.store, entry_id, outcome=outcome, reason=reason),
            f"{name}: {done}.",
        )

    def ask_review(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        current = _day(self.model.rows[row][C["next_review_on"]])
        dialog = ReasonDialog(
            "Next review", f"Next review of <b>{self._name(row)}</b>:", action="Set"
        )
        dialog.reason.hide()
        dialog.problem = lambda: None  # type: ignore[method-assign]
        edit = date_edit(max(current or date.today(), date.today()), minimum=date.today())
        dialog.form.addRow("Review by", edit)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_review(row, date_of(edit))

    def set_review(self, row: int, on: date) -> bool:
        from mdt_desktop.services.caseload import set_next_review

        name = self._name(row)
        entry_id = self.model.row_id(row)
        return self._run(
            "Next review",
            lambda: set_next_review(self.store, entry_id, on),
            f"{name}: next review {format_patient_date(on)}.",
        )

    def failed(self, exc: BaseException) -> None:
        show_failure(self, "Caseload", exc)


__all__ = ["STATUS_LABELS", "CaseloadModel", "CaseloadPage"]
