"""Case finding: the registered list stratified by risk, filters, referral to the caseload."""

from __future__ import annotations

from typing import Any

from ..features import DashboardCard, Feature
from .page import CaseFindingModel, CaseFindingPage, ReferDialog


def _page(store: Any, user: Any, host: Any) -> CaseFindingPage:
    page = CaseFindingPage(store)
    # The record opens in its own window; the list shows what it changes (page.shows).
    page.open_record_requested.connect(host.open_record)
    return page


FEATURE = Feature(
    name="case_finding",
    area="Case finding",
    page=_page,
    dashboard_cards=(
        DashboardCard(
            "patients", "Registered patients", "People on the GP registered lists in this store"
        ),
        DashboardCard(
            "coded_entries",
            "Coded entries",
            "Conditions, repeat medicines, admissions and A&E visits",
        ),
    ),
    demo_step="services.demo.population (the neighbourhood, then stratify)",
)

__all__ = ["FEATURE", "CaseFindingModel", "CaseFindingPage", "ReferDialog"]
