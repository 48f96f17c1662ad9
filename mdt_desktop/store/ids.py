"""Ids for bulk rows, importable without the database layer (the import's reading process)."""

from __future__ import annotations

import os
import threading
import time

_id_lock = threading.Lock()
_last_ms = 0


def new_ids(count: int) -> list[str]:
    """``count`` new UUIDs as stored (hex), ascending within and across calls.

    Version 7 layout: a 48-bit millisecond prefix (each call takes a later one), then
    74 random bits from one call to the OS RNG. Keys that only ever grow let a bulk
    load append to the primary-key index instead of touching a random page per row.
    """
    global _last_ms
    with _id_lock:
        _last_ms = max(time.time_ns() // 1_000_000, _last_ms + 1)
        prefix = f"{_last_ms:012x}"
    raw = os.urandom(10 * count).hex()
    ids = []
    for i in range(0, 20 * count, 20):
        h = raw[i : i + 20]
        variant = "89ab"[int(h[3], 16) & 3]
        ids.append(f"{prefix}7{h[:3]}{variant}{h[4:19]}")
    ids.sort()
    return ids
