"""Demo data from the GUI: the sizes offered, and running it with progress and cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QProgressBar

from mdt_desktop.store.database import Store

from .background import Progress

DEMO_SIZES = [
    (5_000, "5,000 people: a small neighbourhood (a few seconds)"),
    (50_000, "50,000 people: a primary care network (about 10 seconds)"),
    (250_000, "250,000 people: a whole place (about half a minute)"),
]

# The progress text that marks "people made so far", as opposed to a stage name.
PEOPLE = "people"


def fill_with_demo(store: Store, patients: int, progress: Progress) -> Any:
    """Runs in the background: generate_demo with our progress; cancelled → None.

    generate_demo writes in one transaction, so a cancel leaves the store as it was.
    """
    from mdt_desktop.services.demo import Cancelled, generate_demo

    try:
        return generate_demo(
            store,
            patients,
            progress=lambda done, total: progress.report(done, total, PEOPLE),
            should_cancel=lambda: progress.cancelled,
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
