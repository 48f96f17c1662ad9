"""The background-operation helper: results, failures, progress and cancel on the GUI thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from mdt_desktop.gui.background import Cancelled, run_in_background


def _gui_thread() -> QThread:
    return QApplication.instance().thread()


def test_success_runs_off_the_gui_thread_and_reports_on_it(qtbot) -> None:
    seen: dict[str, object] = {}

    def work(progress):
        seen["worker"] = threading.current_thread() is threading.main_thread()
        for i in range(3):
            progress.report(i + 1, 3)
        return 42

    def success(value):
        seen["value"] = value
        seen["callback_on_gui"] = QThread.currentThread() is _gui_thread()

    progress_calls = []
    op = run_in_background(
        None, work, on_success=success, on_progress=lambda d, t, _: progress_calls.append((d, t))
    )
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen == {"worker": False, "value": 42, "callback_on_gui": True}
    qtbot.waitUntil(lambda: progress_calls[-1:] == [(3, 3)])


def test_failure_goes_to_the_handler(qtbot) -> None:
    errors = []

    def work(progress):
        raise ValueError("the file is not a registered list")

    op = run_in_background(None, work, on_failure=errors.append)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValueError) and op.error is errors[0]


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
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], Cancelled)
