"""The Team menu: the audit log viewer and the staff directory, guarded by role."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from mdt_desktop.domain.permissions import Permission

from ..widgets.guard import guard


def build_team_menu(window: Any) -> QMenu:
    """Adds "Team" to the main window's menu bar; actions follow the signed-in user."""
    menu: QMenu = window.menuBar().addMenu("&Team")
    menu.setToolTipsVisible(True)
    audit = QAction("&Audit log…", window)
    audit.setObjectName("auditLogAction")
    staff = QAction("&Staff directory…", window)
    staff.setObjectName("staffDirectoryAction")
    menu.addAction(staff)
    menu.addAction(audit)

    def open_audit() -> None:
        from .audit_viewer import AuditLogDialog

        AuditLogDialog(window.store, window.user, window).exec()

    def open_staff() -> None:
        from .staff_directory import StaffDirectoryDialog

        StaffDirectoryDialog(window.store, window.user, window).exec()

    def follow(user: Any) -> None:
        guard(audit, user.role, Permission.VIEW_AUDIT, "Who viewed, changed or exported what")
        staff.setToolTip("The team's members and partner professionals")

    audit.triggered.connect(open_audit)
    staff.triggered.connect(open_staff)
    follow(window.user)
    window.user_changed.connect(follow)
    window.audit_action = audit
    window.staff_action = staff
    return menu
