"""Saving, history, stale saves and merges, review flags, against a real encrypted store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from support.care_plans import clinician, nhs_for, person_on_caseload

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.care_plan import Choice, ReviewFlag
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.domain.roles import Role
from mdt_desktop.services import care_plans
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AuditEntry,
    CarePlan,
    CarePlanVersion,
    OutboxEntry,
    SyncConflict,
)


def content(**sections: object) -> dict:
    c = cp.empty_content()
    c.update(sections)
    return c


def test_each_save_is_a_new_immutable_version_with_author_and_summary(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    first = care_plans.save_version(store, pid, content(about_me="I live alone."), None)
    assert first.version and first.version.number == 1 and not first.stale
    second = care_plans.save_version(
        store,
        pid,
        content(about_me="I live alone.", goals=[{"outcome": "Walk to the shop"}]),
        first.version.id,
        note="Discussed at home visit",
    )
    assert second.version and second.version.number == 2
    assert second.version.parent_id == first.version.id
    assert second.version.author_name == "Sam Carter"
    assert second.version.change_summary == "Goals: 1 added. Discussed at home visit"
    state = care_plans.load_plan(store, pid)
    assert state and state.current and state.current.id == second.version.id
    history = care_plans.history(store, pid)
    assert [v.number for v in history] == [2, 1]
    # Version 1 is unchanged by the second save.
    assert history[1].content["goals"] == []
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CarePlan)) == 1
        tables = set(s.scalars(select(OutboxEntry.table_name)))
        assert {"care_plans", "care_plan_versions"} <= tables


def test_saving_nothing_new_makes_no_version(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    first = care_plans.save_version(store, pid, content(medicines="Ramipril"), None)
    again = care_plans.save_version(store, pid, content(medicines="Ramipril "), first.version.id)
    assert again.unchanged
    assert len(care_plans.history(store, pid)) == 1


def test_history_diff_between_any_two_versions(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    v1 = care_plans.save_version(store, pid, content(about_me="A"), None).version
    v2 = care_plans.save_version(store, pid, content(about_me="A", medicines="M"), v1.id).version
    v3 = care_plans.save_version(store, pid, content(about_me="B", medicines="M"), v2.id).version
    diffs = cp.diff(v1.content, v3.content)
    assert [d.title for d in diffs] == ["About me and what matters to me", "Medicines summary"]
    assert (diffs[0].old_text, diffs[0].new_text) == ("A", "B")


def test_stale_save_never_overwrites_and_merge_records_both_parents(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    base = care_plans.save_version(store, pid, content(about_me="I live alone."), None).version
    # Two windows open on version 1. The first saves...
    theirs_text = "I live alone. My daughter visits on Sundays."
    theirs = care_plans.save_version(store, pid, content(about_me=theirs_text), base.id).version
    # ...then the second, still on version 1.
    mine_text = "I live alone with my cat, Biscuit."
    result = care_plans.save_version(
        store, pid, content(about_me=mine_text, medicines="Ramipril 5 mg"), base.id
    )
    assert result.stale and result.pending
    state = care_plans.load_plan(store, pid)
    assert state.current.id == theirs.id  # the current version was not overwritten
    assert state.current.content["about_me"] == theirs_text
    assert len(state.pending) == 1
    pending = state.pending[0]
    assert pending.base.id == base.id and pending.mine.content["about_me"] == mine_text
    # Both texts are kept in immutable versions whatever happens next.
    texts = {v.content["about_me"] for v in care_plans.history(store, pid)}
    assert {theirs_text, mine_text} <= texts

    merge = pending.merge()
    assert [c.key for c in merge.conflicts] == ["about_me"]
    assert merge.merged["medicines"] == "Ramipril 5 mg"  # one-sided: taken without asking
    merged_content = cp.resolve(merge, pending.theirs.content, pending.mine.content,
                                {"about_me": Choice.BOTH})  # fmt: skip
    merged = care_plans.save_merge(store, pending, merged_content)
    assert merged.parent_id == theirs.id
    assert merged.second_parent_id == result.version.id
    assert theirs_text in merged.content["about_me"] and mine_text in merged.content["about_me"]
    state = care_plans.load_plan(store, pid)
    assert state.current.id == merged.id and state.pending == []
    with store.session() as s:
        conflict = s.scalars(select(SyncConflict)).one()
        assert conflict.resolved_at is not None and conflict.kind == "care_plan_version"
        row = s.get(CarePlanVersion, merged.id)
        assert (row.parent_id, row.second_parent_id) == (theirs.id, result.version.id)


def test_a_merge_made_against_an_old_current_version_is_refused(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    base = care_plans.save_version(store, pid, content(about_me="A"), None).version
    care_plans.save_version(store, pid, content(about_me="B"), base.id)
    pending = care_plans.save_version(store, pid, content(about_me="C"), base.id).pending
    latest = care_plans.load_plan(store, pid).current
    care_plans.save_version(store, pid, content(about_me="B", medicines="D"), latest.id)
    merged = cp.resolve(pending.merge(), pending.theirs.content, pending.mine.content,
                        {"about_me": "both"})  # fmt: skip
    with pytest.raises(care_plans.StaleMerge, match="saved this plan again"):
        care_plans.save_merge(store, pending, merged)
    # Asked again, the merge is against the newest version and keeps "D".
    fresh = care_plans.load_plan(store, pid).pending[0]
    assert fresh.theirs.content["medicines"] == "D"
    assert fresh.merge().merged["medicines"] == "D"


def test_a_version_from_another_laptop_takes_the_same_path(store: Store) -> None:
    """The sync client hands over a remote version's content, base and author."""
    clinician(store)
    pid = person_on_caseload(store)
    base = care_plans.save_version(store, pid, content(needs="Falls"), None).version
    care_plans.save_version(store, pid, content(needs="Falls; low mood"), base.id)
    remote = Actor(user_id=None, name="Dr Ola WIŚNIEWSKA", role="gp")
    result = care_plans.save_version(
        store, pid, content(needs="Falls; breathless on stairs"), base.id, author=remote
    )
    assert result.stale
    assert result.version.author_name == "Dr Ola WIŚNIEWSKA"
    assert care_plans.load_plan(store, pid).pending[0].mine.id == result.version.id


def test_two_plans_started_from_empty_still_merge(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    care_plans.save_version(store, pid, content(about_me="From window one"), None)
    result = care_plans.save_version(store, pid, content(about_me="From window two"), None)
    assert result.stale and result.pending.base is None
    assert [c.key for c in result.pending.merge().conflicts] == ["about_me"]


def test_saving_needs_the_edit_permission_and_a_caseload_entry(store: Store) -> None:
    clinician(store, Role.ADMINISTRATOR, "Pat Admin")
    pid = person_on_caseload(store)
    with pytest.raises(NotPermitted, match="edit care plans"):
        care_plans.save_version(store, pid, content(about_me="x"), None)
    clinician(store)
    closed = person_on_caseload(store, 2, active=False)
    with pytest.raises(ValueError, match="caseload"):
        care_plans.save_version(store, closed, content(about_me="x"), None)


def test_agreement_sets_status_and_default_review_date(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    care_plans.set_review_days(store, 60)
    v = care_plans.save_version(
        store, pid, content(review={"agreed_on": "2026-07-14", "agreed_how": "In person"}), None
    ).version
    assert v.review_on == date(2026, 9, 12)
    state = care_plans.load_plan(store, pid)
    assert state.status == "agreed" and state.review_on == date(2026, 9, 12)
    with pytest.raises(ValueError):
        care_plans.set_review_days(store, 0)


def test_plan_rows_and_review_flags(store: Store) -> None:
    clinician(store)
    today = date(2026, 7, 14)
    people = {}
    for serial, days in ((1, 20), (2, 14), (3, 7), (4, 0), (5, -3)):
        pid = person_on_caseload(store, serial, family=f"Person{serial}")
        review_on = (today + timedelta(days=days)).isoformat()
        care_plans.save_version(store, pid, content(review={"review_on": review_on}), None)
        people[serial] = pid
    flags = {r.patient_id: r.flag for r in care_plans.plan_rows(store, today)}
    assert [flags[people[n]] for n in (1, 2, 3, 4, 5)] == [
        ReviewFlag.NONE,
        ReviewFlag.DUE_14,
        ReviewFlag.DUE_7,
        ReviewFlag.DUE_7,
        ReviewFlag.OVERDUE,
    ]
    rows = care_plans.plan_rows(store, today)
    assert [r.family_name for r in rows] == ["Person5", "Person4", "Person3", "Person2", "Person1"]
    assert rows[0].version_number == 1 and rows[0].flag is ReviewFlag.OVERDUE
    assert len(care_plans.plan_rows(store, today, flagged_only=True)) == 4


def test_budget_summary_in_pounds_with_real_lines_and_their_spend(store: Store) -> None:
    from support.budgets import agreed_budget

    from mdt_desktop.services import budgets

    clinician(store)
    assert care_plans.budget_summary(store, person_on_caseload(store, 9)) is None
    setup = agreed_budget(store, 2, allocation=1_234_567)
    budgets.post_entry(store, setup.budget_id, "payment", 45_050, date(2026, 4, 8),
                       line_id=setup.pa_line, evidence="Timesheet 1")  # fmt: skip
    text = care_plans.budget_summary(store, setup.patient_id)
    assert "£12,345.67 personal health budget (NHS Continuing Healthcare; direct payment)" in text
    assert "from 01-Apr-2026 to 31-Mar-2027 (active); £450.50 spent, £12,345.67" not in text
    assert "£450.50 spent, £11,895.17 left." in text
    assert "- Personal assistant, 10 hours: £450.00, weekly; £450.50 spent" in text
    funded = care_plans.funded_goals(store, setup.patient_id)
    assert funded == {
        setup.goal_ids[0]: ["Personal assistant, 10 hours £450.00 weekly"],
        setup.goal_ids[1]: ["Riser recliner chair £800.00 one-off"],
    }


def test_viewing_is_audited_and_nhs_number_lookup(store: Store) -> None:
    clinician(store)
    pid = person_on_caseload(store, 7)
    care_plans.save_version(store, pid, content(about_me="x"), None)
    care_plans.load_plan(store, pid, audit=True)
    with store.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.patient_id == pid)))
    assert "view" in actions
    from mdt_desktop.domain.nhs_number import format_nhs_number

    assert care_plans.patient_by_nhs_number(store, format_nhs_number(nhs_for(7))) == pid
    with pytest.raises(ValueError, match="modulus 11"):
        care_plans.patient_by_nhs_number(store, "943 476 5918")
    with pytest.raises(LookupError):
        care_plans.patient_by_nhs_number(store, "943 476 5919")


def test_a_version_row_applied_by_sync_is_placed_on_the_line(store: Store) -> None:
    """Rows pulled from the server arrive as they are; reconcile_version places them."""
    import uuid as uuid_mod
    from datetime import UTC, datetime

    clinician(store)
    pid = person_on_caseload(store)
    base = care_plans.save_version(store, pid, content(needs="Falls"), None).version

    def remote_row(parent: object, number: int, needs: str) -> object:
        vid = uuid_mod.uuid4()
        with store.transaction() as s:
            s.add(
                CarePlanVersion(
                    id=vid,
                    care_plan_id=base.plan_id,
                    number=number,
                    parent_id=parent,
                    author_name="Dr Ola WIŚNIEWSKA",
                    created_at=datetime.now(UTC),
                    content=cp.normalise(content(needs=needs)),
                )
            )
        return vid

    # Made from the current version: it becomes current.
    v2 = remote_row(base.id, 2, "Falls; low mood")
    assert care_plans.reconcile_version(store, v2) == "current"
    assert care_plans.load_plan(store, pid).current.id == v2
    assert care_plans.reconcile_version(store, base.id) == "known"
    # Made from version 1 while version 2 is current: kept, and a merge is asked for.
    v3 = remote_row(base.id, 3, "Falls; breathless")
    assert care_plans.reconcile_version(store, v3) == "merge"
    assert care_plans.reconcile_version(store, v3) == "merge"  # asked once only
    state = care_plans.load_plan(store, pid)
    assert state.current.id == v2
    assert [p.mine.id for p in state.pending] == [v3]
    assert state.pending[0].base.id == base.id


def test_a_change_after_agreement_is_changed_since_agreed_until_agreed_again(
    store: Store,
) -> None:
    clinician(store)
    pid = person_on_caseload(store)
    agreed = content(
        about_me="Stay at home",
        review={"agreed_on": "2026-10-18", "agreed_how": "In person", "copy_given": True},
    )
    v1 = care_plans.save_version(store, pid, agreed, None).version
    assert v1.agreed_on == date(2026, 10, 18) and not v1.changed_since_agreed
    # Ticking "copy given" or moving the review date is not a change to what was agreed.
    review_only = cp.normalise(v1.content)
    review_only["review"]["review_on"] = "2027-01-10"
    v2 = care_plans.save_version(store, pid, review_only, v1.id).version
    assert v2.agreed_on == date(2026, 10, 18)
    changed = cp.normalise(v2.content)
    changed["about_me"] = "Stay at home; moving in with my daughter in spring"
    v3 = care_plans.save_version(store, pid, changed, v2.id).version
    assert v3.agreed_on is None and v3.changed_since_agreed
    assert v3.last_agreed_on == date(2026, 10, 18)
    assert care_plans.load_plan(store, pid).status == "draft"
    # A later change keeps it "to agree again"; the earlier agreement does not come back.
    later = cp.normalise(v3.content)
    later["needs"] = "Help with stairs"
    v4 = care_plans.save_version(store, pid, later, v3.id).version
    assert v4.changed_since_agreed
    # Agreed again on the same day as before: recorded for this version.
    again = care_plans.save_version(store, pid, cp.normalise(v4.content), v4.id, agree=True)
    assert again.version is not None and again.version.number == 5
    assert again.version.agreed_on == date(2026, 10, 18)
    assert not again.version.changed_since_agreed
    assert "Agreed with the person again" in again.version.change_summary
    assert care_plans.load_plan(store, pid).status == "agreed"
    # A new agreement date written in a version holds for that version.
    redated = cp.normalise(v4.content)
    redated["review"]["agreed_on"] = "2026-11-02"
    v6 = care_plans.save_version(store, pid, redated, again.version.id).version
    assert v6.agreed_on == date(2026, 11, 2)
