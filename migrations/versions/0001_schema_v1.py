"""Schema v1: every table of the MDT, plus an append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:35:17.461207
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "action IN ('view', 'create', 'update', 'delete', 'import', 'export', 'login', 'unlock', 'lock')",
            name=op.f("ck_audit_log_action_valid"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index("ix_audit_log_patient_id_seq", ["patient_id", "seq"], unique=False)

    op.create_table(
        "import_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "rejections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_records")),
    )
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column(
            "local_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "remote_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('field', 'care_plan_version', 'delete_vs_update', 'rejected')",
            name=op.f("ck_sync_conflicts_kind_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflicts_row_id"), ["row_id"], unique=False)

    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "op IN ('insert', 'update', 'delete')", name=op.f("ck_sync_outbox_op_valid")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("change_id", name=op.f("uq_sync_outbox_change_id")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_outbox_row_id"), ["row_id"], unique=False)

    op.create_table(
        "teams",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column(
            "quorum_rule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("code", name=op.f("uq_teams_code")),
    )
    op.create_table(
        "practices",
        sa.Column("ods_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_practices_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
        sa.UniqueConstraint("ods_code", name=op.f("uq_practices_ods_code")),
    )
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practices_team_id"), ["team_id"], unique=False)

    op.create_table(
        "staff",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_staff_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_team_id"), ["team_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("chair_staff_id", sa.Uuid(), nullable=True),
        sa.Column("note_taker_staff_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("quorum_met", sa.Boolean(), nullable=True),
        sa.Column("quorum_detail", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'closed', 'cancelled')",
            name=op.f("ck_meetings_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["chair_staff_id"], ["staff.id"], name=op.f("fk_meetings_chair_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["note_taker_staff_id"],
            ["staff.id"],
            name=op.f("fk_meetings_note_taker_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_meetings_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_team_id"), ["team_id"], unique=False)

    op.create_table(
        "patients",
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("source_system", sa.String(length=200), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=40), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("date_of_death", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("practice_id", sa.Uuid(), nullable=True),
        sa.Column("registration_status", sa.String(length=12), nullable=False),
        sa.Column("registration_date", sa.Date(), nullable=True),
        sa.Column("date_left", sa.Date(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "registration_status IN ('registered', 'left', 'deceased')",
            name=op.f("ck_patients_registration_status_valid"),
        ),
        sa.CheckConstraint(
            "sex IN ('female', 'male', 'other', 'unknown')", name=op.f("ck_patients_sex_valid")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_patients_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_patients_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("nhs_number", name=op.f("uq_patients_nhs_number")),
        sa.UniqueConstraint("source_system", "source_id", name="uq_patients_source"),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_dob", ["date_of_birth"], unique=False)
        batch_op.create_index(batch_op.f("ix_patients_practice_id"), ["practice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patients_team_id"), ["team_id"], unique=False)
    _name_index()

    op.create_table(
        "users",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_users_staff_id_staff")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason_kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("minutes_allotted", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=True),
        sa.Column("carried_from_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reason_kind IN ('new_referral', 'review_due', 'escalation', 'admitted', 'discharged', 'carried_forward', 'added')",
            name=op.f("ck_agenda_items_reason_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'discussed', 'not_reached')",
            name=op.f("ck_agenda_items_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_items_carried_from_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_agenda_items_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_agenda_items_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agenda_items_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agenda_items_team_id"), ["team_id"], unique=False)

    op.create_table(
        "care_plans",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("current_version_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'agreed', 'closed')", name=op.f("ck_care_plans_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_plans_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_care_plans_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_care_plans_patient_id")),
    )
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plans_review_on"), ["review_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plans_team_id"), ["team_id"], unique=False)

    op.create_table(
        "care_team_members",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("relationship", sa.String(length=16), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "relationship IN ('professional', 'carer', 'next_of_kin')",
            name=op.f("ck_care_team_members_relationship_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_care_team_members_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_care_team_members_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_care_team_members_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_team_members")),
    )
    with op.batch_alter_table("care_team_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_team_members_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_care_team_members_team_id"), ["team_id"], unique=False)

    op.create_table(
        "coded_entries",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("term", sa.Text(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('condition', 'medication', 'admission', 'ae_attendance')",
            name=op.f("ck_coded_entries_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_coded_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_coded_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coded_entries")),
    )
    with op.batch_alter_table("coded_entries", schema=None) as batch_op:
        batch_op.create_index("ix_coded_entries_patient_kind", ["patient_id", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_coded_entries_team_id"), ["team_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('given', 'declined', 'not_asked')", name=op.f("ck_consents_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_consents_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_consents_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consents_team_id"), ["team_id"], unique=False)

    op.create_table(
        "hospital_admissions",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("hospital", sa.String(length=200), nullable=True),
        sa.Column("ward", sa.String(length=100), nullable=True),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_hospital_admissions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_hospital_admissions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hospital_admissions")),
    )
    with op.batch_alter_table("hospital_admissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hospital_admissions_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hospital_admissions_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("attendance", sa.String(length=12), nullable=False),
        sa.Column("is_guest", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "attendance IN ('present', 'apologies', 'absent')",
            name=op.f("ck_meeting_attendance_attendance_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendance_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_meeting_attendance_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_meeting_attendance_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
    )
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendance_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_attendance_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("author_user_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_role", sa.String(length=40), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("corrects_note_id", sa.Uuid(), nullable=True),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_note_id"], ["notes.id"], name=op.f("fk_notes_corrects_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_notes_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_notes_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notes_patient_written", ["patient_id", "written_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notes_team_id"), ["team_id"], unique=False)

    op.create_table(
        "personal_health_budgets",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("allocation_pence", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('notional', 'third_party', 'direct_payment')",
            name=op.f("ck_personal_health_budgets_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'active', 'suspended', 'ended')",
            name=op.f("ck_personal_health_budgets_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_personal_health_budgets_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_personal_health_budgets_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_health_budgets")),
    )
    with op.batch_alter_table("personal_health_budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_health_budgets_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_personal_health_budgets_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("referred_by", sa.String(length=200), nullable=True),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source IN ('case_finding', 'manual', 'discharge', 'external')",
            name=op.f("ck_referrals_source_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'accepted', 'declined', 'withdrawn')",
            name=op.f("ck_referrals_status_valid"),
        ),
        sa.CheckConstraint(
            "urgency IN ('routine', 'soon', 'urgent')", name=op.f("ck_referrals_urgency_valid")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_referrals_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_referrals_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_team_id"), ["team_id"], unique=False)
        batch_op.create_index("ix_referrals_team_status", ["team_id", "status"], unique=False)

    op.create_table(
        "risk_scores",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=40), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("practice_code", sa.String(length=12), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("efi_deficits", sa.Integer(), nullable=False),
        sa.Column("efi_score", sa.Float(), nullable=True),
        sa.Column("efi_category", sa.String(length=16), nullable=False),
        sa.Column("admissions_12m", sa.Integer(), nullable=False),
        sa.Column("ae_attendances_12m", sa.Integer(), nullable=False),
        sa.Column("repeat_medications", sa.Integer(), nullable=False),
        sa.Column("long_term_conditions", sa.Integer(), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("segment_rank", sa.Integer(), nullable=False),
        sa.Column("caseload_status", sa.String(length=12), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "efi_category IN ('fit', 'mild', 'moderate', 'severe', 'not_applicable')",
            name=op.f("ck_risk_scores_efi_category_valid"),
        ),
        sa.CheckConstraint(
            "segment IN ('whole_population', 'urgent', 'ongoing', 'highest')",
            name=op.f("ck_risk_scores_segment_valid"),
        ),
        sa.CheckConstraint(
            "caseload_status IN ('', 'referred', 'on_caseload')",
            name=op.f("ck_risk_scores_caseload_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_risk_scores_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_risk_scores")),
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        for column in (
            "admissions_12m",
            "caseload_status",
            "date_of_birth",
            "efi_category",
            "efi_score",
            "nhs_number",
            "risk_score",
        ):
            batch_op.create_index(f"ix_risk_scores_{column}", [column], unique=False)
        batch_op.create_index(
            "ix_risk_scores_segment_rank_score", ["segment_rank", "risk_score"], unique=False
        )
    _risk_name_indexes()

    op.create_table(
        "actions",
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_staff_id", sa.Uuid(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
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
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_actions_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_actions_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_actions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name=op.f("fk_actions_owner_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_actions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_actions_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actions_owner_staff_id"), ["owner_staff_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_actions_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_actions_status_due", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "budget_lines",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("care_plan_goal_ref", sa.String(length=64), nullable=True),
        sa.Column("planned_pence", sa.BigInteger(), nullable=False),
        sa.Column("frequency", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["personal_health_budgets.id"],
            name=op.f("fk_budget_lines_budget_id_personal_health_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_budget_lines_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
    )
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_lines_budget_id"), ["budget_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_lines_team_id"), ["team_id"], unique=False)

    op.create_table(
        "care_plan_versions",
        sa.Column("care_plan_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("second_parent_id", sa.Uuid(), nullable=True),
        sa.Column("author_user_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("agreed_how", sa.String(length=100), nullable=True),
        sa.Column("copy_given", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_plan_id"],
            ["care_plans.id"],
            name=op.f("fk_care_plan_versions_care_plan_id_care_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["care_plan_versions.id"],
            name=op.f("fk_care_plan_versions_parent_id_care_plan_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_care_plan_versions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_versions")),
        sa.UniqueConstraint("care_plan_id", "number", name="uq_care_plan_versions_plan_number"),
    )
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_plan_versions_care_plan_id"), ["care_plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_plan_versions_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "caseload_entries",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("care_coordinator_id", sa.Uuid(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'stepped_down', 'closed')",
            name=op.f("ck_caseload_entries_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["care_coordinator_id"],
            ["staff.id"],
            name=op.f("fk_caseload_entries_care_coordinator_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_caseload_entries_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_caseload_entries_referral_id_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_caseload_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseload_entries")),
    )
    with op.batch_alter_table("caseload_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caseload_entries_next_review_on"), ["next_review_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_caseload_entries_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_caseload_entries_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            "ix_caseload_entries_team_status", ["team_id", "status"], unique=False
        )

    op.create_table(
        "decisions",
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("referred_to", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('continue', 'step_up', 'step_down', 'refer', 'close')",
            name=op.f("ck_decisions_outcome_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_decisions_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_decisions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_decisions_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decisions_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decisions_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_team_id"), ["team_id"], unique=False)

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
        "note_mentions",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_mentions_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_note_mentions_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_note_mentions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_mentions")),
    )
    with op.batch_alter_table("note_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_mentions_note_id"), ["note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_note_mentions_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_note_mentions_team_id"), ["team_id"], unique=False)

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

    op.create_table(
        "ledger_entries",
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('spend', 'refund', 'adjustment', 'top_up')",
            name=op.f("ck_ledger_entries_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["personal_health_budgets.id"],
            name=op.f("fk_ledger_entries_budget_id_personal_health_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["budget_lines.id"],
            name=op.f("fk_ledger_entries_budget_line_id_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_ledger_entries_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_team_id"), ["team_id"], unique=False)

    _audit_log_append_only()


def _name_index() -> None:
    """Names are searched and sorted without regard to case: NOCASE on SQLite, lower() on PG."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_patients_name_nocase ON patients (lower(family_name), lower(given_name))"
        )
    else:
        op.execute(
            "CREATE INDEX ix_patients_name_nocase ON patients "
            "(family_name COLLATE NOCASE, given_name COLLATE NOCASE)"
        )


def _risk_name_indexes() -> None:
    """The case-finding list sorts by name and by practice then name, ignoring case."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_risk_scores_name_nocase ON risk_scores "
            "(lower(family_name), lower(given_name))"
        )
        op.execute(
            "CREATE INDEX ix_risk_scores_practice_name ON risk_scores "
            "(practice_code, lower(family_name))"
        )
    else:
        op.execute(
            "CREATE INDEX ix_risk_scores_name_nocase ON risk_scores "
            "(family_name COLLATE NOCASE, given_name COLLATE NOCASE)"
        )
        op.execute(
            "CREATE INDEX ix_risk_scores_practice_name ON risk_scores "
            "(practice_code, family_name COLLATE NOCASE)"
        )


def _audit_log_append_only() -> None:
    """The audit log refuses UPDATE and DELETE (the hash chain catches anyone bypassing this)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_team_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_budget_id"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("discharge_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_tasks_team_id"))
        batch_op.drop_index(batch_op.f("ix_discharge_tasks_discharge_plan_id"))

    op.drop_table("discharge_tasks")
    with op.batch_alter_table("note_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_mentions_team_id"))
        batch_op.drop_index(batch_op.f("ix_note_mentions_staff_id"))
        batch_op.drop_index(batch_op.f("ix_note_mentions_note_id"))

    op.drop_table("note_mentions")
    with op.batch_alter_table("discharge_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_plans_team_id"))
        batch_op.drop_index(batch_op.f("ix_discharge_plans_patient_id"))

    op.drop_table("discharge_plans")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_team_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_agenda_item_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("caseload_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_caseload_entries_team_status")
        batch_op.drop_index(batch_op.f("ix_caseload_entries_team_id"))
        batch_op.drop_index(batch_op.f("ix_caseload_entries_patient_id"))
        batch_op.drop_index(batch_op.f("ix_caseload_entries_next_review_on"))

    op.drop_table("caseload_entries")
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_versions_team_id"))
        batch_op.drop_index(batch_op.f("ix_care_plan_versions_care_plan_id"))

    op.drop_table("care_plan_versions")
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_lines_team_id"))
        batch_op.drop_index(batch_op.f("ix_budget_lines_budget_id"))

    op.drop_table("budget_lines")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_team_id"))
        batch_op.drop_index("ix_actions_status_due")
        batch_op.drop_index(batch_op.f("ix_actions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_actions_owner_staff_id"))

    op.drop_table("actions")
    op.execute("DROP INDEX IF EXISTS ix_risk_scores_name_nocase")
    op.execute("DROP INDEX IF EXISTS ix_risk_scores_practice_name")
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_scores_segment_rank_score")
        for column in (
            "admissions_12m",
            "caseload_status",
            "date_of_birth",
            "efi_category",
            "efi_score",
            "nhs_number",
            "risk_score",
        ):
            batch_op.drop_index(f"ix_risk_scores_{column}")

    op.drop_table("risk_scores")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_team_status")
        batch_op.drop_index(batch_op.f("ix_referrals_team_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_patient_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("personal_health_budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_health_budgets_team_id"))
        batch_op.drop_index(batch_op.f("ix_personal_health_budgets_patient_id"))

    op.drop_table("personal_health_budgets")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_team_id"))
        batch_op.drop_index("ix_notes_patient_written")

    op.drop_table("notes")
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_team_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_meeting_id"))

    op.drop_table("meeting_attendance")
    with op.batch_alter_table("hospital_admissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hospital_admissions_team_id"))
        batch_op.drop_index(batch_op.f("ix_hospital_admissions_patient_id"))

    op.drop_table("hospital_admissions")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_team_id"))
        batch_op.drop_index(batch_op.f("ix_consents_patient_id"))

    op.drop_table("consents")
    with op.batch_alter_table("coded_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coded_entries_team_id"))
        batch_op.drop_index("ix_coded_entries_patient_kind")

    op.drop_table("coded_entries")
    with op.batch_alter_table("care_team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_team_members_team_id"))
        batch_op.drop_index(batch_op.f("ix_care_team_members_patient_id"))

    op.drop_table("care_team_members")
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plans_team_id"))
        batch_op.drop_index(batch_op.f("ix_care_plans_review_on"))

    op.drop_table("care_plans")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_team_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_items_patient_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team_id"))

    op.drop_table("users")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_team_id"))
        batch_op.drop_index(batch_op.f("ix_patients_practice_id"))
        batch_op.drop_index("ix_patients_dob")

    op.execute("DROP INDEX IF EXISTS ix_patients_name_nocase")
    op.drop_table("patients")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_team_id"))
        batch_op.drop_index(batch_op.f("ix_meetings_starts_at"))

    op.drop_table("meetings")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_team_id"))

    op.drop_table("staff")
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practices_team_id"))

    op.drop_table("practices")
    op.drop_table("teams")
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_outbox_row_id"))

    op.drop_table("sync_outbox")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_row_id"))

    op.drop_table("sync_conflicts")
    op.drop_table("store_meta")
    op.drop_table("import_records")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_patient_id_seq")
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
