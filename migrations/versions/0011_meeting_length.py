"""Meetings have a length, and agenda items say whether they are pressing.

``meetings.length_minutes`` (90 for meetings already planned): the agenda is planned to
fit it. ``agenda_items.pressing``: an urgent referral or an overdue review, which comes
before the others of its kind and keeps that place when carried forward. Both may be
null (a row synced from a device without them), read as 90 and false.

Revision ID: meeting_length_1
Revises: discharge_templates_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "meeting_length_1"
down_revision = "discharge_templates_1"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    # A store made from today's models and marked older (as a test of upgrading does)
    # already has the columns.
    if "length_minutes" not in _columns("meetings"):
        with op.batch_alter_table("meetings") as batch:
            batch.add_column(
                sa.Column("length_minutes", sa.Integer(), nullable=True, server_default="90")
            )
    if "pressing" not in _columns("agenda_items"):
        with op.batch_alter_table("agenda_items") as batch:
            batch.add_column(
                sa.Column("pressing", sa.Boolean(), nullable=True, server_default=sa.false())
            )


def downgrade() -> None:
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_column("pressing")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("length_minutes")
