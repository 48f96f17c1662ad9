"""Discharge tasks: added by hand or proposed by a pathway; owners and completion."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.discharges import (
    TaskAnchor,
    TaskStatus,
)
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    DischargeTask,
    Staff,
)

from ._common import DischargeError, _now, _plan


def _task(s: Session, task_id: uuid.UUID) -> DischargeTask:
    task = s.get(DischargeTask, task_id)
    if task is None or task.deleted_at is not None:
        raise DischargeError("That task is not in this store.")
    return task


def add_task(
    store: Store,
    plan_id: uuid.UUID,
    description: str,
    *,
    organisation: str | None = None,
    due_on: date | None = None,
) -> uuid.UUID:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    description = clean_text(description, "the task", limit=500)
    with store.transaction() as s:
        plan = _plan(s, plan_id)
        task = DischargeTask(
            team_id=plan.team_id,
            discharge_plan_id=plan.id,
            description=description,
            organisation=(organisation or "").strip() or None,
            anchor=TaskAnchor.PATHWAY,
            due_on=due_on,
            status=TaskStatus.OPEN,
        )
        s.add(task)
        s.flush()
        return task.id


def assign_task(
    store: Store, task_id: uuid.UUID, *, staff_id: uuid.UUID | None = None, name: str = ""
) -> None:
    """Give a task a named owner: someone in the staff directory, or a named person elsewhere."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        task = _task(s, task_id)
        if staff_id is not None:
            staff = s.get(Staff, staff_id)
            if staff is None or staff.deleted_at is not None:
                raise DischargeError("That person is not in the staff directory.")
            task.owner_staff_id, task.owner_name = staff.id, staff.name
        else:
            task.owner_staff_id = None
            task.owner_name = clean_text(name, "the owner's name", limit=200)


def complete_task(store: Store, task_id: uuid.UUID) -> None:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        task = _task(s, task_id)
        if task.status != TaskStatus.OPEN:
            raise DischargeError("That task is not open.")
        task.status = TaskStatus.DONE
        task.completed_at = _now()
        task.completed_by = store.actor.name
