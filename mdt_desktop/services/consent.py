"""Consent to share the record across the MDT's organisations."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from mdt_desktop.domain.people import ConsentStatus
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Consent, Patient

from .errors import NotFound, UserError

STATUSES = ConsentStatus.labels()
METHODS = ("In person", "By telephone", "By video call", "In writing", "Via carer or advocate")


class ConsentDeclined(UserError):
    """The person declined consent to share: an export needs a confirmed reason."""


def record_consent(
    store: Store,
    patient_id: uuid.UUID,
    status: str,
    *,
    recorded_on: date | None = None,
    recorded_by: str | None = None,
    method: str | None = None,
    note: str | None = None,
    today: date | None = None,
) -> Consent:
    """A new consent record; earlier ones are kept (the newest is the one that counts)."""
    require(store.actor.role, Permission.RECORD_CONSENT)
    if status not in STATUSES:
        raise InvalidInput(f"Consent is one of {', '.join(STATUSES)}.")
    on = recorded_on or today or date.today()
    if on > (today or date.today()):
        raise InvalidInput("Consent cannot be recorded for a date in the future.")
    if status != ConsentStatus.NOT_ASKED and not (method or "").strip():
        raise InvalidInput("Say how consent was asked (in person, by telephone …).")
    with store.transaction() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That person is not in this store.")
        row = Consent(
            team_id=patient.team_id,
            patient_id=patient_id,
            status=status,
            recorded_on=on,
            recorded_by=(recorded_by or "").strip() or store.actor.name,
            method=(method or "").strip() or None,
            note=(note or "").strip() or None,
        )
        s.add(row)
    return row


def latest_consent(store: Store, patient_id: uuid.UUID) -> Consent | None:
    with store.session() as s:
        return s.scalars(
            select(Consent)
            .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
            .order_by(Consent.recorded_on.desc().nulls_last(), Consent.updated_at.desc())
            .limit(1)
        ).first()
