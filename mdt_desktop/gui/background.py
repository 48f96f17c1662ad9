"""The one way to run work off the GUI thread: imports, exports, demo data, heavy queries.

``run_in_background`` runs a function in the global QThreadPool. The function gets a
:class:`Progress` it may report to and poll for cancellation; it must not touch widgets.
``on_success``, ``on_failure`` and ``on_progress`` run on the GUI thread. A failure
without a handler is shown in a message box, never swallowed.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside an operation that saw its cancel flag."""


class Progress:
    """Handed to the background function: report progress, check for cancel."""

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        self._signals.progress.emit(int(done), int(total), text)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)
    progress = Signal(int, int, str)
    finished = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], signals: _Signals, progress: Progress):
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self._signals = signals
        self._progress = progress

    def run(self) -> None:
        try:
            result = self._fn(self._progress)
        except BaseException as exc:  # reported on the GUI thread
            log.debug("background operation failed", exc_info=True)
            self._emit(self._signals.failed, exc, traceback.format_exc())
        else:
            self._emit(self._signals.succeeded, result)
        finally:
            self._emit(self._signals.finished)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The application is shutting down and the receiver is gone: nobody to tell.
            log.debug("background result dropped: its receiver was deleted")


class Operation(QObject):
    """A running background operation; keep it to cancel it or wait for it.

    The signals from the worker are connected to this object's slots, and it lives on
    the GUI thread, so Qt queues every callback onto the GUI thread.
    """

    finished = Signal()

    def __init__(
        self,
        parent: QObject | None,
        label: str,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int, str], None] | None,
    ) -> None:
        super().__init__(parent)
        self.label = label
        self.signals = _Signals()
        self.progress = Progress(self.signals)
        self.done = False
        self.error: BaseException | None = None
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self.signals.succeeded.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.progress.connect(self._progressed)
        self.signals.finished.connect(self._finished)

    def cancel(self) -> None:
        self.progress.cancel()

    @Slot(object)
    def _succeeded(self, result: Any) -> None:
        if self._on_success is not None:
            self._on_success(result)

    @Slot(object, str)
    def _failed(self, exc: BaseException, trace: str) -> None:
        self.error = exc
        if self._on_failure is not None:
            self._on_failure(exc)
        elif not isinstance(exc, Cancelled):
            log.error("%s failed:\n%s", self.label, trace)
            parent = self.parent()
            show_failure(parent if isinstance(parent, QWidget) else None, self.label, exc)

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, text: str) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, text)

    @Slot()
    def _finished(self) -> None:
        self.done = True
        _running.discard(self)
        self.finished.emit()


# Operations alive now: without a reference the runnable and its signals could be collected.
_running: set[Operation] = set()


def show_failure(parent: QWidget | None, label: str, exc: BaseException) -> None:
    QMessageBox.critical(parent, "MDT Desktop", f"{label} did not finish.\n\n{exc}")


def run_in_background(
    parent: QObject | None,
    fn: Callable[[Progress], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    label: str = "The operation",
    pool: QThreadPool | None = None,
) -> Operation:
    op = Operation(parent, label, on_success, on_failure, on_progress)
    _running.add(op)
    op._runnable = _Runnable(fn, op.signals, op.progress)  # type: ignore[attr-defined]
    (pool or QThreadPool.globalInstance()).start(op._runnable)  # type: ignore[attr-defined]
    return op


def wait_for(operation: Operation | None, timeout_ms: int = 60_000) -> None:
    """Spin the event loop until a background operation has delivered its result.

    For screenshots and tests; interactive code connects to the callbacks instead.
    """
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = QDeadlineTimer(timeout_ms)
    while operation is not None and not operation.done and not deadline.hasExpired():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    QApplication.processEvents()
