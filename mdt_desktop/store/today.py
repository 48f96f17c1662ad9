"""Reads for Today: what is waiting for one person at the start of the day.

Each read is one indexed query over the team's rows (or the person's own); the service
(services/today.py) puts them together and decides what "due" means.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from mdt_desktop.domain.caseload import CaseloadStatus, ReferralStatus
from mdt_desktop.domain.meetings import ActionStatus, MeetingStatus

from .schema import (
    Action,
    AgendaItem,
    CaseloadEntry,
    Meeting,
    Note,
    NoteMention,
    Patient,
    Referral,
)


class WaitingReferral(NamedTuple):
    referral_id: uuid.UUID
    patient_id: uuid.UUID
    title: str | None
    family_name: str
    given_name: str
    nhs_number: str
    referred_at: datetime
    urgency: str
    reason: str


class Review(NamedTuple):
    patient_id: uuid.UUID
    title: str | None
    family_name: str
    given_name: str
    nhs_number: str
    next_review_on: date


class Mention(NamedTuple):
    mention_id: uuid.UUID
    note_id: uuid.UUID
    patient_id: uuid.UUID
    title: str | None
    family_name: str
    given_name: str
    author_name: str
    written_at: datetime
    text: str
    read_at: datetime | None


class OpenAction(NamedTuple):
    action_id: uuid.UUID
    patient_id: uuid.UUID | None
    description: str
    due_on: date | None
    family_name: str | None
    given_name: str | None


class NextMeeting(NamedTuple):
    meeting_id: uuid.UUID
    starts_at: datetime
    location: str | None
    cases: int
    minutes_allotted: int
    # The meeting's planned length in minutes, once meetings carry one (the agenda's
    # scheduling work adds it); until then None and Today shows the number of cases.
    length_minutes: int | None


def _live(*columns: Any) -> list[ColumnElement[bool]]:
    """Not deleted (tombstoned rows stay for sync)."""
    return [c.is_(None) for c in columns]


def waiting_referrals(
    s: Session, team_id: uuid.UUID | None, limit: int
) -> tuple[int, list[WaitingReferral]]:
    """How many referrals wait for the team, and the ``limit`` oldest, oldest first."""
    where = [
        Referral.team_id == team_id,
        Referral.status == ReferralStatus.WAITING,
        *_live(Referral.deleted_at),
    ]
    total = s.scalar(select(func.count()).select_from(Referral).where(*where)) or 0
    rows = s.execute(
        select(
            Referral.id,
            Referral.patient_id,
            Patient.title,
            Patient.family_name,
            Patient.given_name,
            Patient.nhs_number,
            Referral.referred_at,
            Referral.urgency,
            Referral.reason,
        )
        .join(Patient, Patient.id == Referral.patient_id)
        .where(*where)
        .order_by(Referral.referred_at, Referral.id)
        .limit(limit)
    ).all()
    return total, [WaitingReferral._make(r) for r in rows]


def reviews_due(s: Session, staff_id: uuid.UUID, by: date, limit: int) -> tuple[int, list[Review]]:
    """Active cases ``staff_id`` coordinates whose next review is on or before ``by``,
    the most overdue first."""
    where = [
        CaseloadEntry.care_coordinator_id == staff_id,
        CaseloadEntry.status == CaseloadStatus.ACTIVE,
        CaseloadEntry.next_review_on.is_not(None),
        CaseloadEntry.next_review_on <= by,
        *_live(CaseloadEntry.deleted_at),
    ]
    total = s.scalar(select(func.count()).select_from(CaseloadEntry).where(*where)) or 0
    rows = s.execute(
        select(
            CaseloadEntry.patient_id,
            Patient.title,
            Patient.family_name,
            Patient.given_name,
            Patient.nhs_number,
            CaseloadEntry.next_review_on,
        )
        .join(Patient, Patient.id == CaseloadEntry.patient_id)
        .where(*where)
        .order_by(CaseloadEntry.next_review_on, Patient.family_name, CaseloadEntry.id)
        .limit(limit)
    ).all()
    return total, [Review._make(r) for r in rows]


def caseload_size(s: Session, staff_id: uuid.UUID) -> int:
    """Active cases with ``staff_id`` as named care coordinator."""
    return (
        s.scalar(
            select(func.count())
            .select_from(CaseloadEntry)
            .where(
                CaseloadEntry.care_coordinator_id == staff_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                *_live(CaseloadEntry.deleted_at),
            )
        )
        or 0
    )


def mentions_of(s: Session, staff_id: uuid.UUID, limit: int) -> tuple[int, int, list[Mention]]:
    """(all, unread, the ``limit`` first) notes mentioning ``staff_id``: unread first, then
    the newest."""
    where = [NoteMention.staff_id == staff_id, *_live(NoteMention.deleted_at, Note.deleted_at)]
    counts = s.execute(
        select(func.count(), func.count(case((NoteMention.read_at.is_(None), 1))))
        .select_from(NoteMention)
        .join(Note, Note.id == NoteMention.note_id)
        .where(*where)
    ).one()
    rows = s.execute(
        select(
            NoteMention.id,
            Note.id,
            Note.patient_id,
            Patient.title,
            Patient.family_name,
            Patient.given_name,
            Note.author_name,
            Note.written_at,
            Note.text,
            NoteMention.read_at,
        )
        .join(Note, Note.id == NoteMention.note_id)
        .join(Patient, Patient.id == Note.patient_id)
        .where(*where)
        .order_by(NoteMention.read_at.is_not(None), Note.written_at.desc(), NoteMention.id)
        .limit(limit)
    ).all()
    return int(counts[0]), int(counts[1]), [Mention._make(r) for r in rows]


def open_actions(
    s: Session, staff_id: uuid.UUID, today: date, limit: int
) -> tuple[int, int, list[OpenAction]]:
    """(open, overdue, the ``limit`` first) actions owned by ``staff_id``: the most overdue
    first, those with no due date last."""
    where = [
        Action.owner_staff_id == staff_id,
        Action.status == ActionStatus.OPEN,
        *_live(Action.deleted_at),
    ]
    counts = s.execute(
        select(
            func.count(),
            func.count(case((and_(Action.due_on.is_not(None), Action.due_on < today), 1))),
        )
        .select_from(Action)
        .where(*where)
    ).one()
    rows = s.execute(
        select(
            Action.id,
            Action.patient_id,
            Action.description,
            Action.due_on,
            Patient.family_name,
            Patient.given_name,
        )
        .outerjoin(Patient, Patient.id == Action.patient_id)
        .where(*where)
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        .limit(limit)
    ).all()
    return int(counts[0]), int(counts[1]), [OpenAction._make(r) for r in rows]


def next_meeting(s: Session, team_id: uuid.UUID | None, now: datetime) -> NextMeeting | None:
    """The team's next planned (or running) meeting, with its agenda's size."""
    meeting = s.execute(
        select(Meeting.id, Meeting.starts_at, Meeting.location)
        .where(
            Meeting.team_id == team_id,
            Meeting.status.in_([MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS]),
            Meeting.starts_at >= now,
            *_live(Meeting.deleted_at),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    ).first()
    if meeting is None:
        return None
    cases, minutes = s.execute(
        select(func.count(), func.coalesce(func.sum(AgendaItem.minutes_allotted), 0)).where(
            AgendaItem.meeting_id == meeting[0], *_live(AgendaItem.deleted_at)
        )
    ).one()
    planned = s.scalar(select(Meeting.length_minutes).where(Meeting.id == meeting[0]))
    return NextMeeting(meeting[0], meeting[1], meeting[2], int(cases), int(minutes), planned)
