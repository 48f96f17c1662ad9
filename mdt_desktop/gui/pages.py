"""The main window's areas: the dashboard, and plain pages for areas still to come."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .background import Operation, run_in_background, wait_for


class Page(QWidget):
    """An area of the main window. ``title`` shows in the navigation and the page header."""

    title = ""

    def activated(self) -> None:
        """Called each time the user opens this area."""


def _header(text: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 8)
    title = QLabel(text)
    title.setObjectName("pageTitle")
    layout.addWidget(title)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return box


class NotBuiltPage(Page):
    """Says plainly that an area is not in this version yet, and what it will do."""

    def __init__(self, title: str, what_it_will_do: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(_header(title))
        notice = QLabel(
            f"<p><b>{title} is not built yet in this version of MDT Desktop.</b></p>"
            f"<p>{what_it_will_do}</p>"
            "<p>Nothing on this page is real data: when this area arrives it will work on "
            "the people in your store.</p>"
        )
        notice.setObjectName("notBuilt")
        notice.setWordWrap(True)
        notice.setTextFormat(Qt.TextFormat.RichText)
        notice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(notice)
        layout.addStretch(1)


COMING = {
    "Caseload": "The referral inbox, the team's caseload with named care coordinators, "
    "review dates and flags (review overdue, escalated, in hospital, no care plan), and "
    "each person's record: banner, care team, notes between meetings and consent to share.",
    "Meetings": "MDT review meetings on a shared screen: agenda built from new referrals, "
    "reviews due and escalations, attendance and quorum, one case at a time, decisions and "
    "actions with owners and due dates, and minutes as a PDF.",
    "Care plans": "One shared care plan per person: what matters to them, goals, "
    "interventions and who does them, crisis plan and review date, versioned and never "
    "silently overwritten, and a PDF the person takes home.",
    "Budgets": "Personal health budgets (notional, third-party, direct payment): "
    "allocation, budget lines tied to care-plan outcomes, spend, balance and forecast.",
    "Discharges": "Hospital discharge plans: expected date of discharge, discharge "
    "pathway 0–3, tasks with owners, delays, and follow-up in the community.",
}


class StatCard(QFrame):
    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statCard")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.value = QLabel("…")
        self.value.setObjectName("statValue")
        caption = QLabel(label)
        caption.setObjectName("statCaption")
        caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(caption)

    def set_value(self, value: int) -> None:
        self.value.setText(f"{value:,}")


DASHBOARD_CARDS = [
    ("patients", "people on the registered lists"),
    ("coded_entries", "coded entries (conditions, medicines, admissions, A&E)"),
    ("caseload_entries", "people on the caseload"),
    ("care_plans", "shared care plans"),
    ("meetings", "MDT meetings"),
    ("actions", "actions"),
    ("budgets", "personal health budgets"),
    ("discharge_plans", "discharge plans"),
    ("audit_entries", "audit log entries"),
]


class DashboardPage(Page):
    """Real numbers from the store, loaded off the GUI thread."""

    title = "Dashboard"
    loaded = Signal(dict)

    def __init__(
        self,
        load_status: Callable[[], dict[str, Any]],
        load_demo: Callable[[Any], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_status = load_status
        self._load_demo = load_demo
        self._op: Operation | None = None
        self.status: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(_header("Dashboard", "What this store holds today."))
        grid = QGridLayout()
        grid.setSpacing(12)
        self.cards: dict[str, StatCard] = {}
        for i, (key, label) in enumerate(DASHBOARD_CARDS):
            card = StatCard(label)
            self.cards[key] = card
            grid.addWidget(card, i // 3, i % 3)
        layout.addLayout(grid)
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("pageSubtitle")
        layout.addWidget(self.sync_label)

        self.demo_box = QFrame()
        self.demo_box.setObjectName("demoBox")
        demo_layout = QVBoxLayout(self.demo_box)
        intro = QLabel(
            "<b>This store is empty.</b> Load a synthetic demo neighbourhood to try MDT "
            "Desktop: six practices and 5,000 people with test-range NHS numbers (999…), "
            "long-term conditions, repeat medicines and admissions. No real person's data."
        )
        intro.setWordWrap(True)
        demo_layout.addWidget(intro)
        row = QHBoxLayout()
        self.demo_button = QPushButton("Load demo data")
        self.demo_button.setObjectName("primary")
        self.demo_button.clicked.connect(self.start_demo)
        row.addWidget(self.demo_button)
        self.demo_progress = QProgressBar()
        self.demo_progress.setVisible(False)
        row.addWidget(self.demo_progress, 1)
        demo_layout.addLayout(row)
        self.demo_box.setVisible(False)
        layout.addWidget(self.demo_box)
        layout.addStretch(1)

    def activated(self) -> None:
        self.refresh()

    def wait_until_loaded(self) -> None:
        wait_for(self._op)

    def refresh(self) -> Operation:
        self._op = run_in_background(
            self,
            lambda progress: self._load_status(),
            on_success=self._show,
            label="Reading the store's figures",
        )
        return self._op

    def _show(self, status: dict[str, Any]) -> None:
        self.status = status
        counts = status["counts"]
        for key, card in self.cards.items():
            card.set_value(int(counts.get(key, 0)))
        pending = status["outbox_pending"]
        conflicts = status["sync_conflicts_open"]
        self.sync_label.setText(
            f"{pending:,} changes not yet sent to a team server · "
            f"{conflicts:,} sync conflicts to resolve"
        )
        self.demo_box.setVisible(counts.get("patients", 0) == 0)
        self.loaded.emit(status)

    def start_demo(self) -> Operation:
        self.demo_button.setEnabled(False)
        self.demo_progress.setVisible(True)
        self.demo_progress.setRange(0, 0)

        def progressed(done: int, total: int, text: str) -> None:
            self.demo_progress.setRange(0, max(total, 1))
            self.demo_progress.setValue(done)
            self.demo_progress.setFormat(f"{done:,} of {total:,} people")

        def finished(_result: Any) -> None:
            self.demo_progress.setVisible(False)
            self.demo_button.setEnabled(True)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.demo_progress.setVisible(False)
            self.demo_button.setEnabled(True)
            from .background import show_failure

            show_failure(self, "Loading demo data", exc)

        self._op = run_in_background(
            self,
            self._load_demo,
            on_success=finished,
            on_failure=failed,
            on_progress=progressed,
            label="Loading demo data",
        )
        return self._op
