"""Case finding: the whole registered list, filtered and sorted in SQL, and referral.

The table model fetches 200 rows at a time (Qt's fetchMore) from an indexed query;
it never holds the whole list. Counting the matches runs in the background.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
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
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.efi import CATEGORY_LABELS
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import age_on, display_name, format_patient_date
from mdt_desktop.domain.risk import SEGMENT_LABELS
from mdt_desktop.services import case_finding, list_views
from mdt_desktop.store import case_finding as queries
from mdt_desktop.store.database import Store

from ..background import Operation, run_in_background
from ..operations import show_people_error
from ..pages import Page
from ..widgets.access import named, search_box
from ..widgets.forms import dialog_footer
from ..widgets.paged_model import PagedTableModel, Read, refresh_keeping_place
from ..widgets.table_model import show_as_list

Index = QModelIndex | QPersistentModelIndex
AGE_BANDS = [("Any age", None, None), ("Under 18", 0, 17), ("18–64", 18, 64),
             ("65–74", 65, 74), ("75–84", 75, 84), ("85 and over", 85, None),
             ("65 and over", 65, None)]  # fmt: skip
CASELOAD_LABELS = {"": "", "referred": "Referred", "on_caseload": "On caseload"}


class CaseFindingModel(PagedTableModel):
    """The registered list as a paged SQL query; sorting re-queries, never sorts in Python."""

    COL_NAME, COL_NHS, COL_AGE, COL_PRACTICE, COL_EFI, COL_SEGMENT, COL_ADMISSIONS = range(7)
    COL_RISK, COL_CASELOAD = 7, 8
    HEADERS = ["Name", "NHS No.", "Age", "Practice", "eFI", "Segment", "Adm.", "Risk",
               "Caseload"]  # fmt: skip
    TIPS = {6: "Emergency admissions in the last 12 months", 7: "Combined risk score, 0–100"}
    SORT_KEYS = ["name", "nhs_number", "age", "practice", "efi", "segment", "admissions",
                 "risk", "caseload"]  # fmt: skip
    IdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self, store: Store | None, parent: Any = None, *, read: Read | None = None
    ) -> None:
        super().__init__(parent, read=read, sort_key="risk", descending=True)
        self.store = store
        self.filter = queries.CaseFindingFilter()
        self.today = date.today()
        #: Practice names by ODS code; the code is added where the column has room.
        self.practice_names: dict[str, str] = {}
        self.show_practice_codes = False
        #: On a narrow screen the eFI column shows the category; the panel has the score.
        self.short_efi = False

    def read_rows(self, offset: int, limit: int) -> list[tuple]:
        if self._read is not None or self.store is None:
            return super().read_rows(offset, limit)
        return case_finding.page(
            self.store, self.filter, self.sort_key or "risk", self.descending, offset, limit
        )

    def before_read(self) -> None:
        self.filter.today = self.today

    # --- the model interface -----------------------------------------------------------

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == self.IdRole:
            return row[0]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COL_PRACTICE:
            return self.practice_label(row[6] or "")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (
            self.COL_AGE,
            self.COL_ADMISSIONS,
            self.COL_RISK,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.display(row, index.column())

    def display(self, row: tuple, column: int) -> str:
        (_, family, given, title, nhs, dob, practice, efi_category, efi_score, segment,
         admissions, risk_score, caseload) = row  # fmt: skip
        if column == self.COL_NAME:
            return display_name(family, given, title)
        if column == self.COL_NHS:
            return format_nhs_number(nhs) if nhs else "Not known"
        if column == self.COL_AGE:
            return str(age_on(date.fromisoformat(dob), self.today)) if dob else ""
        if column == self.COL_PRACTICE:
            return self.practice_label(practice or "", with_code=self.show_practice_codes)
        if column == self.COL_EFI:
            if efi_category == "not_applicable":
                return "Not applicable"
            word = CATEGORY_LABELS[efi_category].split()[0]
            return word if self.short_efi else f"{word} ({efi_score:.2f})"
        if column == self.COL_SEGMENT:
            return SEGMENT_LABELS.get(segment, "")
        if column == self.COL_ADMISSIONS:
            return str(admissions)
        if column == self.COL_RISK:
            return f"{risk_score:.0f}"
        return CASELOAD_LABELS.get(caseload, caseload)

    def practice_label(self, code: str, *, with_code: bool = True) -> str:
        name = self.practice_names.get(code)
        if not name:
            return code
        return f"{name} ({code})" if with_code else name

    def patient_id(self, row: int) -> uuid.UUID:
        return uuid.UUID(hex=self.rows[row][0])


class ReferDialog(QDialog):
    """Reason, team and urgency for referring the selected people to the caseload."""

    def __init__(self, names: list[str], teams: list[Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Refer to caseload")
        layout = QVBoxLayout(self)
        who = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        intro = QLabel(f"Refer <b>{who}</b> to the team's caseload.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("referralReason")
        self.reason.setPlaceholderText(
            "Why the team should see them, e.g. severe frailty and two admissions"
        )
        self.reason.setFixedHeight(90)
        self.team = QComboBox()
        for team in teams:
            self.team.addItem(team.name, team.id)
        self.urgency = QComboBox()
        for value, label in (("routine", "Routine"), ("soon", "Soon"), ("urgent", "Urgent")):
            self.urgency.addItem(label, value)
        form.addRow("Reason", self.reason)
        form.addRow("Team", self.team)
        form.addRow("Urgency", self.urgency)
        layout.addLayout(form)
        self.error = dialog_footer(self, layout, "Refer", self._check)
        self.resize(520, 300)

    def _check(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText("Give a reason for the referral.")
            return
        if self.team.currentData() is None:
            self.error.setText("There is no team in this store to refer to.")
            return
        self.accept()


class CaseFindingPage(Page):
    title = "Case finding"
    shows = frozenset({"patients", "referrals", "caseload_entries"})
    referred = Signal(int)
    open_record_requested = Signal(object)  # a patient id: double-click or "Open record"

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = CaseFindingModel(store, self)
        self._count_op: Operation | None = None
        self._loaded = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        title = QLabel("Case finding")
        title.setObjectName("pageTitle")
        # Search sits by the title so the filters below keep their full width at 1366 px.
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        outer.addLayout(top)

        bar = QHBoxLayout()
        self.search = search_box(
            "Find on the registered list", "Name (FAMILY, Given) or NHS No.", "search"
        )
        self.practice = QComboBox()
        named(self.practice, "Practice")
        self.age = QComboBox()
        for label, _, _ in AGE_BANDS:
            self.age.addItem(label)
        self.efi = QComboBox()
        self.efi.addItem("Any eFI", None)
        for key in ("fit", "mild", "moderate", "severe", "not_applicable"):
            self.efi.addItem(CATEGORY_LABELS[key], key)
        self.segment = QComboBox()
        self.segment.addItem("Any segment", None)
        for key, label in SEGMENT_LABELS.items():
            self.segment.addItem(label, key)
        self.not_on_caseload = QCheckBox("Not on caseload")
        self.admissions = QSpinBox()
        self.admissions.setRange(0, 20)
        self.admissions.setPrefix("Admissions ≥ ")
        self.admissions.setToolTip("Emergency admissions in the last 12 months")
        named(self.admissions, "Emergency admissions in the last 12 months, at least")
        self.search.setMinimumWidth(320)
        self.practice.setMinimumContentsLength(12)
        find = QLabel("Fin&d")
        find.setBuddy(self.search)
        top.addWidget(find)
        top.addWidget(self.search)
        for combo in (self.practice, self.age, self.efi, self.segment):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            bar.addWidget(combo)
        bar.addWidget(self.admissions)
        bar.addWidget(self.not_on_caseload)
        bar.addStretch(1)
        outer.addLayout(bar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableView()
        self.table.setObjectName("caseFindingTable")
        named(self.table, "Registered list")
        show_as_list(self.table, self.model, QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        self._fit_columns()
        self.table.viewport().installEventFilter(self)
        header.setSortIndicator(CaseFindingModel.COL_RISK, Qt.SortOrder.DescendingOrder)
        splitter.addWidget(self.table)

        side = QWidget()
        side.setObjectName("panel")
        # Wide enough for "NHS No. 999 999 9999" and the longest reason's words at 1366 px.
        side.setMinimumWidth(self.fontMetrics().horizontalAdvance("NHS No. 999 999 9999") + 40)
        side_layout = QVBoxLayout(side)
        self.explain = QLabel("Select someone to see why they are flagged.")
        self.explain.setObjectName("riskExplanation")
        self.explain.setWordWrap(True)
        self.explain.setTextFormat(Qt.TextFormat.RichText)
        self.explain.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = named(QScrollArea(), "Why flagged")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.explain)
        side_layout.addWidget(scroll, 1)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, side.minimumWidth()])
        outer.addWidget(splitter, 1)

        footer = QHBoxLayout()
        self.count_label = QLabel("")
        footer.addWidget(self.count_label)
        self.message = QLabel("")
        self.message.setObjectName("pageSubtitle")
        footer.addWidget(self.message, 1)
        self.import_button = QPushButton("Import registered list…")
        self.import_button.clicked.connect(self.open_import)
        footer.addWidget(self.import_button)
        self.open_button = QPushButton("Open record")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_selected)
        footer.addWidget(self.open_button)
        self.refer_button = QPushButton("Refer to caseload…")
        self.refer_button.setObjectName("primary")
        self.refer_button.setEnabled(False)
        self.refer_button.clicked.connect(self.refer_selected)
        footer.addWidget(self.refer_button)
        outer.addLayout(footer)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        for combo in (self.practice, self.age, self.efi, self.segment):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.not_on_caseload.toggled.connect(self.apply_filters)
        self.admissions.valueChanged.connect(self.apply_filters)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Double-click or Enter (the view's "activated") opens the record.
        self.table.activated.connect(lambda index: self.open_row(index.row()))

    # --- column widths: measured in the font in use, laid out for 1366 px first -----------

    def _fit_columns(self) -> None:
        """Short columns fit their longest value; the name and the practice share the rest.

        The practice shows its name, and its ODS code too where the column has room.
        """
        fm = self.table.fontMetrics()
        bold = QFont(self.table.font())
        bold.setBold(True)
        heads = QFontMetrics(bold)
        m = CaseFindingModel
        narrow = self.table.viewport().width() < 1000
        efi = "Moderate" if narrow else "Moderate (0.31)"
        samples = {m.COL_NHS: "999 999 9999", m.COL_AGE: "100", m.COL_EFI: efi,
                   m.COL_SEGMENT: max(SEGMENT_LABELS.values(), key=fm.horizontalAdvance),
                   m.COL_ADMISSIONS: "20", m.COL_RISK: "100",
                   m.COL_CASELOAD: max(CASELOAD_LABELS.values(),
                                       key=fm.horizontalAdvance)}  # fmt: skip
        used = 0
        for column, text in samples.items():
            # A header's label leaves room for the sort arrow at its right (10 px, margins)
            # and the theme's padding (4 px each side).
            width = max(
                fm.horizontalAdvance(text) + 12, heads.horizontalAdvance(m.HEADERS[column]) + 28
            )
            self.table.setColumnWidth(column, width)
            used += width
        names = self.model.practice_names.values() or ["B86001"]
        longest = max(fm.horizontalAdvance(n) for n in names) + 18
        code = fm.horizontalAdvance(" (B86001)")
        spare = max(self.table.viewport().width() - used, 0)
        name_width = max(fm.horizontalAdvance("WIŚNIEWSKA, Margaret (Miss)") + 12, spare // 2)
        # The name comes first: the practice gives way (its name in full is its tooltip).
        practice = max(
            min(spare - name_width, longest + code), fm.horizontalAdvance("Meadow…") + 12
        )
        self.table.setColumnWidth(m.COL_PRACTICE, practice)
        self.table.setColumnWidth(m.COL_NAME, max(spare - practice, 120))
        show_codes = practice >= longest + code
        if (show_codes, narrow) != (self.model.show_practice_codes, self.model.short_efi):
            self.model.show_practice_codes, self.model.short_efi = show_codes, narrow
            self.table.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.open_record_requested.emit(self.model.patient_id(row))

    def reload(self) -> None:
        """A write touched what the list shows (a record window's referral, say)."""
        if self._loaded:
            self.refresh_after_change()

    def refresh_after_change(self) -> None:
        refresh_keeping_place(self.table, self.model)
        self._selection_changed()
        self._recount()

    def open_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) == 1:
            self.open_row(rows[0])

    def open_import(self) -> None:
        from ..import_dialog import ImportDialog

        dialog = ImportDialog(self.store, self)
        dialog.exec()
        if dialog.summary is not None:
            self._loaded = False
            self.activated()

    def _last_import(self) -> str:
        from mdt_desktop.domain.people import format_local_datetime
        from mdt_desktop.services.importing import last_import

        record = last_import(self.store)
        if record is None:
            return ""
        counts = record.counts
        return (
            f"Last import {format_local_datetime(record.finished_at or record.started_at)}: "
            f"{counts.get('read', 0):,} read, {counts.get('rejected', 0):,} rejected."
        )

    def activated(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.message.setText(self._last_import())
            names = case_finding.practice_names(self.store)
            self.model.practice_names = names
            self.practice.blockSignals(True)
            self.practice.clear()
            self.practice.addItem("All practices", None)
            for code in names:
                self.practice.addItem(self.model.practice_label(code), code)
            self._fit_columns()
            self.practice.blockSignals(False)
            self.model.sort(CaseFindingModel.COL_RISK, Qt.SortOrder.DescendingOrder)
            self._recount()
        # Each opening of the page is one view of everyone listed; scrolling adds none.
        list_views.list_opened(self.store, list_views.CASE_FINDING, self.model.rowCount())

    def wait_until_loaded(self) -> None:
        from ..background import wait_for

        wait_for(self._count_op)

    def current_filter(self) -> queries.CaseFindingFilter:
        _, lo, hi = AGE_BANDS[self.age.currentIndex()]
        return queries.CaseFindingFilter(
            practice_code=self.practice.currentData(),
            age_min=lo,
            age_max=hi,
            efi_category=self.efi.currentData(),
            segment=self.segment.currentData(),
            not_on_caseload=self.not_on_caseload.isChecked(),
            min_admissions=self.admissions.value(),
            search=self.search.text(),
            today=self.model.today,
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.model.filter = self.current_filter()
        self.model.reload()
        self._selection_changed()
        self._recount()

    def _recount(self) -> None:
        self.count_label.setText("Counting…")
        wanted = self.model.filter

        def count(progress: Any) -> int:
            return case_finding.count(self.store, wanted)

        def show(n: int) -> None:
            if wanted is self.model.filter:
                noun = "person matches" if n == 1 else "people match"
                self.count_label.setText(f"{n:,} {noun}")

        self._count_op = run_in_background(self, count, on_success=show, label="Counting")

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def _selection_changed(self, *args: Any) -> None:
        rows = self.selected_rows()
        self.refer_button.setEnabled(bool(rows))
        self.open_button.setEnabled(len(rows) == 1)
        if len(rows) != 1:
            self.explain.setText(
                f"{len(rows)} people selected." if rows else "Select someone to see why."
            )
            return
        row = self.model.rows[rows[0]]
        detail = case_finding.risk_detail(self.store, row[0])
        list_views.person_detail_viewed(
            self.store, list_views.CASE_FINDING, uuid.UUID(hex=str(row[0]))
        )
        self.explain.setText(self.explanation(row, detail))

    def explanation(self, row: tuple, detail: tuple | None) -> str:
        from html import escape

        name = escape(display_name(row[1], row[2], row[3]))
        # Non-breaking spaces: an NHS number is read as one thing, never split over lines.
        nhs = format_nhs_number(row[4]).replace(" ", "&nbsp;") if row[4] else "Not known"
        practice = escape(self.model.practice_label(row[6] or ""))
        born = format_patient_date(date.fromisoformat(row[5])) if row[5] else "Not Known"
        if detail is None:
            return f"<h3>{name}</h3><p>Not stratified yet.</p>"
        (age, deficits, efi_score, efi_category, admissions, ae, meds, ltcs, risk_score,
         segment, reasons, _computed_at) = detail  # fmt: skip
        reasons = json.loads(reasons) if isinstance(reasons, str) else reasons
        items = "".join(f"<li>{escape(r)}</li>" for r in reasons) or "<li>Nothing notable</li>"
        efi_text = (
            CATEGORY_LABELS[efi_category]
            if efi_category == "not_applicable"
            else f"{CATEGORY_LABELS[efi_category]} — {deficits} of 36 deficits ({efi_score:.3f})"
        )
        return (
            f"<h3 style='margin-bottom:2px'>{name}</h3>"
            f"<p>NHS&nbsp;No.&nbsp;{nhs}<br>Born {born} ({age}y)<br>{practice}</p>"
            f"<p><b>{escape(SEGMENT_LABELS.get(segment, ''))}</b> · risk {risk_score:.0f}/100</p>"
            f"<p><b>Why</b></p><ul>{items}</ul>"
            f"<p>eFI: {escape(efi_text)}<br>Emergency admissions (12 m): {admissions}<br>"
            f"A&amp;E attendances (12 m): {ae}<br>Repeat medicines: {meds}<br>"
            f"Long-term conditions: {ltcs}</p>"
        )

    def refer_selected(self) -> None:
        from mdt_desktop.services.caseload import teams

        rows = self.selected_rows()
        if not rows:
            return
        names = [self.model.display(self.model.rows[r], CaseFindingModel.COL_NAME) for r in rows]
        dialog = ReferDialog(names, teams(self.store), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.refer(
            [self.model.patient_id(r) for r in rows],
            dialog.reason.toPlainText(),
            dialog.team.currentData(),
            dialog.urgency.currentData(),
        )

    def refer(self, ids: list[uuid.UUID], reason: str, team_id: uuid.UUID, urgency: str) -> int:
        from mdt_desktop.services.caseload import refer_to_caseload

        try:
            result = refer_to_caseload(
                self.store, ids, reason=reason, team_id=team_id, urgency=urgency
            )
        except ValueError as exc:
            show_people_error(self, "Refer to caseload", exc)
            return 0
        self.model.reload()
        self._recount()
        message = f"{len(result.created)} referred to the caseload."
        if result.already:
            message += f" {len(result.already)} already waiting or on the caseload."
        self.message.setText(message)
        self.referred.emit(len(result.created))
        return len(result.created)
