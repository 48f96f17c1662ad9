"""Hybrid logical clock: wall-clock milliseconds << 16 | a logical counter, in one int64."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)
COUNTER_BITS = 16
COUNTER_MAX = (1 << COUNTER_BITS) - 1


def encode(ms: int, counter: int) -> int:
    return (ms << COUNTER_BITS) | counter


def decode(hlc: int) -> tuple[int, int]:
    return hlc >> COUNTER_BITS, hlc & COUNTER_MAX


def hlc_to_datetime(hlc: int) -> datetime:
    return datetime.fromtimestamp(decode(hlc)[0] / 1000, tz=UTC)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridLogicalClock:
    """Strictly increasing even when the wall clock steps back; thread-safe."""

    def __init__(
        self,
        wall: Callable[[], int] | None = None,
        last: int = 0,
        max_drift_ms: int = 60 * 60 * 1000,
    ) -> None:
        self._wall = wall or _wall_ms
        self._last = last
        self._max_drift = max_drift_ms
        self._lock = threading.Lock()
        self.clamped_events = 0

    @property
    def last(self) -> int:
        return self._last

    def _advance(self, candidate_ms: int) -> int:
        last_ms, last_counter = decode(self._last)
        if candidate_ms > last_ms:
            value = encode(candidate_ms, 0)
        elif last_counter < COUNTER_MAX:
            value = encode(last_ms, last_counter + 1)
        else:  # counter exhausted within one millisecond: borrow the next millisecond
            value = encode(last_ms + 1, 0)
        self._last = value
        return value

    def now(self) -> int:
        with self._lock:
            return self._advance(self._wall())

    def restore(self, issued: int) -> None:
        """Never issue a value at or below ``issued``, one this clock (or a replica of it)
        issued before: kept, unlike :meth:`update`, even when ahead of the wall clock,
        since it was once the wall clock's own time."""
        with self._lock:
            self._last = max(self._last, issued)

    def update(self, remote: int) -> int:
        """Merge a clock received from elsewhere; one far in the future is clamped."""
        with self._lock:
            wall = self._wall()
            remote_ms, _ = decode(remote)
            limit = wall + self._max_drift
            if remote_ms > limit:
                self.clamped_events += 1
                log.warning("remote clock %d ms ahead: clamped", remote_ms - wall)
                remote = encode(limit, 0)
            if remote > self._last:
                self._last = remote
            return self._advance(wall)
