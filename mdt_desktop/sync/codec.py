"""Moved to mdt_desktop.store.codec: the store's outbox and the server both encode rows
with it, so it sits below sync. These names stay importable here until every caller uses
the new path."""

from mdt_desktop.store.codec import (
    LOCAL_ONLY_COLUMNS,
    ORDERED_TABLES,
    STAMP_COLUMNS,
    TABLES,
    TEAM_SCOPED,
    BadField,
    decode_fields,
    decode_value,
    fill_defaults,
    synced_columns,
    to_json,
)

__all__ = [
    "LOCAL_ONLY_COLUMNS",
    "ORDERED_TABLES",
    "STAMP_COLUMNS",
    "TABLES",
    "TEAM_SCOPED",
    "BadField",
    "decode_fields",
    "decode_value",
    "fill_defaults",
    "synced_columns",
    "to_json",
]
