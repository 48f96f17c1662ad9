"""What the discharge modules share: the error, the clock, loading a plan, writing an event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    DischargeStatus,
)
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    DischargeEvent,
    DischargePlan,
    DischargeTask,
)


class DischargeError(InvalidInput):
    """Something a person asked for that the discharge rules refuse; a sentence for them."""


@dataclass(frozen=True)
class Stay:
    admission_id: uuid.UUID
    plan_id: uuid.UUID
    readmission: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _plan(s: Session, plan_id: uuid.UUID, *, open_only: bool = True) -> DischargePlan:
    plan = s.get(DischargePlan, plan_id)
    if plan is None or plan.deleted_at is not None:
        raise DischargeError("That stay is not in this store.")
    if open_only and plan.status != DischargeStatus.IN_HOSPITAL:
        raise DischargeError("That stay has ended: the person is no longer in hospital.")
    return plan


class NewEvents(list[tuple[type[DischargeEvent], dict[str, Any]]]):
    """Events raised for stays not yet in the store (the feed's new stays): their values
    collected in the order raised (not built as objects: thousands of them), then inserted
    in bulk after their stays (store/discharges_bulk.py)."""


def _event(
    s: Session | NewEvents,
    store: Store,
    plan: DischargePlan,
    kind: DischargeEventKind,
    **values: Any,
) -> None:
    values.update(
        team_id=plan.team_id,
        discharge_plan_id=plan.id,
        kind=kind,
        recorded_at=_now(),
        recorded_by=store.actor.name,
    )
    if isinstance(s, NewEvents):
        s.append((DischargeEvent, values))
    else:
        s.add(DischargeEvent(**values))


def _tasks(s: Session, plan_id: uuid.UUID) -> list[DischargeTask]:
    return list(
        s.scalars(
            select(DischargeTask).where(
                DischargeTask.discharge_plan_id == plan_id, DischargeTask.deleted_at.is_(None)
            )
        )
    )


def _assessments(s: Session, plan_id: uuid.UUID) -> list[rules.CriteriaAssessment]:
    rows = s.execute(
        select(DischargeEvent.on, DischargeEvent.meets_criteria).where(
            DischargeEvent.discharge_plan_id == plan_id,
            DischargeEvent.kind == DischargeEventKind.CRITERIA,
            DischargeEvent.deleted_at.is_(None),
        )
    ).all()
    return [rules.CriteriaAssessment(on, bool(meets)) for on, meets in rows if on is not None]
