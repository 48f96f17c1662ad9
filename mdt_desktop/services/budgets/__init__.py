"""Personal health budgets: the use cases the GUI, the CLI and the server share.

Importable as ``from mdt_desktop.services import budgets; budgets.post_entry(...)``.
"""

from .core import (
    add_line,
    agree_budget,
    change_status,
    create_budget,
    plan_goal_ids,
    post_entry,
    reverse_entry,
    team_of,
    update_details,
)
from .documents import (
    decision_letter,
    export_decision_letter,
    export_statement,
    export_team_report,
    statement_document,
    team_report_document,
)
from .overview import (
    BudgetSummary,
    OverdueReview,
    TeamReport,
    summaries,
    summary,
    team_report,
)
from .payments import ImportResult, Reconciliation, import_payments, reconciliation_text
from .reviews import (
    PausedLine,
    decide_reconsideration,
    follow_admissions,
    hospital_surplus,
    make_decision,
    mark_notice_sent,
    pause_for_admission,
    record_review,
    request_reconsideration,
    request_review,
    restart_after_discharge,
)

__all__ = [
    "BudgetSummary",
    "ImportResult",
    "OverdueReview",
    "PausedLine",
    "Reconciliation",
    "TeamReport",
    "add_line",
    "agree_budget",
    "change_status",
    "create_budget",
    "decide_reconsideration",
    "decision_letter",
    "export_decision_letter",
    "export_statement",
    "export_team_report",
    "follow_admissions",
    "hospital_surplus",
    "import_payments",
    "make_decision",
    "mark_notice_sent",
    "pause_for_admission",
    "plan_goal_ids",
    "post_entry",
    "reconciliation_text",
    "record_review",
    "request_reconsideration",
    "request_review",
    "restart_after_discharge",
    "reverse_entry",
    "statement_document",
    "summaries",
    "summary",
    "team_of",
    "team_report",
    "team_report_document",
    "update_details",
]  # fmt: skip
