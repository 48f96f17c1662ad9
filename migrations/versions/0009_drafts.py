"""Drafts: unsaved note text and care-plan edits, per user, person and kind.

Local to each laptop (it never syncs); created on PostgreSQL too so the one history
stays one, though the team server writes nothing to it.

Revision ID: drafts_1
Revises: audit_anchor_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.store.types import JSONDoc, UTCDateTime

revision = "drafts_1"
down_revision = "audit_anchor_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content", JSONDoc, nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('note', 'care_plan')", name=op.f("ck_drafts_kind_valid")),
        sa.PrimaryKeyConstraint("user_id", "patient_id", "kind", name=op.f("pk_drafts")),
    )


def downgrade() -> None:
    op.drop_table("drafts")
