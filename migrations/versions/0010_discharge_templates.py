"""A team's own task templates for the discharge pathways.

``discharge_task_templates`` holds, per team and pathway, the team's edited list of tasks
(the national default stays in resources/discharge/task-templates.json); it syncs like
every team table.

Revision ID: discharge_templates_1
Revises: drafts_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "discharge_templates_1"
down_revision = "drafts_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discharge_task_templates",
        sa.Column("pathway", sa.Integer(), nullable=True),
        sa.Column(
            "tasks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("based_on_version", sa.String(length=20), nullable=True),
        sa.Column("edited_by", sa.String(length=200), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "pathway BETWEEN 0 AND 3", name=op.f("ck_discharge_task_templates_pathway_0_to_3")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_task_templates_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_task_templates")),
        sa.UniqueConstraint(
            "team_id", "pathway", name=op.f("uq_discharge_task_templates_team_pathway")
        ),
    )
    with op.batch_alter_table("discharge_task_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_task_templates_team_id"), ["team_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("discharge_task_templates")
