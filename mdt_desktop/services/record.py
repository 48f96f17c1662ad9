"""One person's record: opening it (audited as a view), its summary, and exporting it.

Exporting the record of someone who declined consent to share needs the user to
confirm and give a reason; the export is audited with that reason either way.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from mdt_desktop.domain.banner import Banner
from mdt_desktop.domain.care_plan import CarePlanStatus
from mdt_desktop.domain.caseload import CaseFacts, CaseloadStatus, Flag, flags_for
from mdt_desktop.domain.people import ConsentStatus
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CarePlan,
    CaseloadEntry,
    CodedEntry,
    Decision,
    HospitalAdmission,
    RiskScore,
    Staff,
)

from .consent import ConsentDeclined, latest_consent
from .patients import patient_banner


def open_record(store: Store, patient_id: uuid.UUID, *, today: date | None = None) -> Banner:
    """The banner of the record being opened; the opening is logged as a view."""
    banner = patient_banner(store, patient_id, today)
    store.audit("view", "patients", patient_id, patient_id, detail="record opened")
    return banner


@dataclass(frozen=True)
class CaseSummary:
    status: str
    coordinator: str | None
    started_on: date | None
    next_review_on: date | None
    escalated_at: datetime | None
    escalation_reason: str | None
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class RecordSummary:
    conditions: list[tuple[str, date | None]]
    medicines: list[str]
    risk_score: float | None
    segment: str | None
    efi_category: str | None
    efi_score: float | None
    reasons: list[str]
    admissions_12m: int
    case: CaseSummary | None
    has_care_plan: bool
    care_plan_review_on: date | None
    decisions: list[tuple[datetime, str, str | None, date | None]] = field(default_factory=list)


def record_summary(
    store: Store, patient_id: uuid.UUID, *, today: date | None = None
) -> RecordSummary:
    today = today or date.today()
    with store.session() as s:
        conditions = [
            (term or code, on)
            for term, code, on in s.execute(
                select(CodedEntry.term, CodedEntry.code, CodedEntry.recorded_on)
                .where(
                    CodedEntry.patient_id == patient_id,
                    CodedEntry.kind == "condition",
                    CodedEntry.ended_on.is_(None),
                    CodedEntry.deleted_at.is_(None),
                )
                .order_by(CodedEntry.recorded_on.desc())
            )
        ]
        medicines = sorted(
            {
                term or code
                for term, code in s.execute(
                    select(CodedEntry.term, CodedEntry.code).where(
                        CodedEntry.patient_id == patient_id,
                        CodedEntry.kind == "medication",
                        CodedEntry.ended_on.is_(None),
                        CodedEntry.deleted_at.is_(None),
                    )
                )
            }
        )
        risk = s.get(RiskScore, patient_id)
        entry = s.scalars(
            select(CaseloadEntry)
            .where(CaseloadEntry.patient_id == patient_id, CaseloadEntry.deleted_at.is_(None))
            .order_by(
                CaseloadEntry.status != CaseloadStatus.ACTIVE, CaseloadEntry.started_on.desc()
            )
            .limit(1)
        ).first()
        plan = s.scalars(
            select(CarePlan).where(
                CarePlan.patient_id == patient_id,
                CarePlan.deleted_at.is_(None),
                CarePlan.status != CarePlanStatus.CLOSED,
            )
        ).first()
        in_hospital = (
            s.scalars(
                select(HospitalAdmission.id).where(
                    HospitalAdmission.patient_id == patient_id,
                    HospitalAdmission.discharged_at.is_(None),
                    HospitalAdmission.deleted_at.is_(None),
                )
            ).first()
            is not None
        )
        case = None
        if entry is not None:
            coordinator = (
                s.get(Staff, entry.care_coordinator_id) if entry.care_coordinator_id else None
            )
            facts = CaseFacts(
                entry.status,
                entry.next_review_on,
                entry.escalated_at,
                in_hospital,
                plan is not None,
                plan.review_on if plan else None,
            )
            case = CaseSummary(
                entry.status,
                coordinator.name if coordinator else None,
                entry.started_on,
                entry.next_review_on,
                entry.escalated_at,
                entry.escalation_reason,
                tuple(flags_for(facts, today)),
            )
        decisions = [
            (d.decided_at, d.outcome, d.text, d.next_review_on)
            for d in s.scalars(
                select(Decision)
                .where(Decision.patient_id == patient_id, Decision.deleted_at.is_(None))
                .order_by(Decision.decided_at.desc())
                .limit(5)
            )
        ]
    reasons = risk.reasons if risk is not None else []
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    return RecordSummary(
        conditions=conditions,
        medicines=medicines,
        risk_score=risk.risk_score if risk else None,
        segment=risk.segment if risk else None,
        efi_category=risk.efi_category if risk else None,
        efi_score=risk.efi_score if risk else None,
        reasons=list(reasons),
        admissions_12m=risk.admissions_12m if risk else 0,
        case=case,
        has_care_plan=plan is not None,
        care_plan_review_on=plan.review_on if plan else None,
        decisions=decisions,
    )


def export_needs_confirmation(store: Store, patient_id: uuid.UUID) -> bool:
    """True when the person declined consent to share (the export must be confirmed)."""
    consent = latest_consent(store, patient_id)
    return consent is not None and consent.status == ConsentStatus.DECLINED


def export_record(
    store: Store,
    patient_id: uuid.UUID,
    path: Path,
    *,
    declined_reason: str | None = None,
    today: date | None = None,
) -> Path:
    """Write the record summary as a PDF; audited as an export.

    Raises :class:`ConsentDeclined` when the person declined consent to share and no
    ``declined_reason`` (the user's confirmation) was given.
    """
    from mdt_desktop.reports.record import write_record_pdf

    from .care_team import members
    from .notes import notes_for

    require(store.actor.role, Permission.EXPORT_RECORD)
    declined = export_needs_confirmation(store, patient_id)
    reason = (declined_reason or "").strip()
    if declined and not reason:
        raise ConsentDeclined(
            "This person declined consent to share their record: confirm the export and "
            "say why it is needed."
        )
    today = today or date.today()
    banner = patient_banner(store, patient_id, today)
    summary = record_summary(store, patient_id, today=today)
    write_record_pdf(
        path,
        banner=banner,
        summary=summary,
        care_team=members(store, patient_id),
        notes=notes_for(store, patient_id),
        exported_by=store.actor.name,
    )
    detail = f"record summary PDF to {Path(path).name}"
    if declined:
        detail += f"; consent to share DECLINED, exported because: {reason}"
    store.audit("export", "patients", patient_id, patient_id, detail=detail)
    return Path(path)


__all__ = [
    "CaseSummary",
    "ConsentDeclined",
    "RecordSummary",
    "export_needs_confirmation",
    "export_record",
    "open_record",
    "record_summary",
]
