"""What the discharge modules share: the error, the clock, loading a plan, writing an event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import inspect, select
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
    HospitalAdmission,
    Synced,
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


class Unstored:
    """A new row as its column values, read and set as a mapped object's attributes are (an
    unset column reads None), so the stay rules move it on as they would a stored one. The
    feed opens thousands of stays: a mapped object costs an instrumented set per value."""

    mapped: ClassVar[type[Synced]]
    _columns: ClassVar[frozenset[str]]

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._columns = frozenset(a.key for a in inspect(cls.mapped).column_attrs)

    def __getattr__(self, name: str) -> Any:
        # Only reached for an attribute not set: a column reads None, anything else is an error.
        if name in self._columns:
            return None
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    if TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None: ...

    def as_row(self) -> tuple[type[Synced], dict[str, Any]]:
        """What the bulk insert takes: the mapped class and the values."""
        return self.mapped, vars(self)


class NewAdmission(Unstored):
    mapped = HospitalAdmission


class NewPlan(Unstored):
    mapped = DischargePlan


class NewEvents(list[tuple[type[DischargeEvent], dict[str, Any]]]):
    """Events raised for stays not yet in the store (the feed's new stays): their values
    collected in the order raised (not built as objects: thousands of them), then inserted
    in bulk after their stays (store/discharges_bulk.py)."""


def _event(
    s: Session | NewEvents,
    store: Store,
    plan: DischargePlan | NewPlan,
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
