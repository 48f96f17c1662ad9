"""What a store holds, in numbers: for `mdt status`, support staff and the dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from mdt_desktop.services.efi_codes import code_list
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    Action,
    AuditEntry,
    Budget,
    CarePlan,
    CaseloadEntry,
    CodedEntry,
    DischargePlan,
    Meeting,
    Note,
    OutboxEntry,
    Patient,
    SyncConflict,
    Synced,
)

# The kinds of record support staff ask about, in the order they are printed.
COUNTED: dict[str, type] = {
    "patients": Patient,
    "coded_entries": CodedEntry,
    "caseload_entries": CaseloadEntry,
    "care_plans": CarePlan,
    "notes": Note,
    "meetings": Meeting,
    "actions": Action,
    "budgets": Budget,
    "discharge_plans": DischargePlan,
}


def store_status(store: Store) -> dict[str, Any]:
    counts: dict[str, int] = {}
    with store.session() as s:
        for name, model in COUNTED.items():
            query = select(func.count()).select_from(model)
            if issubclass(model, Synced):
                query = query.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
            counts[name] = int(s.scalar(query) or 0)
        counts["audit_entries"] = int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        pending = int(s.scalar(select(func.count()).select_from(OutboxEntry)) or 0)
        conflicts = int(
            s.scalar(
                select(func.count())
                .select_from(SyncConflict)
                .where(SyncConflict.resolved_at.is_(None))
            )
            or 0
        )
    return {
        "store_id": str(store.store_id),
        "path": str(store.path),
        "schema_version": store.schema_version(),
        "key": store.key_kind,
        "counts": counts,
        "outbox_pending": pending,
        "sync_conflicts_open": conflicts,
        "efi_code_list": code_list(store)[0],
    }
