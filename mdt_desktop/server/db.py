"""The server's PostgreSQL: URLs, the embedded server, and migrations on start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL, Engine

from mdt_desktop.store import migrate

from . import embedded
from .embedded import EmbeddedError

__all__ = ["EmbeddedError", "ensure_database", "make_engine", "start_embedded", "upgrade"]

log = logging.getLogger(__name__)
DATABASE_NAME = "mdt"
# Any fixed number: replicas starting together take turns to migrate.
_MIGRATION_LOCK = 720_507


def sqlalchemy_url(url: str | URL) -> URL:
    """``postgresql://…`` as SQLAlchemy's psycopg 3 URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise ValueError(f"the team server needs PostgreSQL, not {parsed.drivername}")
    return parsed


def make_engine(url: str | URL, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def start_embedded(directory: Path, database: str = DATABASE_NAME) -> tuple[URL, Any]:
    """Start (or join) the private PostgreSQL whose data lives in ``directory``.

    See :mod:`mdt_desktop.server.embedded` for what makes it private. Returns the URL of
    ``database`` (created if missing) and the handle to keep; raises EmbeddedError with
    a message for people when the folder cannot be used.
    """
    server = embedded.start(directory)
    ensure_database(server.url, database)
    return server.url.set(database=database), server


def ensure_database(server_url: URL, database: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to head; one replica at a time (advisory lock)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        current = migrate.current_revision(conn)
        migrate.check_known(current)
        if current != migrate.SCHEMA_HEAD:
            log.info("migrating the server database from %s", current)
            migrate.upgrade(conn)
        return migrate.current_revision(conn)
