"""Demo data from the GUI: the sizes offered, and running it with progress and cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from mdt_desktop.store.database import Store

from .background import Operation, Progress, run_in_background

DEMO_SIZES = [
    (5_000, "5,000 people: a small neighbourhood (a few seconds)"),
    (50_000, "50,000 people: a primary care network (about 10 seconds)"),
    (250_000, "250,000 people: a whole place (about half a minute)"),
]

# The progress text that marks "people made so far", as opposed to a stage name.
PEOPLE = "people"


# The offer beside the demo's size: the signed-in person joins the demo team.
JOIN_TEXT = "Put me in the demo team, so my caseload, meetings, actions and Today are filled"


def fill_with_demo(
    store: Store, patients: int, progress: Progress, *, join_team: bool = False
) -> Any:
    """Runs in the background: generate_demo with our progress; cancelled → None.

    generate_demo is all or nothing, so a cancel or a failure leaves the store as it was.
    ``join_team``: the signed-in user moves into the demo team (see generate_demo).
    """
    from mdt_desktop.services.demo import Cancelled, generate_demo

    try:
        return generate_demo(
            store,
            patients,
            progress=lambda done, total: progress.report(done, total, PEOPLE),
            should_cancel=lambda: progress.cancelled,
            join_team=join_team,
        )
    except Cancelled:
        return None


def show_demo_progress(bar: QProgressBar, status: QLabel, done: int, total: int, text: str) -> None:
    """People made so far, then a busy bar while scores are worked out (no progress there)."""
    # The numbers go in the label: text drawn over the bar's chunk is hard to read.
    bar.setTextVisible(False)
    if text == PEOPLE and total and done < total:
        bar.setRange(0, total)
        bar.setValue(done)
        status.setText(
            f"Making up people, their conditions, medicines and admissions: {done:,} of {total:,}…"
        )
    elif text == PEOPLE:
        bar.setRange(0, 0)
        status.setText("Working out frailty and risk scores for everyone…")
    else:
        bar.setRange(0, 0)
        status.setText(text)


def demo_failure_sentence(exc: BaseException) -> str:
    """What a person reads when the demo did not load: a UserError's own sentence (the
    demo turns every failure into one), never an exception's text."""
    from mdt_desktop.services.errors import UserError, as_sentence

    if isinstance(exc, UserError):
        return as_sentence(exc)
    return "The demo data could not be made, so none of it was kept: the store is as it was before."


class DemoOffer(QFrame):
    """An empty store's offer: how many people, join the demo team, load with progress and
    cancel. ``loaded`` follows a load that finished (a cancel or failure keeps the offer)."""

    loaded = Signal()

    def __init__(self, load: Callable[[Progress, int, bool], Any]) -> None:
        super().__init__()
        self._load = load
        self.op: Operation | None = None
        self.running = False  # its progress stays in sight while people appear
        self.setObjectName("demoBox")
        layout = QVBoxLayout(self)
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
        self.people = QComboBox()
        self.people.setObjectName("demoSize")
        self.people.setAccessibleName("How many demo people")
        for n, label in DEMO_SIZES:
            self.people.addItem(label, n)
        row.addWidget(self.people)
        self.button = QPushButton("Load demo data")
        self.button.setObjectName("primary")
        self.button.clicked.connect(self.start)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.join = QCheckBox(JOIN_TEXT)
        self.join.setObjectName("joinDemoTeam")
        self.join.setChecked(True)
        layout.addWidget(self.join)
        self.status = QLabel("")
        self.status.setObjectName("progressText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("demoProgress")
        self.progress.setAccessibleName("Demo data progress")
        progress_row.addWidget(self.progress, 1)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelDemo")
        self.cancel.clicked.connect(self.stop)
        progress_row.addWidget(self.cancel)
        layout.addLayout(progress_row)
        self._busy(False)
        self._say("")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))  # no empty line under the offer

    def _busy(self, busy: bool) -> None:
        self.running = busy
        for control in (self.people, self.button, self.join):
            control.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.cancel.setVisible(busy)
        self.cancel.setEnabled(busy)

    def start(self) -> Operation:
        patients = int(self.people.currentData())
        join = self.join.isChecked()
        self._busy(True)
        self.progress.setRange(0, 0)
        self._say("Starting…")

        def progressed(done: int, total: int, text: str) -> None:
            show_demo_progress(self.progress, self.status, done, total, text)

        def finished(result: Any) -> None:
            self._busy(False)
            self._say("")
            if result is not None:  # loaded (None: cancelled, nothing kept)
                self.setVisible(False)
                self.loaded.emit()

        def failed(exc: BaseException) -> None:
            self._busy(False)
            # Said here, in words: the store is as it was, so the offer stays.
            self._say(demo_failure_sentence(exc))

        self.op = run_in_background(
            self,
            lambda progress: self._load(progress, patients, join),
            on_success=finished,
            on_failure=failed,
            on_progress=progressed,
            label="Loading demo data",
        )
        return self.op

    def stop(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.cancel.setEnabled(False)
            self._say("Stopping… nothing half-made is kept.")
