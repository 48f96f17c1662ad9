"""Reading one person: the banner every record, meeting and document starts with."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from mdt_desktop.domain.banner import Banner, BannerPerson, banner_for
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Consent, Patient, Practice

from .errors import NotFound


def banner_person(store: Store, patient_id: uuid.UUID) -> BannerPerson:
    with store.session() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That person is not in this store.")
        practice = s.get(Practice, patient.practice_id) if patient.practice_id else None
        consent = s.scalars(
            select(Consent)
            .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
            .order_by(Consent.recorded_on.desc().nulls_last(), Consent.updated_at.desc())
            .limit(1)
        ).first()
        return BannerPerson(
            family_name=patient.family_name,
            given_name=patient.given_name,
            title=patient.title,
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
            nhs_number=patient.nhs_number,
            practice_name=practice.name if practice else None,
            practice_code=practice.ods_code if practice else None,
            consent=consent.status if consent else None,
            consent_on=consent.recorded_on if consent else None,
            date_of_death=patient.date_of_death,
            registration_status=patient.registration_status,
        )


def patient_banner(store: Store, patient_id: uuid.UUID, today: date | None = None) -> Banner:
    return banner_for(banner_person(store, patient_id), today or date.today())
