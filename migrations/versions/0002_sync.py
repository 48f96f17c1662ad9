"""Team server tables: accounts, devices, tokens, applied changes, the pull log.

Created on PostgreSQL only: a laptop's store never holds accounts or the server's
change ledger, so on SQLCipher this revision only moves the version marker.

On the server, registered-list uniqueness is per team: one person can be on two
teams' lists (and one team must not learn, through a refused insert, that another
team holds someone). A laptop holds one team, so its global constraints stay.

Revision ID: sync_1
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "sync_1"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from mdt_desktop.server.models import metadata

    # The tables this revision made, by name: later revisions add their own tables.
    metadata.create_all(op.get_bind(), tables=[metadata.tables[t] for t in _TABLES])
    op.execute("CREATE SEQUENCE IF NOT EXISTS server_row_log_seq")
    for table, name, columns in _PER_TEAM:
        op.drop_constraint(name, table, type_="unique")
        op.create_unique_constraint(name, table, ["team_id", *columns])


_TABLES = (
    "server_accounts",
    "server_memberships",
    "server_devices",
    "server_tokens",
    "server_applied_changes",
    "server_row_log",
    "server_state",
)
_PER_TEAM = (
    ("patients", "uq_patients_nhs_number", ["nhs_number"]),
    ("patients", "uq_patients_source", ["source_system", "source_id"]),
    ("practices", "uq_practices_ods_code", ["ods_code"]),
)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from mdt_desktop.server.models import metadata

    for table, name, columns in _PER_TEAM:
        op.drop_constraint(name, table, type_="unique")
        op.create_unique_constraint(name, table, columns)
    op.execute("DROP SEQUENCE IF EXISTS server_row_log_seq")
    metadata.drop_all(op.get_bind(), tables=[metadata.tables[t] for t in _TABLES])
