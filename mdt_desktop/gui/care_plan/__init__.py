"""The single shared care plan: editor, history and diff, merge, the plans list."""

from __future__ import annotations

from typing import Any

from ..features import DashboardCard, Feature, RecordTabSpec
from .editor import CarePlanEditor, care_plan_tab


def _page(store: Any, user: Any, host: Any) -> Any:
    from .page import CarePlansPage

    return CarePlansPage(store, user)


FEATURE = Feature(
    name="care_plan",
    area="Care plans",
    page=_page,
    record_tabs=(RecordTabSpec("Care plan", care_plan_tab),),
    dashboard_cards=(DashboardCard("care_plans", "Care plans", "Shared care plans"),),
    demo_step="services.demo.care_plans",
)

__all__ = ["FEATURE", "CarePlanEditor", "care_plan_tab"]
