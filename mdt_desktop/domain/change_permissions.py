"""Which permission each change to a synced table needs: the table the server enforces.

The laptop's services call :func:`permissions.require` before they write; the team
server cannot trust that a laptop did, so every pushed change is checked here against
the pusher's role in the row's team. The permissions themselves, and which role holds
which, live in :mod:`permissions` alone; this module only says which permission a
change to a table needs.

A need is a tuple of permissions of which the role must hold one (an MDT decision may
close a case as well as the caseload's own "close"); an empty tuple is anyone on the
team. Every synced table has an entry (a test fails otherwise), so a feature that adds
a table adds its rule here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .permissions import Permission, allowed, why_not
from .roles import Role

P = Permission
ANYONE: tuple[Permission, ...] = ()


@dataclass(frozen=True)
class FieldRule:
    """What setting one of ``fields`` needs (only to one of ``values`` when given)."""

    fields: frozenset[str]
    needs: tuple[Permission, ...]
    values: frozenset[Any] | None = None


@dataclass(frozen=True)
class TableRule:
    """Needs per operation; None means no one may do it (immutable, or server's own)."""

    insert: tuple[Permission, ...] | None
    update: tuple[Permission, ...] | None
    delete: tuple[Permission, ...] | None
    fields: tuple[FieldRule, ...] = field(default_factory=tuple)
    # Rows the server itself keeps (teams, user profiles from its account registry).
    server_managed: bool = False
    refusal: str = ""


def _same(needs: tuple[Permission, ...]) -> TableRule:
    return TableRule(needs, needs, needs)


def _fields(names: str, needs: tuple[Permission, ...], values: str | None = None) -> FieldRule:
    return FieldRule(frozenset(names.split()), needs, frozenset(values.split()) if values else None)


_REGISTERED = (P.MANAGE_REGISTERED_LIST,)

RULES: Mapping[str, TableRule] = {
    "teams": TableRule(
        None, None, None, server_managed=True, refusal="Teams are set up on the team server."
    ),
    "users": TableRule(
        None,
        None,
        None,
        server_managed=True,
        refusal="User profiles come from the team server's accounts and cannot be pushed.",
    ),
    "practices": _same(_REGISTERED),
    "patients": _same(_REGISTERED),
    "coded_entries": _same(_REGISTERED),
    # Everyone who uses the app is in the directory and adds themselves (as on the laptop);
    # changing or removing an entry is the directory's managers' work.
    "staff": TableRule(ANYONE, (P.MANAGE_STAFF,), (P.MANAGE_STAFF,)),
    "consents": _same((P.RECORD_CONSENT,)),
    "referrals": TableRule(
        (P.REFER,),
        (P.REFER,),
        (P.ACCEPT_REFERRAL,),
        fields=(
            _fields("status", (P.ACCEPT_REFERRAL,), "accepted declined withdrawn"),
            _fields("decided_at decided_by decision_reason", (P.ACCEPT_REFERRAL,)),
        ),
    ),
    "caseload_entries": TableRule(
        (P.ACCEPT_REFERRAL,),
        (P.ACCEPT_REFERRAL,),
        (P.ACCEPT_REFERRAL,),
        fields=(
            # An MDT decision steps down or closes a case, and sets the next review.
            _fields("status ended_on end_reason", (P.ACCEPT_REFERRAL, P.RECORD_DECISION)),
            _fields("next_review_on", (P.COORDINATE_CARE, P.RECORD_DECISION)),
            _fields("care_coordinator_id", (P.COORDINATE_CARE,)),
            # Anyone may escalate a case to the next MDT (with a note).
            _fields("escalated_at escalation_reason", (P.WRITE_NOTE, P.RECORD_DECISION)),
        ),
    ),
    "care_team_members": _same((P.MANAGE_CARE_TEAM,)),
    "notes": TableRule(
        (P.WRITE_NOTE,), None, None, refusal="Notes are never changed: write a correction."
    ),
    "note_mentions": _same((P.WRITE_NOTE,)),
    "care_plans": _same((P.EDIT_CARE_PLAN,)),
    "care_plan_versions": TableRule(
        (P.EDIT_CARE_PLAN,),
        None,
        None,
        refusal="Care-plan versions are never changed: save a new version.",
    ),
    "meetings": _same((P.RUN_MEETING,)),
    "meeting_attendance": _same((P.RUN_MEETING,)),
    "agenda_items": TableRule(
        (P.RUN_MEETING,),
        (P.RUN_MEETING,),
        (P.RUN_MEETING,),
        fields=(_fields("status discussion", (P.RUN_MEETING, P.RECORD_DECISION)),),
    ),
    # A decision recorded again replaces the earlier one, which is kept as a tombstone.
    "decisions": TableRule(
        (P.RECORD_DECISION,),
        None,
        (P.RECORD_DECISION,),
        refusal="MDT decisions are never changed: record the outcome again.",
    ),
    "actions": TableRule(
        (P.RECORD_DECISION,),
        (P.RECORD_DECISION,),
        (P.RECORD_DECISION,),
        # Anyone may complete an action; who and when are recorded.
        fields=(_fields("status completed_at completed_by", ANYONE),),
    ),
    # Personal health budgets: nothing is deleted (a budget is closed, an entry reversed).
    "budgets": TableRule(
        (P.MANAGE_BUDGET,),
        (P.MANAGE_BUDGET,),
        None,
        fields=(_fields("status allocation_pence", (P.AGREE_BUDGET,)),),
    ),
    "budget_status_changes": TableRule(
        (P.AGREE_BUDGET, P.MAKE_BUDGET_DECISION),
        None,
        None,
        refusal="A budget's status history is never changed.",
    ),
    "budget_lines": TableRule(
        (P.MANAGE_BUDGET,),
        (P.MANAGE_BUDGET,),
        None,
        # A hospital stay pauses home care and personal assistants: recorded by whoever
        # records the stay or the spend.
        fields=(
            _fields("paused_at paused_admission_id", (P.RECORD_BUDGET_SPEND, P.MANAGE_DISCHARGE)),
        ),
    ),
    "budget_ledger_entries": TableRule(
        (P.RECORD_BUDGET_SPEND,),
        None,
        None,
        fields=(
            _fields(
                "kind",
                (P.MANAGE_BUDGET, P.AGREE_BUDGET, P.MAKE_BUDGET_DECISION),
                "allocation adjustment offset_unused repayment_demand",
            ),
        ),
        refusal="Ledger entries are never changed: post a reversal and a new entry.",
    ),
    "budget_reviews": TableRule(
        (P.MANAGE_BUDGET, P.RECORD_BUDGET_SPEND, P.MANAGE_DISCHARGE), (P.MANAGE_BUDGET,), None
    ),
    "budget_decisions": TableRule((P.MAKE_BUDGET_DECISION,), (P.MAKE_BUDGET_DECISION,), None),
    "budget_reconsiderations": TableRule((P.MANAGE_BUDGET,), (P.MAKE_BUDGET_DECISION,), None),
    "budget_statement_imports": TableRule((P.RECORD_BUDGET_SPEND,), None, None),
    "budget_statement_transactions": TableRule((P.RECORD_BUDGET_SPEND,), None, None),
    "hospital_admissions": _same((P.MANAGE_DISCHARGE,)),
    "discharge_plans": _same((P.MANAGE_DISCHARGE,)),
    "discharge_tasks": _same((P.MANAGE_DISCHARGE,)),
    "discharge_criteria": _same((P.MANAGE_DISCHARGE,)),
    # A team's own task templates: reset to the national default by clearing the tasks.
    "discharge_task_templates": TableRule(
        (P.MANAGE_DISCHARGE,),
        (P.MANAGE_DISCHARGE,),
        None,
        refusal="A team's task template is reset to the national default, never deleted.",
    ),
    # A stay's history is appended to, never rewritten.
    "discharge_events": TableRule(
        (P.MANAGE_DISCHARGE,), None, None, refusal="A stay's history is never changed."
    ),
}


class NoRule(LookupError):
    """A synced table with no entry in :data:`RULES`: a programming error."""


def needs(table: str, op: str, fields: Mapping[str, Any]) -> list[tuple[Permission, ...]] | None:
    """The needs of one change (each: one of these permissions), or None when no one may."""
    rule = RULES.get(table)
    if rule is None:
        raise NoRule(f"{table} has no entry in the table of change permissions")
    if rule.server_managed:
        return None
    if op == "delete":
        return None if rule.delete is None else [rule.delete]
    if op == "insert":
        if rule.insert is None:
            return None
        found = [rule.insert]
        for fr in rule.fields:
            if fr.values is not None and any(
                fields.get(f) in fr.values for f in fr.fields if f in fields
            ):
                found.append(fr.needs)
        return found
    if rule.update is None:
        return None
    found = []
    for name, value in fields.items():
        if name == "team_id":
            continue
        for fr in rule.fields:
            if name in fr.fields and (fr.values is None or value in fr.values):
                found.append(fr.needs)
                break
        else:
            found.append(rule.update)
    return found


def refusal(role: Role | str, table: str, op: str, fields: Mapping[str, Any]) -> str | None:
    """None when ``role`` may make this change; otherwise a sentence naming the permission."""
    found = needs(table, op, fields)
    if found is None:
        rule = RULES[table]
        if rule.refusal:
            return rule.refusal
        return f"No one may {'delete' if op == 'delete' else 'change'} {table.replace('_', ' ')}."
    for any_of in found:
        if not any_of or any(allowed(role, p) for p in any_of):
            continue
        first = any_of[0]
        return f"{why_not(role, first)} This change needs the {first.value} permission."
    return None
