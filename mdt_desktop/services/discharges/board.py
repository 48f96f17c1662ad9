"""The in-reach board, and missed follow-ups taken to the next MDT meeting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
)
from mdt_desktop.services.notes import escalate_to_next_mdt
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.discharges import BoardRow
from mdt_desktop.store.schema import (
    DischargeEvent,
)

from ._common import _event, _now, _plan


class BoardFlag(StrEnum):
    EDD_PASSED = "edd_passed"
    READY_NO_PATHWAY = "ready_no_pathway"
    TASK_OVERDUE = "task_overdue"
    TASK_UNOWNED = "task_unowned"
    READMISSION = "readmission"

    @property
    def label(self) -> str:
        return {
            "edd_passed": "Expected date passed",
            "ready_no_pathway": "Ready, no pathway",
            "task_overdue": "Task overdue",
            "task_unowned": "Task without an owner",
            "readmission": "Readmitted within 30 days (crude)",
        }[self.value]


@dataclass(frozen=True)
class BoardLine:
    row: BoardRow
    days_in: int
    since_ready: rules.DaysSince | None
    delay_label: str | None
    flags: tuple[BoardFlag, ...]


@dataclass(frozen=True)
class BoardFilter:
    hospital: str | None = None
    pathway: int | None = None
    delay_family: str | None = None
    owner_staff_id: uuid.UUID | None = None  # "mine": tasks owned, or the coordinator
    flag: BoardFlag | None = None


def _delay_label(scheme: str | None, code: str | None) -> str | None:
    if not code:
        return None
    try:
        return rules.delay_scheme(scheme).get(code).label
    except KeyError:
        return code


def board(
    store: Store,
    team_id: uuid.UUID | None,
    *,
    today: date | None = None,
    where: BoardFilter | None = None,
    me: uuid.UUID | None = None,
) -> list[BoardLine]:
    """The team's people in hospital, longest since ready first, with what holds each up."""
    day = today or rules.local_date(_now())
    chosen = where or BoardFilter()
    owner = chosen.owner_staff_id or me
    with store.session() as s:
        rows = reads.board_rows(s, team_id, day, owner)
    lines = []
    for r in rows:
        flags = []
        if r.expected_discharge_on is not None and r.expected_discharge_on < day:
            flags.append(BoardFlag.EDD_PASSED)
        if r.ready_on is not None and r.pathway is None:
            flags.append(BoardFlag.READY_NO_PATHWAY)
        if r.overdue_tasks:
            flags.append(BoardFlag.TASK_OVERDUE)
        if r.unowned_tasks:
            flags.append(BoardFlag.TASK_UNOWNED)
        if r.readmission:
            flags.append(BoardFlag.READMISSION)
        line = BoardLine(
            row=r,
            days_in=rules.days_since(rules.local_date(r.admitted_at), day).calendar,
            since_ready=rules.days_since(r.ready_on, day) if r.ready_on else None,
            delay_label=_delay_label(r.delay_scheme, r.delay_code),
            flags=tuple(flags),
        )
        if chosen.hospital and r.hospital != chosen.hospital:
            continue
        if chosen.pathway is not None and r.pathway != chosen.pathway:
            continue
        if chosen.delay_family and r.delay_family != chosen.delay_family:
            continue
        if chosen.owner_staff_id and not (
            r.mine_tasks or r.coordinator_id == chosen.owner_staff_id
        ):
            continue
        if chosen.flag and chosen.flag not in line.flags:
            continue
        lines.append(line)
    return lines


def escalate_missed_follow_ups(
    store: Store, team_id: uuid.UUID | None, today: date | None = None
) -> int:
    """Put each person whose follow-up was missed on the next MDT agenda (once per stay)."""
    day = today or rules.local_date(_now())
    with store.session() as s:
        missed = reads.missed_follow_ups(s, team_id, day)
        already = set(
            s.scalars(
                select(DischargeEvent.discharge_plan_id).where(
                    DischargeEvent.kind == DischargeEventKind.FOLLOW_UP,
                    DischargeEvent.reason == _MISSED,
                )
            )
        )
    done = 0
    for m in missed:
        if m.plan_id in already:
            continue
        try:
            escalate_to_next_mdt(
                store,
                m.patient_id,
                f"Community follow-up after discharge missed (due {m.due_on:%d-%b-%Y}).",
            )
        except ValueError:
            continue  # no longer on the caseload: nothing to escalate
        with store.transaction() as s:
            plan = _plan(s, m.plan_id, open_only=False)
            _event(s, store, plan, DischargeEventKind.FOLLOW_UP, on=day, reason=_MISSED)
        done += 1
    return done


_MISSED = "missed: escalated to the next MDT meeting"


def stay_tasks(store: Store, plan_id: uuid.UUID) -> list[reads.TaskRow]:
    """The stay's tasks, soonest due first (for its panel and the transfer summary)."""
    with store.session() as s:
        return reads.tasks_of(s, plan_id)


def stay_history(store: Store, plan_id: uuid.UUID) -> list[reads.EventRow]:
    with store.session() as s:
        return reads.history_of(s, plan_id)


def person_stays(store: Store, patient_id: uuid.UUID) -> list[reads.StayRow]:
    """The person's hospital stays, newest first, for their record."""
    with store.session() as s:
        return reads.stays_of(s, patient_id)
