"""The main window's own pages: the dashboard, and the plain page for an area not built yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
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

from .background import Operation, Progress, run_in_background, wait_for
from .demo_data import DEMO_SIZES, show_demo_progress
from .features import DashboardCard, Page, dashboard_cards


def page_header(text: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 8)
    layout.setSpacing(4)
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
        layout.addWidget(page_header(title))
        self.notice = QLabel(
            f"<p><b>{title}: coming in a later version of MDT Desktop.</b> "
            "This part is not built yet in this version.</p>"
            f"<p>It will bring {what_it_will_do}</p>"
            "<p>Until then this page shows nothing: no made-up examples, and none of "
            "your people.</p>"
        )
        self.notice.setObjectName("notBuilt")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notice.setMaximumWidth(880)  # long lines are hard to read on a wide screen
        layout.addWidget(self.notice)
        layout.addStretch(1)


class StatCard(QFrame):
    """One number from the store with what it counts."""

    def __init__(self, caption: str, tip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statCard")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.value = QLabel("…")
        self.value.setObjectName("statValue")
        self.caption = QLabel(caption)
        self.caption.setObjectName("statCaption")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, value: int) -> None:
        self.value.setText(f"{value:,}")


# The dashboard's own figures, after the features' (gui/features.py).
STORE_CARDS = (
    DashboardCard(
        "audit_entries", "Audit log entries", "Every view, change, import, export and sign-in"
    ),
    DashboardCard(
        "outbox_pending", "Changes waiting to sync", "Changes not yet sent to a team server"
    ),
    DashboardCard(
        "sync_conflicts_open", "Sync conflicts", "Changes made in two places that need a decision"
    ),
)
COLUMNS = 4


class DashboardPage(Page):
    """Real numbers from the store, loaded off the GUI thread; demo data for an empty one."""

    title = "Dashboard"
    loaded = Signal(dict)
    store_changed = Signal()

    def __init__(
        self,
        load_status: Callable[[], dict[str, Any]],
        load_demo: Callable[[Progress, int], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._load_status = load_status
        self._load_demo = load_demo
        self._op: Operation | None = None
        self.demo_op: Operation | None = None
        self.status: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(page_header("Dashboard", "What this store holds today."))
        self.demo_box = self._demo_box()
        self.demo_box.setVisible(False)
        layout.addWidget(self.demo_box)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.cards: dict[str, StatCard] = {}
        for i, spec in enumerate([*dashboard_cards(), *STORE_CARDS]):
            card = StatCard(spec.caption, spec.tip)
            self.cards[spec.key] = card
            grid.addWidget(card, i // COLUMNS, i % COLUMNS)
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        layout.addStretch(1)

    def _demo_box(self) -> QFrame:
        box = QFrame()
        box.setObjectName("demoBox")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        intro = QLabel(
            "<b>This store has no people yet.</b> Import your registered lists from Case "
            "finding, or try MDT Desktop on a synthetic demo neighbourhood: six practices "
            "with test-range NHS numbers (999…), long-term conditions, repeat medicines and "
            "admissions. No real person's data."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.demo_size = QComboBox()
        self.demo_size.setObjectName("demoSize")
        for n, label in DEMO_SIZES:
            self.demo_size.addItem(label, n)
        row.addWidget(self.demo_size)
        self.demo_button = QPushButton("Load demo data")
        self.demo_button.setObjectName("primary")
        self.demo_button.clicked.connect(self.start_demo)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.demo_status = QLabel("")
        self.demo_status.setObjectName("progressText")
        layout.addWidget(self.demo_status)
        progress_row = QHBoxLayout()
        self.demo_progress = QProgressBar()
        self.demo_progress.setObjectName("demoProgress")
        progress_row.addWidget(self.demo_progress, 1)
        self.demo_cancel = QPushButton("Cancel")
        self.demo_cancel.setObjectName("cancelDemo")
        self.demo_cancel.clicked.connect(self.cancel_demo)
        progress_row.addWidget(self.demo_cancel)
        layout.addLayout(progress_row)
        self._demo_busy(False)
        return box

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
            card.set_value(int(counts.get(key, status.get(key, 0))))
        busy = self.demo_op is not None and not self.demo_op.done
        self.demo_box.setVisible(counts.get("patients", 0) == 0 or busy)
        self.loaded.emit(status)

    # --- demo data ----------------------------------------------------------------------

    def _demo_busy(self, busy: bool) -> None:
        self.demo_size.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
        self.demo_progress.setVisible(busy)
        self.demo_cancel.setVisible(busy)
        self.demo_cancel.setEnabled(busy)
        self.demo_status.setVisible(busy)

    def start_demo(self) -> Operation:
        patients = int(self.demo_size.currentData())
        self._demo_busy(True)
        self.demo_progress.setRange(0, 0)
        self.demo_status.setText("Starting…")

        def progressed(done: int, total: int, text: str) -> None:
            show_demo_progress(self.demo_progress, self.demo_status, done, total, text)

        def finished(_result: Any) -> None:
            self._demo_busy(False)
            self.refresh()
            self.store_changed.emit()

        def failed(exc: BaseException) -> None:
            self._demo_busy(False)
            from .background import show_failure

            show_failure(self, "Loading demo data", exc)

        self.demo_op = run_in_background(
            self,
            lambda progress: self._load_demo(progress, patients),
            on_success=finished,
            on_failure=failed,
            on_progress=progressed,
            label="Loading demo data",
        )
        return self.demo_op

    def cancel_demo(self) -> None:
        if self.demo_op is not None:
            self.demo_op.cancel()
            self.demo_cancel.setEnabled(False)
            self.demo_status.setText("Stopping… nothing half-made is kept.")
