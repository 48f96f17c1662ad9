"""Discharge rules: the ready-date re-entry rule, working days, readmission, templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdt_desktop.domain import discharges as d
from mdt_desktop.domain.discharges import CriteriaAssessment as A
from mdt_desktop.domain.discharges import Pathway


def test_ready_date_is_the_first_day_not_meeting_the_criteria() -> None:
    runs = [A(date(2026, 3, 1), True), A(date(2026, 3, 4), False), A(date(2026, 3, 5), False)]
    assert d.discharge_ready_date(runs, finished=False) == date(2026, 3, 4)
    assert d.discharge_ready_date(runs, finished=True) == date(2026, 3, 4)


def test_meeting_the_criteria_again_finished_stay_takes_the_final_period() -> None:
    runs = [
        A(date(2026, 3, 4), False),
        A(date(2026, 3, 6), True),  # unwell again
        A(date(2026, 3, 9), False),  # the final period starts here
        A(date(2026, 3, 12), True),  # re-meets just before leaving: still the final period
    ]
    assert d.discharge_ready_date(runs, finished=True) == date(2026, 3, 9)


def test_meeting_the_criteria_again_ongoing_stay_takes_the_current_period() -> None:
    runs = [A(date(2026, 3, 4), False), A(date(2026, 3, 6), True), A(date(2026, 3, 9), False)]
    assert d.discharge_ready_date(runs, finished=False) == date(2026, 3, 9)
    meets_now = [*runs, A(date(2026, 3, 11), True)]
    assert d.discharge_ready_date(meets_now, finished=False) is None  # not ready now
    assert d.discharge_ready_date([], finished=False) is None


def test_assessments_are_taken_in_date_order_whatever_order_they_arrive_in() -> None:
    runs = [A(date(2026, 3, 9), False), A(date(2026, 3, 4), False), A(date(2026, 3, 6), True)]
    assert d.discharge_ready_date(runs, finished=False) == date(2026, 3, 9)


def test_calendar_and_working_days_across_a_bank_holiday() -> None:
    # Thursday 24 Dec 2026 to Tuesday 29 Dec: 25th (Fri), 28th (Boxing Day observed, Mon).
    since = d.days_since(date(2026, 12, 24), date(2026, 12, 29))
    assert since == d.DaysSince(calendar=5, working=1)
    assert d.days_since(date(2026, 5, 1), date(2026, 5, 1)) == d.DaysSince(0, 0)
    # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
    assert d.days_since(date(2027, 3, 25), date(2027, 3, 30)).working == 1


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Spring forward (29 Mar 2026): Sat 23:30 GMT to Sun 23:30 BST is 23 hours of UTC,
        # which an hours-divided-by-24 count calls 0 days.
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 22, 30, tzinfo=UTC)),
        # Fall back (25 Oct 2026): Sat 00:30 BST (Fri 23:30 UTC) to Sun 00:30 GMT, which
        # UTC dates call 2 days.
        (datetime(2026, 10, 23, 23, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_days_are_counted_on_englands_calendar_across_clock_changes(before, after) -> None:
    assert (d.local_date(after) - d.local_date(before)).days == 1
    assert d.days_since(d.local_date(before), d.local_date(after)).calendar == 1
    assert d.days_since(d.local_date(before), d.local_date(after)).working == 0  # a Sunday


def test_bst_evening_is_the_next_local_date_than_its_utc_instant_suggests() -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in London.
    assert d.local_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == date(2026, 7, 2)
    with pytest.raises(ValueError):
        d.local_date(datetime(2026, 7, 1, 23, 30))


@given(st.dates(date(2024, 1, 1), date(2030, 12, 31)), st.integers(0, 400))
def test_working_days_never_exceed_calendar_days(start: date, length: int) -> None:
    since = d.days_since(start, start + timedelta(days=length))
    assert 0 <= since.working <= since.calendar == length
    brute = sum(d.is_working_day(start + timedelta(days=i)) for i in range(1, length + 1))
    assert since.working == brute


def test_add_working_days_skips_weekends_and_bank_holidays() -> None:
    assert d.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert d.add_working_days(date(2026, 12, 4), 2) == date(2026, 12, 8)  # Fri + 2 = Tue
    assert d.add_working_days(date(2026, 12, 4), 0) == date(2026, 12, 4)


def test_readmission_at_29_days_counts_and_at_30_does_not() -> None:
    out = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    at_29 = out + timedelta(days=29)
    at_30 = out + timedelta(days=30)
    assert d.is_readmission(out, at_29, d.AdmissionKind.EMERGENCY)
    assert not d.is_readmission(out, at_30, d.AdmissionKind.EMERGENCY)
    assert d.is_readmission(out, out + timedelta(hours=3), d.AdmissionKind.EMERGENCY)  # day 0
    assert not d.is_readmission(out, at_29, d.AdmissionKind.ELECTIVE)


def test_admission_method_codes_only_2x_are_emergencies() -> None:
    assert d.admission_kind("21") is d.AdmissionKind.EMERGENCY
    assert d.admission_kind("2A") is d.AdmissionKind.EMERGENCY
    assert d.admission_kind("11") is d.AdmissionKind.ELECTIVE
    assert d.admission_kind("31") is d.AdmissionKind.MATERNITY
    assert d.admission_kind("zz") is d.AdmissionKind.OTHER
    assert d.admission_kind(None) is d.AdmissionKind.OTHER


def test_each_pathway_proposes_its_own_tasks() -> None:
    chosen = date(2026, 12, 1)  # a Tuesday
    keys = {p: {t.key for t in d.propose_tasks(p, chosen)} for p in Pathway}
    assert {"hub-referral", "reablement-start", "equipment", "key-safe"} <= keys[Pathway(1)]
    assert {"medicines-reconciliation", "district-nurse-visit", "gp-informed"} <= keys[Pathway(1)]
    assert {"bed-found", "transport"} <= keys[Pathway(2)]
    assert {"placement", "funding-decision"} <= keys[Pathway(3)]
    assert "hub-referral" not in keys[Pathway(0)]
    for p in Pathway:
        assert {"carers-informed", "care-plan-updated"} <= keys[p]
    tasks = {t.key: t for t in d.propose_tasks(Pathway(1), chosen)}
    assert tasks["hub-referral"].due_on == date(2026, 12, 2)
    assert tasks["district-nurse-visit"].due_on is None  # counts from the discharge
    after = {t.key: t for t in d.propose_tasks(Pathway(1), chosen, date(2026, 12, 4))}
    assert after["district-nurse-visit"].due_on == date(2026, 12, 8)


def test_follow_up_is_due_in_working_days_set_per_pathway() -> None:
    friday = date(2026, 12, 4)
    assert d.follow_up_due(Pathway(1), friday) == date(2026, 12, 8)  # 2 working days
    assert d.follow_up_due(Pathway(2), friday) == date(2026, 12, 9)  # 3 working days


def test_templates_from_a_team_are_checked() -> None:
    good = {
        "version": "t",
        "follow_up_working_days": {"0": 3, "1": 2, "2": 3, "3": 3},
        "templates": [
            {
                "key": "x",
                "pathways": [1],
                "title": "T",
                "organisation": "O",
                "anchor": "pathway",
                "working_days": 1,
            }
        ],
    }
    assert d.parse_templates(good).templates[0].key == "x"
    for bad in (
        {"pathways": [4]},
        {"working_days": -1},
        {"title": " "},
        {"anchor": "whenever"},
    ):
        raw = {**good, "templates": [{**good["templates"][0], **bad}]}
        with pytest.raises(ValueError):
            d.parse_templates(raw)


def test_code_tables_are_versioned_and_complete_enough_to_use() -> None:
    current = d.delay_scheme()
    assert current.scheme == "sitrep-los7"
    families = {c.family for c in current.codes}
    assert {"Hospital process", "Care transfer hub process", "Capacity"} <= families
    old = d.delay_scheme("sitrep-acute-2022")
    assert len(old.codes) == 18 and old.effective_to == date(2024, 3, 31)
    assert len(d.delay_scheme("dtoc").codes) == 10
    for p in Pathway:
        assert d.destinations_for(p), p
    assert d.nhs_dd_table("discharge_destination").get("19").label == "Usual place of residence"
    with pytest.raises(KeyError):
        d.delay_scheme("made-up")


def test_delayed_days_are_derived_per_reason_from_the_history() -> None:
    spells = [
        d.DelaySpell(
            "sitrep-los7", "2024", "CTH-CONFIRM-NEEDS", date(2026, 3, 1), date(2026, 3, 4)
        ),
        d.DelaySpell("sitrep-los7", "2024", "CAP-P1-NOT-AVAILABLE", date(2026, 3, 4), None),
    ]
    days = d.delayed_days_by_reason(spells, today=date(2026, 3, 10))
    assert days == {"sitrep-los7:CTH-CONFIRM-NEEDS": 3, "sitrep-los7:CAP-P1-NOT-AVAILABLE": 6}
