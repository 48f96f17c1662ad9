"""The Alembic history: empty to head, down and up again, on SQLite and SQLCipher."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from mdt_desktop.store import migrate
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Base


def test_schema_head_constant_matches_history() -> None:
    assert migrate.script_head() == migrate.SCHEMA_HEAD
    assert migrate.SCHEMA_HEAD in migrate.KNOWN_REVISIONS


def test_empty_to_head_builds_every_table(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
        assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_match_models(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: the history and the models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    hand_written = {
        "ix_patients_name_nocase",
        "ix_risk_scores_name_nocase",
        "ix_risk_scores_practice_name",
    }

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "index" and name in hand_written)

    engine = create_engine(f"sqlite:///{tmp_path / 'cmp.db'}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
        context = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(context, Base.metadata)
        sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_patients_name_nocase'"
        ).scalar()
    assert diff == []
    assert "family_name COLLATE NOCASE" in sql


def test_down_to_base_and_up_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'updown.db'}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
        migrate.downgrade(conn, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.begin() as conn:
        migrate.upgrade(conn)
    assert "patients" in inspect(engine).get_table_names()


def test_opening_an_older_store_upgrades_it(store: Store, store_key) -> None:
    # Really older: the store taken down to the first revision, not only its marker moved.
    with store.engine.begin() as conn:
        migrate.downgrade(conn, "0001")
        assert migrate.current_revision(conn) == "0001"
    store.close()
    reopened = Store.open(store.path, store_key)
    assert reopened.schema_version() == migrate.SCHEMA_HEAD
    assert "discharge_events" in inspect(reopened.engine).get_table_names()
    reopened.close()


def test_a_store_from_a_newer_version_is_refused(store: Store, store_key) -> None:
    import pytest

    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    store.close()
    with pytest.raises(migrate.NewerStoreError):
        Store.open(store.path, store_key)
