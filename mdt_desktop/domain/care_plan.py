"""The shared care plan: its sections, what changed between versions, merging, review dates.

A plan's content is a JSON dict (one per immutable version). Every key below is a *section*;
diffs, change summaries and merges work section by section, so a clinician resolving a
stale save reads "Goals" and "Contingency and crisis plan", never field names.

Merging is three-way: the common base, the latest saved version ("theirs") and the version
saved from the old base ("mine"). A section changed on one side only takes that side. Goals
and actions merge item by item (each has a stable id, which budget lines point at). A
section both sides changed differently is a conflict the clinician resolves; nothing is
chosen for them, and "keep both" keeps every word of both.
"""

from __future__ import annotations

import copy
import difflib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from mdt_desktop.domain.vocab import Vocabulary

from .people import format_patient_date

CONTENT_SCHEMA = 1
DEFAULT_REVIEW_DAYS = 90

GOAL_STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "achieved": "Achieved",
    "no_longer_relevant": "No longer relevant",
}

AGREED_HOW = ("In person", "At home visit", "By telephone", "By video call", "At the MDT meeting")


class CarePlanStatus(Vocabulary):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"
    CLOSED = "closed", "Closed"


class Kind(StrEnum):
    TEXT = "text"
    FIELDS = "fields"  # a small group of named text fields
    ITEMS = "items"  # a list of dicts with an "id"


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # what the team reads in the editor, history and merge
    kind: Kind
    fields: tuple[tuple[str, str], ...] = ()  # (key, label) for FIELDS and ITEMS


SECTIONS: tuple[Section, ...] = (
    Section("about_me", "About me and what matters to me", Kind.TEXT),
    Section("needs", "Needs and problems", Kind.TEXT),
    Section(
        "goals",
        "Goals",
        Kind.ITEMS,
        (
            ("outcome", "Outcome"),
            ("measure", "How we will know"),
            ("target_date", "Target date"),
            ("status", "Status"),
        ),
    ),
    Section(
        "actions",
        "Interventions and actions",
        Kind.ITEMS,
        (
            ("what", "What"),
            ("who", "Who"),
            ("when", "How often / by when"),
            ("goal_id", "For goal"),
        ),
    ),
    Section(
        "contingency",
        "Contingency and crisis plan",
        Kind.FIELDS,
        (
            ("warning_signs", "Early warning signs"),
            ("what_to_do", "What to do"),
            ("in_hours", "Who to call in hours"),
            ("out_of_hours", "Who to call out of hours"),
        ),
    ),
    Section(
        "future_care",
        "Future care preferences",
        Kind.FIELDS,
        (
            ("place_of_care", "Preferred place of care"),
            ("place_of_death", "Preferred place of death (where discussed)"),
            ("other", "Anything else the person wants known"),
        ),
    ),
    Section("support_network", "Carers and support network", Kind.TEXT),
    Section("medicines", "Medicines summary", Kind.TEXT),
    Section("budget", "Personal health budget summary", Kind.TEXT),
    Section(
        "review",
        "Agreement and review",
        Kind.FIELDS,
        (
            ("agreed_on", "Agreed with the person on"),
            ("agreed_how", "How it was agreed"),
            ("copy_given", "Copy given to the person"),
            ("review_on", "Review date"),
        ),
    ),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


def new_id() -> str:
    return uuid.uuid4().hex


def empty_content() -> dict[str, Any]:
    content: dict[str, Any] = {"schema": CONTENT_SCHEMA}
    for section in SECTIONS:
        if section.kind is Kind.TEXT:
            content[section.key] = ""
        elif section.kind is Kind.ITEMS:
            content[section.key] = []
        else:
            content[section.key] = {key: "" for key, _ in section.fields}
    content["review"]["copy_given"] = False
    return content


def _text(value: Any) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def normalise(content: Mapping[str, Any] | None) -> dict[str, Any]:
    """A complete, tidy content dict: every section present, text trimmed, ids given.

    Raises ValueError (in words a clinician understands) for what cannot be saved.
    """
    raw = dict(content or {})
    out = empty_content()
    for section in SECTIONS:
        value = raw.get(section.key)
        if section.kind is Kind.TEXT:
            out[section.key] = _text(value)
        elif section.kind is Kind.FIELDS:
            given = dict(value or {})
            for key, _label in section.fields:
                if section.key == "review":
                    out[section.key][key] = _review_field(key, given.get(key))
                else:
                    out[section.key][key] = _text(given.get(key))
        else:
            items = []
            seen: set[str] = set()
            for item in value or []:
                clean = {key: _text(item.get(key)) for key, _label in section.fields}
                if not any(clean.values()):
                    continue  # an empty row left in a table is not an item
                item_id = str(item.get("id") or new_id())
                if item_id in seen:
                    item_id = new_id()
                seen.add(item_id)
                clean["id"] = item_id
                if section.key == "goals":
                    if not clean["outcome"]:
                        raise ValueError("Every goal needs its outcome in plain words.")
                    clean["status"] = clean["status"] or "not_started"
                    if clean["status"] not in GOAL_STATUSES:
                        raise ValueError(f"A goal's status cannot be {clean['status']!r}.")
                    clean["target_date"] = _iso_date_or_empty(clean["target_date"], "target date")
                if section.key == "actions" and not clean["what"]:
                    raise ValueError("Every action needs to say what will be done.")
                items.append(clean)
            out[section.key] = items
    goal_ids = {g["id"] for g in out["goals"]}
    for action in out["actions"]:
        if action["goal_id"] and action["goal_id"] not in goal_ids:
            action["goal_id"] = ""  # its goal was removed: the action stays, unlinked
    return out


def _iso_date_or_empty(value: Any, what: str) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"The {what} {text!r} is not a date.") from None


def _review_field(key: str, value: Any) -> Any:
    if key == "copy_given":
        return bool(value)
    if key == "agreed_how":
        return _text(value)
    if isinstance(value, date):
        return value.isoformat()
    return _iso_date_or_empty(value, "agreement date" if key == "agreed_on" else "review date")


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def default_review_on(agreed_on: date, days: int = DEFAULT_REVIEW_DAYS) -> date:
    return agreed_on + timedelta(days=days)


def with_review_defaults(
    content: dict[str, Any], days: int = DEFAULT_REVIEW_DAYS
) -> dict[str, Any]:
    """An agreed plan without a review date gets one ``days`` after agreement."""
    review = content["review"]
    if review["agreed_on"] and not review["review_on"]:
        review["review_on"] = default_review_on(
            date.fromisoformat(review["agreed_on"]), days
        ).isoformat()
    return content


# --- Showing a section as text (history, diff, merge, summaries) ---------------------------


def goal_label(content: Mapping[str, Any], goal_id: str) -> str:
    for number, goal in enumerate(content.get("goals") or [], start=1):
        if goal["id"] == goal_id:
            return f"Goal {number}: {goal['outcome']}"
    return ""


def _field_text(section: Section, key: str, value: Any, content: Mapping[str, Any]) -> str:
    if key == "status":
        return GOAL_STATUSES.get(value, value or "")
    if key == "copy_given":
        return "Yes" if value else "No"
    if key in ("target_date", "agreed_on", "review_on"):
        return format_patient_date(parse_date(value)) if value else ""
    if key == "goal_id":
        return goal_label(content, value) if value else ""
    return "" if value is None else str(value)


def section_text(content: Mapping[str, Any], key: str) -> str:
    """A section as the lines a person reads (used for diffs and the merge view)."""
    section = SECTION_BY_KEY[key]
    value = content.get(key)
    if section.kind is Kind.TEXT:
        return value or ""
    labels = dict(section.fields)
    if section.kind is Kind.FIELDS:
        lines = []
        for field_key, label in section.fields:
            text = _field_text(section, field_key, (value or {}).get(field_key), content)
            if text:
                lines.append(f"{label}: {text}")
        return "\n".join(lines)
    blocks = []
    noun = "Goal" if key == "goals" else "Action"
    for number, item in enumerate(value or [], start=1):
        parts = [f"{noun} {number}:"]
        for field_key, _label in section.fields:
            text = _field_text(section, field_key, item.get(field_key), content)
            if text:
                parts.append(f"  {labels[field_key]}: {text}")
        blocks.append("\n".join(parts))
    return "\n".join(blocks)


# --- Differences -----------------------------------------------------------------------------


def _canonical(section: Section, value: Any) -> Any:
    return value if value is not None else ("" if section.kind is Kind.TEXT else None)


def changed_sections(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return [s.key for s in SECTIONS if _canonical(s, a.get(s.key)) != _canonical(s, b.get(s.key))]


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    old_text: str
    new_text: str
    # difflib opcodes over lines: ("equal"|"replace"|"delete"|"insert", i1, i2, j1, j2)
    opcodes: tuple[tuple[str, int, int, int, int], ...]


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SectionDiff]:
    """The sections that differ, in plan order, with their line-by-line differences."""
    out = []
    for key in changed_sections(old, new):
        old_text, new_text = section_text(old, key), section_text(new, key)
        matcher = difflib.SequenceMatcher(a=old_text.splitlines(), b=new_text.splitlines())
        out.append(
            SectionDiff(
                key,
                SECTION_BY_KEY[key].title,
                old_text,
                new_text,
                tuple(matcher.get_opcodes()),
            )
        )
    return out


def summarise_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> str:
    """ "Goals: 1 added, 1 changed; Medicines summary changed" — recorded with each version."""
    if old is None:
        filled = [s.title for s in SECTIONS if section_text(new, s.key)]
        return "First version" + (f" ({', '.join(filled)})" if filled else "")
    parts = []
    for key in changed_sections(old, new):
        section = SECTION_BY_KEY[key]
        if section.kind is Kind.ITEMS:
            before = {i["id"]: i for i in old.get(key) or []}
            after = {i["id"]: i for i in new.get(key) or []}
            counts = []
            added = len(after.keys() - before.keys())
            removed = len(before.keys() - after.keys())
            changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
            if added:
                counts.append(f"{added} added")
            if changed:
                counts.append(f"{changed} changed")
            if removed:
                counts.append(f"{removed} removed")
            if not counts:
                counts.append("reordered")
            parts.append(f"{section.title}: {', '.join(counts)}")
        else:
            parts.append(f"{section.title} changed")
    return "; ".join(parts) if parts else "No changes"


# --- Merging -------------------------------------------------------------------------------


class Choice(StrEnum):
    THEIRS = "theirs"  # the latest saved version
    MINE = "mine"  # the version saved from the older base
    BOTH = "both"  # every word of both


@dataclass(frozen=True)
class Conflict:
    key: str
    title: str
    base_text: str
    theirs_text: str
    mine_text: str


@dataclass(frozen=True)
class MergeResult:
    merged: dict[str, Any]  # conflicting sections hold the latest version's value until resolved
    conflicts: tuple[Conflict, ...]
    auto_merged: tuple[str, ...]  # sections taken from "mine" without asking


def _merge_items(base: list[dict], theirs: list[dict], mine: list[dict]) -> list[dict] | None:
    """Item-by-item merge by id; None when one item was changed differently on both sides."""
    b = {i["id"]: i for i in base}
    t = {i["id"]: i for i in theirs}
    m = {i["id"]: i for i in mine}
    result: list[dict] = []
    for item in theirs:
        iid = item["id"]
        if iid not in m:
            if iid in b and b[iid] != item:
                return None  # I removed what they changed
            if iid in b:
                continue  # I removed it; they left it alone
            result.append(item)  # they added it
        elif m[iid] == item or (iid in b and m[iid] == b[iid]):
            result.append(item)
        elif iid in b and item == b[iid]:
            result.append(m[iid])
        else:
            return None
    for item in mine:
        iid = item["id"]
        if iid in t:
            continue
        if iid in b:
            if b[iid] != item:
                return None  # they removed what I changed
            continue  # they removed it
        result.append(item)  # I added it
    return result


def three_way_merge(
    base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any]
) -> MergeResult:
    merged = copy.deepcopy(dict(theirs))
    conflicts: list[Conflict] = []
    auto: list[str] = []
    for section in SECTIONS:
        key = section.key
        b, t, m = base.get(key), theirs.get(key), mine.get(key)
        if m in (t, b):
            continue
        if t == b:
            merged[key] = copy.deepcopy(m)
            auto.append(key)
            continue
        if section.kind is Kind.ITEMS:
            items = _merge_items(b or [], t or [], m or [])
            if items is not None:
                merged[key] = copy.deepcopy(items)
                auto.append(key)
                continue
        if section.kind is Kind.FIELDS:
            fields = _merge_fields(b or {}, t or {}, m or {})
            if fields is not None:
                merged[key] = fields
                auto.append(key)
                continue
        conflicts.append(
            Conflict(
                key,
                section.title,
                section_text(base, key),
                section_text(theirs, key),
                section_text(mine, key),
            )
        )
    return MergeResult(merged, tuple(conflicts), tuple(auto))


def _merge_fields(base: dict, theirs: dict, mine: dict) -> dict | None:
    out = dict(theirs)
    for key in set(base) | set(theirs) | set(mine):
        b, t, m = base.get(key), theirs.get(key), mine.get(key)
        if m in (t, b):
            continue
        if t == b:
            out[key] = m
            continue
        return None
    return out


def _both_text(theirs: str, mine: str, mine_label: str) -> str:
    if not theirs:
        return mine
    if not mine:
        return theirs
    return f"{theirs}\n\n[{mine_label}]\n{mine}"


def resolve(
    result: MergeResult,
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    choices: Mapping[str, Choice | str],
    *,
    edited_text: Mapping[str, str] | None = None,
    mine_label: str = "Also saved",
) -> dict[str, Any]:
    """The merged content once every conflict has a choice (or, for text, an edited text).

    Raises ValueError naming any section still unresolved: a merge is never half-chosen.
    """
    edited = dict(edited_text or {})
    merged = copy.deepcopy(result.merged)
    missing = [c.title for c in result.conflicts if c.key not in choices and c.key not in edited]
    if missing:
        raise ValueError("Choose what to keep for: " + ", ".join(missing))
    for conflict in result.conflicts:
        key = conflict.key
        section = SECTION_BY_KEY[key]
        if key in edited and section.kind is Kind.TEXT:
            merged[key] = edited[key].strip()
            continue
        choice = Choice(choices[key])
        t, m = theirs.get(key), mine.get(key)
        if choice is Choice.THEIRS:
            merged[key] = copy.deepcopy(t)
        elif choice is Choice.MINE:
            merged[key] = copy.deepcopy(m)
        elif section.kind is Kind.TEXT:
            merged[key] = _both_text(t or "", m or "", mine_label)
        elif section.kind is Kind.FIELDS:
            fields = dict(t or {})
            for field_key, value in (m or {}).items():
                current = fields.get(field_key)
                if value and value != current:
                    if isinstance(value, str) and isinstance(current, str) and current:
                        fields[field_key] = _both_text(current, value, mine_label)
                    elif not current:
                        fields[field_key] = value
            merged[key] = fields
        else:
            merged[key] = _keep_both_items(t or [], m or [])
    return normalise(merged)


def _keep_both_items(theirs: list[dict], mine: list[dict]) -> list[dict]:
    """Every item of both; where both sides changed the same item, mine becomes a copy."""
    out = [copy.deepcopy(i) for i in theirs]
    by_id = {i["id"]: i for i in theirs}
    for item in mine:
        if item["id"] not in by_id:
            out.append(copy.deepcopy(item))
        elif by_id[item["id"]] != item:
            twin = copy.deepcopy(item)
            twin["id"] = new_id()
            out.append(twin)
    return out


# --- Review reminders ------------------------------------------------------------------------


class ReviewFlag(StrEnum):
    NONE = "none"
    DUE_14 = "due_14"  # due within 14 days
    DUE_7 = "due_7"  # due within 7 days (today included)
    OVERDUE = "overdue"


def review_flag(review_on: date | None, today: date) -> ReviewFlag:
    if review_on is None:
        return ReviewFlag.NONE
    days = (review_on - today).days
    if days < 0:
        return ReviewFlag.OVERDUE
    if days <= 7:
        return ReviewFlag.DUE_7
    if days <= 14:
        return ReviewFlag.DUE_14
    return ReviewFlag.NONE


def review_words(review_on: date | None, today: date) -> str:
    """What a list cell or the record shows: "Review overdue by 3 days", "Review due today"."""
    if review_on is None:
        return "No review date"
    days = (review_on - today).days
    if days < 0:
        return f"Review overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "Review due today"
    if days <= 14:
        return f"Review due in {days} day{'s' if days != 1 else ''}"
    return f"Review on {format_patient_date(review_on)}"
