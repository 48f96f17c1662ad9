"""Actions a role may not take are disabled, with the reason as their tooltip."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from mdt_desktop.domain.permissions import Permission, why_not


def guard(widget: QWidget | QAction, role: str, permission: Permission, tip: str = "") -> bool:
    """Enable ``widget`` if ``role`` may; otherwise disable it and say why. Returns allowed."""
    reason = why_not(role, permission)
    widget.setEnabled(reason is None)
    widget.setToolTip(reason or tip)
    if isinstance(widget, QAction):
        widget.setStatusTip(reason or tip)
    return reason is None
