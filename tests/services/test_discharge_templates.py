"""A team's own task templates: edited, used when the pathway is chosen, reset, audited, synced."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.neighbourhood import Neighbourhood, act_as

from mdt_desktop.domain.discharges import TaskAnchor
from mdt_desktop.domain.permissions import NotPermitted
from mdt_desktop.services import discharges as d
from mdt_desktop.store import audit
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, DischargeTaskTemplate, OutboxEntry

TODAY = date(2026, 12, 1)  # a Tuesday


def _stay(store: Store, hood: Neighbourhood, n: int = 0) -> d.Stay:
    return d.record_admission(
        store, hood.patients[n], admitted_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        hospital="St James's", method="21",
    )  # fmt: skip


def _titles(store: Store, plan_id) -> list[str]:
    with store.session() as s:
        return sorted(t.description for t in reads.tasks_of(s, plan_id))


def test_the_teams_version_is_proposed_and_reset_brings_back_the_default(
    store: Store, hood: Neighbourhood
) -> None:
    national = d.national_tasks(1)
    assert d.pathway_template(store, hood.team.id, 1).team_version is False
    # Keep all but the first, reorder, change one's organisation and days, add one.
    kept = list(national[1:])
    kept[0], kept[1] = kept[1], kept[0]
    changed = d.TemplateTask(kept[0].title, "Leeds Community Healthcare", kept[0].anchor, 4,
                             kept[0].key)  # fmt: skip
    added = d.TemplateTask("Pharmacy delivery of the new medicines arranged", "Community pharmacy",
                           TaskAnchor.DISCHARGE, 1)  # fmt: skip
    d.save_pathway_template(store, hood.team.id, 1, [changed, *kept[1:], added])

    mine = d.pathway_template(store, hood.team.id, 1)
    assert mine.team_version and mine.edited_by == "Sue Palmer"
    assert [t.title for t in mine.tasks] == [changed.title, *[t.title for t in kept[1:]],
                                             added.title]  # fmt: skip
    assert mine.tasks[0].organisation == "Leeds Community Healthcare"
    assert mine.tasks[0].working_days == 4
    assert mine.tasks[-1].key.startswith("team-")
    # Another pathway is untouched.
    assert d.pathway_template(store, hood.team.id, 2).team_version is False

    stay = _stay(store, hood)
    d.choose_pathway(store, stay.plan_id, 1, today=TODAY)
    titles = _titles(store, stay.plan_id)
    assert added.title in titles and national[0].title not in titles
    with store.session() as s:
        task = next(t for t in reads.tasks_of(s, stay.plan_id) if t.description == changed.title)
    assert task.organisation == "Leeds Community Healthcare"
    if changed.anchor is TaskAnchor.PATHWAY:
        assert task.due_on == d.rules.add_working_days(TODAY, 4)

    d.reset_pathway_template(store, hood.team.id, 1)
    assert d.pathway_template(store, hood.team.id, 1).tasks == national
    other = _stay(store, hood, 1)
    d.choose_pathway(store, other.plan_id, 1, today=TODAY)
    assert _titles(store, other.plan_id) == sorted(t.title for t in national)


def test_every_change_is_audited_and_queued_for_sync(store: Store, hood: Neighbourhood) -> None:
    tasks = list(d.national_tasks(3))
    d.save_pathway_template(store, hood.team.id, 3, tasks[::-1])
    d.reset_pathway_template(store, hood.team.id, 3)
    row_id = reads.template_id(hood.team.id, 3)
    with store.session() as s:
        row = s.get(DischargeTaskTemplate, row_id)
        assert row is not None and row.tasks is None and row.team_id == hood.team.id
        ops = s.scalars(
            select(OutboxEntry.op).where(OutboxEntry.row_id == row_id).order_by(OutboxEntry.seq)
        ).all()
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "discharge_task_templates")
            .order_by(AuditEntry.seq)
        ).all()
        assert audit.verify_chain(s).ok
    assert ops == ["insert", "update"]
    assert actions == ["create", "update"]


def test_a_template_that_cannot_work_is_refused_with_the_reason(
    store: Store, hood: Neighbourhood
) -> None:
    good = d.national_tasks(2)[0]
    with pytest.raises(d.DischargeError, match="Task 2 needs a title"):
        d.save_pathway_template(store, hood.team.id, 2, [good, d.TemplateTask(" ", "Ward",
                                TaskAnchor.PATHWAY, 1)])  # fmt: skip
    for task, why in (
        (d.TemplateTask("Bed found", "", TaskAnchor.PATHWAY, 1), "organisation that owns it"),
        (d.TemplateTask("Bed found", "Ward", TaskAnchor.PATHWAY, 61), "0 to 60 working days"),
    ):
        with pytest.raises(d.DischargeError, match=why):
            d.save_pathway_template(store, hood.team.id, 2, [task])
    assert d.pathway_template(store, hood.team.id, 2).team_version is False
    act_as(store, hood.admin)
    with pytest.raises(NotPermitted):
        d.save_pathway_template(store, hood.team.id, 2, [good])
    with pytest.raises(NotPermitted):
        d.reset_pathway_template(store, hood.team.id, 2)
