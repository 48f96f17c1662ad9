"""Team server: a persisted clock, token families, sign-in throttling per client address.

PostgreSQL only, as the rest of the server's tables; on a laptop's store this
revision only moves the version marker. The throttle's counts are short-lived, so its
table is recreated rather than converted.

Revision ID: server_ops_1
Revises: budgets_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "server_ops_1"
down_revision = "budgets_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "server_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_hlc", sa.BigInteger, nullable=False),
    )
    # Revision sync_1 creates server_tokens from the current models, so on a new database
    # the column is already there.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("server_tokens")}
    if "family_id" not in have:
        op.add_column("server_tokens", sa.Column("family_id", sa.Uuid))
        op.create_index("ix_server_tokens_family_id", "server_tokens", ["family_id"])
    # Tokens issued before families existed cannot be told apart from replays: sign in again.
    op.execute("UPDATE server_tokens SET revoked_at = now() WHERE revoked_at IS NULL")
    op.drop_table("server_login_throttle")
    _throttle(by_address=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("server_login_throttle")
    _throttle(by_address=False)
    op.drop_index("ix_server_tokens_family_id", "server_tokens")
    op.drop_column("server_tokens", "family_id")
    op.drop_table("server_clock")


def _throttle(by_address: bool) -> None:
    columns: list[sa.Column] = [sa.Column("name", sa.String(200), nullable=False)]
    if by_address:
        columns.append(sa.Column("address", sa.String(64), nullable=False, server_default="*"))
    op.create_table(
        "server_login_throttle",
        *columns,
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("name", "address")
        if by_address
        else sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        "ix_server_login_throttle_last_failure_at", "server_login_throttle", ["last_failure_at"]
    )
