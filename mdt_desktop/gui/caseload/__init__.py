"""The caseload area: referral inbox, the team's cases by status, and the personal inbox."""

from __future__ import annotations

from .page import CaseloadModel, CaseloadPage

__all__ = ["CaseloadModel", "CaseloadPage"]
