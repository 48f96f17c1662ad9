"""Discharge planning from the community side: a stay, its dates and history, tasks, follow-up.

Every change that matters afterwards (expected date, criteria to reside, pathway, delay
reason, the discharge itself, the follow-up) is an append-only ``discharge_events`` row
written in the same transaction as the plan's current values, so the board reads one row per
stay and the history is never lost. Rules (ready date, working days, readmission, templates)
live in ``domain/discharges.py``.
"""

from mdt_desktop.domain import discharges as rules

from ._common import DischargeError, Stay
from .board import (
    BoardFilter,
    BoardFlag,
    BoardLine,
    board,
    escalate_missed_follow_ups,
    person_stays,
    stay_history,
    stay_tasks,
)
from .planning import (
    add_criterion,
    assess_criteria_to_reside,
    choose_pathway,
    delay_history,
    mark_criterion,
    set_delay,
    set_expected_date,
)
from .reconcile import (
    Reconciliation,
    carry_into_care_plan,
    reconciliation,
    record_discharge_summary,
)
from .stay import complete_follow_up, record_admission, record_discharge
from .tasks import add_task, assign_task, complete_task
from .templates import (
    PathwayTemplate,
    TemplateTask,
    national_tasks,
    pathway_template,
    reset_pathway_template,
    save_pathway_template,
)

__all__ = [
    "BoardFilter",
    "BoardFlag",
    "BoardLine",
    "DischargeError",
    "PathwayTemplate",
    "Reconciliation",
    "Stay",
    "TemplateTask",
    "add_criterion",
    "add_task",
    "assess_criteria_to_reside",
    "assign_task",
    "board",
    "carry_into_care_plan",
    "choose_pathway",
    "complete_follow_up",
    "complete_task",
    "delay_history",
    "escalate_missed_follow_ups",
    "mark_criterion",
    "national_tasks",
    "pathway_template",
    "person_stays",
    "reconciliation",
    "record_admission",
    "record_discharge",
    "record_discharge_summary",
    "reset_pathway_template",
    "rules",
    "save_pathway_template",
    "set_delay",
    "set_expected_date",
    "stay_history",
    "stay_tasks",
]
