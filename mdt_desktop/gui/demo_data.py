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
