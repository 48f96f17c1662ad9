"""Team server tables: accounts, devices, tokens, applied changes, the pull log.

Created on PostgreSQL only: a laptop's store never holds accounts or the server's
change ledger, so on SQLCipher this revision only moves the version marker.

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

    metadata.create_all(op.get_bind())
    op.execute("CREATE SEQUENCE IF NOT EXISTS server_row_log_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from mdt_desktop.server.models import metadata

    op.execute("DROP SEQUENCE IF EXISTS server_row_log_seq")
    metadata.drop_all(op.get_bind())
