"""The Caseload page: referrals and cases by status, filters, flags, the inbox, actions.

The table is a paged SQL query (store/caseload.py) like case finding's: 200 rows at a
time, sorted and filtered in SQL. Counts per status and the inbox load in the
background. Double-click or Enter opens the person's record.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
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
    Flag,
)
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import caseload_list
from mdt_desktop.store import caseload as queries
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..background import Operation, run_in_background
from ..pages import Page
from ..widgets.access import named, search_box
from ..widgets.guard import guard
from ..widgets.paged_model import refresh_keeping_place
from ..widgets.table_model import show_as_list
from .actions import CaseloadActions
from .inbox import InboxPanel
from .model import CaseloadModel

Index = QModelIndex | QPersistentModelIndex

TAB_STATUSES = ["waiting", "active", "stepped_down", "closed", "declined"]
TAB_LABELS = {"waiting": "Referrals waiting", "active": "Active", "stepped_down": "Stepped down",
              "closed": "Closed", "declined": "Declined"}  # fmt: skip


class CaseloadTable(QTableView):
    """Enter opens the record, as a double-click does."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class CaseloadPage(CaseloadActions, Page):
    title = "Caseload"
    shows = frozenset({"referrals", "caseload_entries", "care_team_members", "notes",
                       "note_mentions", "care_plans", "care_plan_versions", "consents",
                       "hospital_admissions", "actions"})  # fmt: skip

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
        self.search = search_box(
            "Find on the caseload", "Name (FAMILY, Given) or NHS No.", "caseloadSearch"
        )
        self.search.setMinimumWidth(300)
        find = QLabel("Fin&d")
        find.setBuddy(self.search)
        top.addWidget(find)
        top.addWidget(self.search)
        self.inbox_button = QPushButton("Inbox")
        self.inbox_button.setObjectName("inboxToggle")
        self.inbox_button.setCheckable(True)
        self.inbox_button.setToolTip("Referrals waiting, notes that mention you, your actions")
        self.inbox_button.toggled.connect(self._inbox_toggled)
        top.addWidget(self.inbox_button)
        self._inbox_chosen = False  # until the user chooses, it follows the window's width
        self._showing_referrals = False
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
        self.team = named(QComboBox(), "Team")
        self.team.setObjectName("caseloadTeam")
        self.mine = QCheckBox("My caseload")
        self.mine.setObjectName("myCaseload")
        self.mine.setToolTip("Only the people you are the named care coordinator for")
        self.coordinator = named(QComboBox(), "Care coordinator")
        self.coordinator.setObjectName("coordinatorFilter")
        self.flag = named(QComboBox(), "Flag")
        self.flag.setObjectName("flagFilter")
        self.flag.addItem("Any flag", None)
        for flag in Flag:
            self.flag.addItem(flag.label, flag.value)
        self.practice = named(QComboBox(), "Practice")
        self.urgency = named(QComboBox(), "Urgency")
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
        named(self.table, "Caseload")
        show_as_list(self.table, self.model, QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        header.setSectionResizeMode(CaseloadModel.COL_FLAGS, QHeaderView.ResizeMode.Stretch)
        self._fit_columns()
        self.table.viewport().installEventFilter(self)
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

    # --- column widths: measured in the font in use, laid out for 1366 px first ---------

    #: Dropped, in this order, when the flags (or reasons) would not have room to be read.
    DROPPED_WHEN_NARROW = (CaseloadModel.COL_SINCE, CaseloadModel.COL_PRACTICE,
                           CaseloadModel.COL_AGE)  # fmt: skip

    def _fit_columns(self) -> None:
        """Widths from the font, so NHS numbers and dates are never cut; the flags (or
        reasons), which are what needs reading, keep room for the longest flag and take what is
        spare. Where the list is too narrow for that (the inbox open at 1366 px), the
        columns least needed day to day step aside until it is wider again."""
        m = CaseloadModel
        fm = self.table.fontMetrics()
        bold = QFont(self.table.font())
        bold.setBold(True)
        heads = QFontMetrics(bold)
        names = list(self.model.practice_names.values()) or ["B86006"]
        practice = max(fm.horizontalAdvance(n) for n in names)
        code = fm.horizontalAdvance(" (B86006)")
        samples = ["MACDONALD, Margaret (Mrs)", "999 999 9999", "100", "", "Dr Anna Kowalska",
                   "30-Dec-2026", "", "100", "30-Dec-2026"]  # fmt: skip
        widths = [
            max(fm.horizontalAdvance(text), heads.horizontalAdvance(head) + 18) + 16
            for text, head in zip(samples, m.CASE_HEADERS, strict=True)
        ]
        widths[m.COL_PRACTICE] = practice + 16
        flags = max(fm.horizontalAdvance(label) for label in FLAG_LABELS.values()) + 16
        room = self.table.viewport().width()
        hidden: set[int] = set()
        for column in self.DROPPED_WHEN_NARROW:
            shown = sum(w for c, w in enumerate(widths) if c not in hidden and c != m.COL_FLAGS)
            if shown + flags <= room:
                break
            hidden.add(column)
        spare = room - sum(w for c, w in enumerate(widths) if c not in hidden and c != m.COL_FLAGS)
        with_codes = m.COL_PRACTICE not in hidden and spare - code >= flags
        if with_codes:
            widths[m.COL_PRACTICE] += code
        for column, width in enumerate(widths):
            self.table.setColumnHidden(column, column in hidden)
            if column != m.COL_FLAGS:
                self.table.setColumnWidth(column, width)
        if with_codes != self.model.show_practice_codes:
            self.model.show_practice_codes = with_codes
            self.table.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

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
        teams, codes = caseload_list.filter_choices(self.store)
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
        from mdt_desktop.services.case_finding import practice_names

        self.model.practice_names = practice_names(self.store)
        for code in codes:
            self.practice.addItem(self.model.practice_label(code), code)
        self._fit_columns()
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
        # "My caseload" stays in view on every tab; referrals waiting are nobody's yet,
        # so there it cannot narrow anything and says so.
        self.mine.setEnabled(not referrals)
        self.mine.setToolTip(
            "Referrals are not anyone's caseload until they are accepted: "
            "every referral for the team is listed."
            if referrals
            else "Only the people you are the named care coordinator for"
        )
        self.coordinator.setVisible(not referrals)
        self.model.filter = self.current_filter()
        if referrals != self._showing_referrals:
            # Each kind of list opens in its own order: referrals oldest first (the one
            # who has waited longest is seen first), cases by name.
            self._showing_referrals = referrals
            key, column = ("since", CaseloadModel.COL_SINCE) if referrals else (
                "name", CaseloadModel.COL_NAME)  # fmt: skip
            self.model.sort_key, self.model.descending = key, False
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(column, Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
        self.model.reload()
        self._selection_changed()
        self._recount()

    def reload(self) -> None:
        """A write touched what the list shows (in a record window, say)."""
        if self._loaded:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the list in place (keeping its place and selection), counts and inbox,
        after a change here or in a record window."""
        refresh_keeping_place(self.table, self.model)
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
            return caseload_list.counts(self.store, wanted)

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
        return window

    def _open_from_inbox(self, item: Any) -> None:
        if item.kind == "mention":
            from mdt_desktop.services.notes import mark_mention_read

            mark_mention_read(self.store, item.id)
            self.open_record(item.patient_id, "Notes")
            self._recount()
        else:
            self.open_record(item.patient_id)


__all__ = ["STATUS_LABELS", "CaseloadModel", "CaseloadPage"]
