"""Reading the audit log: filter by person, user, action and dates; export CSV; verify.

Only roles with VIEW_AUDIT may read it. Exporting it is itself an audited export.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.people import display_name, format_local_datetime
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services import list_views
from mdt_desktop.store import audit
from mdt_desktop.store.database import Store
from mdt_desktop.store.exports import write_csv
from mdt_desktop.store.schema import AuditEntry, Patient

ACTION_LABELS = {
    "view": "Viewed",
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "import": "Imported",
    "export": "Exported",
    "login": "Signed in",
    "unlock": "Unlocked",
    "lock": "Locked",
}
ENTITY_LABELS = {
    "patients": "Patient record",
    "referrals": "Referral",
    "caseload_entries": "Caseload",
    "notes": "Note",
    "note_mentions": "Mention",
    "care_team_members": "Care team",
    "consents": "Consent",
    "staff": "Staff directory",
    "users": "User profile",
    "audit_log": "Audit log",
    "care_plans": "Care plan",
    "care_plan_versions": "Care plan version",
}

CSV_COLUMNS = ["seq", "at_utc", "user", "role", "action", "entity", "entity_id", "patient_id",
               "nhs_number", "patient", "detail", "device_id", "hash"]  # fmt: skip


@dataclass
class AuditFilter:
    patient_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    user_name: str | None = None  # for entries by someone with no profile (system)
    action: str | None = None
    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    user_name: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    patient_id: uuid.UUID | None
    patient_name: str | None
    nhs_number: str | None
    detail: str | None
    device_id: uuid.UUID
    hash: str

    @property
    def when(self) -> str:
        return format_local_datetime(self.at)

    @property
    def what(self) -> str:
        return f"{ACTION_LABELS.get(self.action, self.action)} · " + ENTITY_LABELS.get(
            self.entity, self.entity.replace("_", " ").capitalize()
        )


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0)).astimezone().astimezone(UTC)


# An audit row with the person it names (None for entries about no one).
AuditRows = Select[AuditEntry, str, str | None, str | None, str | None]


def _filtered(f: AuditFilter) -> AuditRows:
    query = select(AuditEntry, Patient.family_name, Patient.given_name, Patient.title,
                   Patient.nhs_number).outerjoin(
        Patient, Patient.id == AuditEntry.patient_id
    )  # fmt: skip
    if f.patient_id is not None:
        query = query.where(AuditEntry.patient_id == f.patient_id)
    if f.user_id is not None:
        query = query.where(AuditEntry.user_id == f.user_id)
    elif f.user_name:
        query = query.where(AuditEntry.user_name == f.user_name)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.date_from is not None:
        query = query.where(AuditEntry.at >= _local_midnight_utc(f.date_from))
    if f.date_to is not None:
        query = query.where(AuditEntry.at < _local_midnight_utc(f.date_to + timedelta(days=1)))
    return query


def _row(entry: AuditEntry, family: Any, given: Any, title: Any, nhs: Any) -> AuditRow:
    return AuditRow(
        seq=entry.seq,
        at=entry.at,
        user_name=entry.user_name,
        role=entry.role,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        patient_id=entry.patient_id,
        patient_name=display_name(family, given, title) if family else None,
        nhs_number=nhs,
        detail=entry.detail,
        device_id=entry.device_id,
        hash=entry.hash,
    )


def page(store: Store, f: AuditFilter, offset: int = 0, limit: int = 200) -> list[AuditRow]:
    """Newest first; keyed on the sequence number, which is indexed."""
    require(store.actor.role, Permission.VIEW_AUDIT)
    with store.session() as s:
        rows = s.execute(
            _filtered(f).order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)
        ).all()
        found = [_row(*r) for r in rows]
    if offset == 0:  # an opening or a new filter; the pages scrolling fetches are not
        list_views.list_opened(store, list_views.AUDIT_LOG, len(found), _describe(f).strip())
    return found


def count(store: Store, f: AuditFilter) -> int:
    require(store.actor.role, Permission.VIEW_AUDIT)
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(_filtered(f).subquery())) or 0)


def people_in_log(store: Store, text: str, limit: int = 20) -> list[tuple[uuid.UUID, str]]:
    """People whose name or NHS number starts with ``text``: the patient filter's choices."""
    text = text.strip()
    if not text:
        return []
    digits = text.replace(" ", "").replace("-", "")
    with store.session() as s:
        if digits.isdigit():
            cond = Patient.nhs_number.startswith(digits)
        else:
            family, _, given = text.partition(",")
            cond = Patient.family_name.ilike(f"{family.strip()}%")
            if given.strip():
                cond = cond & Patient.given_name.ilike(f"{given.strip()}%")
        rows = s.execute(
            select(Patient.id, Patient.family_name, Patient.given_name, Patient.title,
                   Patient.nhs_number).where(cond).order_by(Patient.family_name).limit(limit)
        ).all()  # fmt: skip
    return [
        (
            pid,
            display_name(fam, giv, tit)
            + (f" — {format_nhs_number(nhs)}" if nhs else " — NHS No. Not Known"),
        )
        for pid, fam, giv, tit, nhs in rows
    ]


def users_in_log(store: Store) -> list[tuple[uuid.UUID | None, str]]:
    """(user id, name) of everyone who appears in the log, by name."""
    require(store.actor.role, Permission.VIEW_AUDIT)
    with store.session() as s:
        rows = s.execute(
            select(AuditEntry.user_id, AuditEntry.user_name)
            .group_by(AuditEntry.user_id, AuditEntry.user_name)
            .order_by(AuditEntry.user_name)
        ).all()
    return [(uid, name) for uid, name in rows]


def export_csv(store: Store, f: AuditFilter, path: Path) -> int:
    """Write the filtered entries (oldest first) to CSV; the export is itself audited."""
    require(store.actor.role, Permission.VIEW_AUDIT)
    with store.session() as s:
        result = s.execute(_filtered(f).order_by(AuditEntry.seq).execution_options(yield_per=2000))
        written = write_csv(path, CSV_COLUMNS, (_csv_row(_row(*r)) for r in result))
    store.audit(
        "export",
        "audit_log",
        None,
        f.patient_id,
        detail=f"{written} audit entries to CSV {Path(path).name}{_describe(f)}",
    )
    return written


def _csv_row(row: AuditRow) -> list[Any]:
    return [
        row.seq,
        row.at.astimezone(UTC).isoformat(),
        row.user_name,
        row.role,
        row.action,
        row.entity,
        row.entity_id or "",
        str(row.patient_id) if row.patient_id else "",
        row.nhs_number or "",
        row.patient_name or "",
        row.detail or "",
        str(row.device_id),
        row.hash,
    ]


def _describe(f: AuditFilter) -> str:
    parts = []
    if f.user_name:
        parts.append(f"user {f.user_name}")
    if f.action:
        parts.append(f"action {f.action}")
    if f.date_from:
        parts.append(f"from {f.date_from.isoformat()}")
    if f.date_to:
        parts.append(f"to {f.date_to.isoformat()}")
    return f" ({', '.join(parts)})" if parts else ""


def verify(store: Store) -> audit.ChainReport:
    require(store.actor.role, Permission.VIEW_AUDIT)
    with store.session() as s:
        return audit.verify_chain(s)


def actions() -> Sequence[str]:
    return AuditEntry.ACTIONS


__all__ = ["AuditFilter", "AuditRow", "count", "export_csv", "page", "verify"]
