"""Alembic environment: takes a live connection from the caller (client store or server)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from mdt_desktop.store.schema import Base

config = context.config
target_metadata = Base.metadata


# Expression indexes Alembic cannot compare on SQLite; they are written by hand in migrations.
HAND_WRITTEN_INDEXES = {
    "ix_patients_name_nocase",
    "ix_risk_scores_name_nocase",
    "ix_risk_scores_practice_name",
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no connection and no sqlalchemy.url: use `mdt migrate` or mdt-server")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
