"""The care plan editor: the person's banner, the plan's sections, save, history, export.

A save is made from the version the editor loaded (its base). When someone else saved in
the meantime, the service keeps this save as a version of its own and the merge dialog
opens: both texts side by side for each section changed in both, nothing lost.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.permissions import NotPermitted, Permission, why_not
from mdt_desktop.services import care_plan_export, care_plans
from mdt_desktop.services.patients import patient_banner
from mdt_desktop.store.database import Store
from mdt_desktop.store.drafts import DraftRow
from mdt_desktop.store.schema import User

from ..background import Operation, run_in_background
from ..features import RecordTab
from ..operations import show_people_error
from ..widgets.banner import PatientBanner
from ..widgets.drafts import DraftBar, DraftKeeper
from .funding import PlanFundingView
from .plan_drafts import PlanDrafts
from .sections import ActionsEditor, GoalsEditor, ReviewEditor, SectionEditor, make_editor

FLAG_STYLE = {
    cp.ReviewFlag.OVERDUE: "overdue",
    cp.ReviewFlag.DUE_7: "due7",
    cp.ReviewFlag.DUE_14: "due14",
    cp.ReviewFlag.NONE: "none",
}


def open_file(path: Path) -> bool:
    """Open an exported file in the system's viewer (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _staff_names(store: Store) -> list[str]:
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.services.staff import list_staff

    rows = [(st.name, st.role) for st in list_staff(store)]
    out = []
    for name, role in sorted(rows):
        try:
            out.append(f"{name} ({Role(role).label})")
        except ValueError:
            out.append(name)
    return out


class CarePlanEditor(PlanDrafts, RecordTab):
    """The one live care plan of one person, for the signed-in user."""

    saved = Signal(object)  # VersionInfo

    def __init__(
        self,
        store: Store,
        user: User,
        patient_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        show_banner: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("carePlanEditor")
        self.store = store
        self.user = user
        self.patient_id = patient_id
        self.today = today or date.today()
        self.base: care_plans.VersionInfo | None = None
        self.state: care_plans.PlanState | None = None
        self._snapshot: dict[str, Any] = {}
        self.operation: Operation | None = None
        self.merge_dialog: QWidget | None = None
        self.last_export: Path | None = None
        self.agree_again = False  # the person agreed this version: saved as agreed

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = PatientBanner()
        outer.addWidget(self.banner)
        # Inside the patient record the record's own banner is already on screen.
        self.banner.setVisible(show_banner)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(16, 10, 16, 12)
        body_layout.setSpacing(8)
        outer.addWidget(body, 1)

        # Where the plan stands: version, agreement, review.
        top = QHBoxLayout()
        self.version_label = QLabel()
        self.version_label.setObjectName("planVersion")
        self.version_label.setWordWrap(True)
        self.review_label = QLabel()
        self.review_label.setObjectName("reviewFlag")
        top.addWidget(self.version_label, 1)
        self.agree_button = QPushButton("Agreed again with the person")
        self.agree_button.setObjectName("agreeAgain")
        self.agree_button.setToolTip(
            "The person has agreed the plan as it is now: saving records the agreement today."
        )
        self.agree_button.clicked.connect(self.record_agreement)
        self.agree_button.hide()
        top.addWidget(self.agree_button)
        top.addWidget(self.review_label)
        self.history_button = QPushButton("History and differences…")
        self.history_button.clicked.connect(self.show_history)
        top.addWidget(self.history_button)
        self.export_button = QToolButton()
        self.export_button.setObjectName("exportButton")
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_pdf_action = menu.addAction("PDF for the person…", self.export_pdf)
        self.export_large_action = menu.addAction(
            "Large-print PDF…", lambda: self.export_pdf(large_print=True)
        )
        self.export_fhir_action = menu.addAction(
            "FHIR (JSON) for another system…", self.export_fhir
        )
        self.export_button.setMenu(menu)
        top.addWidget(self.export_button)
        body_layout.addLayout(top)

        # A version saved from an older base waits for a merge.
        self.merge_bar = QFrame()
        self.merge_bar.setObjectName("mergeBar")
        bar = QHBoxLayout(self.merge_bar)
        bar.setContentsMargins(12, 8, 12, 8)
        self.merge_text = QLabel()
        self.merge_text.setWordWrap(True)
        bar.addWidget(self.merge_text, 1)
        self.merge_button = QPushButton("Merge now…")
        self.merge_button.setObjectName("primary")
        self.merge_button.clicked.connect(self.open_merge)
        bar.addWidget(self.merge_button)
        self.merge_bar.hide()
        body_layout.addWidget(self.merge_bar)
        self.draft_bar = DraftBar("change to this plan")
        self.draft_bar.restore.connect(self.restore_draft)
        self.draft_bar.discard.connect(self.discard_draft)
        body_layout.addWidget(self.draft_bar)

        # Sections: a list on the left, the section's editor on the right.
        middle = QHBoxLayout()
        self.section_list = QListWidget()
        self.section_list.setObjectName("planSections")
        self.section_list.setAccessibleName("Sections of the plan")
        self.section_list.setFixedWidth(290)
        self.section_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.editors: dict[str, SectionEditor] = {}
        for section in cp.SECTIONS:
            QListWidgetItem(section.title, self.section_list)
            editor = make_editor(section)
            editor.changed.connect(self._edited)
            self.editors[section.key] = editor
            scroll = QScrollArea()
            scroll.setAccessibleName(section.title)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(12, 0, 4, 0)
            holder_layout.addWidget(editor)
            scroll.setWidget(holder)
            self.stack.addWidget(scroll)
        self.section_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.section_list.setCurrentRow(0)
        middle.addWidget(self.section_list)
        middle.addWidget(self.stack, 1)
        body_layout.addLayout(middle, 1)

        goals = self.editors["goals"]
        actions = self.editors["actions"]
        assert isinstance(goals, GoalsEditor) and isinstance(actions, ActionsEditor)
        goals.goals_changed.connect(lambda: actions.set_goal_choices(goals.goal_choices()))
        self.budget_button = QPushButton("Fill in from the person's budget")
        self.budget_button.clicked.connect(self.fill_budget)
        self.editors["budget"].layout_.addWidget(self.budget_button)
        self.funding = PlanFundingView(
            store, patient_id, goals, self.editors["budget"],
            on_loaded=lambda f: self.budget_button.setVisible(self.can_edit and bool(f.budgets)),
        )  # fmt: skip

        # Saving.
        bottom = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setObjectName("changeNote")
        self.note.setAccessibleName("What changed and why")
        self.note.setPlaceholderText(
            "What changed and why (optional; the sections changed are recorded anyway)"
        )
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.discard_button = QPushButton("Discard changes")
        self.discard_button.clicked.connect(self.discard)
        self.save_button = QPushButton("Save new version")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.status)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.save_button)
        body_layout.addLayout(bottom)

        self.drafts = DraftKeeper(store, patient_id, DraftKind.CARE_PLAN, self._unsaved, self)
        self.note.textChanged.connect(self.drafts.touched)
        self.waiting_draft: DraftRow | None = None
        self._apply_permissions()
        self.reload(audit=True)
        if self.can_edit:
            self._offer_draft()

    # --- loading -------------------------------------------------------------------------

    def _apply_permissions(self) -> None:
        edit_reason = why_not(self.user.role, Permission.EDIT_CARE_PLAN)
        self.can_edit = edit_reason is None
        for editor in self.editors.values():
            editor.set_read_only(not self.can_edit)
        self.save_button.setToolTip(edit_reason or "")
        self.merge_button.setEnabled(self.can_edit)
        self.merge_button.setToolTip(edit_reason or "")
        self.note.setEnabled(self.can_edit)
        export_reason = why_not(self.user.role, Permission.EXPORT_RECORD)
        self.export_button.setEnabled(export_reason is None)
        self.export_button.setToolTip(export_reason or "")

    def reload(self, *, audit: bool = False, discard: bool = False) -> None:
        """Show the current version; unsaved edits stay unless ``discard`` (callers ask).

        Another tab of the record changing (a note added) reloads this one: edits being
        made here stay on screen, made from the version they started from.
        """
        self.banner.show_banner(patient_banner(self.store, self.patient_id, self.today))
        if self._snapshot and self.dirty and not discard:
            return
        self.state = care_plans.load_plan(self.store, self.patient_id, audit=audit)
        self.base = self.state.current if self.state else None
        self._show_content(self.base.content if self.base else cp.empty_content())
        self.note.clear()
        self.budget_button.hide()  # until the budget has been read, off the GUI thread
        self.funding.load()
        self._show_state()
        self._edited()

    def _show_content(self, content: dict[str, Any], *, as_saved: bool = True) -> None:
        """Put ``content`` in the sections; ``as_saved``: it is the version edits start from."""
        review = self.editors["review"]
        assert isinstance(review, ReviewEditor)
        review.set_review_days(care_plans.review_days(self.store))
        actions = self.editors["actions"]
        assert isinstance(actions, ActionsEditor)
        actions.people = _staff_names(self.store)
        actions.goal_choices = [
            (g["id"], f"Goal {n}: {g['outcome']}") for n, g in enumerate(content["goals"], start=1)
        ]
        for key, editor in self.editors.items():
            editor.blockSignals(True)
            editor.set_value(content[key], content)
            editor.blockSignals(False)
        if as_saved:
            self._snapshot = self.gather()
            self.agree_again = False

    def _show_state(self) -> None:
        if self.base is None:
            self.version_label.setText(
                "<b>No care plan yet.</b> Fill in what you can; saving creates version 1."
            )
        else:
            status = {"draft": "Draft: not yet agreed with the person", "agreed": "Agreed"}.get(
                self.state.status if self.state else "", ""
            )
            if self.base.changed_since_agreed and self.base.last_agreed_on:
                status = (
                    "<span style='color:#d5281b'><b>Changed since agreed</b> on "
                    f"{format_patient_date(self.base.last_agreed_on)} — to agree again</span>"
                )
            self.version_label.setText(
                f"<b>Version {self.base.number}</b>, saved "
                f"{format_local_datetime(self.base.created_at)} by {self.base.author_name}"
                f" · {status}"
            )
        review_on = self.state.review_on if self.state else None
        flag = cp.review_flag(review_on, self.today)
        self.review_label.setText(cp.review_words(review_on, self.today) if self.base else "")
        self.review_label.setProperty("flag", FLAG_STYLE[flag])
        self.review_label.style().unpolish(self.review_label)
        self.review_label.style().polish(self.review_label)
        pending = self.state.pending if self.state else []
        if pending:
            p = pending[0]
            more = f" ({len(pending)} waiting)" if len(pending) > 1 else ""
            self.merge_text.setText(
                f"<b>Version {p.mine.number}</b> by {p.mine.author_name} was saved from an "
                f"older version while version {p.theirs.number} by {p.theirs.author_name} "
                f"was being saved. Both are kept; merge them into one plan{more}."
            )
            self.merge_bar.show()
        else:
            self.merge_bar.hide()
        has_plan = self.base is not None
        self.history_button.setEnabled(has_plan)
        if has_plan and why_not(self.user.role, Permission.EXPORT_RECORD) is None:
            self.export_button.setEnabled(True)
        elif not has_plan:
            self.export_button.setEnabled(False)
            self.export_button.setToolTip("Save the plan before exporting it.")

    # --- editing -------------------------------------------------------------------------

    def gather(self) -> dict[str, Any]:
        content: dict[str, Any] = {"schema": cp.CONTENT_SCHEMA}
        for key, editor in self.editors.items():
            content[key] = editor.value()
        return content

    @property
    def dirty(self) -> bool:
        return self.gather() != self._snapshot

    def _edited(self) -> None:
        self.drafts.touched()
        now = self.gather()
        changed = {s.key for s in cp.SECTIONS if now.get(s.key) != self._snapshot.get(s.key)}
        for row, section in enumerate(cp.SECTIONS):
            item = self.section_list.item(row)
            item.setText(section.title + ("  •" if section.key in changed else ""))
            item.setToolTip("Changed, not saved yet" if section.key in changed else "")
        self.save_button.setEnabled(self.can_edit and (bool(changed) or self.agree_again))
        self.discard_button.setEnabled(bool(changed) or self.agree_again)
        agreed = self.base is not None and self.base.agreed_on is not None
        status = "Unsaved changes" if changed or self.agree_again else ""
        if agreed and changed - {"review"} and not self.agree_again:
            status += ": saving marks the plan changed since agreed, to agree again"
        elif self.agree_again:
            status += ": saving records that the person agreed this version today"
        self.status.setText(status)
        self.agree_button.setVisible(
            self.can_edit
            and not self.agree_again
            and self.base is not None
            and (self.base.changed_since_agreed or (agreed and bool(changed - {"review"})))
        )

    def record_agreement(self) -> None:
        """The person agreed the plan as it stands: today's date, recorded on save."""
        review = self.editors["review"]
        assert isinstance(review, ReviewEditor)
        value = review.value()
        value["agreed_on"] = self.today.isoformat()
        self.agree_again = True
        review.set_value(value, self.gather())
        self._edited()

    def show_section(self, key: str) -> SectionEditor:
        self.section_list.setCurrentRow([s.key for s in cp.SECTIONS].index(key))
        return self.editors[key]

    def fill_budget(self) -> None:
        text = care_plans.budget_summary(self.store, self.patient_id)
        if text is None:
            return
        editor = self.editors["budget"]
        current = editor.value()
        if current.strip() and current.strip() != text:
            # Clinical text is never silently replaced: add beneath what is there.
            text = f"{current.rstrip()}\n\n{text}"
        editor.set_value(text, {})

    def discard(self) -> None:
        if not self.dirty:
            return
        answer = QMessageBox.question(
            self,
            "Discard changes",
            "Discard the changes you have not saved? The saved plan stays as it is.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.drafts.forget()
            self.reload(discard=True)

    # --- saving --------------------------------------------------------------------------

    def save(self) -> care_plans.SaveResult | None:
        try:
            result = care_plans.save_version(
                self.store,
                self.patient_id,
                self.gather(),
                self.base.id if self.base else None,
                note=self.note.text(),
                agree=self.agree_again,
            )
        except (ValueError, LookupError, NotPermitted) as exc:
            # The edits stay on screen: nothing typed is lost.
            show_people_error(self, "The plan was not saved", exc)
            return None
        self.drafts.forget()  # saved: as a version, or kept whole for a merge
        if result.unchanged:
            self.status.setText("Nothing has changed since this version.")
            return result
        if result.stale and result.pending is not None:
            self.reload(discard=True)
            self.status.setText(
                f"Saved as version {result.version.number}; it needs merging."  # type: ignore[union-attr]
            )
            self.open_merge(result.pending)
            return result
        self.reload(discard=True)
        self.status.setText(f"Saved as version {result.version.number}.")  # type: ignore[union-attr]
        self.saved.emit(result.version)
        return result

    def open_merge(self, pending: care_plans.PendingMerge | None = None) -> QWidget | None:
        from .merge import MergeDialog

        if pending is None:
            if not self.state or not self.state.pending:
                return None
            pending = self.state.pending[0]
        if self.dirty:
            QMessageBox.information(
                self,
                "Save or discard first",
                "Save or discard your own changes before merging.",
            )
            return None
        dialog = MergeDialog(self.store, pending, self)
        dialog.merged.connect(self._merged)
        dialog.finished.connect(lambda _code: self._merge_closed(dialog))
        self.merge_dialog = dialog
        dialog.open()
        return dialog

    def _merge_closed(self, dialog: QWidget) -> None:
        if self.merge_dialog is dialog:
            self.merge_dialog = None
        dialog.deleteLater()

    def _merged(self, version: care_plans.VersionInfo) -> None:
        self.reload(discard=True)
        self.status.setText(f"Merged as version {version.number}.")
        self.saved.emit(version)

    # --- history -------------------------------------------------------------------------

    def show_history(self) -> QWidget:
        from .history import HistoryDialog

        dialog = HistoryDialog(self.store, self.patient_id, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # --- export --------------------------------------------------------------------------

    def unsaved_settled(self) -> bool:
        """Before an export: unsaved edits are saved first, or the saved version is chosen.

        An export is always made from a saved version; printing it while edits wait on
        screen would hand the person a copy without them, so the choice is asked.
        """
        if not (self.dirty or self.agree_again) or self.base is None:
            return True
        number = self.base.number
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Export the care plan",
            "This plan has changes that are not saved. An export is made from a saved "
            f"version: save your changes as a new version and export that, or export "
            f"version {number} as it was saved, without your changes.",
            parent=self,
        )
        save = box.addButton("Save, then export", QMessageBox.ButtonRole.AcceptRole)
        saved_only = box.addButton(
            f"Export version {number} without my changes", QMessageBox.ButtonRole.ActionRole
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        if clicked is saved_only:
            return True
        if clicked is not save:
            return False
        result = self.save()
        # A refused save keeps the edits; a stale one opens the merge: export neither.
        return result is not None and not result.stale and not self.dirty

    def _default_name(self, suffix: str) -> str:
        banner = patient_banner(self.store, self.patient_id, self.today)
        family = re.sub(r"[^\w-]+", "-", banner.name.split(",")[0]).strip("-").lower()
        return f"care-plan-{family or 'person'}-{self.today:%Y%m%d}{suffix}"

    def ask_export_path(self, suffix: str, filter_text: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the care plan", str(Path(folder) / self._default_name(suffix)),
            filter_text,
        )  # fmt: skip
        return Path(name) if name else None

    def export_pdf(
        self, *, large_print: bool = False, path: Path | None = None
    ) -> Operation | None:
        suffix = "-large-print.pdf" if large_print else ".pdf"
        if not self.unsaved_settled():
            return None
        path = path or self.ask_export_path(suffix, "PDF (*.pdf)")
        if path is None:
            return None
        store, pid = self.store, self.patient_id

        def work(progress: Any) -> care_plan_export.ExportResult:
            return care_plan_export.export_pdf(store, pid, path, large_print=large_print)

        return self._run_export(work, "Exporting the care plan")

    def export_fhir(self, *, path: Path | None = None) -> Operation | None:
        if not self.unsaved_settled():
            return None
        path = path or self.ask_export_path(".json", "FHIR JSON (*.json)")
        if path is None:
            return None
        store, pid = self.store, self.patient_id

        def work(progress: Any) -> care_plan_export.ExportResult:
            return care_plan_export.export_fhir(store, pid, path)

        return self._run_export(work, "Exporting the care plan as FHIR")

    def _run_export(self, work: Any, label: str) -> Operation:
        self.export_button.setEnabled(False)
        self.status.setText(label + "…")

        def done(result: care_plan_export.ExportResult) -> None:
            self.export_button.setEnabled(True)
            self.last_export = result.path
            self.status.setText(f"Exported version {result.version_number} to {result.path.name}.")
            open_file(result.path)

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.setText("")
            show_people_error(self, "The care plan was not exported", exc)

        self.operation = run_in_background(
            self, work, on_success=done, on_failure=failed, label=label
        )
        return self.operation


def care_plan_tab(store: Store, user: User, patient_id: uuid.UUID) -> QWidget:
    """The patient record's "Care plan" tab (registered with the record view)."""
    return CarePlanEditor(store, user, patient_id, show_banner=False)


__all__ = ["CarePlanEditor", "care_plan_tab", "open_file"]
