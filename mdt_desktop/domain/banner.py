"""The patient banner's words, in the NHS common user interface style.

Every screen and document that shows one person starts with the same banner, so a
clinician always knows whose record is open: ``FAMILY, Given (Title)``,
``Born 14-Jul-1945 (81y)``, gender, ``NHS No. 943 476 5919``, GP practice, consent to
share, alerts. Anything missing reads "Not Known".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .nhs_number import format_nhs_number
from .people import NOT_KNOWN, display_name, format_born, format_patient_date, sex_label

CONSENT_WORDS = {
    "given": "Consent to share: given",
    "declined": "Consent to share: DECLINED",
    "not_asked": "Consent to share: not asked",
}


@dataclass(frozen=True)
class BannerPerson:
    """What the banner needs to know about one person (no database objects)."""

    family_name: str | None
    given_name: str | None
    title: str | None
    date_of_birth: date | None
    sex: str
    nhs_number: str | None
    practice_name: str | None = None
    practice_code: str | None = None
    consent: str | None = None  # given / declined / not_asked / None (never recorded)
    consent_on: date | None = None
    date_of_death: date | None = None
    registration_status: str = "registered"
    alerts: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Banner:
    name: str
    born: str
    gender: str
    nhs_number: str
    practice: str
    consent: str
    consent_declined: bool
    alerts: tuple[str, ...]

    @property
    def one_line(self) -> str:
        """For minutes, lists and PDF running heads: name, born, NHS number."""
        return f"{self.name}   {self.born}   {self.nhs_number}"


def banner_for(person: BannerPerson, today: date) -> Banner:
    born = format_born(person.date_of_birth, today)
    if person.date_of_death is not None:
        born = f"Born {format_patient_date(person.date_of_birth)} — Died " + format_patient_date(
            person.date_of_death
        )
    nhs = (
        f"NHS No. {format_nhs_number(person.nhs_number)}"
        if person.nhs_number
        else f"NHS No. {NOT_KNOWN}"
    )
    if person.practice_name:
        practice = person.practice_name
        if person.practice_code:
            practice += f" ({person.practice_code})"
    else:
        practice = person.practice_code or NOT_KNOWN
    consent = CONSENT_WORDS.get(person.consent or "", "Consent to share: Not Known")
    if person.consent and person.consent_on:
        consent += f" ({format_patient_date(person.consent_on)})"
    alerts = list(person.alerts)
    if person.registration_status == "left":
        alerts.insert(0, "Left the registered list")
    elif person.registration_status == "deceased" or person.date_of_death is not None:
        alerts.insert(0, "Deceased")
    return Banner(
        name=display_name(person.family_name, person.given_name, person.title),
        born=born,
        gender=f"Gender {sex_label(person.sex)}",
        nhs_number=nhs,
        practice=f"GP {practice}",
        consent=consent,
        consent_declined=person.consent == "declined",
        alerts=tuple(alerts),
    )
