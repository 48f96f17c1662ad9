"""Who may do what: one small table, enforced by services and reflected in the UI.

Clinical roles hold the clinical actions; administrators run the team (staff, users,
meetings) but do not make clinical decisions. Anyone on the team may read, write notes and
refer: that is how a concern reaches the team.
"""

from __future__ import annotations

from enum import StrEnum

from mdt_desktop.domain.errors import UserError

from .roles import Role


class Permission(StrEnum):
    REFER = "refer"
    WRITE_NOTE = "write_note"
    ACCEPT_REFERRAL = "accept_referral"  # accept, decline, step down, close a case
    COORDINATE_CARE = "coordinate_care"  # be named care coordinator, set next review
    EDIT_CARE_PLAN = "edit_care_plan"
    MANAGE_CARE_TEAM = "manage_care_team"
    RECORD_CONSENT = "record_consent"
    RUN_MEETING = "run_meeting"  # schedule, build the agenda, chair, take minutes
    RECORD_DECISION = "record_decision"
    RECORD_BUDGET_SPEND = "record_budget_spend"
    MANAGE_BUDGET = "manage_budget"  # set up a budget, its lines and reviews
    AGREE_BUDGET = "agree_budget"  # agree the allocation; move a budget between statuses
    # Reduce, repay or stop a direct payment (regs 13, 15, 17), decide a reconsideration.
    MAKE_BUDGET_DECISION = "make_budget_decision"
    MANAGE_DISCHARGE = "manage_discharge"
    EXPORT_RECORD = "export_record"
    MANAGE_STAFF = "manage_staff"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    # Import, correct or remove people, practices and coded entries of the registered list.
    MANAGE_REGISTERED_LIST = "manage_registered_list"


_EVERYONE = {Permission.REFER, Permission.WRITE_NOTE}
_CLINICAL = _EVERYONE | {
    Permission.MANAGE_REGISTERED_LIST,
    Permission.ACCEPT_REFERRAL,
    Permission.COORDINATE_CARE,
    Permission.EDIT_CARE_PLAN,
    Permission.MANAGE_CARE_TEAM,
    Permission.RECORD_CONSENT,
    Permission.RECORD_DECISION,
    Permission.MANAGE_DISCHARGE,
    Permission.EXPORT_RECORD,
    Permission.RUN_MEETING,
}

# Those who hold budgets for the team: set them up, agree them and make decisions on them. A
# care coordinator sets budgets up and records spend; agreeing and deciding stay with them.
_BUDGET_HOLDER = {
    Permission.RECORD_BUDGET_SPEND,
    Permission.MANAGE_BUDGET,
    Permission.AGREE_BUDGET,
    Permission.MAKE_BUDGET_DECISION,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.GP: frozenset(
        _CLINICAL
        | {
            Permission.MANAGE_BUDGET,
            Permission.AGREE_BUDGET,
            Permission.MAKE_BUDGET_DECISION,
            Permission.VIEW_AUDIT,
        }
    ),
    Role.PRACTICE_NURSE: frozenset(_CLINICAL),
    Role.DISTRICT_NURSE: frozenset(_CLINICAL | {Permission.RECORD_BUDGET_SPEND}),
    Role.COMMUNITY_MATRON: frozenset(_CLINICAL | _BUDGET_HOLDER),
    # Social workers agree and decide on the social-care part of integrated budgets.
    Role.SOCIAL_WORKER: frozenset(_CLINICAL | _BUDGET_HOLDER),
    Role.GERIATRICIAN: frozenset(_CLINICAL),
    Role.MENTAL_HEALTH_PRACTITIONER: frozenset(_CLINICAL),
    Role.PHARMACIST: frozenset(_CLINICAL - {Permission.ACCEPT_REFERRAL}),
    Role.OCCUPATIONAL_THERAPIST: frozenset(_CLINICAL),
    Role.PHYSIOTHERAPIST: frozenset(_CLINICAL),
    Role.CARE_COORDINATOR: frozenset(
        _CLINICAL | {Permission.RECORD_BUDGET_SPEND, Permission.MANAGE_BUDGET}
    ),
    # The voluntary sector contributes to plans and meetings but holds no clinical sign-off.
    Role.VOLUNTARY_SECTOR_WORKER: frozenset(_EVERYONE | {Permission.MANAGE_CARE_TEAM}),
    Role.ADMINISTRATOR: frozenset(
        _EVERYONE
        | {
            Permission.RUN_MEETING,
            Permission.MANAGE_STAFF,
            Permission.MANAGE_USERS,
            Permission.VIEW_AUDIT,
            Permission.RECORD_BUDGET_SPEND,
            Permission.MANAGE_REGISTERED_LIST,
        }
    ),
}

_WORDS: dict[Permission, str] = {
    Permission.REFER: "refer people to the caseload",
    Permission.WRITE_NOTE: "write notes",
    Permission.ACCEPT_REFERRAL: "accept or decline referrals and close cases",
    Permission.COORDINATE_CARE: "coordinate care",
    Permission.EDIT_CARE_PLAN: "edit care plans",
    Permission.MANAGE_CARE_TEAM: "change a person's care team",
    Permission.RECORD_CONSENT: "record consent to share",
    Permission.RUN_MEETING: "run MDT meetings",
    Permission.RECORD_DECISION: "record MDT decisions",
    Permission.RECORD_BUDGET_SPEND: "record budget spend",
    Permission.MANAGE_BUDGET: "set budgets and budget lines",
    Permission.AGREE_BUDGET: "agree budgets or change their status",
    Permission.MAKE_BUDGET_DECISION: "reduce, recover or stop a direct payment",
    Permission.MANAGE_DISCHARGE: "manage discharge plans",
    Permission.EXPORT_RECORD: "export records",
    Permission.MANAGE_STAFF: "manage the staff directory",
    Permission.MANAGE_USERS: "manage user profiles",
    Permission.VIEW_AUDIT: "view the audit log",
    Permission.MANAGE_REGISTERED_LIST: "import or change the registered list",
}


class NotPermitted(UserError, PermissionError):
    """A role tried something it may not do; the message says so in plain words."""


def allowed(role: Role | str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False  # an unknown role may do nothing


def why_not(role: Role | str, permission: Permission) -> str | None:
    """None when allowed; otherwise the sentence a disabled button shows as its tooltip."""
    if allowed(role, permission):
        return None
    try:
        label = Role(role).label
    except ValueError:
        return f"The role {role!r} is not known here, so it may not {_WORDS[permission]}."
    plural = label if label == "GP" else label.lower()
    return f"{plural[0].upper()}{plural[1:]}s may not {_WORDS[permission]}."


def require(role: Role | str, permission: Permission) -> None:
    reason = why_not(role, permission)
    if reason is not None:
        raise NotPermitted(reason)
