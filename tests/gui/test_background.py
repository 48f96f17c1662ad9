"""The background-operation helper: results, failures, progress and cancel on the GUI thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget

from mdt_desktop.gui import background
from mdt_desktop.gui.background import Cancelled, run_in_background


def _on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_success_runs_off_the_gui_thread_and_reports_on_it(qtbot) -> None:
    seen: dict[str, object] = {}
    progress_calls = []

    def work(progress):
        seen["worker_is_main"] = threading.current_thread() is threading.main_thread()
        for i in range(3):
            progress.report(i + 1, 3)
        return 42

    def success(value):
        seen["value"] = value
        seen["callback_on_gui"] = _on_gui_thread()

    def progressed(done, total, text):
        assert _on_gui_thread()
        progress_calls.append((done, total))

    op = run_in_background(None, work, on_success=success, on_progress=progressed)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert seen == {"worker_is_main": False, "value": 42, "callback_on_gui": True}
    assert progress_calls[-1] == (3, 3) and op.result == 42 and op.done


def test_fast_progress_is_coalesced_but_the_last_report_arrives(qtbot) -> None:
    calls = []

    def work(progress):
        for i in range(1, 20_001):
            progress.report(i, 20_000)

    op = run_in_background(None, work, on_progress=lambda d, t, _: calls.append(d))
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert calls[-1] == 20_000
    assert len(calls) < 200  # not 20,000 queued events for one bar


def test_failure_goes_to_the_handler(qtbot) -> None:
    errors = []

    def work(progress):
        raise ValueError("the file is not a registered list")

    op = run_in_background(None, work, on_failure=errors.append)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert isinstance(errors[0], ValueError) and op.error is errors[0]


def test_failure_without_a_handler_is_shown_not_swallowed(qtbot, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(
        background,
        "show_failure",
        lambda parent, label, exc, trace=None: shown.append(
            (parent, label, str(exc), "Traceback" in (trace or ""))
        ),
    )
    owner = QWidget()
    qtbot.addWidget(owner)

    def work(progress):
        raise OSError("disk full")

    op = run_in_background(owner, work, label="Exporting the care plan")
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert shown == [(owner, "Exporting the care plan", "disk full", True)]


def test_the_default_message_box_names_the_work_and_the_reason(qtbot, on_modal) -> None:
    texts = []

    def read_and_close(box):
        texts.append((box.text(), box.informativeText()))
        box.accept()

    on_modal(read_and_close)
    background.show_failure(None, "Loading demo data", RuntimeError("store is read-only"))
    assert texts == [("Loading demo data did not finish.", "store is read-only")]


def test_cancel_reaches_the_work(qtbot) -> None:
    errors = []
    started = threading.Event()

    def work(progress):
        started.set()
        for _ in range(500):
            progress.check()
            time.sleep(0.01)
        return "ran to the end"

    op = run_in_background(None, work, on_failure=errors.append)
    assert started.wait(5)
    op.cancel()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert isinstance(errors[0], Cancelled) and op.cancelled


def test_a_cancel_is_not_reported_as_an_error(qtbot, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(background, "show_failure", lambda *a, **k: shown.append(a))
    started = threading.Event()

    def work(progress):
        started.set()
        while not progress.cancelled:
            time.sleep(0.005)
        raise KeyError("whatever the work raises on its way out")

    op = run_in_background(None, work)
    assert started.wait(5)
    op.cancel()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert shown == []


def test_work_for_a_closed_window_stops_and_its_callbacks_are_dropped(qtbot) -> None:
    owner = QWidget()
    results = []
    started = threading.Event()

    def work(progress):
        started.set()
        while not progress.cancelled:
            time.sleep(0.005)
        return "finished anyway"

    op = run_in_background(owner, work, on_success=results.append)
    assert started.wait(5)
    owner.deleteLater()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert op.orphaned and op.cancelled and results == []
    qtbot.waitUntil(lambda: op not in background.running())
