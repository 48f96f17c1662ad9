"""Coming home: the discharge summary set beside the care plan, carried in item by item.

The hospital's "plan and requested actions", medicine changes and individual requirements
(PRSB eDischarge headings) are kept on the stay until a clinician decides what goes into the
shared care plan. Nothing is copied in without that decision, and both texts stay readable
until then: the summary on the stay, the plan as it was. The new care-plan version is saved
through the care plan's own service, so its versioning and merge rules apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from mdt_desktop.domain import care_plan as plan_rules
from mdt_desktop.domain.caseload import clean_text
from mdt_desktop.domain.discharges import DischargeStatus
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.domain.permissions import Permission, require
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store

from ._common import DischargeError, _now, _plan

# Summary heading → the care-plan section its items go into.
HEADINGS = (
    ("summary_plan_actions", "Plan and requested actions", "actions"),
    ("summary_medicine_changes", "Medicine changes", "medicines"),
    ("summary_requirements", "Individual requirements", "about_me"),
)
MAX_SUMMARY = 20_000


@dataclass(frozen=True)
class SummaryItem:
    key: str  # "summary_plan_actions:0": heading and line, stable for one summary
    heading: str
    text: str
    section: str  # the care-plan section it would go into


@dataclass(frozen=True)
class Reconciliation:
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    items: tuple[SummaryItem, ...]
    current_sections: dict[str, str]  # the care plan's text of each section concerned
    care_plan_version_id: uuid.UUID | None
    decided: bool


def record_discharge_summary(
    store: Store,
    plan_id: uuid.UUID,
    *,
    plan_and_actions: str = "",
    medicine_changes: str = "",
    individual_requirements: str = "",
) -> None:
    """The discharge summary's headings, entered by hand or taken from an imported summary."""
    require(store.actor.role, Permission.MANAGE_DISCHARGE)
    texts = [plan_and_actions, medicine_changes, individual_requirements]
    if not any(t.strip() for t in texts):
        raise DischargeError("The discharge summary has nothing under any heading.")
    for text, (_, heading, _) in zip(texts, HEADINGS, strict=True):
        if len(text) > MAX_SUMMARY:
            raise DischargeError(f"{heading} is longer than {MAX_SUMMARY:,} characters.")
    with store.transaction() as s:
        plan = _plan(s, plan_id, open_only=False)
        if plan.reconciled_at is not None:
            raise DischargeError(
                "The care plan has already been reconciled with this stay's summary."
            )
        for text, (column, _, _) in zip(texts, HEADINGS, strict=True):
            setattr(plan, column, text.strip() or None)


def _items(values: dict[str, str | None]) -> tuple[SummaryItem, ...]:
    out = []
    for column, heading, section in HEADINGS:
        lines = [ln.strip(" -•*\t") for ln in (values.get(column) or "").splitlines()]
        for n, line in enumerate(x for x in lines if x):
            out.append(SummaryItem(f"{column}:{n}", heading, line, section))
    return tuple(out)


def reconciliation(store: Store, plan_id: uuid.UUID) -> Reconciliation:
    """The summary's items beside the care plan's current text of the sections they touch."""
    with store.session() as s:
        plan = _plan(s, plan_id, open_only=False)
        values = {c: getattr(plan, c) for c, _, _ in HEADINGS}
        patient_id, decided = plan.patient_id, plan.reconciled_at is not None
    state = care_plans.load_plan(store, patient_id)
    content = state.current.content if state and state.current else plan_rules.empty_content()
    return Reconciliation(
        plan_id=plan_id,
        patient_id=patient_id,
        items=_items(values),
        current_sections={
            section: plan_rules.section_text(content, section) for _, _, section in HEADINGS
        },
        care_plan_version_id=state.current.id if state and state.current else None,
        decided=decided,
    )


def carry_into_care_plan(
    store: Store, plan_id: uuid.UUID, carried: Collection[str], *, today: date | None = None
) -> uuid.UUID | None:
    """Save a care-plan version with the chosen items; returns it (None: nothing carried).

    Actions become new interventions; medicine changes and individual requirements are added
    under a dated line to the medicines and about-me sections. The stay is marked reconciled
    either way, with who decided.
    """
    require(store.actor.role, Permission.EDIT_CARE_PLAN)
    rec = reconciliation(store, plan_id)
    if rec.decided:
        raise DischargeError("The care plan has already been reconciled with this summary.")
    with store.session() as s:
        if _plan(s, plan_id, open_only=False).status != DischargeStatus.DISCHARGED:
            raise DischargeError("The care plan is reconciled once the person is home.")
    known = {i.key for i in rec.items}
    unknown = set(carried) - known
    if unknown:
        raise DischargeError("Some chosen items are not in this discharge summary.")
    chosen = [i for i in rec.items if i.key in set(carried)]
    version_id = None
    if chosen:
        state = care_plans.load_plan(store, rec.patient_id)
        base = state.current if state and state.current else None
        content: dict[str, Any] = plan_rules.normalise(
            base.content if base else plan_rules.empty_content()
        )
        stamp = f"From the discharge summary, {format_patient_date(today or date.today())}:"
        for section in ("medicines", "about_me"):
            lines = [i.text for i in chosen if i.section == section]
            if lines:
                before = content.get(section) or ""
                added = "\n".join([stamp, *(f"- {x}" for x in lines)])
                content[section] = f"{before}\n\n{added}".strip()
        for item in (i for i in chosen if i.section == "actions"):
            content["actions"].append(
                {"id": plan_rules.new_id(), "what": item.text, "who": "", "when": "", "goal_id": ""}
            )
        result = care_plans.save_version(
            store,
            rec.patient_id,
            content,
            base.id if base else None,
            note=f"Carried in from the discharge summary ({len(chosen)} of {len(rec.items)})",
        )
        version_id = result.version.id if result.version else None
    with store.transaction() as s:
        plan = _plan(s, plan_id, open_only=False)
        plan.reconciled_at = _now()
        plan.reconciled_by = clean_text(store.actor.name, "who decided", limit=200)
        plan.reconciled_version_id = version_id
    return version_id
