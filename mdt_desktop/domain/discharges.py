"""Discharge planning rules: pathways, the discharge ready date, working days, readmission.

National code lists (destinations, delay reasons, admission and discharge methods) are
versioned data in resources/discharge/, never enums: they change with national guidance and
an old record keeps the version it was coded with. Only the shapes that do not change with
guidance are enums here.

Dates a person sees ("days since ready") are counted on the calendar of England, so a stay
that crosses a clock change still counts whole days: instants are turned into local dates
first, never subtracted as UTC instants and divided by 24 hours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from mdt_desktop.paths import resources_dir

LONDON = ZoneInfo("Europe/London")
READMISSION_DAYS = 30  # an emergency admission 0-29 days after a discharge (I02040's window)


class Pathway(IntEnum):
    """Discharge-to-assess pathways (DHSC guidance 2024, Annex B)."""

    HOME_NO_NEW_SUPPORT = 0
    HOME_WITH_SUPPORT = 1
    COMMUNITY_BED = 2
    CARE_HOME = 3

    @property
    def label(self) -> str:
        return _PATHWAY_LABELS[self]


_PATHWAY_LABELS = {
    Pathway.HOME_NO_NEW_SUPPORT: "Pathway 0: home, no new or additional support",
    Pathway.HOME_WITH_SUPPORT: "Pathway 1: home with health or social care support",
    Pathway.COMMUNITY_BED: "Pathway 2: community bedded setting",
    Pathway.CARE_HOME: "Pathway 3: care home placement",
}


class AdmissionKind(StrEnum):
    EMERGENCY = "emergency"
    ELECTIVE = "elective"
    MATERNITY = "maternity"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "emergency": "Emergency",
            "elective": "Elective (planned)",
            "maternity": "Maternity",
            "other": "Other",
        }[self.value]


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"open": "Open", "done": "Done", "cancelled": "Cancelled"}[self.value]


class DischargeStatus(StrEnum):
    IN_HOSPITAL = "in_hospital"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"  # recorded in error, or the person died in hospital

    @property
    def label(self) -> str:
        return {
            "in_hospital": "In hospital",
            "discharged": "Discharged",
            "cancelled": "Cancelled",
        }[self.value]


class DischargeEventKind(StrEnum):
    """What an entry in a stay's history records."""

    EDD = "edd"  # expected date of discharge set or changed
    CRITERIA = "criteria"  # criteria-to-reside assessment
    PATHWAY = "pathway"  # planned pathway and destination
    DELAY = "delay"  # a delay reason from a date
    DELAY_ENDED = "delay_ended"  # no delay reason from a date
    DISCHARGE = "discharge"  # left hospital
    FOLLOW_UP = "follow_up"  # community follow-up done

    @property
    def label(self) -> str:
        return {
            "edd": "Expected date of discharge",
            "criteria": "Criteria to reside",
            "pathway": "Pathway",
            "delay": "Delay reason",
            "delay_ended": "Delay ended",
            "discharge": "Discharged",
            "follow_up": "Follow-up",
        }[self.value]


class TaskAnchor(StrEnum):
    """What a template task's due date counts from."""

    PATHWAY = "pathway"  # the day the pathway was chosen
    DISCHARGE = "discharge"


# --- code tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    scheme: str
    version: str
    code: str
    label: str
    family: str = ""
    pathway: int | None = None


@dataclass(frozen=True)
class CodeTable:
    scheme: str
    version: str
    source: str
    codes: tuple[Code, ...]
    effective_from: date | None = None
    effective_to: date | None = None

    def get(self, code: str) -> Code:
        for c in self.codes:
            if c.code == code:
                return c
        raise KeyError(f"{code!r} is not a code of {self.scheme} {self.version}")


def _load(name: str) -> Any:
    return json.loads((resources_dir() / "discharge" / name).read_text(encoding="utf-8"))


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def destinations() -> CodeTable:
    raw = _load("destinations.json")
    codes = tuple(
        Code(raw["scheme"], raw["version"], c["code"], c["label"], pathway=c["pathway"])
        for c in raw["codes"]
    )
    return CodeTable(raw["scheme"], raw["version"], raw["source"], codes)


def destinations_for(pathway: Pathway) -> tuple[Code, ...]:
    return tuple(c for c in destinations().codes if c.pathway == int(pathway))


@cache
def delay_schemes() -> tuple[CodeTable, ...]:
    raw = _load("delay-reasons.json")
    tables = []
    for s in raw["schemes"]:
        codes = tuple(
            Code(s["scheme"], s["version"], c["code"], c["label"], family=c["family"])
            for c in s["codes"]
        )
        tables.append(
            CodeTable(
                s["scheme"],
                s["version"],
                s["source"],
                codes,
                _optional_date(s.get("effective_from")),
                _optional_date(s.get("effective_to")),
            )
        )
    return tuple(tables)


def delay_scheme(scheme: str | None = None) -> CodeTable:
    """A delay-reason scheme by name; the current national one by default."""
    wanted = scheme or _load("delay-reasons.json")["default"]
    for table in delay_schemes():
        if table.scheme == wanted:
            return table
    raise KeyError(f"no delay-reason scheme called {wanted!r}")


@cache
def _nhs_dd() -> dict[str, Any]:
    return _load("nhs-dd-codes.json")


@cache  # a feed of 10,000 rows asks for these tables three times a row
def nhs_dd_table(name: str) -> CodeTable:
    """``admission_method``, ``discharge_method`` or ``discharge_destination``."""
    raw = _nhs_dd()[name]
    codes = tuple(
        Code(name, raw["version"], c["code"], c["label"], family=c.get("kind", ""))
        for c in raw["codes"]
    )
    return CodeTable(name, raw["version"], raw["version"], codes)


def admission_kind(method_code: str | None) -> AdmissionKind:
    """Emergency, elective, maternity or other, from an NHS Data Dictionary admission method.

    An unknown or missing code is ``OTHER``: it must never count as an emergency admission.
    """
    if not method_code:
        return AdmissionKind.OTHER
    try:
        return AdmissionKind(nhs_dd_table("admission_method").get(method_code.strip()).family)
    except KeyError:
        return AdmissionKind.OTHER


# --- the discharge ready date ------------------------------------------------------------------


@dataclass(frozen=True)
class CriteriaAssessment:
    """A ward-round assessment: on this date the person met the criteria to reside, or not."""

    on: date
    meets_criteria: bool


def discharge_ready_date(
    assessments: Iterable[CriteriaAssessment], *, finished: bool
) -> date | None:
    """The discharge ready date by NHS England's rule.

    The DRD is the date the person no longer met the criteria to reside. When they met them
    again later: for a finished stay, it is the start of the *final* period of not meeting
    them; for an ongoing stay, the start of the *current* period — so an ongoing stay whose
    latest assessment meets the criteria has no ready date.
    """
    ordered = sorted(assessments, key=lambda a: a.on)
    start: date | None = None  # start of the latest run of "does not meet"
    last_start: date | None = None
    for a in ordered:
        if a.meets_criteria:
            if start is not None:
                last_start = start
            start = None
        elif start is None:
            start = a.on
    if start is not None:
        return start
    return last_start if finished else None


# --- calendar and working days ------------------------------------------------------------------


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def local_date(at: datetime) -> date:
    """The date in England of an aware instant (storage is UTC)."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no place in time; store times as aware UTC")
    return at.astimezone(LONDON).date()


@dataclass(frozen=True)
class DaysSince:
    calendar: int
    working: int


def days_since(start: date, until: date) -> DaysSince:
    """Days from ``start`` to ``until``: calendar days, and working days in England.

    A working day counts when it falls after ``start`` and on or before ``until`` (so both are 0
    on the day itself). Bank holidays and weekends are not working days.
    """
    if until <= start:
        return DaysSince(0, 0)
    calendar = (until - start).days
    whole_weeks, rest = divmod(calendar, 7)
    working = whole_weeks * 5
    day = start + timedelta(days=whole_weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            working += 1
    years = range(start.year, until.year + 1)
    working -= sum(
        1 for y in years for h in _bank_holidays(y) if start < h <= until and h.weekday() < 5
    )
    return DaysSince(calendar, working)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself when 0)."""
    if days < 0:
        raise ValueError("a due date counts forward")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


# --- readmission --------------------------------------------------------------------------------


def is_readmission(previous_discharge: datetime, admitted: datetime, kind: AdmissionKind) -> bool:
    """A crude 30-day emergency readmission: admitted as an emergency 0-29 days after a discharge.

    Counted in days on England's calendar (indicator I02040's window), not standardised, and
    without the indicator's cancer and obstetrics exclusions; labelled "crude" where shown.
    """
    if kind is not AdmissionKind.EMERGENCY:
        return False
    gap = (local_date(admitted) - local_date(previous_discharge)).days
    return 0 <= gap < READMISSION_DAYS and admitted >= previous_discharge


# --- task templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskTemplate:
    key: str
    pathways: frozenset[int]
    title: str
    organisation: str
    anchor: TaskAnchor
    working_days: int


@dataclass(frozen=True)
class ProposedTask:
    key: str
    title: str
    organisation: str
    due_on: date | None  # None: counts from a discharge that has not happened yet
    anchor: TaskAnchor
    working_days: int


@dataclass(frozen=True)
class TemplateSet:
    version: str
    templates: tuple[TaskTemplate, ...]
    follow_up_working_days: dict[int, int]


def parse_templates(raw: dict[str, Any]) -> TemplateSet:
    """Templates from their JSON form, checked (a team's edited copy is hostile input too)."""
    templates = []
    seen: set[str] = set()
    for t in raw["templates"]:
        key = str(t["key"])
        if key in seen:
            raise ValueError(f"the task template {key!r} appears twice.")
        seen.add(key)
        pathways = frozenset(int(p) for p in t["pathways"])
        if not pathways or not pathways <= {0, 1, 2, 3}:
            raise ValueError(f"the task template {key!r} names a pathway outside 0-3.")
        days = int(t["working_days"])
        if not 0 <= days <= 60:
            raise ValueError(f"the task template {key!r} is due in {days} working days.")
        title, organisation = str(t["title"]).strip(), str(t["organisation"]).strip()
        if not title or not organisation:
            raise ValueError(f"the task template {key!r} needs a title and an organisation.")
        templates.append(
            TaskTemplate(key, pathways, title, organisation, TaskAnchor(t["anchor"]), days)
        )
    follow_up = {int(k): int(v) for k, v in raw["follow_up_working_days"].items()}
    if set(follow_up) != {0, 1, 2, 3}:
        raise ValueError("the follow-up days must be given for each pathway 0-3.")
    return TemplateSet(str(raw["version"]), tuple(templates), follow_up)


@cache
def default_templates() -> TemplateSet:
    return parse_templates(_load("task-templates.json"))


def propose_tasks(
    pathway: Pathway,
    chosen_on: date,
    discharged_on: date | None = None,
    templates: TemplateSet | None = None,
) -> list[ProposedTask]:
    """The tasks a pathway brings, with due dates in working days from their anchor."""
    chosen = templates or default_templates()
    out = []
    for t in chosen.templates:
        if int(pathway) not in t.pathways:
            continue
        base = chosen_on if t.anchor is TaskAnchor.PATHWAY else discharged_on
        due = add_working_days(base, t.working_days) if base is not None else None
        out.append(ProposedTask(t.key, t.title, t.organisation, due, t.anchor, t.working_days))
    return out


FOLLOW_UP_UNKNOWN_PATHWAY_DAYS = 3  # a discharge reported without its pathway


def follow_up_due(
    pathway: Pathway | None, discharged_on: date, templates: TemplateSet | None = None
) -> date:
    """When the community follow-up after discharge is due (working days set per pathway)."""
    chosen = templates or default_templates()
    days = (
        chosen.follow_up_working_days[int(pathway)]
        if pathway is not None
        else FOLLOW_UP_UNKNOWN_PATHWAY_DAYS
    )
    return add_working_days(discharged_on, days)


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DelaySpell:
    """One delay reason in force from ``start`` until ``end`` (None: still in force)."""

    scheme: str
    version: str
    code: str
    start: date
    end: date | None


def delayed_days_by_reason(spells: Sequence[DelaySpell], today: date) -> dict[str, int]:
    """Calendar days attributed to each reason code (``scheme:code``); open spells run to today."""
    out: dict[str, int] = {}
    for s in spells:
        end = s.end or today
        if end > s.start:
            key = f"{s.scheme}:{s.code}"
            out[key] = out.get(key, 0) + (end - s.start).days
    return out
