"""Discharge planning: a stay's plan with its history, criteria and tasks.

The discharge_plans and discharge_tasks tables of schema v1 were placeholders that no feature
wrote; they are made anew in the shape the feature needs (and the upgrade refuses to drop them
if a store holds rows in them). Hospital admissions gain the hospital's spell id (unique per
team: imports are idempotent by it), the NHS Data Dictionary admission method and a contact.

Revision ID: discharges_1
Revises: login_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "discharges_1"
down_revision = "login_1"
branch_labels = None
depends_on = None

_PLACEHOLDERS = ("discharge_tasks", "discharge_plans")


def _drop(table: str) -> None:
    op.drop_table(table)  # its indexes and constraints go with it, on both backends


def upgrade() -> None:
    bind = op.get_bind()
    for table in _PLACEHOLDERS:
        if bind.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar():
            raise RuntimeError(
                f"The store holds rows in {table}, which this version replaces; "
                "nothing was changed. Keep this store on the previous version and report it."
            )
    for table in _PLACEHOLDERS:
        _drop(table)
    op.create_table(
        "discharge_plans",
        sa.Column("admission_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("expected_discharge_on", sa.Date(), nullable=True),
        sa.Column("ready_on", sa.Date(), nullable=True),
        sa.Column("pathway", sa.Integer(), nullable=True),
        sa.Column("destination_code", sa.String(length=40), nullable=True),
        sa.Column("destination_version", sa.String(length=20), nullable=True),
        sa.Column("delay_code", sa.String(length=40), nullable=True),
        sa.Column("delay_scheme", sa.String(length=40), nullable=True),
        sa.Column("delay_family", sa.String(length=60), nullable=True),
        sa.Column("discharged_pathway", sa.Integer(), nullable=True),
        sa.Column("discharge_method", sa.String(length=4), nullable=True),
        sa.Column("discharge_destination", sa.String(length=4), nullable=True),
        sa.Column("follow_up_due_on", sa.Date(), nullable=True),
        sa.Column("follow_up_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_by", sa.String(length=200), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.Column("readmission", sa.Boolean(), nullable=False),
        sa.Column("summary_plan_actions", sa.Text(), nullable=True),
        sa.Column("summary_medicine_changes", sa.Text(), nullable=True),
        sa.Column("summary_requirements", sa.Text(), nullable=True),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconciled_by", sa.String(length=200), nullable=True),
        sa.Column("reconciled_version_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('in_hospital', 'discharged', 'cancelled')",
            name=op.f("ck_discharge_plans_status_valid"),
        ),
        sa.CheckConstraint(
            "discharged_pathway BETWEEN 0 AND 3",
            name=op.f("ck_discharge_plans_discharged_pathway_0_to_3"),
        ),
        sa.CheckConstraint(
            "pathway BETWEEN 0 AND 3", name=op.f("ck_discharge_plans_pathway_0_to_3")
        ),
        sa.ForeignKeyConstraint(
            ["admission_id"],
            ["hospital_admissions.id"],
            name=op.f("fk_discharge_plans_admission_id_hospital_admissions"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_discharge_plans_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_plans_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_plans")),
        sa.UniqueConstraint("admission_id", name=op.f("uq_discharge_plans_admission_id")),
    )
    with op.batch_alter_table("discharge_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_plans_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_plans_team_id"), ["team_id"], unique=False)

    op.create_table(
        "discharge_criteria",
        sa.Column("discharge_plan_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["discharge_plan_id"],
            ["discharge_plans.id"],
            name=op.f("fk_discharge_criteria_discharge_plan_id_discharge_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_criteria_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_criteria")),
    )
    with op.batch_alter_table("discharge_criteria", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_criteria_discharge_plan_id"),
            ["discharge_plan_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_discharge_criteria_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "discharge_events",
        sa.Column("discharge_plan_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("meets_criteria", sa.Boolean(), nullable=True),
        sa.Column("pathway", sa.Integer(), nullable=True),
        sa.Column("scheme", sa.String(length=40), nullable=True),
        sa.Column("version", sa.String(length=20), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("family", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('edd', 'criteria', 'pathway', 'delay', 'delay_ended', 'discharge', 'follow_up')",
            name=op.f("ck_discharge_events_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["discharge_plan_id"],
            ["discharge_plans.id"],
            name=op.f("fk_discharge_events_discharge_plan_id_discharge_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_events_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_events")),
    )
    with op.batch_alter_table("discharge_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_discharge_events_plan_kind", ["discharge_plan_id", "kind"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_events_team_id"), ["team_id"], unique=False)

    op.create_table(
        "discharge_tasks",
        sa.Column("discharge_plan_id", sa.Uuid(), nullable=False),
        sa.Column("template_key", sa.String(length=60), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("owner_staff_id", sa.Uuid(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("anchor", sa.String(length=12), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "anchor IN ('pathway', 'discharge')", name=op.f("ck_discharge_tasks_anchor_valid")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_discharge_tasks_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["discharge_plan_id"],
            ["discharge_plans.id"],
            name=op.f("fk_discharge_tasks_discharge_plan_id_discharge_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_discharge_tasks_owner_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_tasks_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_tasks")),
    )
    with op.batch_alter_table("discharge_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_tasks_discharge_plan_id"), ["discharge_plan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_tasks_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("hospital_admissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spell_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("admission_method", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            "uq_hospital_admissions_team_spell", ["team_id", "spell_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("hospital_admissions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_hospital_admissions_team_spell", type_="unique")
        batch_op.drop_column("contact")
        batch_op.drop_column("admission_method")
        batch_op.drop_column("spell_id")
    for table in ("discharge_tasks", "discharge_events", "discharge_criteria", "discharge_plans"):
        _drop(table)
    op.create_table(
        "discharge_plans",
        sa.Column("admission_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("expected_discharge_on", sa.Date(), nullable=True),
        sa.Column("pathway", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("medically_optimised_on", sa.Date(), nullable=True),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("follow_up_due_on", sa.Date(), nullable=True),
        sa.Column("follow_up_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('planning', 'ready', 'delayed', 'discharged', 'cancelled')",
            name=op.f("ck_discharge_plans_status_valid"),
        ),
        sa.CheckConstraint(
            "pathway BETWEEN 0 AND 3", name=op.f("ck_discharge_plans_pathway_0_to_3")
        ),
        sa.ForeignKeyConstraint(
            ["admission_id"],
            ["hospital_admissions.id"],
            name=op.f("fk_discharge_plans_admission_id_hospital_admissions"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_discharge_plans_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_plans_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_plans")),
    )
    with op.batch_alter_table("discharge_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_plans_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_plans_team_id"), ["team_id"], unique=False)

    op.create_table(
        "discharge_tasks",
        sa.Column("discharge_plan_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_staff_id", sa.Uuid(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_discharge_tasks_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["discharge_plan_id"],
            ["discharge_plans.id"],
            name=op.f("fk_discharge_tasks_discharge_plan_id_discharge_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_discharge_tasks_owner_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_discharge_tasks_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_tasks")),
    )
    with op.batch_alter_table("discharge_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_tasks_discharge_plan_id"), ["discharge_plan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_tasks_team_id"), ["team_id"], unique=False)
