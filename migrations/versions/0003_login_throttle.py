"""Team server: pause sign-in for a user name after repeated wrong passwords.

PostgreSQL only, as the rest of the server's tables; on a laptop's store this
revision only moves the version marker.

Revision ID: login_1
Revises: sync_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "login_1"
down_revision = "sync_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "server_login_throttle",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_server_login_throttle_last_failure_at", "server_login_throttle", ["last_failure_at"]
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("server_login_throttle")
