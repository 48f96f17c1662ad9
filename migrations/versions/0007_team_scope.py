"""Team scope inside rows: per-team uniques, and the laptop's time beside the server's.

``care_plans.patient_id`` and ``care_plan_versions (care_plan_id, number)`` were unique
across all teams, so one team could take another's plan or next version number. They
become unique with ``team_id``, on the team server and on laptops alike.

Notes, MDT decisions and care-plan versions get ``recorded_on_laptop_at``: the team
server now sets who wrote them and when from the signed-in account and its own clock;
the time the laptop claimed is kept there, marked as the laptop's.

Revision ID: team_scope_1
Revises: server_ops_1
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mdt_desktop.store.types import UTCDateTime

revision = "team_scope_1"
down_revision = "server_ops_1"
branch_labels = None
depends_on = None

_LAPTOP_TIME = ("notes", "decisions", "care_plan_versions")


def _uniques(table: str) -> dict[str, list[str]]:
    found = sa.inspect(op.get_bind()).get_unique_constraints(table)
    return {u["name"]: list(u["column_names"]) for u in found if u.get("name")}


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    # Each step looks first: a store made from today's models and marked older (as a test
    # of upgrading does) already has them.
    if "uq_care_plans_patient_id" in _uniques("care_plans"):
        with op.batch_alter_table("care_plans") as batch:
            batch.drop_constraint("uq_care_plans_patient_id", type_="unique")
            batch.create_unique_constraint("uq_care_plans_team_patient", ["team_id", "patient_id"])
    if _uniques("care_plan_versions").get("uq_care_plan_versions_plan_number") == [
        "care_plan_id",
        "number",
    ]:
        with op.batch_alter_table("care_plan_versions") as batch:
            batch.drop_constraint("uq_care_plan_versions_plan_number", type_="unique")
            batch.create_unique_constraint(
                "uq_care_plan_versions_plan_number", ["team_id", "care_plan_id", "number"]
            )
    for table in _LAPTOP_TIME:
        if "recorded_on_laptop_at" not in _columns(table):
            with op.batch_alter_table(table) as batch:
                batch.add_column(sa.Column("recorded_on_laptop_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in _LAPTOP_TIME:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("recorded_on_laptop_at")
    with op.batch_alter_table("care_plan_versions") as batch:
        batch.drop_constraint("uq_care_plan_versions_plan_number", type_="unique")
        batch.create_unique_constraint(
            "uq_care_plan_versions_plan_number", ["care_plan_id", "number"]
        )
    with op.batch_alter_table("care_plans") as batch:
        batch.drop_constraint("uq_care_plans_team_patient", type_="unique")
        batch.create_unique_constraint("uq_care_plans_patient_id", ["patient_id"])
