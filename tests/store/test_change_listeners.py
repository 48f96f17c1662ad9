"""After a commit the store says which tables the write touched; a rollback says nothing."""

from __future__ import annotations

import pytest

from mdt_desktop.services.users import ensure_team
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Team


def test_a_committed_write_reports_its_tables_after_the_commit(store: Store) -> None:
    heard: list[frozenset[str]] = []

    def listener(tables: frozenset[str]) -> None:
        # Called after the transaction closed: the store can be read again here.
        with store.session() as s:
            assert s.query(Team).count() == 1
        heard.append(tables)

    store.add_change_listener(listener)
    ensure_team(store, "Riverside Neighbourhood MDT")
    assert heard == [frozenset({"teams"})]
    store.remove_change_listener(listener)
    ensure_team(store, "Another Neighbourhood MDT")
    assert heard == [frozenset({"teams"})]


def test_a_rolled_back_write_and_a_read_report_nothing(store: Store) -> None:
    heard: list[frozenset[str]] = []
    store.add_change_listener(heard.append)
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(Team(name="Never kept"))
        s.flush()
        raise RuntimeError("rolled back")
    with store.transaction() as s:
        s.query(Team).all()
    store.audit("view", "patient")  # audit entries are not synced rows
    assert heard == []
