"""Care plan rules without a database: normalising, diffs, summaries, merges, review flags."""

from __future__ import annotations

from datetime import date

import pytest

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.care_plan import Choice, ReviewFlag


def plan(**sections: object) -> dict:
    content = cp.empty_content()
    content.update(sections)
    return cp.normalise(content)


def goal(gid: str, outcome: str, status: str = "not_started", **kw: str) -> dict:
    return {"id": gid, "outcome": outcome, "status": status, **kw}


def test_normalise_fills_every_section_and_drops_empty_rows() -> None:
    content = cp.normalise(
        {
            "about_me": "  I like gardening \r\n",
            "goals": [{"outcome": "Walk to the shop", "target_date": "2026-10-01"}, {}],
            "actions": [{"what": "Physio twice a week", "goal_id": "gone"}],
        }
    )
    assert content["about_me"] == "I like gardening"
    assert [g["outcome"] for g in content["goals"]] == ["Walk to the shop"]
    assert content["goals"][0]["status"] == "not_started"
    assert content["goals"][0]["id"]  # every goal gets a stable id (budget lines use it)
    assert content["actions"][0]["goal_id"] == ""  # a link to a missing goal is dropped
    assert content["contingency"] == {
        "warning_signs": "",
        "what_to_do": "",
        "in_hours": "",
        "out_of_hours": "",
    }
    assert content["review"]["copy_given"] is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"goals": [{"measure": "x"}]}, "outcome"),
        ({"goals": [{"outcome": "x", "status": "done"}]}, "status"),
        ({"goals": [{"outcome": "x", "target_date": "next week"}]}, "not a date"),
        ({"actions": [{"who": "Nurse"}]}, "what will be done"),
        ({"review": {"review_on": "31-02-2026"}}, "review date"),
    ],
)
def test_what_cannot_be_saved_is_refused_in_words(content: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cp.normalise(content)


def test_review_date_defaults_to_days_after_agreement() -> None:
    content = plan(review={"agreed_on": "2026-07-14"})
    assert cp.with_review_defaults(content)["review"]["review_on"] == "2026-10-12"
    content = plan(review={"agreed_on": "2026-07-14"})
    assert cp.with_review_defaults(content, 30)["review"]["review_on"] == "2026-08-13"
    kept = plan(review={"agreed_on": "2026-07-14", "review_on": "2026-08-01"})
    assert cp.with_review_defaults(kept)["review"]["review_on"] == "2026-08-01"


def test_diff_lists_changed_sections_with_their_lines() -> None:
    old = plan(about_me="I live alone.\nI like tea.", goals=[goal("g1", "Walk")])
    new = plan(
        about_me="I live alone.\nI like coffee.",
        goals=[goal("g1", "Walk", "in_progress")],
        medicines="Ramipril 5 mg",
    )
    diffs = cp.diff(old, new)
    assert [d.key for d in diffs] == ["about_me", "goals", "medicines"]
    about = diffs[0]
    assert about.title == "About me and what matters to me"
    assert ("replace", 1, 2, 1, 2) in about.opcodes
    assert "Status: In progress" in diffs[1].new_text
    assert "Status: Not started" in diffs[1].old_text
    assert cp.diff(old, old) == []


def test_change_summary_names_sections_in_words() -> None:
    old = plan(goals=[goal("g1", "Walk"), goal("g2", "Sleep")])
    new = plan(
        goals=[goal("g1", "Walk further"), goal("g3", "Garden")],
        contingency={"warning_signs": "Breathless"},
    )
    assert cp.summarise_changes(old, new) == (
        "Goals: 1 added, 1 changed, 1 removed; Contingency and crisis plan changed"
    )
    assert cp.summarise_changes(old, old) == "No changes"
    assert cp.summarise_changes(None, plan(about_me="x")).startswith("First version (About me")


def test_merge_takes_one_sided_changes_without_asking() -> None:
    base = plan(about_me="A", medicines="M")
    theirs = plan(about_me="A", medicines="M2")
    mine = plan(about_me="A and more", medicines="M")
    result = cp.three_way_merge(base, theirs, mine)
    assert result.conflicts == ()
    assert result.merged["about_me"] == "A and more"
    assert result.merged["medicines"] == "M2"
    assert result.auto_merged == ("about_me",)


def test_goals_merge_item_by_item() -> None:
    base = plan(goals=[goal("g1", "Walk")])
    theirs = plan(goals=[goal("g1", "Walk", "achieved"), goal("g2", "Sleep")])
    mine = plan(goals=[goal("g1", "Walk"), goal("g3", "Garden")])
    result = cp.three_way_merge(base, theirs, mine)
    assert result.conflicts == ()
    assert [(g["id"], g["status"]) for g in result.merged["goals"]] == [
        ("g1", "achieved"),
        ("g2", "not_started"),
        ("g3", "not_started"),
    ]


def test_same_text_changed_both_ways_is_a_conflict_and_keep_both_loses_nothing() -> None:
    base = plan(about_me="I live alone.")
    theirs = plan(about_me="I live alone. My daughter visits on Sundays.")
    mine = plan(about_me="I live alone with my cat.")
    result = cp.three_way_merge(base, theirs, mine)
    assert [c.key for c in result.conflicts] == ["about_me"]
    conflict = result.conflicts[0]
    assert conflict.theirs_text == theirs["about_me"]
    assert conflict.mine_text == mine["about_me"]
    with pytest.raises(ValueError, match="About me"):
        cp.resolve(result, theirs, mine, {})
    both = cp.resolve(result, theirs, mine, {"about_me": Choice.BOTH})["about_me"]
    assert theirs["about_me"] in both and mine["about_me"] in both
    assert cp.resolve(result, theirs, mine, {"about_me": "mine"})["about_me"] == mine["about_me"]
    edited = cp.resolve(result, theirs, mine, {}, edited_text={"about_me": "Combined  "})
    assert edited["about_me"] == "Combined"


def test_goal_changed_on_both_sides_keep_both_keeps_each_as_a_goal() -> None:
    base = plan(goals=[goal("g1", "Walk")])
    theirs = plan(goals=[goal("g1", "Walk to the park")])
    mine = plan(goals=[goal("g1", "Walk to the shop")])
    result = cp.three_way_merge(base, theirs, mine)
    assert [c.key for c in result.conflicts] == ["goals"]
    merged = cp.resolve(result, theirs, mine, {"goals": Choice.BOTH})
    outcomes = [g["outcome"] for g in merged["goals"]]
    assert outcomes == ["Walk to the park", "Walk to the shop"]
    assert merged["goals"][0]["id"] == "g1"  # the latest keeps the id budget lines point at
    assert merged["goals"][1]["id"] != "g1"


def test_fields_merge_field_by_field_and_conflict_only_on_the_same_field() -> None:
    base = plan(contingency={"warning_signs": "Confused"})
    theirs = plan(contingency={"warning_signs": "Confused", "in_hours": "GP 01632 960000"})
    mine = plan(contingency={"warning_signs": "Confused or drowsy"})
    result = cp.three_way_merge(base, theirs, mine)
    assert result.conflicts == ()
    assert result.merged["contingency"]["warning_signs"] == "Confused or drowsy"
    assert result.merged["contingency"]["in_hours"] == "GP 01632 960000"
    clash = plan(contingency={"warning_signs": "Falls"})
    result = cp.three_way_merge(base, theirs, clash)
    # theirs did not touch warning_signs: still no conflict
    assert result.conflicts == ()
    theirs2 = plan(contingency={"warning_signs": "Breathless"})
    result = cp.three_way_merge(base, theirs2, clash)
    assert [c.key for c in result.conflicts] == ["contingency"]
    both = cp.resolve(result, theirs2, clash, {"contingency": "both"})
    assert "Breathless" in both["contingency"]["warning_signs"]
    assert "Falls" in both["contingency"]["warning_signs"]


@pytest.mark.parametrize(
    ("days", "flag", "words"),
    [
        (30, ReviewFlag.NONE, "Review on 13-Aug-2026"),
        (15, ReviewFlag.NONE, "Review on 29-Jul-2026"),
        (14, ReviewFlag.DUE_14, "Review due in 14 days"),
        (8, ReviewFlag.DUE_14, "Review due in 8 days"),
        (7, ReviewFlag.DUE_7, "Review due in 7 days"),
        (1, ReviewFlag.DUE_7, "Review due in 1 day"),
        (0, ReviewFlag.DUE_7, "Review due today"),
        (-1, ReviewFlag.OVERDUE, "Review overdue by 1 day"),
        (-40, ReviewFlag.OVERDUE, "Review overdue by 40 days"),
    ],
)
def test_review_flags_at_14_7_and_0_days(days: int, flag: ReviewFlag, words: str) -> None:
    from datetime import timedelta

    today = date(2026, 7, 14)
    review_on = today + timedelta(days=days)
    assert cp.review_flag(review_on, today) is flag
    assert cp.review_words(review_on, today) == words
    assert cp.review_flag(None, today) is ReviewFlag.NONE


def test_section_text_reads_like_the_plan() -> None:
    content = plan(
        goals=[goal("g1", "Walk to the shop", "in_progress", target_date="2026-10-01")],
        actions=[{"what": "Physio", "who": "Community physio", "goal_id": "g1"}],
        review={"agreed_on": "2026-07-14", "agreed_how": "At home visit", "copy_given": True},
    )
    assert "Target date: 01-Oct-2026" in cp.section_text(content, "goals")
    assert "For goal: Goal 1: Walk to the shop" in cp.section_text(content, "actions")
    review = cp.section_text(content, "review")
    assert "Agreed with the person on: 14-Jul-2026" in review
    assert "Copy given to the person: Yes" in review
