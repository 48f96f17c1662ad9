"""Case finding's reads for the app: the stratified list, its count and a person's risk.

The SQL is in ``store/case_finding.py``; this is what the GUI calls (it never queries).
Reading needs no permission beyond an open store: every role may find cases.
"""

from __future__ import annotations

from mdt_desktop.store import case_finding as queries
from mdt_desktop.store.case_finding import CaseFindingFilter
from mdt_desktop.store.database import Store


def page(
    store: Store,
    f: CaseFindingFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[tuple]:
    """Rows of ``store/case_finding.COLUMNS``, filtered, sorted and paged in SQL."""
    with store.engine.connect() as conn:
        return queries.page(conn, f, sort, descending, offset, limit)


def count(store: Store, f: CaseFindingFilter) -> int:
    with store.engine.connect() as conn:
        return queries.count(conn, f)


def practice_codes(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return queries.practice_codes(conn)


def practice_names(store: Store) -> dict[str, str]:
    """Practice names by ODS code, in the order of their names (for lists and filters)."""
    with store.engine.connect() as conn:
        return queries.practice_names(conn)


def risk_detail(store: Store, patient_id: str) -> tuple | None:
    """One person's stored risk: score, segment, eFI and the reasons (JSON text)."""
    with store.engine.connect() as conn:
        return queries.risk_detail(conn, patient_id)


def find_people(store: Store, text: str, limit: int = 30) -> list[tuple]:
    """People on the registered list whose name or NHS number starts with ``text``."""
    return page(store, CaseFindingFilter(search=text), "name", False, 0, limit)


__all__ = [
    "CaseFindingFilter",
    "count",
    "find_people",
    "page",
    "practice_codes",
    "practice_names",
    "risk_detail",
]
