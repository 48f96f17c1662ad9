"""The schema's CHECK constraints are built from the vocabularies in domain/, so each one
lists exactly its enum's values, in order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import CheckConstraint

from mdt_desktop.domain.budgets import BudgetStatus
from mdt_desktop.domain.care_plan import CarePlanStatus
from mdt_desktop.domain.caseload import CaseloadStatus, ReferralSource, ReferralStatus, Urgency
from mdt_desktop.domain.discharges import (
    DischargeEventKind,
    DischargeStatus,
    TaskAnchor,
    TaskStatus,
)
from mdt_desktop.domain.meetings import (
    ActionStatus,
    AgendaStatus,
    Attendance,
    DecisionOutcome,
    MeetingStatus,
)
from mdt_desktop.domain.people import ConsentStatus, RegistrationStatus, Sex
from mdt_desktop.domain.vocab import Vocabulary
from mdt_desktop.store.schema import Base

VOCABULARIES = {
    ("caseload_entries", "status"): CaseloadStatus,
    ("referrals", "status"): ReferralStatus,
    ("referrals", "urgency"): Urgency,
    ("referrals", "source"): ReferralSource,
    ("meetings", "status"): MeetingStatus,
    ("meeting_attendance", "attendance"): Attendance,
    ("agenda_items", "status"): AgendaStatus,
    ("decisions", "outcome"): DecisionOutcome,
    ("actions", "status"): ActionStatus,
    ("consents", "status"): ConsentStatus,
    ("patients", "registration_status"): RegistrationStatus,
    ("patients", "sex"): Sex,
    ("care_plans", "status"): CarePlanStatus,
    ("budgets", "status"): BudgetStatus,
    ("discharge_plans", "status"): DischargeStatus,
    ("discharge_tasks", "status"): TaskStatus,
    ("discharge_tasks", "anchor"): TaskAnchor,
    ("discharge_events", "kind"): DischargeEventKind,
}
# Vocabulary columns of features with their own owners are not yet built from enums.
NOT_YET: set[str] = set()
VOCABULARY_COLUMNS = {"status", "outcome", "attendance", "urgency", "source"}


def _checks() -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            match = re.fullmatch(r"(\w+) IN \((.*)\)", str(constraint.sqltext))
            if match:
                values = tuple(v.strip().strip("'") for v in match.group(2).split(","))
                found[(table.name, match.group(1))] = values
    return found


@pytest.mark.parametrize(("where", "vocabulary"), VOCABULARIES.items(), ids=str)
def test_every_check_equals_its_enum(where: tuple[str, str], vocabulary: type) -> None:
    assert _checks()[where] == tuple(m.value for m in vocabulary)


def test_every_status_check_has_an_enum() -> None:
    unmapped = {
        where
        for where in _checks()
        if where[1] in VOCABULARY_COLUMNS and where[0] not in NOT_YET and where not in VOCABULARIES
    }
    assert unmapped == set()


def test_members_are_their_stored_values_with_labels() -> None:
    assert CaseloadStatus.STEPPED_DOWN == "stepped_down"
    assert CaseloadStatus("closed") is CaseloadStatus.CLOSED
    assert CaseloadStatus.STEPPED_DOWN.label == "Stepped down"
    assert DecisionOutcome.REFER.label == "Refer to a named service"
    for vocabulary in VOCABULARIES.values():
        if issubclass(vocabulary, Vocabulary):
            assert all(m.label and m.label[0].isupper() for m in vocabulary)
