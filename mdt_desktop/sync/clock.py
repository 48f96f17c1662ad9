"""Moved to mdt_desktop.store.clock: the store stamps every write with the clock, so it
sits below sync. These names stay importable here until every caller uses the new path."""

from mdt_desktop.store.clock import (
    COUNTER_BITS,
    COUNTER_MAX,
    HybridLogicalClock,
    decode,
    encode,
    hlc_to_datetime,
)

__all__ = [
    "COUNTER_BITS",
    "COUNTER_MAX",
    "HybridLogicalClock",
    "decode",
    "encode",
    "hlc_to_datetime",
]
