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
from enum import StrEnum
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
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from mdt_desktop.domain.budgets import vocab as budget_words
from mdt_desktop.domain.care_plan import CarePlanStatus
from mdt_desktop.domain.caseload import CaseloadStatus, ReferralSource, ReferralStatus, Urgency
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    DischargeStatus,
    TaskAnchor,
    TaskStatus,
)
from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.domain.meetings import (
    ActionStatus,
    AgendaStatus,
    Attendance,
    DecisionOutcome,
    MeetingStatus,
)
from mdt_desktop.domain.people import ConsentStatus, RegistrationStatus, Sex

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


class Draft(Base):
    """Unsaved clinical text of one user in one record, kept on this laptop only.

    It is what someone was still typing, not part of the record: it never syncs (the
    team sees a note once it is added), has no audit entries, and is deleted when the
    note or plan is saved or the draft discarded. It lives here, in the encrypted store,
    because it is clinical text.
    """

    __tablename__ = "drafts"
    __table_args__ = (_one_of("kind", tuple(k.value for k in DraftKind)),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    content: Mapped[dict[str, Any]]
    saved_at: Mapped[datetime]


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
        _one_of("registration_status", RegistrationStatus.values()),
        _one_of("sex", tuple(Sex)),
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
    __table_args__ = (_one_of("status", ConsentStatus.values()),)

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
        _one_of("source", ReferralSource.values()),
        _one_of("urgency", Urgency.values()),
        _one_of("status", ReferralStatus.values()),
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
        _one_of("status", CaseloadStatus.values()),
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
    # The laptop's clock when it was written there; ``written_at`` is the team server's.
    recorded_on_laptop_at: Mapped[datetime | None]


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
    __table_args__ = (
        _one_of("status", CarePlanStatus.values()),
        # Per team: one team's plans never block another's (migration team_scope_1).
        UniqueConstraint("team_id", "patient_id", name="uq_care_plans_team_patient"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    review_on: Mapped[date | None] = mapped_column(Date, index=True)


class CarePlanVersion(TeamScoped, Base):
    """An immutable saved version; a merge records both parents."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "care_plan_id", "number", name="uq_care_plan_versions_plan_number"
        ),
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
    # The laptop's clock when it was saved there; ``created_at`` is the team server's.
    recorded_on_laptop_at: Mapped[datetime | None]


# --- Meetings -----------------------------------------------------------------------------


class Meeting(TeamScoped, Base):
    __tablename__ = "meetings"
    __table_args__ = (_one_of("status", MeetingStatus.values()),)

    starts_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    note_taker_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # How long the meeting is booked for: the agenda is planned to fit it. Nullable so that
    # a row synced from a device that does not know the column yet is still taken (read
    # as the default length).
    length_minutes: Mapped[int | None] = mapped_column(Integer, default=90, server_default="90")
    quorum_met: Mapped[bool | None]
    quorum_detail: Mapped[str | None] = mapped_column(Text)


class MeetingAttendance(TeamScoped, Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (_one_of("attendance", Attendance.values()),)

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
        _one_of("status", AgendaStatus.values()),
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
    # An urgent referral or an overdue review: it comes before the others of its kind, and
    # keeps that place when it is carried forward.
    pressing: Mapped[bool | None] = mapped_column(Boolean, default=False, server_default=false())


class Decision(TeamScoped, Base):
    __tablename__ = "decisions"
    __table_args__ = (_one_of("outcome", DecisionOutcome.values()),)

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
    # The laptop's clock when it was recorded there; ``decided_at`` is the team server's.
    recorded_on_laptop_at: Mapped[datetime | None]


class Action(TeamScoped, Base):
    """Something someone agreed to do, with an owner and a due date."""

    __tablename__ = "actions"
    __table_args__ = (
        _one_of("status", ActionStatus.values()),
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
# Money is integer pence throughout (BigInteger: no float column exists in this section).
# Vocabularies come from mdt_desktop.domain.budgets; each CHECK is built from its StrEnum.


def _vocab(column: str, enum: type[StrEnum]) -> CheckConstraint:
    return _one_of(column, budget_words.values(enum))


class Budget(TeamScoped, Base):
    """One personal budget of one person for one period: health, social care or integrated."""

    __tablename__ = "budgets"
    __table_args__ = (
        _vocab("kind", budget_words.BudgetKind),
        _vocab("funding_source", budget_words.FundingSource),
        _vocab("held_as", budget_words.HeldAs),
        _vocab("status", budget_words.BudgetStatus),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("indicative_pence IS NULL OR indicative_pence >= 0", name="indicative"),
        CheckConstraint("allocation_pence IS NULL OR allocation_pence >= 0", name="allocation"),
        Index("ix_budgets_team_status", "team_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    funding_source: Mapped[str] = mapped_column(String(24))
    # How the money is held where a line does not say otherwise (a mix is allowed per line).
    held_as: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="indicative")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    indicative_pence: Mapped[int | None] = mapped_column(BigInteger)
    allocation_pence: Mapped[int | None] = mapped_column(BigInteger)
    holder: Mapped[str | None] = mapped_column(String(200))
    representative: Mapped[str | None] = mapped_column(String(200))
    nominee: Mapped[str | None] = mapped_column(String(200))
    managed_account: Mapped[bool] = mapped_column(Boolean, default=False)
    # The agreed risk-management arrangements (reg 8 requires them in the care plan).
    risk_arrangements: Mapped[str | None] = mapped_column(Text)
    # The account or prepaid card a statement names, to match imported transactions.
    account_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    renews_budget_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budgets.id"), index=True)
    created_at: Mapped[datetime]


class BudgetStatusChange(TeamScoped, Base):
    """Each change of a budget's status: who, when and why (never edited)."""

    __tablename__ = "budget_status_changes"
    __table_args__ = (
        _one_of("to_status", budget_words.values(budget_words.BudgetStatus)),
        Index("ix_budget_status_changes_budget_at", "budget_id", "changed_at"),
    )

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(Text)


class BudgetLine(TeamScoped, Base):
    """A planned use of the budget, serving care-plan goals by their stable ids."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        _vocab("category", budget_words.LineCategory),
        _vocab("frequency", budget_words.Frequency),
        _vocab("funding_source", budget_words.FundingSource),
        _vocab("held_as", budget_words.HeldAs),
        CheckConstraint("amount_pence >= 0", name="amount"),
    )

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24))
    provider: Mapped[str | None] = mapped_column(String(200))
    funding_source: Mapped[str] = mapped_column(String(24))
    held_as: Mapped[str] = mapped_column(String(16))
    # Stable ids of the care-plan goals served: a line follows its goal across plan versions.
    goal_ids: Mapped[list[Any]]
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Set while the person is in hospital for a line that cannot be used there.
    paused_at: Mapped[datetime | None]
    paused_admission_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


def _ledger_checks() -> tuple[CheckConstraint, ...]:
    """Each kind's effects, as the domain computes them, enforced by the database too."""
    k = budget_words.EntryKind
    fixed = {
        k.ALLOCATION: ("amount_pence", "amount_pence", "0", "0"),
        k.COMMITMENT: ("0", "0", "0", "amount_pence"),
        k.REFUND: ("0", "amount_pence", "-amount_pence", "0"),
        k.OFFSET_UNUSED: ("0", "-amount_pence", "0", "0"),
        k.REPAYMENT_DEMAND: ("0", "-amount_pence", "0", "0"),
        k.ADJUSTMENT: ("amount_pence", "amount_pence", "0", "0"),
    }
    rules = [
        f"(kind = '{kind.value}' AND allocated_effect = {a} AND balance_effect = {b} "
        f"AND spent_effect = {sp} AND committed_effect = {c})"
        for kind, (a, b, sp, c) in fixed.items()
    ]
    rules.append(
        "(kind = 'payment' AND allocated_effect = 0 AND balance_effect = -amount_pence "
        "AND spent_effect = amount_pence AND committed_effect BETWEEN -amount_pence AND 0)"
    )
    rules.append("(kind = 'reversal' AND reverses_id IS NOT NULL)")
    return (
        _vocab("kind", k),
        _vocab("counts_as", k),
        _vocab("held_as", budget_words.HeldAs),
        _vocab("funding_source", budget_words.FundingSource),
        CheckConstraint(
            "(kind = 'reversal' AND counts_as <> 'reversal') OR counts_as = kind",
            name="counts_as_kind",
        ),
        CheckConstraint(
            "(kind = 'adjustment' AND amount_pence <> 0) OR (kind <> 'adjustment' "
            "AND amount_pence > 0)",
            name="amount",
        ),
        CheckConstraint(" OR ".join(rules), name="effects"),
    )


class LedgerEntry(TeamScoped, Base):
    """An append-only ledger entry: a correction is a reversal plus a new entry.

    The four effect columns are the entry's signed change to each running figure (see
    domain/budgets/ledger.py), so every total is a SUM; triggers refuse edits and deletes.
    """

    __tablename__ = "budget_ledger_entries"
    __table_args__ = (
        *_ledger_checks(),
        Index("ix_budget_ledger_entries_budget_on", "budget_id", "entry_on"),
        Index("ix_budget_ledger_entries_line_id", "line_id"),
    )
    CONTENT = (
        "budget_id", "line_id", "kind", "counts_as", "held_as", "funding_source", "entry_on",
        "amount_pence", "allocated_effect",
        "balance_effect", "spent_effect", "committed_effect", "reverses_id", "settles_id",
        "reference", "evidence", "payee", "deleted_at",
    )  # fmt: skip

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id"))
    line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_lines.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # What the entry counts as in the alert counts: its kind, or for a reversal the kind of
    # the entry reversed (which it then subtracts). With held_as and funding_source (of the
    # line, else the budget, when posted) every per-budget figure is one pass over the ledger.
    counts_as: Mapped[str] = mapped_column(String(20))
    held_as: Mapped[str] = mapped_column(String(16))
    funding_source: Mapped[str] = mapped_column(String(24))
    entry_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    allocated_effect: Mapped[int] = mapped_column(BigInteger)
    balance_effect: Mapped[int] = mapped_column(BigInteger)
    spent_effect: Mapped[int] = mapped_column(BigInteger)
    committed_effect: Mapped[int] = mapped_column(BigInteger)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("budget_ledger_entries.id"), index=True
    )
    settles_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_ledger_entries.id"))
    reference: Mapped[str | None] = mapped_column(String(100))
    # A receipt or invoice reference; a direct payment without one is flagged.
    evidence: Mapped[str | None] = mapped_column(String(200))
    payee: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime]
    posted_by: Mapped[str] = mapped_column(String(200))
    posted_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    import_transaction_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)


class BudgetLedgerTotals(Base):
    """Per budget, the running sums of its ledger (local, derived, not synced).

    Kept by triggers on every ledger insert (laptop writes, bulk imports and rows pulled by
    sync alike), so the Budgets page and the team report read one row per budget instead of
    summing every entry. Rebuilt from the ledger by the migration that made it.
    """

    __tablename__ = "budget_ledger_totals"

    budget_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    allocated: Mapped[int] = mapped_column(BigInteger, default=0)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    committed: Mapped[int] = mapped_column(BigInteger, default=0)
    no_evidence: Mapped[int] = mapped_column(Integer, default=0)
    unlinked: Mapped[int] = mapped_column(Integer, default=0)
    first_nhs: Mapped[date | None] = mapped_column(Date)
    first_social: Mapped[date | None] = mapped_column(Date)


class BudgetReview(TeamScoped, Base):
    """A review of a budget: on the statutory clock or prompted by an event."""

    __tablename__ = "budget_reviews"
    __table_args__ = (
        _vocab("kind", budget_words.ReviewKind),
        _vocab("reason", budget_words.ReviewReason),
    )

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(24))
    requested_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date)
    # What reg 14 asks a review to cover, each answered.
    plan_meets_needs: Mapped[bool | None]
    used_effectively: Mapped[bool | None]
    amount_sufficient: Mapped[bool | None]
    obligations_met: Mapped[bool | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


class BudgetDecision(TeamScoped, Base):
    """A decision to reduce, repay or stop a direct payment, and its written notice."""

    __tablename__ = "budget_decisions"
    __table_args__ = (
        _vocab("kind", budget_words.DecisionKind),
        CheckConstraint("amount_pence IS NULL OR amount_pence > 0", name="amount"),
    )

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    grounds: Mapped[list[Any]]
    reasons: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    repay_by: Mapped[date | None] = mapped_column(Date)
    repayer: Mapped[str | None] = mapped_column(String(200))
    reconsideration_route: Mapped[str | None] = mapped_column(Text)
    reconsider_by: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    notice_sent_on: Mapped[date | None] = mapped_column(Date)


class BudgetReconsideration(TeamScoped, Base):
    """A request to reconsider a decision, and its outcome once decided."""

    __tablename__ = "budget_reconsiderations"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ("
            + ", ".join(f"'{v}'" for v in budget_words.values(budget_words.ReconsiderationOutcome))
            + ")",
            name="outcome_valid",
        ),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget_decisions.id"), index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(200))
    grounds: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))


class BudgetStatementImport(TeamScoped, Base):
    """One finance-system or prepaid-card statement file brought in."""

    __tablename__ = "budget_statement_imports"

    # SHA-256 of the file: the same file twice is recognised, not imported again.
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(200))
    rows_read: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[list[Any]]
    statement_balance_pence: Mapped[int | None] = mapped_column(BigInteger)


class BudgetStatementTransaction(TeamScoped, Base):
    """One transaction of an imported statement, matched to a budget and line or not."""

    __tablename__ = "budget_statement_transactions"
    __table_args__ = (
        _vocab("match_status", budget_words.MatchStatus),
        Index("ix_budget_statement_transactions_fingerprint", "fingerprint"),
        Index("ix_budget_statement_transactions_budget_id", "budget_id"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("budget_statement_imports.id"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    # Date, amount, payee, reference and account: the same transaction in another file.
    fingerprint: Mapped[str] = mapped_column(String(64))
    transaction_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    payee: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100))
    account_reference: Mapped[str | None] = mapped_column(String(64))
    match_status: Mapped[str] = mapped_column(String(12))
    budget_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budgets.id"))
    line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_lines.id"))
    ledger_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    unmatched_reason: Mapped[str | None] = mapped_column(Text)


# --- Hospital discharges ------------------------------------------------------------------
# A stay is an admission (hospital_admissions) with one discharge plan. Everything that
# changes over a stay and matters afterwards (expected date, criteria to reside, pathway,
# delay reasons) is an append-only event; the plan keeps the current values for the board.
# Code values (destinations, delay reasons, NHS Data Dictionary codes) are versioned data in
# resources/discharge/: a row keeps the scheme and version it was coded with.


class HospitalAdmission(TeamScoped, Base):
    __tablename__ = "hospital_admissions"
    __table_args__ = (
        UniqueConstraint("team_id", "spell_id", name="uq_hospital_admissions_team_spell"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    hospital: Mapped[str | None] = mapped_column(String(200))
    ward: Mapped[str | None] = mapped_column(String(100))
    admitted_at: Mapped[datetime]
    discharged_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(Boolean, default=True)
    # The hospital's provider spell id (imports are idempotent by it) and NHS DD codes.
    spell_id: Mapped[str | None] = mapped_column(String(64))
    admission_method: Mapped[str | None] = mapped_column(String(4))
    contact: Mapped[str | None] = mapped_column(String(200))


class DischargePlan(TeamScoped, Base):
    __tablename__ = "discharge_plans"
    __table_args__ = (
        CheckConstraint("pathway BETWEEN 0 AND 3", name="pathway_0_to_3"),
        CheckConstraint("discharged_pathway BETWEEN 0 AND 3", name="discharged_pathway_0_to_3"),
        _one_of("status", tuple(DischargeStatus)),
    )

    admission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hospital_admissions.id"), unique=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DischargeStatus.IN_HOSPITAL)
    expected_discharge_on: Mapped[date | None] = mapped_column(Date)
    ready_on: Mapped[date | None] = mapped_column(Date)  # from the criteria-to-reside events
    pathway: Mapped[int | None] = mapped_column(Integer)
    destination_code: Mapped[str | None] = mapped_column(String(40))
    destination_version: Mapped[str | None] = mapped_column(String(20))
    delay_code: Mapped[str | None] = mapped_column(String(40))  # the reason in force now
    delay_scheme: Mapped[str | None] = mapped_column(String(40))
    delay_family: Mapped[str | None] = mapped_column(String(60))
    discharged_pathway: Mapped[int | None] = mapped_column(Integer)
    discharge_method: Mapped[str | None] = mapped_column(String(4))
    discharge_destination: Mapped[str | None] = mapped_column(String(4))
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    follow_up_done_at: Mapped[datetime | None]
    follow_up_by: Mapped[str | None] = mapped_column(String(200))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    readmission: Mapped[bool] = mapped_column(Boolean, default=False)
    # The hospital's discharge summary (PRSB headings), held beside the care plan until a
    # clinician decides, item by item, what is carried into a new care-plan version.
    summary_plan_actions: Mapped[str | None] = mapped_column(Text)
    summary_medicine_changes: Mapped[str | None] = mapped_column(Text)
    summary_requirements: Mapped[str | None] = mapped_column(Text)
    reconciled_at: Mapped[datetime | None]
    reconciled_by: Mapped[str | None] = mapped_column(String(200))
    reconciled_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class DischargeEvent(TeamScoped, Base):
    """One change in a stay's history; never edited (a correction is a later event)."""

    __tablename__ = "discharge_events"
    __table_args__ = (
        _one_of("kind", tuple(DischargeEventKind)),
        Index("ix_discharge_events_plan_kind", "discharge_plan_id", "kind"),
    )

    discharge_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("discharge_plans.id"))
    kind: Mapped[str] = mapped_column(String(12))
    on: Mapped[date | None] = mapped_column(Date)  # EDD, assessment date, delay start
    meets_criteria: Mapped[bool | None] = mapped_column(Boolean)
    pathway: Mapped[int | None] = mapped_column(Integer)
    scheme: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(40))
    label: Mapped[str | None] = mapped_column(Text)
    family: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))


class DischargeCriterion(TeamScoped, Base):
    """An item of the clinical criteria for discharge, met or not."""

    __tablename__ = "discharge_criteria"

    discharge_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discharge_plans.id"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    met_on: Mapped[date | None] = mapped_column(Date)


class DischargeTask(TeamScoped, Base):
    __tablename__ = "discharge_tasks"
    __table_args__ = (
        _one_of("status", tuple(TaskStatus)),
        _one_of("anchor", tuple(TaskAnchor)),
    )

    discharge_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discharge_plans.id"), index=True
    )
    template_key: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(String(200))
    owner_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    anchor: Mapped[str] = mapped_column(String(12), default=TaskAnchor.PATHWAY)
    working_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))


class DischargeTaskTemplate(TeamScoped, Base):
    """A team's own version of one pathway's task template (resources/discharge holds the
    national default). The id is derived from the team and pathway, so two laptops editing
    the same pathway offline edit one row; ``tasks`` None means the national default again.
    """

    __tablename__ = "discharge_task_templates"
    __table_args__ = (
        CheckConstraint("pathway BETWEEN 0 AND 3", name="pathway_0_to_3"),
        UniqueConstraint("team_id", "pathway", name="uq_discharge_task_templates_team_pathway"),
    )

    # Nullable only as a synced column must be for per-field merging; the service always
    # sets it, and the row's id is derived from it.
    pathway: Mapped[int | None] = mapped_column(Integer)
    # [{key, title, organisation, anchor, working_days}, ...] in the order proposed.
    tasks: Mapped[list[Any] | None]
    based_on_version: Mapped[str | None] = mapped_column(String(20))  # the default's version
    edited_by: Mapped[str | None] = mapped_column(String(200))
    edited_at: Mapped[datetime | None]


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class (typed as a Table, which it always is here)."""
    return cast(Table, model.__table__)


SYNCED_TABLES: tuple[str, ...] = tuple(
    mapper.local_table.name  # type: ignore[attr-defined]
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, Synced)
)
