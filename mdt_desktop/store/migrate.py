"""Alembic, driven from code: the same history runs on SQLCipher and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from mdt_desktop.paths import migrations_dir

# The newest revision this build knows. Kept as a constant so opening an
# up-to-date store does not parse the migration scripts; a test checks it
# against the history in migrations/.
SCHEMA_HEAD = "meeting_length_1"
KNOWN_REVISIONS = {
    "0001", "sync_1", "login_1", "discharges_1", "budgets_1", "server_ops_1", "team_scope_1",
    "audit_anchor_1", "drafts_1", "discharge_templates_1", "meeting_length_1",
}  # fmt: skip


class NewerStoreError(Exception):
    """The store was written by a newer version of MDT Desktop."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_known(revision: str | None) -> None:
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise NewerStoreError(
            f"this store has schema {revision}, newer than this version of MDT Desktop knows: "
            "install the newer version"
        )


def upgrade(connection: Connection, target: str = "head") -> None:
    command.upgrade(alembic_config(connection), target)


def downgrade(connection: Connection, target: str) -> None:
    command.downgrade(alembic_config(connection), target)
