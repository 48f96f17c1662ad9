"""One person's record: the banner, what can be done, and the tabs."""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.permissions import Permission
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..features import RecordTab
from ..operations import run_change
from ..widgets.banner import PatientBanner
from ..widgets.forms import ConsentDialog, ReasonDialog, date_of
from ..widgets.guard import guard
from . import registry


class NotBuiltTab(QWidget):
    """A tab whose feature is not in this version yet: it says so plainly."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        label = QLabel(
            f"<p><b>{name}: not built yet.</b> This part of the record is not in this "
            "version of MDT Desktop.</p>"
            f"<p>It will show {registry.coming(name) or 'more about the person.'}</p>"
        )
        label.setObjectName("notBuilt")
        label.setWordWrap(True)
        label.setMaximumWidth(820)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(label)
        layout.addStretch(1)


class RecordView(QWidget):
    """Banner and tabs for one person. Opening it is logged as a view.

    ``changed`` is emitted after anything in the record changes (the caseload list
    refreshes its row).
    """

    changed = Signal()

    def __init__(
        self,
        store: Store,
        user: User,
        patient_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        initial_tab: str = "Summary",
    ) -> None:
        from mdt_desktop.services.record import open_record

        super().__init__(parent)
        self.setObjectName("recordView")
        self.store = store
        self.user = user
        self.patient_id = patient_id
        self.banner_data = open_record(store, patient_id)  # audited as a view

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        self.banner = PatientBanner()
        self.banner.show_banner(self.banner_data)
        layout.addWidget(self.banner)

        bar = QHBoxLayout()
        self.escalate_button = QPushButton("Escalate to next MDT…")
        self.escalate_button.setObjectName("escalate")
        self.escalate_button.clicked.connect(self.ask_escalate)
        self.consent_button = QPushButton("Consent to share…")
        self.consent_button.clicked.connect(self.ask_consent)
        guard(self.consent_button, user.role, Permission.RECORD_CONSENT)
        self.export_button = QPushButton("Export record (PDF)…")
        self.export_button.clicked.connect(self.ask_export)
        guard(self.export_button, user.role, Permission.EXPORT_RECORD)
        self.message = QLabel("")
        self.message.setObjectName("pageSubtitle")
        bar.addWidget(self.message, 1)
        for button in (self.escalate_button, self.consent_button, self.export_button):
            bar.addWidget(button)
        layout.addLayout(bar)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("recordTabs")
        self.tabs.setAccessibleName("Record")
        self.tabs.setDocumentMode(True)
        self._built: dict[str, QWidget] = {}
        for name in registry.RECORD_TABS:
            self.tabs.addTab(QWidget(), name)
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)
        self.show_tab(initial_tab)
        self._guard_escalate()

    def _guard_escalate(self) -> None:
        from mdt_desktop.services.caseload import active_entry

        if guard(self.escalate_button, self.user.role, Permission.WRITE_NOTE):
            on_caseload = active_entry(self.store, self.patient_id) is not None
            self.escalate_button.setEnabled(on_caseload)
            self.escalate_button.setToolTip(
                "Put this person on the next MDT meeting's agenda"
                if on_caseload
                else "Only someone on the team's caseload can be escalated: refer them first."
            )

    # --- tabs ---------------------------------------------------------------------

    def _make_tab(self, name: str) -> QWidget:
        from .care_team import CareTeamTab
        from .notes import NotesTab
        from .summary import SummaryTab

        built_in = {"Summary": SummaryTab, "Care team": CareTeamTab, "Notes": NotesTab}
        factory = registry.tab_factory(name)
        if factory is not None:
            tab = factory(self.store, self.user, self.patient_id)
        elif name in built_in:
            tab = built_in[name](self.store, self.user, self.patient_id)
        else:
            return NotBuiltTab(name)
        if isinstance(tab, RecordTab):
            tab.changed.connect(lambda: self._changed(tab))
        return tab

    def tab(self, name: str) -> QWidget:
        """The tab's widget, built now if it has not been shown yet."""
        if name not in self._built:
            index = registry.RECORD_TABS.index(name)
            widget = self._make_tab(name)
            placeholder = self.tabs.widget(index)
            self.tabs.blockSignals(True)
            current = self.tabs.currentIndex()
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, widget, name)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(False)
            placeholder.deleteLater()
            self._built[name] = widget
        return self._built[name]

    def show_tab(self, name: str) -> QWidget:
        widget = self.tab(name)
        self.tabs.setCurrentWidget(widget)
        return widget

    def _tab_changed(self, index: int) -> None:
        if index >= 0:
            self.tab(registry.RECORD_TABS[index])

    def _changed(self, source: QWidget | None = None) -> None:
        """Something in the record changed: the banner and the other tabs catch up."""
        self.refresh_banner()
        for widget in self._built.values():
            if isinstance(widget, RecordTab) and widget is not source:
                widget.reload()
        self.changed.emit()

    def refresh_banner(self) -> None:
        from mdt_desktop.services.patients import patient_banner

        self.banner_data = patient_banner(self.store, self.patient_id)
        self.banner.show_banner(self.banner_data)
        self._guard_escalate()

    # --- unsaved work ------------------------------------------------------------------

    def unsaved_tabs(self) -> list[tuple[str, QWidget]]:
        """The built tabs holding typed work not yet saved (a note, care plan edits)."""
        return [
            (name, tab)
            for name, tab in self._built.items()
            if hasattr(tab, "keep_draft_now") and getattr(tab, "dirty", False)
        ]

    def keep_drafts(self) -> None:
        """Write every tab's unsaved work to its draft now (closing, locking, quitting)."""
        for tab in self._built.values():
            keep = getattr(tab, "keep_draft_now", None)
            if keep is not None:
                keep()

    def ask_close(self) -> bool:
        """Closing with unsaved work: Save, Keep as draft, Discard or Cancel. True: close."""
        unsaved = self.unsaved_tabs()
        if not unsaved:
            return True
        what = " and ".join(UNSAVED_WORDS.get(name, name.lower()) for name, _ in unsaved)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved work",
            f"The record of {self.banner_data.name} has {what} not saved yet. Save it now, keep "
            "it as a draft (only you see it, and it is offered back when you open this "
            "record again on this laptop), or discard it?",
            parent=self,
        )
        save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep as draft", QMessageBox.ButtonRole.ActionRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is keep:
            self.keep_drafts()
            return True
        if clicked is discard:
            for _name, tab in unsaved:
                tab.discard_unsaved()  # type: ignore[attr-defined]
            return True
        if clicked is save:
            return all(self._save_tab(name, tab) for name, tab in unsaved)
        return False

    def _save_tab(self, name: str, tab: QWidget) -> bool:
        """Save one tab's work; False (the window stays open) if it was not saved."""
        self.show_tab(name)
        if name == "Notes":
            return bool(tab.add_from_form())  # type: ignore[attr-defined]
        result = tab.save()  # type: ignore[attr-defined]
        # Refused (the message is shown) or kept for a merge (the dialog is open): stay.
        return result is not None and not result.stale and not tab.dirty  # type: ignore[attr-defined]

    # --- actions ------------------------------------------------------------------

    def ask_escalate(self) -> None:
        dialog = ReasonDialog(
            "Escalate to next MDT",
            f"Propose <b>{self.banner_data.name}</b> for the team's next MDT meeting, first "
            "on its list; the escalation stands until the MDT has discussed it. Say what the "
            "team needs to decide; the reason is written in the notes and shown on the agenda.",
            action="Escalate",
            placeholder="e.g. Carer admitted to hospital; two falls this week",
            parent=self,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.escalate(dialog.text())

    def escalate(self, reason: str) -> bool:
        from mdt_desktop.services.notes import escalate_to_next_mdt

        if not run_change(
            self,
            "Escalate to next MDT",
            lambda: escalate_to_next_mdt(self.store, self.patient_id, reason),
        ):
            return False
        from mdt_desktop.services.meetings import escalation_confirmation

        # Which meeting it is for, as it stands: an escalation is only proposed there.
        self.message.setText(escalation_confirmation(self.store, self.patient_id))
        self._changed()
        return True

    def ask_consent(self) -> None:
        dialog = ConsentDialog(self.user.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.record_consent(
            dialog.status.currentData(),
            recorded_on=date_of(dialog.on),
            recorded_by=dialog.by.currentText(),
            method=dialog.method.currentText(),
            note=dialog.note.toPlainText(),
        )

    def record_consent(self, status: str, **details: object) -> bool:
        from mdt_desktop.services.consent import record_consent

        if not run_change(
            self,
            "Consent to share",
            lambda: record_consent(self.store, self.patient_id, status, **details),  # type: ignore[arg-type]
        ):
            return False
        self._changed()
        return True

    def ask_export(self) -> None:
        default = Path.home() / f"{self.banner_data.name.split(',')[0].title()} record.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export record", str(default), "PDF documents (*.pdf)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        """Export the record summary to ``path``; asks first if consent was declined."""
        from mdt_desktop.services.record import export_needs_confirmation, export_record

        from ..background import run_in_background, show_failure

        reason = None
        if export_needs_confirmation(self.store, self.patient_id):
            dialog = ReasonDialog(
                "Consent to share was declined",
                f"<b>{self.banner_data.name} declined consent to share their record.</b> "
                "Export it only if there is a lawful reason (for example a safeguarding "
                "concern or a court order). Your reason is kept in the audit log.",
                action="Export anyway",
                placeholder="Why this record must be shared despite the person's wishes",
                warning=True,
                parent=self,
            )
            if dialog.exec() != QDialog.DialogCode.Accepted:
                self.message.setText("Not exported.")
                return False
            reason = dialog.text()
        self.export_button.setEnabled(False)
        self.message.setText("Exporting…")

        def done(written: Path) -> None:
            self.export_button.setEnabled(True)
            self.message.setText(f"Exported to {written}")

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.message.setText("Not exported.")
            show_failure(self, "Export record", exc)

        self.export_op = run_in_background(
            self,
            lambda progress: export_record(
                self.store, self.patient_id, path, declined_reason=reason
            ),
            on_success=done,
            on_failure=failed,
            label="Exporting the record",
        )
        return True


UNSAVED_WORDS = {"Notes": "a note", "Care plan": "changes to the care plan"}


class RecordWindow(QWidget):
    """A record in its own window, so the caseload or case finding stays in view."""

    changed = Signal()

    def __init__(
        self,
        store: Store,
        user: User,
        patient_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        initial_tab: str = "Summary",
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("recordWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view = RecordView(store, user, patient_id, self, initial_tab=initial_tab)
        self.view.changed.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.setWindowTitle(f"{self.view.banner_data.name} — MDT Desktop")
        self.resize(1180, 740)
        self._closing = False
        # Quitting never asks, and never loses what is typed: it is kept as a draft.
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.view.keep_drafts)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The person closing the window is asked about unsaved work; the app is not."""
        owner = self.parentWidget()
        by_the_app = self._closing or (owner is not None and not owner.isVisible())
        if by_the_app:
            self.view.keep_drafts()
        elif not self.view.ask_close():
            event.ignore()
            return
        self._closing = True
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden by the app (locking): close, so no record lingers, unless work is unsaved.

        Unsaved work is written to its draft at once and the window stays, hidden, for
        unlocking to show again as it was; a different person unlocking closes it (the
        draft waits for its author). Minimising is a spontaneous hide and keeps the window.
        """
        super().hideEvent(event)
        if event.spontaneous() or self._closing:
            return
        self.view.keep_drafts()
        if not self.view.unsaved_tabs():
            self._closing = True
            QTimer.singleShot(0, self.close)

    def another_user(self, user: User) -> None:
        """Someone else signed in: this record closes, its drafts kept for its author."""
        if user.id != self.view.user.id:
            self._closing = True
            self.close()


def open_record_window(
    store: Store,
    user: User,
    patient_id: uuid.UUID,
    parent: QWidget | None = None,
    *,
    initial_tab: str = "Summary",
) -> RecordWindow:
    """Open the person's record in its own window, or bring theirs forward if open.

    Bringing an open record forward is not a new opening, so it is not logged again.
    """
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, RecordWindow)
            and widget.view.patient_id == patient_id
            and widget.isVisible()
        ):
            widget.view.show_tab(initial_tab)
            widget.raise_()
            widget.activateWindow()
            return widget
    window = RecordWindow(store, user, patient_id, parent, initial_tab=initial_tab)
    user_changed = getattr(parent, "user_changed", None)
    if user_changed is not None:
        user_changed.connect(window.another_user)
    window.show()
    return window
