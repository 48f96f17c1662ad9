"""The caseload area: referral inbox, the team's cases by status, and the personal inbox."""

from __future__ import annotations

from typing import Any

from ..features import DashboardCard, Feature
from .page import CaseloadModel, CaseloadPage


def _page(store: Any, user: Any, host: Any) -> CaseloadPage:
    return CaseloadPage(store, user)


FEATURE = Feature(
    name="caseload",
    area="Caseload",
    page=_page,
    dashboard_cards=(
        DashboardCard(
            "caseload_entries", "On the caseload", "People referred to or on the team's caseload"
        ),
        DashboardCard("notes", "Notes", "Notes written between meetings"),
    ),
    demo_step="services.demo.caseload",
)

__all__ = ["FEATURE", "CaseloadModel", "CaseloadPage"]
