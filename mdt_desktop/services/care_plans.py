"""The single shared care plan: save versions, find stale saves, merge, review, export.

Every save writes an immutable ``care_plan_versions`` row. The plan's ``current_version_id``
moves forward only when the save was made from the current version. A save made from an
older version (a second window, or a second laptop whose change arrives by sync) is kept as
a version of its own, off the main line, and a ``sync_conflicts`` row asks a clinician to
merge; the merged version records both parents. Nothing a clinician typed is ever
overwritten or dropped.

The sync client calls :func:`save_version` with a remote version's content, base and author,
or, when it has applied a version row as it came, :func:`reconcile_version`; either way two
laptops and two windows take the same path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from mdt_desktop.domain import care_plan as plan_rules
from mdt_desktop.domain.care_plan import CarePlanStatus, MergeResult, ReviewFlag
from mdt_desktop.domain.caseload import CaseloadStatus
from mdt_desktop.domain.nhs_number import InvalidNhsNumber
from mdt_desktop.domain.nhs_number import validate as validate_nhs
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services.errors import InvalidInput
from mdt_desktop.store.context import Actor
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    CarePlan,
    CarePlanVersion,
    CaseloadEntry,
    Patient,
    SyncConflict,
)

from .errors import Conflict, NotFound

REVIEW_DAYS_KEY = "care_plan_review_days"
CONFLICT_KIND = "care_plan_version"


class StaleMerge(Conflict, RuntimeError):
    """Someone saved again while a merge was being made: merge against the new version."""


@dataclass(frozen=True)
class VersionInfo:
    id: uuid.UUID
    plan_id: uuid.UUID
    number: int
    parent_id: uuid.UUID | None
    second_parent_id: uuid.UUID | None
    author_name: str
    created_at: datetime
    change_summary: str
    content: dict[str, Any]
    review_on: date | None
    agreed_on: date | None  # the agreement that holds for this version (None: not agreed)
    is_current: bool = False

    @property
    def is_merge(self) -> bool:
        return self.second_parent_id is not None

    @property
    def last_agreed_on(self) -> date | None:
        """When the person last agreed the plan, whether or not it has changed since."""
        return plan_rules.parse_date(self.content["review"]["agreed_on"])

    @property
    def changed_since_agreed(self) -> bool:
        """Agreed once, then changed: the agreement is for an earlier version."""
        return self.agreed_on is None and self.last_agreed_on is not None


@dataclass(frozen=True)
class PendingMerge:
    """A version saved from an older base, waiting to be merged into the current one."""

    conflict_id: uuid.UUID
    plan_id: uuid.UUID
    theirs: VersionInfo  # the plan's current version
    mine: VersionInfo  # the version saved from the older base
    base: VersionInfo | None  # their latest common ancestor (None: both began from empty)
    detected_at: datetime

    def merge(self) -> MergeResult:
        base = self.base.content if self.base else plan_rules.empty_content()
        return plan_rules.three_way_merge(base, self.theirs.content, self.mine.content)


@dataclass(frozen=True)
class PlanState:
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    status: str
    review_on: date | None
    current: VersionInfo | None
    pending: list[PendingMerge] = field(default_factory=list)


@dataclass(frozen=True)
class SaveResult:
    version: VersionInfo | None  # None when nothing had changed
    stale: bool = False  # saved off the main line: a merge is needed
    pending: PendingMerge | None = None

    @property
    def unchanged(self) -> bool:
        return self.version is None


# --- settings ------------------------------------------------------------------------------


def review_days(store: Store) -> int:
    """Days from agreement to review (90 unless the team has set another number)."""
    value = store.meta().get(REVIEW_DAYS_KEY)
    return int(value) if value else plan_rules.DEFAULT_REVIEW_DAYS


def set_review_days(store: Store, days: int) -> None:
    if not 7 <= days <= 730:
        raise InvalidInput("The review interval must be between 7 and 730 days.")
    store.set_meta(REVIEW_DAYS_KEY, str(days))


# --- reading -------------------------------------------------------------------------------


def _info(v: CarePlanVersion, current_id: uuid.UUID | None) -> VersionInfo:
    return VersionInfo(
        id=v.id,
        plan_id=v.care_plan_id,
        number=v.number,
        parent_id=v.parent_id,
        second_parent_id=v.second_parent_id,
        author_name=v.author_name,
        created_at=v.created_at,
        change_summary=v.change_summary or "",
        content=plan_rules.normalise(v.content),
        review_on=v.review_on,
        agreed_on=v.agreed_on,
        is_current=v.id == current_id,
    )


def _plan_for(s: Any, patient_id: uuid.UUID) -> CarePlan | None:
    return s.scalars(
        select(CarePlan).where(CarePlan.patient_id == patient_id, CarePlan.deleted_at.is_(None))
    ).first()


def _common_ancestor(
    versions: Mapping[uuid.UUID, CarePlanVersion], a: uuid.UUID, b: uuid.UUID
) -> uuid.UUID | None:
    def ancestors(start: uuid.UUID) -> list[uuid.UUID]:
        order, queue, seen = [], [start], set()
        while queue:
            vid = queue.pop(0)
            if vid in seen or vid not in versions:
                continue
            seen.add(vid)
            order.append(vid)
            v = versions[vid]
            queue.extend(p for p in (v.parent_id, v.second_parent_id) if p)
        return order

    of_a = set(ancestors(a))
    for vid in ancestors(b):
        if vid in of_a:
            return vid
    return None


def _pending(s: Any, plan: CarePlan) -> list[PendingMerge]:
    conflicts = list(
        s.scalars(
            select(SyncConflict)
            .where(
                SyncConflict.table_name == "care_plans",
                SyncConflict.row_id == plan.id,
                SyncConflict.kind == CONFLICT_KIND,
                SyncConflict.resolved_at.is_(None),
            )
            .order_by(SyncConflict.detected_at)
        )
    )
    if not conflicts:
        return []
    versions = {
        v.id: v
        for v in s.scalars(select(CarePlanVersion).where(CarePlanVersion.care_plan_id == plan.id))
    }
    out = []
    for conflict in conflicts:
        mine_id = uuid.UUID((conflict.local_fields or {})["version_id"])
        current = plan.current_version_id
        if mine_id not in versions or current is None:
            continue
        base_id = _common_ancestor(versions, current, mine_id)
        out.append(
            PendingMerge(
                conflict_id=conflict.id,
                plan_id=plan.id,
                theirs=_info(versions[current], current),
                mine=_info(versions[mine_id], current),
                base=_info(versions[base_id], current) if base_id else None,
                detected_at=conflict.detected_at,
            )
        )
    return out


def load_plan(store: Store, patient_id: uuid.UUID, *, audit: bool = False) -> PlanState | None:
    """The person's plan, its current version and any merges waiting; None if no plan yet."""
    with store.session() as s:
        plan = _plan_for(s, patient_id)
        if plan is None:
            return None
        current = (
            s.get(CarePlanVersion, plan.current_version_id) if plan.current_version_id else None
        )
        state = PlanState(
            plan_id=plan.id,
            patient_id=patient_id,
            status=plan.status,
            review_on=plan.review_on,
            current=_info(current, plan.current_version_id) if current else None,
            pending=_pending(s, plan),
        )
    if audit:
        store.audit("view", "care_plans", state.plan_id, patient_id)
    return state


def history(store: Store, patient_id: uuid.UUID) -> list[VersionInfo]:
    """Every version, newest first (merges and versions saved from older bases included)."""
    with store.session() as s:
        plan = _plan_for(s, patient_id)
        if plan is None:
            return []
        rows = s.scalars(
            select(CarePlanVersion)
            .where(CarePlanVersion.care_plan_id == plan.id)
            .order_by(CarePlanVersion.number.desc())
        )
        return [_info(v, plan.current_version_id) for v in rows]


# --- saving --------------------------------------------------------------------------------


def _active_entry(s: Any, patient_id: uuid.UUID) -> CaseloadEntry | None:
    """The person's newest active caseload entry (a plan belongs to that team)."""
    return s.scalars(
        select(CaseloadEntry)
        .where(
            CaseloadEntry.patient_id == patient_id,
            CaseloadEntry.status == CaseloadStatus.ACTIVE,
            CaseloadEntry.deleted_at.is_(None),
        )
        .order_by(CaseloadEntry.started_on.desc())
    ).first()


def agreement_holds(
    content: Mapping[str, Any],
    parent_content: Mapping[str, Any] | None,
    parent_agreed: bool,
    *,
    agree: bool = False,
) -> bool:
    """Whether the agreement written in ``content`` is an agreement to this version.

    The person agrees a version, not a plan for ever: an agreement entered (or entered
    again, or confirmed with ``agree``) in this version holds; one carried over from the
    parent holds only when the parent's did and nothing but the review section (review
    date, copy given) changed. Anything else is "changed since agreed — to agree again".
    """
    review = content["review"]
    if not review["agreed_on"]:
        return False
    if agree or parent_content is None:
        return True
    before = parent_content["review"]
    if (review["agreed_on"], review["agreed_how"]) != (before["agreed_on"], before["agreed_how"]):
        return True
    changed = plan_rules.changed_sections(parent_content, content)
    return parent_agreed and all(key == "review" for key in changed)


def _new_version(  # noqa: PLR0913 - one keyword per fact of the version
    s: Any,
    plan: CarePlan,
    content: dict[str, Any],
    *,
    parent: uuid.UUID | None,
    second_parent: uuid.UUID | None,
    summary: str,
    author: Actor,
    created_at: datetime,
    agree: bool = False,
) -> CarePlanVersion:
    number = (
        s.scalar(
            select(func.max(CarePlanVersion.number)).where(CarePlanVersion.care_plan_id == plan.id)
        )
        or 0
    ) + 1
    review = content["review"]
    before = s.get(CarePlanVersion, parent) if parent is not None else None
    holds = agreement_holds(
        content,
        plan_rules.normalise(before.content) if before is not None else None,
        before is not None and before.agreed_on is not None,
        agree=agree,
    )
    version = CarePlanVersion(
        id=uuid.uuid4(),
        team_id=plan.team_id,
        care_plan_id=plan.id,
        number=number,
        parent_id=parent,
        second_parent_id=second_parent,
        author_user_id=author.user_id,
        author_name=author.name,
        created_at=created_at,
        change_summary=summary,
        content=content,
        review_on=plan_rules.parse_date(review["review_on"]),
        agreed_on=plan_rules.parse_date(review["agreed_on"]) if holds else None,
        agreed_how=review["agreed_how"] or None,
        copy_given=bool(review["copy_given"]),
    )
    s.add(version)
    return version


def _make_current(plan: CarePlan, version: CarePlanVersion) -> None:
    plan.current_version_id = version.id
    plan.review_on = version.review_on
    if plan.status != CarePlanStatus.CLOSED:
        plan.status = CarePlanStatus.AGREED if version.agreed_on else CarePlanStatus.DRAFT


def _prepare(store: Store, content: Mapping[str, Any]) -> dict[str, Any]:
    return plan_rules.with_review_defaults(plan_rules.normalise(content), review_days(store))


def save_version(
    store: Store,
    patient_id: uuid.UUID,
    content: Mapping[str, Any],
    base_version_id: uuid.UUID | None,
    *,
    note: str = "",
    author: Actor | None = None,
    created_at: datetime | None = None,
    agree: bool = False,
) -> SaveResult:
    """Save the plan as edited from ``base_version_id`` (None: from an empty plan).

    ``agree``: the person has agreed this version (recorded again even on the same day).

    From the current version: a new current version. From an older one: a version of its
    own plus a pending merge, and the current version is left exactly as it was.
    ``author``/``created_at`` carry a version made on another laptop (sync); by default the
    signed-in user, now.
    """
    require(store.actor.role, Permission.EDIT_CARE_PLAN)
    author = author or store.actor
    when = created_at or datetime.now(UTC)
    prepared = _prepare(store, content)
    with store.transaction() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That person is not in this store.")
        plan = _plan_for(s, patient_id)
        if plan is None:
            entry = _active_entry(s, patient_id)
            if entry is None:
                raise InvalidInput(
                    "A care plan is kept for people on the caseload: accept their referral first."
                )
            plan = CarePlan(
                id=uuid.uuid4(),
                team_id=entry.team_id,
                patient_id=patient_id,
                status=CarePlanStatus.DRAFT,
            )
            s.add(plan)
            s.flush()
        versions = {
            v.id: v
            for v in s.scalars(
                select(CarePlanVersion).where(CarePlanVersion.care_plan_id == plan.id)
            )
        }
        if base_version_id is not None and base_version_id not in versions:
            raise NotFound("The version this edit started from is not part of this plan.")
        base = versions[base_version_id] if base_version_id else None
        base_content = plan_rules.normalise(base.content) if base else None
        current = plan.current_version_id
        if base_version_id == current:
            if (
                base_content is not None
                and not plan_rules.changed_sections(base_content, prepared)
                and not (agree and base is not None and base.agreed_on is None)
            ):
                return SaveResult(None)
            summary = plan_rules.summarise_changes(base_content, prepared)
            if agree:
                summary = "; ".join(x for x in (summary, "Agreed with the person again") if x)
            version = _new_version(
                s,
                plan,
                prepared,
                parent=base_version_id,
                second_parent=None,
                summary=_with_note(summary, note),
                author=author,
                created_at=when,
                agree=agree,
            )
            _make_current(plan, version)
            s.flush()
            return SaveResult(_info(version, plan.current_version_id))
        # Stale: kept whole, off the main line, and a merge is asked for.
        summary = plan_rules.summarise_changes(base_content, prepared)
        version = _new_version(
            s,
            plan,
            prepared,
            parent=base_version_id,
            second_parent=None,
            summary=_with_note(f"Saved from an older version; {summary}", note),
            author=author,
            created_at=when,
            agree=agree,
        )
        s.flush()
        conflict = SyncConflict(
            id=uuid.uuid4(),
            table_name="care_plans",
            row_id=plan.id,
            kind=CONFLICT_KIND,
            local_fields={
                "version_id": str(version.id),
                "base_version_id": str(base_version_id) if base_version_id else None,
            },
            remote_fields={"version_id": str(current) if current else None},
            detected_at=datetime.now(UTC),
        )
        s.add(conflict)
        s.flush()
        pending = next(p for p in _pending(s, plan) if p.conflict_id == conflict.id)
        return SaveResult(_info(version, plan.current_version_id), stale=True, pending=pending)


def _with_note(summary: str, note: str) -> str:
    note = note.strip()
    return f"{summary}. {note}" if note else summary


def save_merge(
    store: Store,
    pending: PendingMerge,
    content: Mapping[str, Any],
    *,
    note: str = "",
) -> VersionInfo:
    """Save the clinician's merge: a new current version whose parents are both versions."""
    require(store.actor.role, Permission.EDIT_CARE_PLAN)
    prepared = _prepare(store, content)
    now = datetime.now(UTC)
    with store.transaction() as s:
        plan = s.get(CarePlan, pending.plan_id)
        if plan is None:
            raise NotFound("That care plan is no longer in this store.")
        if plan.current_version_id != pending.theirs.id:
            raise StaleMerge(
                "Someone saved this plan again while you were merging. Your merge has not been "
                "saved: open the merge again to include their changes."
            )
        conflict = s.get(SyncConflict, pending.conflict_id)
        if conflict is None or conflict.resolved_at is not None:
            raise StaleMerge("This merge has already been made by someone else.")
        summary = (
            f"Merged version {pending.mine.number} ({pending.mine.author_name}) into version "
            f"{pending.theirs.number} ({pending.theirs.author_name}); "
            + plan_rules.summarise_changes(pending.theirs.content, prepared)
        )
        version = _new_version(
            s,
            plan,
            prepared,
            parent=pending.theirs.id,
            second_parent=pending.mine.id,
            summary=_with_note(summary, note),
            author=store.actor,
            created_at=now,
        )
        _make_current(plan, version)
        conflict.resolved_at = now
        conflict.resolved_by = store.actor.user_id
        s.flush()
        return _info(version, plan.current_version_id)


def reconcile_version(store: Store, version_id: uuid.UUID) -> str:
    """Place a version that arrived as a row (sync applied it) on the plan's line.

    Made from the current version: it becomes current ("current"). Already part of the
    current line: nothing to do ("known"). Made from an older version: it stays as it is
    and a merge is asked for, exactly as a stale save from a second window ("merge").
    """
    with store.transaction() as s:
        version = s.get(CarePlanVersion, version_id)
        if version is None:
            raise NotFound("That care plan version is not in this store.")
        plan = s.get(CarePlan, version.care_plan_id)
        if plan is None:
            raise NotFound("That version's care plan is not in this store.")
        versions = {
            v.id: v
            for v in s.scalars(
                select(CarePlanVersion).where(CarePlanVersion.care_plan_id == plan.id)
            )
        }
        current = plan.current_version_id
        if current is None or version.parent_id == current:
            _make_current(plan, version)
            return "current"
        if version_id == current or version_id in _ancestors(versions, current):
            return "known"
        if current in _ancestors(versions, version_id):
            _make_current(plan, version)  # a later version that already includes ours
            return "current"
        waiting = s.scalars(
            select(SyncConflict).where(
                SyncConflict.row_id == plan.id,
                SyncConflict.kind == CONFLICT_KIND,
                SyncConflict.resolved_at.is_(None),
            )
        )
        if any((c.local_fields or {}).get("version_id") == str(version_id) for c in waiting):
            return "merge"
        s.add(
            SyncConflict(
                id=uuid.uuid4(),
                table_name="care_plans",
                row_id=plan.id,
                kind=CONFLICT_KIND,
                local_fields={
                    "version_id": str(version_id),
                    "base_version_id": str(version.parent_id) if version.parent_id else None,
                },
                remote_fields={"version_id": str(current)},
                detected_at=datetime.now(UTC),
            )
        )
        return "merge"


def reconcile_plans(store: Store, plan_ids: Iterable[uuid.UUID]) -> int:
    """After a sync pull: any version left off the current line asks for a merge.

    Two laptops that saved from the same base both keep their version (the server
    renumbers one and records the conflict); here each version that is a head of the
    plan's history but not the current version becomes a pending merge, exactly as a
    stale save from a second window, and the sync's own record of that conflict is
    closed, so the clinician is asked once. Returns how many merges were asked for.
    """
    wanted = list(dict.fromkeys(plan_ids))
    off_line: list[uuid.UUID] = []
    involved: list[uuid.UUID] = []
    with store.session() as s:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            current = dict(
                s.execute(
                    select(CarePlan.id, CarePlan.current_version_id).where(CarePlan.id.in_(chunk))
                ).all()
            )
            rows = s.execute(
                select(
                    CarePlanVersion.id,
                    CarePlanVersion.care_plan_id,
                    CarePlanVersion.parent_id,
                    CarePlanVersion.second_parent_id,
                ).where(CarePlanVersion.care_plan_id.in_(chunk))
            ).all()
            parents = {p for r in rows for p in (r[2], r[3]) if p is not None}
            # A version whose plan this store does not hold (yet) waits for it: placing
            # it now would fail, and stop the sync that pulled it.
            heads = [
                (vid, plan)
                for vid, plan, _, _ in rows
                if plan in current and vid not in parents and vid != current.get(plan)
            ]
            off_line += [vid for vid, _ in heads]
            split = {plan for _, plan in heads}
            # The sync's record names whichever laptop's version the server renumbered.
            involved += [vid for vid, plan, _, _ in rows if plan in split]
    asked = sum(reconcile_version(store, vid) == "merge" for vid in off_line)
    if off_line:
        with store.transaction() as s:
            for conflict in s.scalars(
                select(SyncConflict).where(
                    SyncConflict.table_name == "care_plan_versions",
                    SyncConflict.kind == CONFLICT_KIND,
                    SyncConflict.resolved_at.is_(None),
                    SyncConflict.row_id.in_(involved),
                )
            ):
                conflict.resolved_at = datetime.now(UTC)
                conflict.resolved_by = store.actor.user_id
    return asked


def _ancestors(versions: Mapping[uuid.UUID, CarePlanVersion], start: uuid.UUID) -> set[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    queue = [start]
    while queue:
        vid = queue.pop()
        if vid in seen or vid not in versions:
            continue
        seen.add(vid)
        v = versions[vid]
        queue.extend(p for p in (v.parent_id, v.second_parent_id) if p)
    return seen


# --- lists and review reminders -------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    patient_id: uuid.UUID
    family_name: str
    given_name: str | None
    title: str | None
    nhs_number: str | None
    date_of_birth: date | None
    version_number: int | None
    status: str
    review_on: date | None
    flag: ReviewFlag
    saved_at: datetime | None
    saved_by: str | None
    merges_waiting: int
    changed_since_agreed: bool = False  # agreed once, changed since: to agree again


def plan_rows(store: Store, today: date, *, flagged_only: bool = False) -> list[PlanRow]:
    """Every live plan with its person, version and review flag; soonest review first."""
    with store.session() as s:
        waiting = dict(
            s.execute(
                select(SyncConflict.row_id, func.count())
                .where(
                    SyncConflict.kind == CONFLICT_KIND,
                    SyncConflict.table_name == "care_plans",
                    SyncConflict.resolved_at.is_(None),
                )
                .group_by(SyncConflict.row_id)
            ).all()
        )
        rows = s.execute(
            select(CarePlan, Patient, CarePlanVersion)
            .join(Patient, Patient.id == CarePlan.patient_id)
            .outerjoin(CarePlanVersion, CarePlanVersion.id == CarePlan.current_version_id)
            .where(CarePlan.deleted_at.is_(None), CarePlan.status != CarePlanStatus.CLOSED)
            .order_by(CarePlan.review_on.is_(None), CarePlan.review_on, Patient.family_name)
        ).all()
        out = []
        for plan, patient, version in rows:
            flag = plan_rules.review_flag(plan.review_on, today)
            if flagged_only and flag is ReviewFlag.NONE:
                continue
            out.append(
                PlanRow(
                    patient_id=patient.id,
                    family_name=patient.family_name,
                    given_name=patient.given_name,
                    title=patient.title,
                    nhs_number=patient.nhs_number,
                    date_of_birth=patient.date_of_birth,
                    version_number=version.number if version else None,
                    status=plan.status,
                    review_on=plan.review_on,
                    flag=flag,
                    saved_at=version.created_at if version else None,
                    saved_by=version.author_name if version else None,
                    merges_waiting=int(waiting.get(plan.id, 0)),
                    changed_since_agreed=version is not None
                    and version.agreed_on is None
                    and bool(((version.content or {}).get("review") or {}).get("agreed_on")),
                )
            )
        return out


# --- budget --------------------------------------------------------------------------------


def budget_summary(store: Store, patient_id: uuid.UUID) -> str | None:
    """Plain words for the plan's budget section from the person's live budgets and their
    lines with spend so far, and per goal what is funded; None if the person has none."""
    from mdt_desktop.domain.budgets import LIVE_STATUSES, BudgetStatus, format_pence
    from mdt_desktop.domain.budgets import vocab as words
    from mdt_desktop.domain.people import format_patient_date as fmt
    from mdt_desktop.store import budgets as budget_store

    statuses = [s.value for s in (*LIVE_STATUSES, BudgetStatus.INDICATIVE)]
    with store.session() as s:
        budgets = budget_store.budget_rows(s, patient_id=patient_id, statuses=statuses)
        if not budgets:
            return None
        parts = []
        for b in budgets:
            amount = b.allocation_pence if b.allocation_pence is not None else b.indicative_pence
            parts.append(
                f"{format_pence(amount or 0)} {words.BudgetKind(b.kind).label.lower()} "
                f"({words.FundingSource(b.funding_source).label}; "
                f"{words.HeldAs(b.held_as).label.lower()}) from {fmt(b.period_start)} to "
                f"{fmt(b.period_end)} ({words.BudgetStatus(b.status).label.lower()}); "
                f"{format_pence(b.figures.spent)} spent, {format_pence(b.figures.balance)} left."
            )
            for line in budget_store.line_rows(s, b.id):
                freq = words.Frequency(line.frequency).label.lower()
                paused = " (paused while in hospital)" if line.paused_at else ""
                parts.append(
                    f"- {line.description}: {format_pence(line.amount_pence)}, {freq}; "
                    f"{format_pence(line.figures.spent)} spent{paused}"
                )
        return "\n".join(parts)


def funded_goals(store: Store, patient_id: uuid.UUID) -> dict[str, list[str]]:
    """Per care-plan goal id, the budget lines that fund it ("Personal assistants £450.50
    weekly"), from the person's live budgets."""
    from mdt_desktop.domain.budgets import LIVE_STATUSES, BudgetStatus, format_pence
    from mdt_desktop.domain.budgets import vocab as words
    from mdt_desktop.store import budgets as budget_store

    statuses = [s.value for s in (*LIVE_STATUSES, BudgetStatus.INDICATIVE)]
    out: dict[str, list[str]] = {}
    with store.session() as s:
        for b in budget_store.budget_rows(s, patient_id=patient_id, statuses=statuses):
            for line in budget_store.line_rows(s, b.id):
                text = (
                    f"{line.description} {format_pence(line.amount_pence)} "
                    f"{words.Frequency(line.frequency).label.lower()}"
                )
                for goal_id in line.goal_ids:
                    out.setdefault(goal_id, []).append(text)
    return out


# --- finding people ------------------------------------------------------------------------


def patient_by_nhs_number(store: Store, text: str) -> uuid.UUID:
    """The person with this NHS number; ValueError/LookupError in plain words otherwise."""
    try:
        nhs = validate_nhs(text)
    except InvalidNhsNumber as exc:
        raise InvalidInput(str(exc)) from None
    with store.session() as s:
        pid = s.scalar(select(Patient.id).where(Patient.nhs_number == nhs))
    if pid is None:
        raise NotFound(f"No one with NHS number {text.strip()} is in this store.")
    return pid
