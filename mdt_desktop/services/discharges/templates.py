"""A team's own task templates: each pathway's tasks as the team wants them proposed.

The national default ships as data (resources/discharge/task-templates.json). A team may keep
its own version of a pathway's list (tasks added, removed, reordered, owning organisation and
due days changed) in the store, where it syncs and is audited like any team record; choosing
that pathway then proposes the team's tasks. Resetting brings the national default back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mdt_desktop.domain import discharges as rules
from mdt_desktop.domain.discharges import Pathway, TaskAnchor
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.store import discharges as reads
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import DischargeTaskTemplate

from ._common import DischargeError, _now

MAX_WORKING_DAYS = 60  # as the national file's own check (domain.parse_templates)


@dataclass(frozen=True)
class TemplateTask:
    title: str
    organisation: str
    anchor: TaskAnchor  # counted from the pathway being chosen, or from the discharge
    working_days: int
    key: str = ""  # kept from the national task it came from; a new task is given one


@dataclass(frozen=True)
class PathwayTemplate:
    pathway: Pathway
    tasks: tuple[TemplateTask, ...]
    team_version: bool  # False: the national default
    edited_by: str | None = None
    edited_at: datetime | None = None


def national_tasks(pathway: int) -> tuple[TemplateTask, ...]:
    return tuple(
        TemplateTask(t.title, t.organisation, t.anchor, t.working_days, t.key)
        for t in rules.default_templates().templates
        if int(pathway) in t.pathways
    )


def _tasks_of(row: reads.TeamTemplateRow) -> tuple[TemplateTask, ...]:
    return tuple(
        TemplateTask(
            str(t["title"]),
            str(t["organisation"]),
            TaskAnchor(t["anchor"]),
            int(t["working_days"]),
            str(t["key"]),
        )
        for t in row.tasks or []
    )


def _template(s: Session, team_id: uuid.UUID | None, pathway: Pathway) -> PathwayTemplate:
    row = reads.team_template(s, team_id, int(pathway))
    if row is None or row.tasks is None:
        return PathwayTemplate(pathway, national_tasks(pathway), False)
    return PathwayTemplate(pathway, _tasks_of(row), True, row.edited_by, row.edited_at)


def pathway_template(store: Store, team_id: uuid.UUID | None, pathway: int) -> PathwayTemplate:
    """The tasks choosing this pathway proposes for the team: its own version, or the default."""
    with store.session() as s:
        return _template(s, team_id, Pathway(pathway))


def template_set(s: Session, team_id: uuid.UUID | None, pathway: Pathway) -> rules.TemplateSet:
    """What ``rules.propose_tasks`` needs for this pathway, inside the caller's transaction."""
    chosen = _template(s, team_id, pathway)
    default = rules.default_templates()
    return rules.TemplateSet(
        default.version,
        tuple(
            rules.TaskTemplate(
                t.key, frozenset({int(pathway)}), t.title, t.organisation, t.anchor, t.working_days
            )
            for t in chosen.tasks
        ),
        default.follow_up_working_days,
    )


def _checked(tasks: Sequence[TemplateTask]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for n, t in enumerate(tasks, start=1):
        title, organisation = " ".join(t.title.split()), " ".join(t.organisation.split())
        if not title:
            raise DischargeError(f"Task {n} needs a title.")
        if not organisation:
            raise DischargeError(f"Task {n} ({title}) needs the organisation that owns it.")
        if len(title) > 500 or len(organisation) > 200:
            raise DischargeError(f"Task {n} ({title[:40]}) is too long to keep.")
        if not 0 <= t.working_days <= MAX_WORKING_DAYS:
            raise DischargeError(
                f"Task {n} ({title}) must be due within 0 to {MAX_WORKING_DAYS} working days."
            )
        key = t.key or f"team-{uuid.uuid4().hex[:12]}"
        if key in seen:  # a task copied twice keeps one key; the copy is a new task
            key = f"team-{uuid.uuid4().hex[:12]}"
        seen.add(key)
        out.append(
            {
                "key": key,
                "title": title,
                "organisation": organisation,
                "anchor": TaskAnchor(t.anchor).value,
                "working_days": int(t.working_days),
            }
        )
    return out


def _save(
    store: Store, team_id: uuid.UUID | None, pathway: Pathway, tasks: list[dict] | None
) -> None:
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    with store.transaction() as s:
        row = s.get(DischargeTaskTemplate, reads.template_id(team_id, int(pathway)))
        if row is None:
            if tasks is None:
                return  # already the national default
            row = DischargeTaskTemplate(
                id=reads.template_id(team_id, int(pathway)), team_id=team_id, pathway=int(pathway)
            )
            s.add(row)
        row.tasks = tasks
        row.based_on_version = rules.default_templates().version
        row.edited_by, row.edited_at = store.actor.name, _now()


def save_pathway_template(
    store: Store, team_id: uuid.UUID | None, pathway: int, tasks: Sequence[TemplateTask]
) -> None:
    """Keep the team's own list of tasks for this pathway, in the order given."""
    chosen = Pathway(pathway)
    _save(store, team_id, chosen, _checked(tasks))


def reset_pathway_template(store: Store, team_id: uuid.UUID | None, pathway: int) -> None:
    """Back to the national default (the team's version is cleared, its history audited)."""
    _save(store, team_id, Pathway(pathway), None)
