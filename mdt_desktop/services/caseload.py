"""The team's caseload: referrals → accept or decline → active → stepped down or closed.

Every change runs in one transaction with its audit and outbox entries (the flush
hook) and a note in the person's record saying what happened, so the story of a case
can be read in the Notes tab without opening the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdt_desktop.domain.caseload import (
    DEFAULT_FIRST_REVIEW_DAYS,
    CaseloadStatus,
    NoteCategory,
    ReferralSource,
    ReferralStatus,
    Urgency,
    clean_text,
)
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission, allowed, require
from mdt_desktop.store.database import Store
from mdt_desktop.store.risk_inputs import refresh_caseload_status
from mdt_desktop.store.schema import (
    CareTeamMember,
    CaseloadEntry,
    Note,
    Patient,
    Referral,
    Staff,
    Team,
)

from .errors import InvalidInput

URGENCIES = Urgency.values()
SOURCES = ReferralSource.values()


class CaseloadError(InvalidInput):
    """A caseload change that cannot be made as asked; the message says why."""


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
    urgency: str = Urgency.ROUTINE,
    source: str = "case_finding",
    referred_by: str | None = None,
) -> ReferralResult:
    """Put people in the team's referral inbox, once each, in one transaction."""
    require(store.actor.role, Permission.REFER)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("A referral needs a reason.")
    if urgency not in URGENCIES:
        raise InvalidInput(f"Urgency is one of {', '.join(URGENCIES)}.")
    if source not in SOURCES:
        raise InvalidInput(f"Source is one of {', '.join(SOURCES)}.")
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        raise InvalidInput("Choose at least one person to refer.")
    referrer = (referred_by or "").strip() or store.actor.name
    created: list[uuid.UUID] = []
    already: list[uuid.UUID] = []
    now = datetime.now(UTC)
    with store.transaction() as s:
        if s.get(Team, team_id) is None:
            raise InvalidInput("That team is not in this store.")
        waiting = set(
            s.scalars(
                select(Referral.patient_id).where(
                    Referral.patient_id.in_(ids),
                    Referral.team_id == team_id,
                    Referral.status == ReferralStatus.WAITING,
                    Referral.deleted_at.is_(None),
                )
            )
        )
        active = set(
            s.scalars(
                select(CaseloadEntry.patient_id).where(
                    CaseloadEntry.patient_id.in_(ids),
                    CaseloadEntry.team_id == team_id,
                    CaseloadEntry.status == CaseloadStatus.ACTIVE,
                    CaseloadEntry.deleted_at.is_(None),
                )
            )
        )
        known = set(s.scalars(select(Patient.id).where(Patient.id.in_(ids))))
        for pid in ids:
            if pid not in known:
                raise InvalidInput(f"No one with id {pid} is on the registered list.")
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
                    referred_by=referrer,
                    referred_at=now,
                    status=ReferralStatus.WAITING,
                )
            )
            created.append(pid)
        s.flush()
        refresh_caseload_status(s.connection(), [pid.hex for pid in created])
    return ReferralResult(created, already)


def refer_person(
    store: Store,
    patient_id: uuid.UUID,
    *,
    reason: str,
    team_id: uuid.UUID,
    urgency: str = Urgency.ROUTINE,
    referred_by: str | None = None,
    source: str = "manual",
) -> uuid.UUID:
    """A manual referral of one person on the registered list; returns the referral's id."""
    result = refer_to_caseload(
        store,
        [patient_id],
        reason=reason,
        team_id=team_id,
        urgency=urgency,
        source=source,
        referred_by=referred_by,
    )
    if not result.created:
        raise CaseloadError("This person is already waiting in the inbox or on the caseload.")
    with store.session() as s:
        return s.scalars(
            select(Referral.id).where(
                Referral.patient_id == patient_id,
                Referral.team_id == team_id,
                Referral.status == ReferralStatus.WAITING,
                Referral.deleted_at.is_(None),
            )
        ).one()


def _write_event_note(s: Session, store: Store, patient_id: uuid.UUID, team_id, text: str) -> None:
    s.add(
        Note(
            team_id=team_id,
            patient_id=patient_id,
            author_user_id=store.actor.user_id,
            author_name=store.actor.name,
            author_role=store.actor.role,
            written_at=datetime.now(UTC),
            category=NoteCategory.CASELOAD.value,
            text=text,
        )
    )


def _waiting_referral(s: Session, referral_id: uuid.UUID) -> Referral:
    referral = s.get(Referral, referral_id)
    if referral is None or referral.deleted_at is not None:
        raise CaseloadError("That referral is not in this store.")
    if referral.status != ReferralStatus.WAITING:
        raise CaseloadError(f"That referral was already {referral.status}.")
    return referral


def _coordinator(s: Session, staff_id: uuid.UUID | None) -> Staff:
    if staff_id is None:
        raise CaseloadError("An active case needs a named care coordinator.")
    staff = s.get(Staff, staff_id)
    if staff is None or staff.deleted_at is not None or not staff.active:
        raise CaseloadError("That care coordinator is not in the staff directory.")
    if not allowed(staff.role, Permission.COORDINATE_CARE):
        raise CaseloadError(f"{staff.name} cannot be a care coordinator in their role.")
    return staff


def accept_referral(
    store: Store,
    referral_id: uuid.UUID,
    *,
    coordinator_id: uuid.UUID | None,
    next_review_on: date | None = None,
    today: date | None = None,
) -> uuid.UUID:
    """Accept a waiting referral: the person becomes an active case. Returns the entry id."""
    require(store.actor.role, Permission.ACCEPT_REFERRAL)
    today = today or date.today()
    review = next_review_on or today + timedelta(days=DEFAULT_FIRST_REVIEW_DAYS)
    if review < today:
        raise CaseloadError("The next review cannot be in the past.")
    now = datetime.now(UTC)
    with store.transaction() as s:
        referral = _waiting_referral(s, referral_id)
        staff = _coordinator(s, coordinator_id)
        already = s.scalars(
            select(CaseloadEntry).where(
                CaseloadEntry.patient_id == referral.patient_id,
                CaseloadEntry.team_id == referral.team_id,
                CaseloadEntry.status == CaseloadStatus.ACTIVE,
                CaseloadEntry.deleted_at.is_(None),
            )
        ).first()
        if already is not None:
            raise CaseloadError("This person is already on the team's caseload.")
        referral.status = ReferralStatus.ACCEPTED
        referral.decided_at = now
        referral.decided_by = store.actor.name
        entry = CaseloadEntry(
            team_id=referral.team_id,
            patient_id=referral.patient_id,
            referral_id=referral.id,
            status=CaseloadStatus.ACTIVE,
            care_coordinator_id=staff.id,
            started_on=today,
            next_review_on=review,
        )
        s.add(entry)
        _ensure_in_care_team(s, referral.patient_id, referral.team_id, staff)
        _write_event_note(
            s,
            store,
            referral.patient_id,
            referral.team_id,
            f"Referral accepted onto the caseload. Care coordinator: {staff.name}. "
            f"First review by {format_patient_date(review)}.",
        )
        s.flush()
        refresh_caseload_status(s.connection(), [referral.patient_id.hex])
        return entry.id


def _ensure_in_care_team(s: Session, patient_id: uuid.UUID, team_id, staff: Staff) -> None:
    """The care coordinator belongs to the person's care team (the lead, if none yet)."""
    members = list(
        s.scalars(
            select(CareTeamMember).where(
                CareTeamMember.patient_id == patient_id, CareTeamMember.deleted_at.is_(None)
            )
        )
    )
    if any(m.staff_id == staff.id for m in members):
        return
    s.add(
        CareTeamMember(
            team_id=team_id,
            patient_id=patient_id,
            staff_id=staff.id,
            name=staff.name,
            role=staff.role,
            organisation=staff.organisation,
            contact=staff.phone or staff.email,
            relationship="professional",
            is_lead=not any(m.is_lead for m in members),
        )
    )


def decline_referral(store: Store, referral_id: uuid.UUID, *, reason: str) -> None:
    require(store.actor.role, Permission.ACCEPT_REFERRAL)
    reason = clean_text(reason, "the reason for declining", limit=2000)
    with store.transaction() as s:
        referral = _waiting_referral(s, referral_id)
        referral.status = ReferralStatus.DECLINED
        referral.decided_at = datetime.now(UTC)
        referral.decided_by = store.actor.name
        referral.decision_reason = reason
        _write_event_note(
            s, store, referral.patient_id, referral.team_id, f"Referral declined: {reason}"
        )
        s.flush()
        refresh_caseload_status(s.connection(), [referral.patient_id.hex])


def _active_entry(s: Session, entry_id: uuid.UUID) -> CaseloadEntry:
    entry = s.get(CaseloadEntry, entry_id)
    if entry is None or entry.deleted_at is not None:
        raise CaseloadError("That case is not in this store.")
    if entry.status != CaseloadStatus.ACTIVE:
        raise CaseloadError(f"That case is already {entry.status.replace('_', ' ')}.")
    return entry


def end_case(
    store: Store,
    entry_id: uuid.UUID,
    *,
    outcome: str,
    reason: str,
    today: date | None = None,
) -> None:
    """Step an active case down (``stepped_down``) or close it (``closed``), with a reason."""
    require(store.actor.role, Permission.ACCEPT_REFERRAL)
    if outcome not in (CaseloadStatus.STEPPED_DOWN, CaseloadStatus.CLOSED):
        raise CaseloadError("A case is either stepped down or closed.")
    reason = clean_text(reason, "the reason", limit=2000)
    with store.transaction() as s:
        entry = _active_entry(s, entry_id)
        finish_case(s, store, entry, outcome=outcome, reason=reason, on=today or date.today())


def finish_case(
    s: Session, store: Store, entry: CaseloadEntry, *, outcome: str, reason: str, on: date
) -> None:
    """The one rule for ending a case, whether the Caseload page or an MDT decision ends it.

    Status, end date and reason; the escalation flag cleared (an ended case is no longer
    waiting for the MDT); a note in the record; the case-finding list's caseload column.
    The caller checks the permission its own path needs and runs the transaction.
    """
    entry.status = outcome
    entry.ended_on = on
    entry.end_reason = reason
    entry.escalated_at = None
    if outcome == CaseloadStatus.CLOSED:
        entry.next_review_on = None  # nothing left to review
    words = CaseloadStatus(outcome).label
    _write_event_note(s, store, entry.patient_id, entry.team_id, f"{words}: {reason}")
    s.flush()
    refresh_caseload_status(s.connection(), [entry.patient_id.hex])


def escalation_discussed(s: Session, store: Store, entry: CaseloadEntry, on: date) -> None:
    """The MDT has discussed an escalated case: the flag goes, and the record says when.

    The escalation note itself stays; this adds a caseload note after it.
    """
    if entry.escalated_at is None:
        return
    why = (entry.escalation_reason or "").strip()
    entry.escalated_at = None
    entry.escalation_reason = None
    _write_event_note(
        s,
        store,
        entry.patient_id,
        entry.team_id,
        f"Escalation discussed at the MDT on {format_patient_date(on)}"
        + (f" ({why})" if why else "")
        + "; no longer flagged as escalated.",
    )


def set_next_review(
    store: Store, entry_id: uuid.UUID, on: date, *, today: date | None = None
) -> None:
    require(store.actor.role, Permission.COORDINATE_CARE)
    if on < (today or date.today()):
        raise CaseloadError("The next review cannot be in the past.")
    with store.transaction() as s:
        entry = _active_entry(s, entry_id)
        entry.next_review_on = on


def change_coordinator(store: Store, entry_id: uuid.UUID, staff_id: uuid.UUID) -> None:
    require(store.actor.role, Permission.COORDINATE_CARE)
    with store.transaction() as s:
        entry = _active_entry(s, entry_id)
        staff = _coordinator(s, staff_id)
        if entry.care_coordinator_id == staff.id:
            return
        entry.care_coordinator_id = staff.id
        _ensure_in_care_team(s, entry.patient_id, entry.team_id, staff)
        _write_event_note(
            s, store, entry.patient_id, entry.team_id, f"Care coordinator is now {staff.name}."
        )


def active_entry(
    store: Store, patient_id: uuid.UUID, team_id: uuid.UUID | None = None
) -> CaseloadEntry | None:
    """The person's active case (in ``team_id`` when given), or None."""
    with store.session() as s:
        query = select(CaseloadEntry).where(
            CaseloadEntry.patient_id == patient_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            CaseloadEntry.deleted_at.is_(None),
        )
        if team_id is not None:
            query = query.where(CaseloadEntry.team_id == team_id)
        return s.scalars(query.order_by(CaseloadEntry.started_on.desc())).first()


def escalated_since(
    store: Store, team_id: uuid.UUID, since: datetime | None
) -> list[CaseloadEntry]:
    """Active cases escalated after ``since``, oldest escalation first (every one still
    escalated when ``since`` is None).

    An escalation stands until the MDT has discussed the person (see
    :func:`escalation_discussed`); the agenda proposes every one still standing.
    """
    with store.session() as s:
        query = select(CaseloadEntry).where(
            CaseloadEntry.team_id == team_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            CaseloadEntry.deleted_at.is_(None),
            CaseloadEntry.escalated_at.is_not(None),
        )
        if since is not None:
            query = query.where(CaseloadEntry.escalated_at > since)
        return list(s.scalars(query.order_by(CaseloadEntry.escalated_at)))


def history(store: Store, patient_id: uuid.UUID) -> list[tuple[str, Referral | CaseloadEntry]]:
    """Referrals and cases of one person, newest first: ("referral"|"case", row)."""
    with store.session() as s:
        refs = s.scalars(
            select(Referral).where(Referral.patient_id == patient_id, Referral.deleted_at.is_(None))
        ).all()
        cases = s.scalars(
            select(CaseloadEntry).where(
                CaseloadEntry.patient_id == patient_id, CaseloadEntry.deleted_at.is_(None)
            )
        ).all()
    items: list[tuple[datetime, str, Referral | CaseloadEntry]] = [
        (r.referred_at, "referral", r) for r in refs
    ]
    for c in cases:
        started = datetime(c.started_on.year, c.started_on.month, c.started_on.day, 23, tzinfo=UTC)
        items.append((started, "case", c))
    items.sort(key=lambda item: item[0], reverse=True)
    return [(kind, row) for _, kind, row in items]


def caseload_listing(
    store: Store, *, status: str | None = None, team: str | None = None
) -> dict[str, object]:
    """The caseload for scripts (`mdt caseload --json`): one dict per referral or case.

    Listing people is an export of their data, so it is audited as one.
    """
    from mdt_desktop.domain.nhs_number import format_nhs_number
    from mdt_desktop.domain.people import display_name
    from mdt_desktop.store import caseload as queries

    if status is not None and status not in queries.STATUSES:
        raise InvalidInput(f"Status is one of {', '.join(queries.STATUSES)}.")
    team_hex = None
    team_name = None
    if team is not None:
        with store.session() as s:
            found = s.scalars(
                select(Team).where(
                    (Team.name == team) | (Team.code == team), Team.deleted_at.is_(None)
                )
            ).first()
        if found is None:
            raise InvalidInput(f"There is no team called {team!r} in this store.")
        team_hex, team_name = found.id.hex, found.name
    col = queries.COL
    people = []
    with store.engine.connect() as conn:
        rows = queries.export_rows(conn, team_hex)
        team_names = {t[0]: t[1] for t in queries.teams_with_cases(conn)}
    for row in rows:
        if status is not None and row[col["status"]] != status:
            continue
        nhs = row[col["nhs_number"]]
        kind = row[col["kind"]]
        people.append(
            {
                "nhs_number": format_nhs_number(nhs) if nhs else None,
                "name": display_name(
                    row[col["family_name"]], row[col["given_name"]], row[col["title"]]
                ),
                "status": row[col["status"]],
                "coordinator": row[col["coordinator"]] if kind == "case" else None,
                "next_review": row[col["next_review_on"]],
                "has_care_plan": bool(row[col["has_care_plan"]]),
                "team": team_names.get(row[col["team_id"]]),
                "referred_by": row[col["coordinator"]] if kind == "referral" else None,
                "urgency": row[col["urgency"]],
                "since": str(row[col["since"]])[:10] if row[col["since"]] else None,
            }
        )
    counts: dict[str, int] = {}
    for person in people:
        counts[str(person["status"])] = counts.get(str(person["status"]), 0) + 1
    store.audit(
        "export",
        "caseload_entries",
        detail=f"caseload listing for a script: {len(people)} people"
        + (f", team {team_name}" if team_name else "")
        + (f", status {status}" if status else ""),
    )
    return {"team": team_name, "count": len(people), "counts": counts, "caseload": people}


def clear_escalation(store: Store, entry_id: uuid.UUID) -> None:
    """The MDT has discussed the escalation: the case no longer shows as escalated.

    For the meetings work to call once the item is discussed; the escalation note stays.
    """
    require(store.actor.role, Permission.RECORD_DECISION)
    with store.transaction() as s:
        entry = s.get(CaseloadEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise CaseloadError("That case is not in this store.")
        entry.escalated_at = None
        entry.escalation_reason = None
