"""The JSON form of synced rows, shared by the laptop and the server."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from mdt_desktop.store.codec import (
    LOCAL_ONLY_COLUMNS,
    ORDERED_TABLES,
    TABLES,
    TEAM_SCOPED,
    BadField,
    decode_fields,
    fill_defaults,
    synced_columns,
    to_json,
)


def test_every_synced_table_is_known_and_parents_come_first() -> None:
    assert "patients" in TABLES and "care_plan_versions" in TABLES
    assert ORDERED_TABLES.index("patients") < ORDERED_TABLES.index("coded_entries")
    assert ORDERED_TABLES.index("teams") < ORDERED_TABLES.index("patients")
    assert "teams" not in TEAM_SCOPED and "notes" in TEAM_SCOPED
    assert "audit_log" not in TABLES and "sync_outbox" not in TABLES


def test_values_round_trip_through_json() -> None:
    table = TABLES["patients"]
    pid = uuid.uuid4()
    fields = {
        "practice_id": str(pid),
        "date_of_birth": "1941-03-04",
        "family_name": "SMITH",
        "updated_at": 5,  # stamps never come from the wire
    }
    decoded = decode_fields(table, fields)
    assert decoded == {
        "practice_id": pid,
        "date_of_birth": date(1941, 3, 4),
        "family_name": "SMITH",
    }
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert decode_fields(TABLES["notes"], {"written_at": to_json(when)}) == {"written_at": when}
    # SQLite's stored form (naive UTC) is read as UTC.
    assert decode_fields(TABLES["notes"], {"written_at": "2026-01-02 03:04:05"}) == {
        "written_at": when
    }


def test_bad_fields_are_refused_with_the_reason() -> None:
    with pytest.raises(BadField, match="no field"):
        decode_fields(TABLES["patients"], {"favourite_colour": "blue"})
    with pytest.raises(BadField, match="not valid"):
        decode_fields(TABLES["patients"], {"date_of_birth": "yesterday"})


def test_a_pin_hash_never_travels() -> None:
    assert "pin_hash" in LOCAL_ONLY_COLUMNS["users"]
    assert "pin_hash" not in synced_columns(TABLES["users"])
    assert decode_fields(TABLES["users"], {"pin_hash": "x", "name": "A"}) == {"name": "A"}


def test_required_columns_get_their_defaults() -> None:
    values = {"family_name": "SMITH", "sex": None}
    fill_defaults(TABLES["patients"], values)
    assert values["sex"] == "unknown" and values["registration_status"] == "registered"
