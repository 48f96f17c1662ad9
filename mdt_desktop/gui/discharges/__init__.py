"""Discharges: the in-reach board, a stay's plan, tasks and follow-up."""

from .page import DischargesPage

__all__ = ["DischargesPage"]
