from __future__ import annotations

from datetime import date

import pytest

from mdt_desktop.domain.banner import BannerPerson, banner_for
from mdt_desktop.domain.permissions import (
    PERMISSIONS,
    NotPermitted,
    Permission,
    allowed,
    require,
    why_not,
)
from mdt_desktop.domain.roles import Role


def _person(**kw) -> BannerPerson:
    base = dict(
        family_name="Ó Ceallaigh",
        given_name="Zoë",
        title="Mrs",
        date_of_birth=date(1945, 7, 14),
        sex="female",
        nhs_number="9434765919",
        practice_name="Riverside Surgery",
        practice_code="Y01234",
        consent="given",
        consent_on=date(2026, 3, 1),
    )
    base.update(kw)
    return BannerPerson(**base)


def test_banner_words() -> None:
    b = banner_for(_person(), date(2026, 11, 23))
    assert b.name == "Ó CEALLAIGH, Zoë (Mrs)"
    assert b.born == "Born 14-Jul-1945 (81y)"
    assert b.nhs_number == "NHS No. 943 476 5919"
    assert b.practice == "GP Riverside Surgery (Y01234)"
    assert b.consent == "Consent to share: given (01-Mar-2026)"
    assert not b.consent_declined and b.alerts == ()
    assert b.one_line == "Ó CEALLAIGH, Zoë (Mrs)   Born 14-Jul-1945 (81y)   NHS No. 943 476 5919"


def test_banner_not_known_and_alerts() -> None:
    b = banner_for(
        _person(
            nhs_number=None,
            date_of_birth=None,
            practice_name=None,
            practice_code=None,
            consent=None,
            sex="unknown",
            registration_status="left",
        ),
        date(2026, 11, 23),
    )
    assert b.nhs_number == "NHS No. Not Known"
    assert b.born == "Born Not Known"
    assert b.practice == "GP Not Known"
    assert b.gender == "Gender Not Known"
    assert b.consent == "Consent to share: Not Known"
    assert b.alerts == ("Left the registered list",)
    declined = banner_for(_person(consent="declined"), date(2026, 11, 23))
    assert declined.consent_declined and "DECLINED" in declined.consent


def test_every_role_has_a_row_and_everyone_may_refer() -> None:
    assert set(PERMISSIONS) == set(Role)
    for role in Role:
        assert allowed(role, Permission.REFER) and allowed(role, Permission.WRITE_NOTE)


def test_refusals_say_why() -> None:
    assert allowed("district_nurse", Permission.ACCEPT_REFERRAL)
    assert not allowed(Role.ADMINISTRATOR, Permission.EDIT_CARE_PLAN)
    assert not allowed("no_such_role", Permission.REFER)
    assert why_not(Role.GP, Permission.EDIT_CARE_PLAN) is None
    assert why_not(Role.PHARMACIST, Permission.ACCEPT_REFERRAL) == (
        "Pharmacists may not accept or decline referrals and close cases."
    )
    with pytest.raises(NotPermitted, match="Voluntary sector workers may not edit care plans"):
        require(Role.VOLUNTARY_SECTOR_WORKER, Permission.EDIT_CARE_PLAN)
