"""The case on the shared screen: only this person's essentials, for meeting mode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.banner import Banner
from mdt_desktop.domain.care_plan import GOAL_STATUSES
from mdt_desktop.domain.people import format_patient_date
from mdt_desktop.store import meetings as q
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import (
    AgendaItem,
)

from ..patients import patient_banner
from ._common import MeetingError
from .agenda import _latest_decisions

# --- the case on the shared screen -------------------------------------------------------


@dataclass(frozen=True)
class CaseEssentials:
    """Only this person's essentials, for meeting mode: nothing about anyone else."""

    item_id: uuid.UUID
    patient_id: uuid.UUID
    banner: Banner
    reason_label: str
    reason: str
    minutes: int
    status: str
    risk_score: float | None
    risk_segment: str | None
    efi: str | None
    risk_reasons: tuple[str, ...]
    goals: tuple[str, ...]
    plan_found: bool
    open_actions: tuple[str, ...]
    notes: tuple[str, ...]
    decision: str | None
    discussion: str | None


def _goal_text(goal: Any) -> str | None:
    """A goal as the care-plan work stores it: a string or a dict with words in it."""
    if isinstance(goal, str):
        return goal.strip() or None
    if isinstance(goal, dict):
        for key in ("goal", "text", "title", "description", "what", "outcome", "name"):
            value = goal.get(key)
            if isinstance(value, str) and value.strip():
                text = value.strip()
                for extra in ("status", "progress"):
                    more = goal.get(extra)
                    if isinstance(more, str) and more.strip():
                        # The room reads "Not started", never the stored "not_started".
                        word = more.strip()
                        text += f" ({GOAL_STATUSES.get(word, word)})"
                        break
                return text
    return None


def case_essentials(store: Store, item_id: uuid.UUID, today: date | None = None) -> CaseEssentials:
    from mdt_desktop.domain.efi import CATEGORY_LABELS
    from mdt_desktop.domain.risk import SEGMENT_LABELS

    today = today or date.today()
    with store.session() as s:
        item = s.get(AgendaItem, item_id)
        if item is None:
            raise MeetingError("That agenda item is not in this store.")
        pid = item.patient_id
        risk = q.risk_of(s, pid)
        content = q.latest_plan_content(s, pid)
        raw_goals = content.get("goals") if content else None
        goals = tuple(
            g
            for g in (_goal_text(x) for x in (raw_goals if isinstance(raw_goals, list) else []))
            if g
        )
        actions = tuple(
            f"{a.description} — {a.owner_name or 'no owner'}, due "
            f"{format_patient_date(a.due_on) if a.due_on else 'no date'}"
            + (" (OVERDUE)" if a.due_on and a.due_on < today else "")
            for a in q.open_actions_of(s, pid)
        )
        notes = tuple(
            f"{format_patient_date(n.written_at.astimezone().date())} {n.author_name} "
            f"({rules.role_label(n.author_role)}): {_shorten(n.text, 200)}"
            for n in q.recent_notes(s, pid, limit=3)
        )
        decision = _latest_decisions(s, [item.id]).get(item.id)
        result = CaseEssentials(
            item_id=item.id,
            patient_id=pid,
            banner=patient_banner(store, pid, today),
            reason_label=rules.REASON_LABELS.get(item.reason_kind, item.reason_kind),
            reason=rules.reason_line(item.reason_kind, item.reason),
            minutes=item.minutes_allotted,
            status=item.status,
            risk_score=risk.risk_score if risk else None,
            risk_segment=SEGMENT_LABELS.get(risk.segment) if risk else None,
            efi=CATEGORY_LABELS.get(risk.efi_category) if risk else None,
            risk_reasons=tuple(str(r) for r in (risk.reasons or [])) if risk else (),
            goals=goals,
            plan_found=content is not None,
            open_actions=actions,
            notes=notes,
            decision=rules.decision_words(decision.outcome, decision.referred_to)
            if decision
            else None,
            discussion=item.discussion,
        )
    store.audit("view", "agenda_items", item_id, pid, "meeting mode")
    return result


def _shorten(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
