"""Discharges: the in-reach board, a stay's plan, tasks and follow-up."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QWidget

from ..features import DashboardCard, Feature, RecordTabSpec
from .page import DischargesPage


def _page(store: Any, user: Any, host: Any) -> DischargesPage:
    return DischargesPage(store, user)


def _stays_tab(store: Any, user: Any, patient_id: uuid.UUID) -> QWidget:
    from .person_tab import discharges_tab

    return discharges_tab(store, user, patient_id)


FEATURE = Feature(
    name="discharges",
    area="Discharges",
    page=_page,
    record_tabs=(RecordTabSpec("Discharges", _stays_tab),),
    dashboard_cards=(
        DashboardCard("discharge_plans", "Discharge plans", "Hospital discharge plans"),
    ),
    demo_step="services.demo.discharges",
)

__all__ = ["FEATURE", "DischargesPage"]
