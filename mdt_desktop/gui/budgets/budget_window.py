"""One budget's window: who holds it and how, its status with history, the lines and the
care-plan goals each serves, the ledger with its running balance, alerts, the next review on
each clock, and a chart of planned against actual cumulative spend.

Read off the GUI thread; it reads itself again after its own changes and whenever a write
elsewhere touches a budget table (the app's one change signal).
"""

from __future__ import annotations

import uuid
from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.budgets import (
    BudgetKind,
    BudgetStatus,
    DecisionKind,
    EntryKind,
    Frequency,
    FundingSource,
    HeldAs,
    LineCategory,
    ReconsiderationOutcome,
    ReviewReason,
)
from mdt_desktop.domain.budgets import format_pence as money
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import why_not
from mdt_desktop.services.budgets import screens
from mdt_desktop.store.budgets import EntryRow
from mdt_desktop.store.database import Store

from ..background import Operation, run_in_background, wait_for
from ..changes import changes_of
from .actions import NEEDS, BudgetActions
from .chart import SpendChart
from .model import ALERT_TEXT
from .page import BUDGET_TABLES

_open: dict[uuid.UUID, BudgetWindow] = {}


def open_budget_window(
    store: Store, user: Any, budget_id: uuid.UUID, parent: QWidget | None = None
) -> BudgetWindow:
    """The budget's window, raised if it is open already (one window per budget)."""
    window = _open.get(budget_id)
    if window is None:
        window = _open[budget_id] = BudgetWindow(store, user, budget_id, parent)
        # A window goes with its parent (the page or the record): forget it then too.
        window.destroyed.connect(lambda *_: _open.pop(budget_id, None))
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], money_columns: set[int]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c in money_columns:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    for c in range(table.columnCount() - 1):
        table.setColumnWidth(c, min(table.columnWidth(c), 260))


LINE_HEADERS = ["What", "Category", "Provider", "Planned", "How often", "Spent", "Committed",
                "Care-plan goals served", "In hospital"]  # fmt: skip
LEDGER_HEADERS = ["Date", "Entry", "Line", "In", "Out", "Balance", "Reference", "Evidence",
                  "Paid to", "Posted by", "Note"]  # fmt: skip


class BudgetWindow(QWidget):
    def __init__(
        self, store: Store, user: Any, budget_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store, self.user, self.budget_id = store, user, budget_id
        self.page: screens.BudgetPage | None = None
        self.loading: Operation | None = None
        self.controller = BudgetActions(self, store, self.reload)
        self.setWindowTitle("Budget")
        self.resize(1280, 720)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        self.title = QLabel("Reading the budget…")
        self.title.setObjectName("pageTitle")
        self.title.setContentsMargins(0, 6, 0, 0)  # room for stacked accents (NGUYỄN)
        outer.addWidget(self.title)
        top = QHBoxLayout()
        self.header = QLabel("")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.header.setAccessibleName("The budget")
        top.addWidget(self.header, 3)
        self.side = QLabel("")
        self.side.setTextFormat(Qt.TextFormat.RichText)
        self.side.setWordWrap(True)
        self.side.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.side.setAccessibleName("Money, alerts and next reviews")
        top.addWidget(self.side, 2)
        outer.addLayout(top)
        outer.addLayout(self._buttons())
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Parts of the budget")
        self.lines = _table(LINE_HEADERS, "Budget lines")
        self.ledger = _table(LEDGER_HEADERS, "Ledger")
        self.ledger.itemSelectionChanged.connect(self._states)
        self.chart = SpendChart()
        self.reviews = _table(["When", "What", "Found", "By"], "Reviews and decisions")
        self.history = _table(["When", "From", "To", "Who", "Why"], "Status history")
        for widget, name in ((self.lines, "&Lines"), (self.ledger, "Le&dger"),
                             (self.chart, "C&hart"), (self.reviews, "Revie&ws and decisions"),
                             (self.history, "Status histor&y")):  # fmt: skip
            self.tabs.addTab(widget, name)
        outer.addWidget(self.tabs, 1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        QShortcut(QKeySequence("Escape"), self, self.close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        changes_of(store).tables_changed.connect(self._tables_changed)
        self._states()
        self.reload()

    def _buttons(self) -> QGridLayout:
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        a = self.controller
        specs = (
            ("agree", "&Agree…", a.agree), ("line", "Add li&ne…", a.add_line),
            ("post", "&Post to ledger…", a.post), ("reverse", "&Reverse entry…", self._reverse),
            ("review", "Record re&view…", a.review), ("decide", "De&cision…", a.decide),
            ("ask_reconsider", "Reconsideration as&ked…", a.ask_reconsideration),
            ("reconsider", "Reconsideration &outcome…", a.decide_reconsideration),
            ("statement", "&Statement…", a.statement),
        )  # fmt: skip
        for i, (key, text, slot) in enumerate(specs):
            b = QPushButton(text)
            b.setAccessibleName(text.replace("&", "").rstrip("…"))
            b.clicked.connect(slot)
            self.buttons[key] = b
            grid.addWidget(b, 0, i)
        return grid

    # --- reading ------------------------------------------------------------------------

    def reload(self) -> None:
        bid, today = self.budget_id, date.today()
        self.loading = run_in_background(
            self,
            lambda _p: screens.budget_page(self.store, bid, today),
            on_success=self._show,
            label="Reading the budget",
        )

    def wait_until_loaded(self) -> None:
        wait_for(self.loading)

    def _tables_changed(self, tables: frozenset[str]) -> None:
        if tables & BUDGET_TABLES and self.isVisible():
            self.reload()

    def _show(self, page: screens.BudgetPage) -> None:
        self.page = self.controller.page = page
        r = page.row
        nhs = format_nhs_number(r.nhs_number) if r.nhs_number else "NHS number not known"
        self.setWindowTitle(f"Budget — {r.person}")
        self.title.setText(f"{r.person}   {nhs}")
        self.header.setText(self._header_html(page))
        self.side.setText(self._side_html(page))
        self._fill_lines(page)
        self._fill_ledger(page)
        self.chart.show_series(page.spend, r.figures.allocated)
        self._fill_reviews(page)
        _fill(self.history, [
            [format_local_datetime(h.changed_at),
             BudgetStatus(h.from_status).label if h.from_status else "",
             BudgetStatus(h.to_status).label, h.changed_by, h.reason or ""]
            for h in page.history
        ], set())  # fmt: skip
        self._states()

    def _header_html(self, page: screens.BudgetPage) -> str:
        r = page.row
        last = page.history[-1] if page.history else None
        since = f" since {format_local_datetime(last.changed_at)}" if last else ""
        facts = [
            ("Budget", f"{BudgetKind(r.kind).label}, {FundingSource(r.funding_source).label}"),
            ("Held as", HeldAs(r.held_as).label),
            ("Period", f"{format_patient_date(r.period_start)} to "
                       f"{format_patient_date(r.period_end)}"),
            ("Status", f"{BudgetStatus(r.status).label}{since} "
                       f"({len(page.history)} changes: see Status history)"),
            ("Budget holder", r.holder or "Not recorded"),
            ("Representative", r.representative or "None"),
            ("Nominee", r.nominee or "None"),
            ("Managed account", "Yes" if r.managed_account else "No"),
            ("Risk arrangements", r.risk_arrangements or "Not yet written down"),
        ]  # fmt: skip
        return (
            "<table cellspacing='2'>"
            + "".join(
                f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>"
                for k, v in facts
            )
            + "</table>"
        )

    def _side_html(self, page: screens.BudgetPage) -> str:
        s, f = page.summary, page.row.figures
        p = s.projection
        runs_out = f" Runs out on {format_patient_date(p.runs_out_on)}." if p.runs_out_on else ""
        parts = [
            f"<b>Allocated</b> {money(f.allocated)} &nbsp; <b>Committed</b> "
            f"{money(f.committed)} &nbsp; <b>Spent</b> {money(f.spent)}",
            f"<b>Available</b> {money(f.available)} &nbsp; <b>Projected at period end</b> "
            f"{money(p.projected_balance)}.{escape(runs_out)}",
        ]
        if s.alerts:
            red = ALERT_TEXT.name()
            parts.append(f"<b style='color:{red}'>Alerts</b>")
            parts += [f"<span style='color:{red}'>• {escape(a.message)}</span>" for a in s.alerts]
        else:
            parts.append("<b>Alerts</b> none")
        parts.append("<b>Next reviews</b>")
        for c in page.clocks:
            when = (
                f"due {format_patient_date(c.due_on)}"
                if c.due_on
                else "starts with the first direct payment"
            )
            overdue = " (overdue)" if c.due_on and c.due_on < page.today else ""
            parts.append(f"• {escape(c.label)}: {when}{overdue}")
        if not page.clocks:
            parts.append("• None owed")
        return "<br/>".join(parts)

    def _fill_lines(self, page: screens.BudgetPage) -> None:
        rows = []
        for ln in page.lines:
            goals = "; ".join(
                page.goals.get(g) or "A goal no longer in the plan" for g in ln.goal_ids
            )
            paused = ""
            if ln.paused_at is not None:
                paused = (
                    f"Paused since {format_patient_date(ln.paused_at.date())}; "
                    f"{money(page.surplus.get(ln.id, 0))} unused"
                )
            rows.append([
                ln.description, LineCategory(ln.category).label, ln.provider or "",
                money(ln.amount_pence), Frequency(ln.frequency).label, money(ln.figures.spent),
                money(ln.figures.committed), goals or "None chosen", paused,
            ])  # fmt: skip
        _fill(self.lines, rows, {3, 5, 6})

    def _fill_ledger(self, page: screens.BudgetPage) -> None:
        lines = {ln.id: ln.description for ln in page.lines}
        dated = {e.id: e for e in page.ledger}
        missing = page.entries_without_evidence
        rows = []
        for e in page.ledger:
            entry = EntryKind(e.kind).label
            if e.reverses_id is not None and e.reverses_id in dated:
                entry += f" of {format_patient_date(dated[e.reverses_id].entry_on)}"
            if e.reversed_by is not None:
                entry += " (reversed)"
            rows.append([
                format_patient_date(e.entry_on), entry, lines.get(e.line_id, "") if e.line_id
                else "", money(e.balance_effect) if e.balance_effect > 0 else "",
                money(-e.balance_effect) if e.balance_effect < 0 else "",
                money(e.running_balance), e.reference or "",
                "Missing" if e.id in missing else e.evidence or "", e.payee or "", e.posted_by,
                e.note or "",
            ])  # fmt: skip
        _fill(self.ledger, rows, {3, 4, 5})
        for row, e in enumerate(page.ledger):
            if e.id in missing:
                item = self.ledger.item(row, 7)
                assert item is not None  # _fill made every cell
                item.setForeground(ALERT_TEXT)
                item.setToolTip("A direct payment without a receipt or invoice reference.")

    def _fill_reviews(self, page: screens.BudgetPage) -> None:
        rows = []
        for rv in page.reviews:
            when = format_patient_date(rv.held_on or rv.requested_on)
            what = ReviewReason(rv.reason).label + ("" if rv.held_on else " (waiting)")
            rows.append([when, what, rv.outcome or "", rv.recorded_by or ""])
        for d in page.decisions:
            sent = (
                f"; notice sent {format_patient_date(d.notice_sent_on)}" if d.notice_sent_on else ""
            )
            amount = f" {money(d.amount_pence)}" if d.amount_pence else ""
            rows.append(
                [
                    format_patient_date(d.decided_on),
                    f"{DecisionKind(d.kind).label}{amount}",
                    d.reasons + sent,
                    d.decided_by,
                ]
            )
            for rc in d.reconsiderations:
                outcome = (
                    f"{ReconsiderationOutcome(rc.outcome).label}: {rc.outcome_reasons}"
                    if rc.outcome
                    else "Waiting for an outcome"
                )
                rows.append([format_patient_date(rc.requested_on), "Reconsideration asked",
                             f"{rc.grounds} — {outcome}", rc.requested_by])  # fmt: skip
        _fill(self.reviews, rows, set())

    # --- what may be done now -------------------------------------------------------------

    def selected_entry(self) -> EntryRow | None:
        rows = self.ledger.selectionModel().selectedRows()
        if not rows or self.page is None:
            return None
        return self.page.ledger[rows[0].row()]

    def _states(self) -> None:
        page = self.page
        status = BudgetStatus(page.row.status) if page else None
        entry = self.selected_entry()
        waiting_recon = page is not None and any(
            rc.outcome is None for d in page.decisions for rc in d.reconsiderations
        )
        state: dict[str, str | None] = {
            "agree": None if status is BudgetStatus.INDICATIVE
            else "Only an indicative budget is agreed.",
            "reverse": "Choose an entry in the ledger first." if entry is None
            else "A reversal cannot itself be reversed." if entry.kind == EntryKind.REVERSAL.value
            else "That entry has already been reversed." if entry.reversed_by else None,
            "ask_reconsider": None if page and page.decisions
            else "There is no decision to reconsider.",
            "reconsider": None if waiting_recon else "No request for reconsideration is waiting.",
        }  # fmt: skip
        for key, button in self.buttons.items():
            why = why_not(self.user.role, NEEDS[key]) or (
                "Reading the budget…" if page is None else state.get(key)
            )
            button.setEnabled(why is None)
            button.setToolTip(why or "")

    def _reverse(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.controller.reverse(entry)

    def closeEvent(self, event: QCloseEvent) -> None:
        changes_of(self.store).tables_changed.disconnect(self._tables_changed)
        if _open.get(self.budget_id) is self:
            del _open[self.budget_id]
        super().closeEvent(event)
