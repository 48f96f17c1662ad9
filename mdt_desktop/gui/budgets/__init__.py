"""Personal health budgets: not built yet. The area and the record's tab say so plainly.

This package is where the feature goes (docs/adding-a-feature.md): its page factory and
its record tab's factory replace the ``None`` below.
"""

from __future__ import annotations

from ..features import DashboardCard, Feature, RecordTabSpec

FEATURE = Feature(
    name="budgets",
    area="Budgets",
    page=None,
    coming="personal health budgets (notional, third-party, direct payment): the "
    "allocation, budget lines tied to care-plan outcomes, spend, balance and forecast.",
    record_tabs=(
        RecordTabSpec(
            "Budget",
            None,
            coming="the personal health budget: allocation, budget lines, spend and balance.",
        ),
    ),
    dashboard_cards=(
        DashboardCard(
            "budgets",
            "Personal health budgets",
            "Notional, third-party and direct-payment budgets",
        ),
    ),
)

__all__ = ["FEATURE"]
