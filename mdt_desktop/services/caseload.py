"""Referrals to the team's caseload (the rest of the caseload work builds on this)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from mdt_desktop.store.database import Store
from mdt_desktop.store.risk_inputs import refresh_caseload_status
from mdt_desktop.store.schema import CaseloadEntry, Patient, Referral, Team

URGENCIES = ("routine", "soon", "urgent")


@dataclass(frozen=True)
class ReferralResult:
    created: list[uuid.UUID]
    already: list[uuid.UUID]  # waiting referral or active on the caseload already


def teams(store: Store) -> list[Team]:
    with store.session() as s:
        return list(s.scalars(select(Team).where(Team.deleted_at.is_(None)).order_by(Team.name)))


def refer_to_caseload(
    store: Store,
    patient_ids: Iterable[uuid.UUID],
    *,
    reason: str,
    team_id: uuid.UUID,
    urgency: str = "routine",
    source: str = "case_finding",
) -> ReferralResult:
    """Put people in the team's referral inbox, once each, in one transaction."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a referral needs a reason")
    if urgency not in URGENCIES:
        raise ValueError(f"urgency is one of {', '.join(URGENCIES)}")
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        raise ValueError("choose at least one person to refer")
    created: list[uuid.UUID] = []
    already: list[uuid.UUID] = []
    now = datetime.now(UTC)
    with store.transaction() as s:
        if s.get(Team, team_id) is None:
            raise ValueError("that team is not in this store")
        waiting = set(
            s.scalars(
                select(Referral.patient_id).where(
                    Referral.patient_id.in_(ids),
                    Referral.team_id == team_id,
                    Referral.status == "waiting",
                    Referral.deleted_at.is_(None),
                )
            )
        )
        active = set(
            s.scalars(
                select(CaseloadEntry.patient_id).where(
                    CaseloadEntry.patient_id.in_(ids),
                    CaseloadEntry.team_id == team_id,
                    CaseloadEntry.status == "active",
                    CaseloadEntry.deleted_at.is_(None),
                )
            )
        )
        known = set(s.scalars(select(Patient.id).where(Patient.id.in_(ids))))
        for pid in ids:
            if pid not in known:
                raise ValueError(f"no one with id {pid} is on the registered list")
            if pid in waiting or pid in active:
                already.append(pid)
                continue
            s.add(
                Referral(
                    team_id=team_id,
                    patient_id=pid,
                    reason=reason,
                    source=source,
                    urgency=urgency,
                    referred_by=store.actor.name,
                    referred_at=now,
                    status="waiting",
                )
            )
            created.append(pid)
        s.flush()
        refresh_caseload_status(s.connection(), [pid.hex for pid in created])
    return ReferralResult(created, already)
