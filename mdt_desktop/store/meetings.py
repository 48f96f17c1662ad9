"""Reads for MDT meetings: agenda proposals, the caseload search, actions, minutes.

The agenda proposals read tables other features write (referrals, caseload entries,
hospital admissions, discharge plans); they are read here, defensively, through
plain queries so the meetings work does not depend on those services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.caseload import CaseloadStatus, ReferralStatus, Urgency
from mdt_desktop.domain.meetings import ActionStatus, AgendaStatus, MeetingStatus, carried_reason
from mdt_desktop.domain.people import format_patient_date as fmt

from .schema import (
    Action,
    AgendaItem,
    CarePlan,
    CarePlanVersion,
    CaseloadEntry,
    DischargePlan,
    HospitalAdmission,
    Meeting,
    Note,
    Patient,
    Referral,
    RiskScore,
    Staff,
)

# "Recently" admitted or discharged: the last four weeks before the meeting.
RECENT_DAYS = 28


@dataclass(frozen=True)
class Proposal:
    """One reason for one person to be on a meeting's agenda."""

    patient_id: uuid.UUID
    reason_kind: str
    reason: str
    when: datetime | date | None = None
    carried_from_id: uuid.UUID | None = None
    # An urgent referral or an overdue review (the agenda order puts these first).
    pressing: bool = False


def live(model: Any) -> Any:
    return model.deleted_at.is_(None)


def next_planned_meeting(s: Session, team_id: uuid.UUID | None, after: datetime) -> Meeting | None:
    return s.scalars(
        select(Meeting)
        .where(
            Meeting.team_id == team_id,
            Meeting.starts_at > after,
            Meeting.status == MeetingStatus.PLANNED,
            live(Meeting),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    ).first()


def agenda_items(s: Session, meeting_id: uuid.UUID) -> list[AgendaItem]:
    return list(
        s.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, live(AgendaItem))
            .order_by(AgendaItem.position)
        )
    )


def uncarried_not_reached(s: Session, meeting: Meeting) -> list[AgendaItem]:
    """Items "not reached" at the team's earlier meetings that no agenda has taken up yet."""
    later = aliased(AgendaItem)
    return list(
        s.scalars(
            select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                Meeting.team_id == meeting.team_id,
                Meeting.starts_at < meeting.starts_at,
                Meeting.id != meeting.id,
                AgendaItem.status == AgendaStatus.NOT_REACHED,
                live(AgendaItem),
                ~select(later.id)
                .where(later.carried_from_id == AgendaItem.id, later.deleted_at.is_(None))
                .exists(),
            )
            .order_by(Meeting.starts_at, AgendaItem.position)
        )
    )


def uncarried_not_reached_with_date(
    s: Session, meeting: Meeting
) -> list[tuple[AgendaItem, datetime]]:
    """As :func:`uncarried_not_reached`, with when each item's meeting was held."""
    items = uncarried_not_reached(s, meeting)
    held = dict(
        s.execute(
            select(Meeting.id, Meeting.starts_at).where(
                Meeting.id.in_({i.meeting_id for i in items})
            )
        ).all()
    )
    return [(i, held[i.meeting_id]) for i in items]


def carried_item_reason(item: AgendaItem, not_reached_on: str) -> str:
    """ "Not reached on 11-Nov-2026 — Review due 09-Nov-2026": the first reason is kept,
    however many times the case has been carried."""
    carried = item.carried_from_id is not None or item.reason_kind == "carried_forward"
    return carried_reason(
        "carried_forward" if carried else item.reason_kind, item.reason, not_reached_on
    )


def _stay_proposal(admission: Any, plan: Any, day: date) -> Proposal:
    """A stay in words for the agenda: where, since when, and what the discharge plan says."""
    where = ", ".join(p for p in (admission.hospital, admission.ward) if p) or "hospital"
    parts = []
    if plan is not None and plan.readmission:
        parts.append("Readmitted within 30 days (crude)")
    if admission.discharged_at is None:
        parts.append(f"In {where} since {fmt(admission.admitted_at.date())}")
        if plan is not None and plan.expected_discharge_on:
            parts.append(f"expected discharge {fmt(plan.expected_discharge_on)}")
        if plan is not None and plan.ready_on:
            waited = rules.days_since(plan.ready_on, day)
            parts.append(
                f"ready for discharge since {fmt(plan.ready_on)} "
                f"({waited.calendar} days, {waited.working} working)"
            )
        if plan is not None and plan.pathway is not None:
            parts.append(f"pathway {plan.pathway}")
        if plan is not None and plan.delay_code:
            try:
                label = rules.delay_scheme(plan.delay_scheme).get(plan.delay_code).label
            except KeyError:
                label = plan.delay_code
            parts.append(f"delayed: {label}")
        kind, when = "admitted", admission.admitted_at
    else:
        text = f"Discharged from {where} on {fmt(admission.discharged_at.date())}"
        pathway = None if plan is None else plan.discharged_pathway
        if pathway is None and plan is not None:
            pathway = plan.pathway
        if pathway is not None:
            text += f" (pathway {pathway})"
        parts.append(text)
        if plan is not None and plan.follow_up_due_on and plan.follow_up_done_at is None:
            late = " — missed" if plan.follow_up_due_on < day else ""
            parts.append(f"community follow-up due {fmt(plan.follow_up_due_on)}{late}")
        kind, when = "discharged", admission.discharged_at
    text = "; ".join(parts)
    if admission.reason:
        text += f" — {admission.reason.strip()}"
    return Proposal(admission.patient_id, kind, text, when)


def proposals(s: Session, meeting: Meeting, today: date) -> list[Proposal]:
    """Every reason the team has to discuss someone at this meeting, oldest facts first."""
    team_id = meeting.team_id
    day = meeting.starts_at.date()
    out: list[Proposal] = []

    # Not reached last time: the same reason and priority, with when it was not reached.
    for item, held in uncarried_not_reached_with_date(s, meeting):
        reason = carried_item_reason(item, fmt(held.astimezone().date()))
        out.append(
            Proposal(item.patient_id, item.reason_kind, reason, None, item.id, bool(item.pressing))
        )

    active = and_(
        CaseloadEntry.team_id == team_id,
        CaseloadEntry.status == CaseloadStatus.ACTIVE,
        live(CaseloadEntry),
    )
    # An escalation stands until the MDT has discussed it (recording an outcome clears
    # it), however many meetings have passed since.
    for entry in s.scalars(
        select(CaseloadEntry)
        .where(active, CaseloadEntry.escalated_at.is_not(None))
        .order_by(CaseloadEntry.escalated_at)
    ):
        why = (entry.escalation_reason or "no reason recorded").strip()
        out.append(
            Proposal(entry.patient_id, "escalation", f"Escalated: {why}", entry.escalated_at)
        )

    window_start = meeting.starts_at - timedelta(days=RECENT_DAYS)
    on_caseload = select(CaseloadEntry.patient_id).where(active)
    admissions = s.execute(
        select(HospitalAdmission, DischargePlan)
        .outerjoin(
            DischargePlan,
            and_(DischargePlan.admission_id == HospitalAdmission.id, live(DischargePlan)),
        )
        .where(
            live(HospitalAdmission),
            or_(
                HospitalAdmission.team_id == team_id, HospitalAdmission.patient_id.in_(on_caseload)
            ),
            HospitalAdmission.admitted_at <= meeting.starts_at,
            # Still in (however long ago they went in), or discharged in the last weeks.
            or_(
                HospitalAdmission.discharged_at.is_(None),
                HospitalAdmission.discharged_at >= window_start,
            ),
        )
        .order_by(HospitalAdmission.admitted_at)
    ).all()
    for admission, plan in admissions:
        out.append(_stay_proposal(admission, plan, day))

    for referral in s.scalars(
        select(Referral)
        .where(
            Referral.team_id == team_id,
            Referral.status == ReferralStatus.WAITING,
            live(Referral),
            Referral.referred_at <= meeting.starts_at,
        )
        .order_by(Referral.referred_at)
    ):
        urgency = "" if referral.urgency == Urgency.ROUTINE else f" ({referral.urgency})"
        out.append(
            Proposal(
                referral.patient_id,
                "new_referral",
                f"New referral{urgency}: {referral.reason.strip()}",
                referral.referred_at,
                pressing=referral.urgency != Urgency.ROUTINE,
            )
        )

    for entry in s.scalars(
        select(CaseloadEntry)
        .where(
            active, CaseloadEntry.next_review_on.is_not(None), CaseloadEntry.next_review_on <= day
        )
        .order_by(CaseloadEntry.next_review_on)
    ):
        assert entry.next_review_on is not None
        overdue = " (overdue)" if entry.next_review_on < today else ""
        out.append(
            Proposal(
                entry.patient_id,
                "review_due",
                f"Review due {fmt(entry.next_review_on)}{overdue}",
                entry.next_review_on,
                pressing=bool(overdue),
            )
        )
    return out


def caseload_search(
    s: Session, team_id: uuid.UUID | None, text: str, limit: int = 50
) -> list[tuple[uuid.UUID, str, str | None, str | None, str | None, date | None]]:
    """People active on the team's caseload whose name or NHS number matches ``text``."""
    query = (
        select(
            Patient.id,
            Patient.family_name,
            Patient.given_name,
            Patient.title,
            Patient.nhs_number,
            Patient.date_of_birth,
        )
        .join(CaseloadEntry, CaseloadEntry.patient_id == Patient.id)
        .where(
            CaseloadEntry.team_id == team_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            live(CaseloadEntry),
        )
    )
    words = text.strip()
    if words:
        digits = "".join(ch for ch in words if ch.isdigit())
        if digits and len(digits) == len(words.replace(" ", "")):
            query = query.where(Patient.nhs_number.like(f"{digits}%"))
        else:
            for word in words.replace(",", " ").split():
                pattern = f"%{word}%"
                query = query.where(
                    or_(Patient.family_name.ilike(pattern), Patient.given_name.ilike(pattern))
                )
    query = query.order_by(func.lower(Patient.family_name), func.lower(Patient.given_name))
    return [tuple(row) for row in s.execute(query.limit(limit)).all()]  # type: ignore[misc]


def risk_of(s: Session, patient_id: uuid.UUID) -> RiskScore | None:
    return s.get(RiskScore, patient_id)


def latest_plan_content(s: Session, patient_id: uuid.UUID) -> dict[str, Any] | None:
    """The care plan's current version, or its highest-numbered one if none is marked."""
    plan = s.scalars(
        select(CarePlan).where(CarePlan.patient_id == patient_id, live(CarePlan))
    ).first()
    if plan is None:
        return None
    version = s.get(CarePlanVersion, plan.current_version_id) if plan.current_version_id else None
    if version is None:
        version = s.scalars(
            select(CarePlanVersion)
            .where(CarePlanVersion.care_plan_id == plan.id, live(CarePlanVersion))
            .order_by(CarePlanVersion.number.desc())
            .limit(1)
        ).first()
    if version is None or not isinstance(version.content, dict):
        return None
    return version.content


def open_actions_of(s: Session, patient_id: uuid.UUID) -> list[Action]:
    return list(
        s.scalars(
            select(Action)
            .where(
                Action.patient_id == patient_id, Action.status == ActionStatus.OPEN, live(Action)
            )
            .order_by(Action.due_on.asc().nulls_last())
        )
    )


def recent_notes(s: Session, patient_id: uuid.UUID, limit: int = 5) -> list[Note]:
    return list(
        s.scalars(
            select(Note)
            .where(Note.patient_id == patient_id, live(Note))
            .order_by(Note.written_at.desc())
            .limit(limit)
        )
    )


def action_rows(
    s: Session,
    *,
    status: str | None = ActionStatus.OPEN,
    owner_staff_id: uuid.UUID | None = None,
    owner_name: str | None = None,
    overdue_on: date | None = None,
    team_id: uuid.UUID | None = None,
) -> list[tuple[Action, Patient | None, Meeting | None]]:
    """Actions across meetings by due date (undated last), with whose and from which meeting."""
    query = (
        select(Action, Patient, Meeting)
        .outerjoin(Patient, Patient.id == Action.patient_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(live(Action))
    )
    if status:
        query = query.where(Action.status == status)
    if team_id is not None:
        query = query.where(Action.team_id == team_id)
    if owner_staff_id is not None or owner_name:
        who = []
        if owner_staff_id is not None:
            who.append(Action.owner_staff_id == owner_staff_id)
        if owner_name:
            who.append(and_(Action.owner_staff_id.is_(None), Action.owner_name == owner_name))
        query = query.where(or_(*who))
    if overdue_on is not None:
        query = query.where(Action.due_on < overdue_on, Action.status == ActionStatus.OPEN)
    query = query.order_by(Action.due_on.asc().nulls_last(), Action.owner_name)
    return [(a, p, m) for a, p, m in s.execute(query).all()]


def staff_of_team(s: Session, team_id: uuid.UUID | None) -> list[Staff]:
    query = select(Staff).where(live(Staff), Staff.active.is_(True))
    if team_id is not None:
        query = query.where(or_(Staff.team_id == team_id, Staff.team_id.is_(None)))
    return list(s.scalars(query.order_by(Staff.name)))
