"""Reads the demo generator needs, in SQL, beside the rest of the store's reads.

The demo writes in bulk on the raw SQLite connection (store/bulk.py); these reads use
the same connection's cursor for the same reason, speed on a large neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection


@dataclass(frozen=True)
class DemoCaseloadInputs:
    """What the demo caseload is drawn from, as stored (ids as the database holds them)."""

    team_id: Any
    staff: list[tuple[Any, ...]]  # (id, name, role, organisation, phone, email), by name
    population: int  # people in the risk list
    ranked: list[Any]  # adults' patient ids, highest risk first (at most 1,000)


def holds_demo_patients(conn: Connection) -> bool:
    """Demo NHS numbers come from the reserved test range, so they start 999."""
    found = conn.exec_driver_sql(
        "SELECT count(*) FROM patients WHERE nhs_number LIKE '999%'"
    ).scalar()
    return bool(found)


def demo_caseload_inputs(conn: Connection, team_name: str) -> DemoCaseloadInputs | None:
    """None when there is no team of that name."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        team = cur.execute("SELECT id FROM teams WHERE name = ?", (team_name,)).fetchone()
        if team is None:
            return None
        staff = cur.execute(
            "SELECT id, name, role, organisation, phone, email FROM staff "
            "WHERE team_id = ? AND deleted_at IS NULL ORDER BY name",
            (team[0],),
        ).fetchall()
        population = cur.execute("SELECT count(*) FROM risk_scores").fetchone()[0]
        ranked = [
            row[0]
            for row in cur.execute(
                "SELECT patient_id FROM risk_scores WHERE age >= 18 ORDER BY risk_score DESC, "
                "nhs_number, patient_id LIMIT 1000"
            )
        ]
    finally:
        cur.close()
    return DemoCaseloadInputs(team[0], list(staff), population, ranked)
