from __future__ import annotations

from datetime import date

import pytest

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.meetings import Attendee, evaluate_quorum

DAY = date(2026, 11, 25)


def _people(*spec: tuple[str, str]) -> list[Attendee]:
    return [Attendee(f"Person {i}", role, attendance) for i, (role, attendance) in enumerate(spec)]


def test_default_quorum_is_a_gp_and_three_disciplines() -> None:
    met = evaluate_quorum(
        _people(("gp", "present"), ("district_nurse", "present"), ("social_worker", "present")),
        None,
    )
    assert met.met and met.detail.startswith("Quorate")
    no_gp = evaluate_quorum(
        _people(("geriatrician", "present"), ("district_nurse", "present"),
                ("social_worker", "present"), ("gp", "apologies")),
        None,
    )  # fmt: skip
    assert not no_gp.met and "GPs present: 0 (1 needed)" in no_gp.detail
    # Two nurses are one discipline; an administrator is none.
    too_few = evaluate_quorum(
        _people(("gp", "present"), ("district_nurse", "present"), ("district_nurse", "present"),
                ("administrator", "present"), ("pharmacist", "absent")),
        None,
    )  # fmt: skip
    assert not too_few.met and too_few.disciplines_present == ("district_nurse", "gp")


def test_team_rule_and_unreadable_rules() -> None:
    people = _people(("district_nurse", "present"), ("social_worker", "present"))
    assert evaluate_quorum(people, {"gp": 0, "disciplines": 2}).met
    assert not evaluate_quorum(people, {"gp": 0, "disciplines": 3}).met
    # Anything unreadable falls back to the default for that part, never to "no quorum needed".
    assert rules.parse_quorum_rule({"gp": "one", "disciplines": -1}) == rules.DEFAULT_QUORUM_RULE
    assert rules.parse_quorum_rule(["gp"]) == rules.DEFAULT_QUORUM_RULE  # type: ignore[arg-type]
    assert rules.parse_quorum_rule({"gp": True}) == rules.DEFAULT_QUORUM_RULE


def test_decisions_are_checked() -> None:
    rules.check_decision("continue", None, DAY, DAY)
    rules.check_decision("close", None, None, DAY)
    with pytest.raises(ValueError, match="one of"):
        rules.check_decision("maybe", None, None, DAY)
    with pytest.raises(ValueError, match="Name the service"):
        rules.check_decision("refer", "  ", None, DAY)
    with pytest.raises(ValueError, match="no next review"):
        rules.check_decision("close", None, DAY, DAY)
    with pytest.raises(ValueError, match="before the meeting"):
        rules.check_decision("continue", None, date(2026, 11, 1), DAY)
    assert rules.decision_words("refer", " Falls clinic ") == "Refer to Falls clinic"
    assert rules.decision_words("step_down", None) == "Step down"


def test_reasons_and_timer_words() -> None:
    assert rules.reason_line("added", "Carer asked") == "Added: Carer asked"
    assert rules.reason_line("review_due", "Review due 20-Nov-2026") == "Review due 20-Nov-2026"
    once = rules.carried_reason("review_due", "Review due 20-Nov-2026", "25-Nov-2026")
    assert once == "Not reached on 25-Nov-2026 — Review due 20-Nov-2026"
    twice = rules.carried_reason("carried_forward", once, "09-Dec-2026")
    assert twice == "Not reached on 09-Dec-2026 — Review due 20-Nov-2026"
    assert rules.carried_reason("added", "Carer asked", "25-Nov-2026").endswith(
        "Added: Carer asked"
    )
    assert rules.format_timer(0) == "00:00" and rules.format_timer(305) == "05:05"
    assert rules.format_timer(-3) == "00:00"
    with pytest.raises(ValueError):
        rules.check_minutes(61)
