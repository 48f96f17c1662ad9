"""Reads the demo generator needs, in SQL, beside the rest of the store's reads.

The demo writes in bulk on the raw SQLite connection (store/bulk.py); these reads use
the same connection's cursor for the same reason, speed on a large neighbourhood.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def demo_team_id(conn: Connection, name: str, ods_code: str) -> Any:
    """The team of ``name`` holding the practice ``ods_code`` (as stored), else None: a
    user's own team may share the demo team's name, but not its practices."""
    return conn.exec_driver_sql(
        "SELECT t.id FROM teams t JOIN practices p ON p.team_id = t.id "
        "WHERE t.name = ? AND p.ods_code = ? LIMIT 1",
        (name, ods_code),
    ).scalar()


def demo_caseload_inputs(conn: Connection, team_id: Any) -> DemoCaseloadInputs | None:
    """None when there is no such team (``team_id`` as stored: by id, never by name, for a
    user's own team may have the demo team's name)."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        team = cur.execute("SELECT id FROM teams WHERE id = ?", (team_id,)).fetchone()
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


# Kept on a roll-back: the audit log is append-only (it records that the demo was made and
# then removed), and the store's own bookkeeping is not the demo's.
_NOT_THE_DEMOS = frozenset({"audit_log", "audit_anchor", "store_meta", "sync_conflicts"})


def remove_demo_team(
    conn: Connection, team_id: Any, restore: Sequence[tuple[str, Any, Any]] = ()
) -> int:
    """Delete every row of the demo team, in the caller's (bulk) transaction.

    The demo is written in several transactions (bulk loads, then the meetings through
    their services); when a later step fails this takes the store back to how it was.
    ``restore`` lists rows that were the store's before the demo and only moved into its
    team, as (table, id, team before), ids as stored: they move back first and are kept.
    Returns the number of rows deleted. Runs with foreign-key checks off
    (bulk_transaction), so the order of the tables does not matter.
    """
    from .schema import Base

    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for table, row_id, team_before in restore:
        cur.execute(f"UPDATE {table} SET team_id = ? WHERE id = ?", (team_before, row_id))
    tables = [t for t in Base.metadata.sorted_tables if t.name not in _NOT_THE_DEMOS]
    scoped = [t.name for t in tables if "team_id" in t.c]
    # Triggers that refuse deletes (the budget ledger is append-only) stand aside for the
    # roll-back, and are made again, exactly as they were, inside the same transaction.
    guards = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%RAISE%' "
        "AND tbl_name IN (" + ", ".join("?" for _ in scoped) + ")",
        scoped,
    ).fetchall()
    deleted = 0
    try:
        for name, _ in guards:
            cur.execute(f'DROP TRIGGER "{name}"')
        for table in scoped:
            cur.execute(
                "DELETE FROM sync_outbox WHERE table_name = ? AND row_id IN "
                f"(SELECT id FROM {table} WHERE team_id = ?)",
                (table, team_id),
            )
        cur.execute(
            "DELETE FROM risk_scores WHERE patient_id IN "
            "(SELECT id FROM patients WHERE team_id = ?)",
            (team_id,),
        )
        cur.execute(
            "DELETE FROM budget_ledger_totals WHERE budget_id IN "
            "(SELECT id FROM budgets WHERE team_id = ?)",
            (team_id,),
        )
        for table in scoped:
            deleted += cur.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,)).rowcount
        cur.execute("DELETE FROM sync_outbox WHERE table_name = 'teams' AND row_id = ?", (team_id,))
        deleted += cur.execute("DELETE FROM teams WHERE id = ?", (team_id,)).rowcount
    finally:
        for _, sql in guards:
            cur.execute(sql)
        cur.close()
    return deleted


def move_into_team(conn: Connection, user_id: Any, team_id: Any, clock: int) -> list[tuple]:
    """Put a user and their directory entry in ``team_id`` (ids as stored), in the caller's
    transaction; returns what :func:`remove_demo_team` needs to move them back."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        row = cur.execute("SELECT team_id, staff_id FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            return []
        moved = [("users", user_id, row[0])]
        if row[1] is not None:
            staff_team = cur.execute("SELECT team_id FROM staff WHERE id = ?", (row[1],)).fetchone()
            moved.append(("staff", row[1], staff_team[0] if staff_team else None))
        for table, row_id, _ in moved:
            cur.execute(
                f"UPDATE {table} SET team_id = ?, updated_at = ? WHERE id = ?",
                (team_id, clock, row_id),
            )
    finally:
        cur.close()
    return moved
