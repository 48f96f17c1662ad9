"""The one way to run work off the GUI thread: imports, exports, demo data, heavy queries.

In the spirit of Anki's ``QueryOp``: :func:`run_in_background` runs a function in the
global QThreadPool. The function gets a :class:`Progress` it may report to and poll for
cancellation; it must not touch widgets. ``on_success``, ``on_failure`` and
``on_progress`` run on the GUI thread. A failure without a handler is shown in a message
box, never swallowed. If the parent widget goes away first, the work is asked to stop
and its callbacks are dropped (they would only touch deleted widgets).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

# Progress faster than this is coalesced: a queue of thousands of progress events
# would keep the GUI thread busy repainting a bar nobody can read that fast.
PROGRESS_INTERVAL_S = 0.05


class Cancelled(Exception):
    """Raised inside an operation that saw its cancel flag (see :meth:`Progress.check`)."""


class Progress:
    """Handed to the background function: report progress, check for cancel."""

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self._last_text = ""

    def report(self, done: int, total: int, text: str = "") -> None:
        now = time.monotonic()
        final = total > 0 and done >= total
        if final or text != self._last_text or now - self._last_emit >= PROGRESS_INTERVAL_S:
            self._last_emit, self._last_text = now, text
            _emit(self._signals.progress, int(done), int(total), text)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop; call it between steps."""
        if self._cancel.is_set():
            raise Cancelled()


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)
    progress = Signal(int, int, str)
    finished = Signal()


def _emit(signal: Any, *args: Any) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:
        # The application is shutting down and the receiver is gone: nobody to tell.
        log.debug("background result dropped: its receiver was deleted")


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], signals: _Signals, progress: Progress):
        super().__init__()
        # The Operation owns this runnable; Qt deleting it under Python would crash.
        self.setAutoDelete(False)
        self._fn: Callable[[Progress], Any] | None = fn
        self._signals = signals
        self._progress = progress

    def release(self) -> None:
        self._fn = None

    def run(self) -> None:
        assert self._fn is not None
        try:
            result = self._fn(self._progress)
        except BaseException as exc:  # reported on the GUI thread
            log.debug("background operation failed", exc_info=True)
            _emit(self._signals.failed, exc, traceback.format_exc())
        else:
            _emit(self._signals.succeeded, result)
        finally:
            _emit(self._signals.finished)


class Operation(QObject):
    """A running background operation; keep it to cancel it or wait for it.

    It lives on the GUI thread and the worker only emits signals, so Qt queues every
    callback onto the GUI thread. It has no Qt parent (so it outlives a closed widget
    until the worker is done) but remembers the widget it works for.
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
        super().__init__(None)
        self.label = label
        # Weak: the widget keeps its operation (to cancel it), not the other way round.
        self._owner = weakref.ref(parent) if parent is not None else None
        self.orphaned = False
        # A child, so Qt (on this thread) deletes it with the Operation, never the worker
        # dropping its last Python reference.
        self.signals = _Signals(self)
        self.progress = Progress(self.signals)
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self._runnable: _Runnable | None = None
        self.signals.succeeded.connect(self._succeeded)
        self.signals.failed.connect(self._failed)
        self.signals.progress.connect(self._progressed)
        self.signals.finished.connect(self._finished)
        if parent is not None:
            parent.destroyed.connect(self._owner_destroyed)

    @property
    def owner(self) -> QObject | None:
        return self._owner() if self._owner is not None else None

    @property
    def cancelled(self) -> bool:
        return self.progress.cancelled

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next check, then reports as usual."""
        self.progress.cancel()

    @Slot()
    def _owner_destroyed(self) -> None:
        self.orphan()

    def orphan(self) -> None:
        """Stop caring about the result: cancel the work and drop its callbacks."""
        self.orphaned = True
        self._owner = None
        progress = getattr(self, "progress", None)  # None while being garbage-collected
        if progress is not None:
            progress.cancel()

    @Slot(object)
    def _succeeded(self, result: Any) -> None:
        if _gate.holds(self):
            _gate.queue.append(lambda: self._succeeded(result))
            return
        self.result = result
        if self._on_success is not None and not self.orphaned:
            self._on_success(result)

    @Slot(object, str)
    def _failed(self, exc: BaseException, trace: str) -> None:
        if _gate.holds(self):
            _gate.queue.append(lambda: self._failed(exc, trace))
            return
        self.error = exc
        if self.orphaned:
            log.info("%s stopped after its window closed: %s", self.label, exc)
        elif self._on_failure is not None:
            self._on_failure(exc)
        elif isinstance(exc, Cancelled) or self.progress.cancelled:
            # The user asked for this; whatever the work raised on the way out is expected.
            log.info("%s was cancelled", self.label)
        else:
            log.error("%s failed:\n%s", self.label, trace)
            owner = self.owner
            show_failure(owner if isinstance(owner, QWidget) else None, self.label, exc, trace)

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, text: str) -> None:
        if _gate.holds(self):
            _gate.queue.append(lambda: self._progressed(done, total, text))
            return
        if self._on_progress is not None and not self.orphaned:
            self._on_progress(done, total, text)

    @Slot()
    def _finished(self) -> None:
        if _gate.holds(self):
            _gate.queue.append(lambda: self._finished())
            return
        self.done = True
        self.finished.emit()
        # Drop what the work and the callbacks hold (often the widget that started it) here
        # on the GUI thread: no reference cycle is left for the garbage collector, which
        # might otherwise free a widget from a worker thread.
        if self._runnable is not None:
            self._runnable.release()
        self._on_success = self._on_failure = self._on_progress = None
        self._owner = None
        # Let go of it only after this event has been handled: deleting a QObject inside
        # its own queued call is unsafe.
        QTimer.singleShot(0, lambda: _running.discard(self))


# Operations alive now: without a reference the runnable and its signals could be collected.
_running: set[Operation] = set()


class _ResultGate:
    """While the app is locked, results of background work wait (in order) until unlock.

    A result could open a dialog or fill a page over the lock screen. Work started by the
    lock screen itself (checking a passphrase) is exempt.
    """

    def __init__(self) -> None:
        self.exempt: weakref.ref[QObject] | None = None
        self.queue: list[Callable[[], None]] = []

    def holds(self, op: Operation) -> bool:
        if self.exempt is None:
            return False
        exempt = self.exempt()
        if exempt is None:
            # The lock screen is gone, so nothing is locked: deliver what waited, hold none.
            QTimer.singleShot(0, self.release)
            return False
        owner = op.owner
        while owner is not None:
            if owner is exempt:
                return False
            owner = owner.parent()
        return True

    def release(self) -> None:
        self.exempt = None
        queue, self.queue = self.queue, []
        for deliver in queue:
            deliver()


_gate = _ResultGate()


def hold_results(exempt: QObject) -> None:
    """Keep results of background work (except ``exempt``'s) until :func:`release_results`."""
    _gate.exempt = weakref.ref(exempt)


def release_results() -> None:
    """Deliver the results held while locked, in the order they arrived."""
    _gate.release()


def results_held() -> int:
    return len(_gate.queue)


def show_failure(
    parent: QWidget | None, label: str, exc: BaseException, trace: str | None = None
) -> None:
    """The default failure handler: say what did not finish and why, in plain words."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("MDT Desktop")
    box.setText(f"{label} did not finish.")
    box.setInformativeText(str(exc) or type(exc).__name__)
    if trace:
        box.setDetailedText(trace)  # for whoever supports the team
    box.exec()


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
    """Run ``fn(progress)`` in the thread pool; callbacks come back on the GUI thread.

    ``label`` names the work in an error message ("Loading demo data did not finish").
    """
    op = Operation(parent, label, on_success, on_failure, on_progress)
    _running.add(op)
    op._runnable = _Runnable(fn, op.signals, op.progress)
    chosen = pool or QThreadPool.globalInstance()
    # Workers live as long as the app: each holds its own store connection
    # (store/database.py), so new threads for old ones would mean ever more connections.
    chosen.setExpiryTimeout(-1)
    chosen.start(op._runnable)
    return op


def running() -> list[Operation]:
    """Operations not finished yet (for shutting down cleanly)."""
    return [op for op in _running if not op.done]


def cancel_all() -> None:
    for op in running():
        op.cancel()


def shutdown(timeout_ms: int = 60_000) -> bool:
    """Before the store closes: stop all work, wait for it, and tidy up after it.

    Results that arrive now are dropped (their windows are closing). Returns False if
    some work was still running after ``timeout_ms``.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    for op in running():
        op.orphan()
    release_results()  # held results go to operations now orphaned: dropped
    finished = QThreadPool.globalInstance().waitForDone(timeout_ms)
    for op in list(_running):
        # Deliver the queued "finished" now so each operation lets go of its work.
        QCoreApplication.sendPostedEvents(op, QEvent.Type.MetaCall)
    return finished


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


class GarbageCollector(QObject):
    """Python's cyclic garbage collection, but only ever on the GUI thread (as Anki does).

    Automatic collection runs on whichever thread happens to allocate, so a worker could
    free a cycle holding a widget, and Qt objects must be destroyed on their own thread.
    """

    INTERVAL_MS = 2_000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(self.INTERVAL_MS)

    @Slot()
    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self.timer.stop()
        if self._was_enabled:
            gc.enable()
