"""Hospital discharges: not built yet in the app. The area and the record's tab say so.

The rules, store reads and services exist (``domain/discharges.py``, ``store/discharges.py``,
``services/discharges/``); this package is where their page and record tab go
(docs/adding-a-feature.md): the factories replace the ``None`` below.
"""

from __future__ import annotations

from ..features import DashboardCard, Feature, RecordTabSpec

FEATURE = Feature(
    name="discharges",
    area="Discharges",
    page=None,
    coming="hospital discharge plans: expected date of discharge, discharge "
    "pathway 0–3, tasks with owners, delays, and follow-up in the community.",
    record_tabs=(
        RecordTabSpec(
            "Discharges",
            None,
            coming="hospital admissions and discharge plans: pathway, tasks and follow-up.",
        ),
    ),
    dashboard_cards=(
        DashboardCard("discharge_plans", "Discharge plans", "Hospital discharge plans"),
    ),
    demo_step="services.demo_discharges",
)

__all__ = ["FEATURE"]
