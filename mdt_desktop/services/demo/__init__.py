"""The demo: a synthetic neighbourhood, its caseload, care plans and MDT meetings.

``generate_demo`` fills a store; the parts (population, caseload, care_plans,
meetings) are called by it in that order, each from the same seed.
"""

from __future__ import annotations

from .care_plans import add_demo_care_plans
from .caseload import DemoCaseload, add_demo_caseload
from .meetings import add_demo_meetings
from .population import Cancelled, DemoSummary, _people, generate_demo
from .seeds import CONDITIONS, DEMO_TEAM, MEDICINES, PRACTICES, STAFF

__all__ = [
    "CONDITIONS",
    "DEMO_TEAM",
    "MEDICINES",
    "PRACTICES",
    "STAFF",
    "Cancelled",
    "DemoCaseload",
    "DemoSummary",
    "_people",
    "add_demo_care_plans",
    "add_demo_caseload",
    "add_demo_meetings",
    "generate_demo",
]
