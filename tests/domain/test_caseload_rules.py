"""Caseload flags and note mentions: the rules, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mdt_desktop.domain.caseload import CaseFacts, Flag, clean_text, flags_for

TODAY = date(2026, 11, 23)


def facts(**kw: object) -> CaseFacts:
    base: dict[str, object] = {
        "status": "active",
        "next_review_on": date(2026, 12, 1),
        "escalated_at": None,
        "in_hospital": False,
        "has_care_plan": True,
        "care_plan_review_on": date(2027, 3, 1),
    }
    base.update(kw)
    return CaseFacts(**base)  # type: ignore[arg-type]


def test_no_flags_for_a_case_in_order() -> None:
    assert flags_for(facts(), TODAY) == []


def test_each_flag_and_their_order() -> None:
    assert flags_for(facts(next_review_on=date(2026, 11, 22)), TODAY) == [Flag.REVIEW_OVERDUE]
    assert flags_for(facts(next_review_on=TODAY), TODAY) == []  # due today is not overdue
    assert flags_for(facts(has_care_plan=False), TODAY) == [Flag.NO_CARE_PLAN]
    assert flags_for(facts(care_plan_review_on=date(2026, 12, 7)), TODAY) == [
        Flag.CARE_PLAN_REVIEW_DUE
    ]
    everything = facts(
        escalated_at=datetime(2026, 11, 20, tzinfo=UTC),
        in_hospital=True,
        next_review_on=date(2026, 11, 1),
        has_care_plan=False,
    )
    assert flags_for(everything, TODAY) == [
        Flag.ESCALATED, Flag.IN_HOSPITAL, Flag.REVIEW_OVERDUE, Flag.NO_CARE_PLAN
    ]  # fmt: skip
    assert flags_for(facts(status="stepped_down", in_hospital=True), TODAY) == []


def test_clean_text() -> None:
    assert clean_text("  words \n", "a note") == "words"
    with pytest.raises(ValueError, match="A note cannot be empty"):
        clean_text(" \n\t", "a note")
    with pytest.raises(ValueError, match="too long"):
        clean_text("x" * 30, "a reason", limit=20)
