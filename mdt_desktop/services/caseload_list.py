"""The caseload list's reads for the app: one status paged, counts, the filters' choices.

The SQL is in ``store/caseload.py``; this is what the GUI calls (it never queries).
"""

from __future__ import annotations

from mdt_desktop.store import caseload as queries
from mdt_desktop.store.caseload import CaseloadFilter
from mdt_desktop.store.database import Store


def page(
    store: Store,
    f: CaseloadFilter,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[tuple]:
    """Rows of ``store/caseload.COLUMNS`` for one status, sorted and paged in SQL."""
    with store.engine.connect() as conn:
        return queries.page(conn, f, sort, descending, offset, limit)


def counts(store: Store, f: CaseloadFilter) -> dict[str, int]:
    with store.engine.connect() as conn:
        return queries.counts(conn, f)


def filter_choices(store: Store) -> tuple[list[tuple[str, str, int]], list[str]]:
    """The teams with cases and the practice codes, for the page's filters."""
    with store.engine.connect() as conn:
        return queries.teams_with_cases(conn), queries.practice_codes(conn)


__all__ = ["CaseloadFilter", "counts", "filter_choices", "page"]
