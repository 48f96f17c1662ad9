"""Personal health budgets: the Budgets page, a budget's window, the record's Budget tab."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QWidget

from ..features import DashboardCard, Feature, RecordTabSpec


def _page(store: Any, user: Any, host: Any) -> Any:
    from .page import BudgetsPage

    return BudgetsPage(store, user)


def _tab(store: Any, user: Any, patient_id: uuid.UUID) -> QWidget:
    from .person_tab import budget_tab

    return budget_tab(store, user, patient_id)


def _with_alerts(store: Any) -> int:
    from mdt_desktop.services.budgets.screens import budgets_with_alerts

    return budgets_with_alerts(store)


FEATURE = Feature(
    name="budgets",
    area="Budgets",
    page=_page,
    record_tabs=(RecordTabSpec("Budget", _tab),),
    dashboard_cards=(
        DashboardCard(
            "budgets_with_alerts",
            "Budgets needing attention",
            "Personal health budgets with an alert: projected over- or underspend, missing "
            "evidence, a review due or overdue, a period ending without a renewal",
            figure=_with_alerts,
        ),
    ),
    demo_step="services.demo.budgets",
)

__all__ = ["FEATURE"]
