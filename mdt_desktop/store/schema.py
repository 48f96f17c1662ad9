"""Schema v1: every table the MDT uses, designed once so later work extends it.

Rows that travel between laptops and the team server inherit :class:`Synced`
(UUID key, hybrid-logical-clock ``updated_at``, ``updated_by``, ``deleted_at``
tombstone) and :class:`TeamScoped` where the row belongs to one neighbourhood
team. Local-only bookkeeping (store metadata, audit log, outbox, conflicts,
derived risk scores, import records) does not sync.

Kinds and statuses are short lower-case words kept in CHECK constraints so the
same history runs on SQLCipher and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from .types import JSONDoc, UTCDateTime

# Stable constraint names: Alembic needs them to alter tables on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc,
        list[Any]: JSONDoc,
    }


def _one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class Synced:
    """Columns every syncing row carries."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Hybrid logical clock (ms << 16 | counter) of the last change; 0 until first flush.
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class TeamScoped(Synced):
    """A syncing row that belongs to one neighbourhood team (the server's scope)."""

    @declared_attr
    def team_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("teams.id"), index=True, nullable=True)


# --- Local, not synced ------------------------------------------------------------------


class StoreMeta(Base):
    """Key/value facts about this store: its id, this device's id, clock and audit head."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only, hash-chained record of who did what (triggers forbid edits)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        _one_of(
            "action",
            ("view", "create", "update", "delete", "import", "export", "login", "unlock", "lock"),
        ),
        Index("ix_audit_log_patient_id_seq", "patient_id", "seq"),
    )
    ACTIONS = ("view", "create", "update", "delete", "import", "export", "login", "unlock", "lock")

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(16), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """What the team server acknowledged holding of this store's audit log, entry by entry.

    Written only from the server's answer: a local chain later cut short, or rewritten
    and re-chained, no longer matches it (store/audit.py, verify_chain).
    """

    __tablename__ = "audit_anchor"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime]


class OutboxEntry(Base):
    """One change waiting to be pushed to the team server."""

    __tablename__ = "sync_outbox"
    __table_args__ = (_one_of("op", ("insert", "update", "delete")),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    change_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    op: Mapped[str] = mapped_column(String(8))
    fields: Mapped[dict[str, Any]]
    hlc: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime]


class SyncConflict(Base):
    """A change that could not be merged automatically; both sides are kept."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        _one_of("kind", ("field", "care_plan_version", "delete_vs_update", "rejected")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    local_fields: Mapped[dict[str, Any] | None]
    remote_fields: Mapped[dict[str, Any] | None]
    detected_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ImportRecord(Base):
    """One run of a registered-list import, with its counts and rejected rows."""

    __tablename__ = "import_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[dict[str, Any]]
    rejections: Mapped[list[Any]]


class RiskScore(Base):
    """Derived risk of one person, and the case-finding list's row for them.

    Recomputed locally after each import. It repeats the few patient fields the list
    shows so that every filter and every sort is one indexed table: no join decides
    the order of 250,000 rows. ``caseload_status`` is kept current by the referral
    and caseload services.
    """

    __tablename__ = "risk_scores"
    __table_args__ = (
        _one_of("efi_category", ("fit", "mild", "moderate", "severe", "not_applicable")),
        _one_of("segment", ("whole_population", "urgent", "ongoing", "highest")),
        _one_of("caseload_status", ("", "referred", "on_caseload")),
        Index("ix_risk_scores_segment_rank_score", "segment_rank", "risk_score"),
        Index(
            "ix_risk_scores_name_nocase",
            text("family_name COLLATE NOCASE"),
            text("given_name COLLATE NOCASE"),
        ).ddl_if(dialect="sqlite"),
        Index(
            "ix_risk_scores_practice_name",
            "practice_code",
            text("family_name COLLATE NOCASE"),
        ).ddl_if(dialect="sqlite"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(40))
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    practice_code: Mapped[str | None] = mapped_column(String(12))
    age: Mapped[int | None]
    efi_deficits: Mapped[int] = mapped_column(Integer, default=0)
    efi_score: Mapped[float | None] = mapped_column(Float, index=True)
    efi_category: Mapped[str] = mapped_column(String(16), index=True)
    admissions_12m: Mapped[int] = mapped_column(Integer, default=0, index=True)
    ae_attendances_12m: Mapped[int] = mapped_column(Integer, default=0)
    repeat_medications: Mapped[int] = mapped_column(Integer, default=0)
    long_term_conditions: Mapped[int] = mapped_column(Integer, default=0)
    risk_score: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    segment: Mapped[str] = mapped_column(String(20))
    segment_rank: Mapped[int] = mapped_column(Integer, default=1)
    caseload_status: Mapped[str] = mapped_column(String(12), default="", index=True)
    reasons: Mapped[list[Any]]
    computed_at: Mapped[datetime]


# --- Organisation -------------------------------------------------------------------------


class Team(Synced, Base):
    """A neighbourhood multidisciplinary team."""

    __tablename__ = "teams"
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Quorum rule, e.g. {"gp": 1, "disciplines": 3}; the meetings work reads it.
    quorum_rule: Mapped[dict[str, Any] | None]


class Practice(TeamScoped, Base):
    """A GP practice; its registered list belongs to the team the practice is in."""

    __tablename__ = "practices"
    ods_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))


class Staff(TeamScoped, Base):
    """Someone in the staff directory: a team member or a partner professional."""

    __tablename__ = "staff"
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(TeamScoped, Base):
    """A local user profile on this device (laptop or meeting-room PC)."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    # PBKDF2 hash of the PIN used to unlock an idle session; never the PIN itself.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


# --- Registered list ----------------------------------------------------------------------


class Patient(TeamScoped, Base):
    """A person on a GP practice's registered list."""

    __tablename__ = "patients"
    __table_args__ = (
        _one_of("registration_status", ("registered", "left", "deceased")),
        _one_of("sex", ("female", "male", "other", "unknown")),
        UniqueConstraint("source_system", "source_id", name="uq_patients_source"),
        # Case-insensitive name order and prefix search; PostgreSQL gets lower() instead.
        Index(
            "ix_patients_name_nocase",
            text("family_name COLLATE NOCASE"),
            text("given_name COLLATE NOCASE"),
        ).ddl_if(dialect="sqlite"),
        Index("ix_patients_dob", "date_of_birth"),
    )

    # Unique where known; NULL marks "NHS number not known" (kept source id instead).
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    source_system: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(40))
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    date_of_death: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    postcode: Mapped[str | None] = mapped_column(String(10))
    practice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("practices.id"), index=True)
    registration_status: Mapped[str] = mapped_column(String(12), default="registered")
    registration_date: Mapped[date | None] = mapped_column(Date)
    date_left: Mapped[date | None] = mapped_column(Date)


class CodedEntry(TeamScoped, Base):
    """A SNOMED CT coded fact from the GP record: condition, medication, admission, A&E."""

    __tablename__ = "coded_entries"
    __table_args__ = (
        _one_of("kind", ("condition", "medication", "admission", "ae_attendance")),
        Index("ix_coded_entries_patient_kind", "patient_id", "kind"),
    )
    KINDS = ("condition", "medication", "admission", "ae_attendance")

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    code: Mapped[str] = mapped_column(String(18))
    term: Mapped[str | None] = mapped_column(Text)
    recorded_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(200))


class Consent(TeamScoped, Base):
    """Consent to share the record across the MDT's organisations."""

    __tablename__ = "consents"
    __table_args__ = (_one_of("status", ("given", "declined", "not_asked")),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    recorded_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


# --- Caseload -----------------------------------------------------------------------------


class Referral(TeamScoped, Base):
    """A request to take someone onto the team's caseload, waiting in the inbox."""

    __tablename__ = "referrals"
    __table_args__ = (
        _one_of("source", ("case_finding", "manual", "discharge", "external")),
        _one_of("urgency", ("routine", "soon", "urgent")),
        _one_of("status", ("waiting", "accepted", "declined", "withdrawn")),
        Index("ix_referrals_team_status", "team_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    urgency: Mapped[str] = mapped_column(String(8), default="routine")
    referred_by: Mapped[str | None] = mapped_column(String(200))
    referred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class CaseloadEntry(TeamScoped, Base):
    """Someone the team actively holds, with a named care coordinator."""

    __tablename__ = "caseload_entries"
    __table_args__ = (
        _one_of("status", ("active", "stepped_down", "closed")),
        Index("ix_caseload_entries_team_status", "team_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    care_coordinator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    started_on: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    escalated_at: Mapped[datetime | None]
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)


class CareTeamMember(TeamScoped, Base):
    """A professional, carer or next of kin around one person."""

    __tablename__ = "care_team_members"
    __table_args__ = (_one_of("relationship", ("professional", "carer", "next_of_kin")),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(16), default="professional")
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class Note(TeamScoped, Base):
    """An immutable note between meetings; a correction is a new note pointing back."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_patient_written", "patient_id", "written_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200))
    author_role: Mapped[str] = mapped_column(String(40))
    written_at: Mapped[datetime]
    category: Mapped[str] = mapped_column(String(40), default="general")
    text: Mapped[str] = mapped_column(Text)
    corrects_note_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notes.id"))
    escalation_reason: Mapped[str | None] = mapped_column(Text)


class NoteMention(TeamScoped, Base):
    """A colleague mentioned in a note: the note appears in their inbox."""

    __tablename__ = "note_mentions"

    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notes.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    read_at: Mapped[datetime | None]


# --- Care plans ---------------------------------------------------------------------------


class CarePlan(TeamScoped, Base):
    """The one live shared care plan of a person; its content lives in versions."""

    __tablename__ = "care_plans"
    __table_args__ = (_one_of("status", ("draft", "agreed", "closed")),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), unique=True)
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    review_on: Mapped[date | None] = mapped_column(Date, index=True)


class CarePlanVersion(TeamScoped, Base):
    """An immutable saved version; a merge records both parents."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (
        UniqueConstraint("care_plan_id", "number", name="uq_care_plan_versions_plan_number"),
    )

    care_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("care_plan_versions.id"))
    second_parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    change_summary: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any]]
    review_on: Mapped[date | None] = mapped_column(Date)
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_how: Mapped[str | None] = mapped_column(String(100))
    copy_given: Mapped[bool] = mapped_column(Boolean, default=False)


# --- Meetings -----------------------------------------------------------------------------


class Meeting(TeamScoped, Base):
    __tablename__ = "meetings"
    __table_args__ = (_one_of("status", ("planned", "in_progress", "closed", "cancelled")),)

    starts_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    note_taker_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    quorum_met: Mapped[bool | None]
    quorum_detail: Mapped[str | None] = mapped_column(Text)


class MeetingAttendance(TeamScoped, Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (_one_of("attendance", ("present", "apologies", "absent")),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    attendance: Mapped[str] = mapped_column(String(12), default="present")
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False)


class AgendaItem(TeamScoped, Base):
    __tablename__ = "agenda_items"
    __table_args__ = (
        _one_of(
            "reason_kind",
            (
                "new_referral",
                "review_due",
                "escalation",
                "admitted",
                "discharged",
                "carried_forward",
                "added",
            ),
        ),
        _one_of("status", ("pending", "discussed", "not_reached")),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    reason_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    minutes_allotted: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    discussion: Mapped[str | None] = mapped_column(Text)
    carried_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_items.id"))


class Decision(TeamScoped, Base):
    __tablename__ = "decisions"
    __table_args__ = (_one_of("outcome", ("continue", "step_up", "step_down", "refer", "close")),)

    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    referred_to: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(200))


class Action(TeamScoped, Base):
    """Something someone agreed to do, with an owner and a due date."""

    __tablename__ = "actions"
    __table_args__ = (
        _one_of("status", ("open", "done", "cancelled")),
        Index("ix_actions_status_due", "status", "due_on"),
    )

    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), index=True)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"))
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_items.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))


# --- Personal health budgets --------------------------------------------------------------


class PersonalHealthBudget(TeamScoped, Base):
    """Money is integer pence throughout."""

    __tablename__ = "personal_health_budgets"
    __table_args__ = (
        _one_of("kind", ("notional", "third_party", "direct_payment")),
        _one_of("status", ("planned", "active", "suspended", "ended")),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    allocation_pence: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    holder: Mapped[str | None] = mapped_column(String(200))


class BudgetLine(TeamScoped, Base):
    """A planned use of the budget, tied to a care-plan outcome (goal)."""

    __tablename__ = "budget_lines"

    budget_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("personal_health_budgets.id"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    care_plan_goal_ref: Mapped[str | None] = mapped_column(String(64))
    planned_pence: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[str | None] = mapped_column(String(40))


class LedgerEntry(TeamScoped, Base):
    """Spend (negative) or credit (positive) against a budget, in pence."""

    __tablename__ = "ledger_entries"
    __table_args__ = (_one_of("kind", ("spend", "refund", "adjustment", "top_up")),)

    budget_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("personal_health_budgets.id"), index=True
    )
    budget_line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_lines.id"))
    posted_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100))


# --- Hospital discharges ------------------------------------------------------------------


class HospitalAdmission(TeamScoped, Base):
    __tablename__ = "hospital_admissions"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    hospital: Mapped[str | None] = mapped_column(String(200))
    ward: Mapped[str | None] = mapped_column(String(100))
    admitted_at: Mapped[datetime]
    discharged_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(Boolean, default=True)


class DischargePlan(TeamScoped, Base):
    __tablename__ = "discharge_plans"
    __table_args__ = (
        CheckConstraint("pathway BETWEEN 0 AND 3", name="pathway_0_to_3"),
        _one_of("status", ("planning", "ready", "delayed", "discharged", "cancelled")),
    )

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hospital_admissions.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    expected_discharge_on: Mapped[date | None] = mapped_column(Date)
    pathway: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="planning")
    medically_optimised_on: Mapped[date | None] = mapped_column(Date)
    delay_reason: Mapped[str | None] = mapped_column(Text)
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    follow_up_done_at: Mapped[datetime | None]


class DischargeTask(TeamScoped, Base):
    __tablename__ = "discharge_tasks"
    __table_args__ = (_one_of("status", ("open", "done", "cancelled")),)

    discharge_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discharge_plans.id"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    completed_at: Mapped[datetime | None]


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class (typed as a Table, which it always is here)."""
    return cast(Table, model.__table__)


SYNCED_TABLES: tuple[str, ...] = tuple(
    mapper.local_table.name  # type: ignore[attr-defined]
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, Synced)
)
