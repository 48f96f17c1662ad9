"""The care plan editor's unsaved edits, kept as a draft and offered back.

A draft remembers the version the edits were made from. Restored, the edits go back on
top of that version, never another: if the plan was saved since, saving them keeps
both and asks for a merge, as a second window's stale save does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mdt_desktop.domain import care_plan as cp
from mdt_desktop.services import care_plans
from mdt_desktop.store.database import Store
from mdt_desktop.store.drafts import DraftRow

from ..widgets.drafts import DraftBar, DraftKeeper


class PlanDrafts:
    """Mixed into CarePlanEditor: what its draft keeper reads and the draft bar does."""

    store: Store
    patient_id: Any
    base: care_plans.VersionInfo | None
    agree_again: bool
    drafts: DraftKeeper
    draft_bar: DraftBar
    waiting_draft: DraftRow | None
    note: Any

    if TYPE_CHECKING:  # provided by CarePlanEditor

        @property
        def dirty(self) -> bool: ...

        def gather(self) -> dict[str, Any]: ...

        def reload(self, *, audit: bool = False, discard: bool = False) -> None: ...

        def _show_content(self, content: dict[str, Any], *, as_saved: bool = True) -> None: ...

        def _edited(self) -> None: ...

    def _unsaved(self) -> dict[str, Any] | None:
        if not (self.dirty or self.agree_again):
            return None
        return {
            "base_version_id": str(self.base.id) if self.base else None,
            "content": self.gather(),
            "note": self.note.text(),
            "agree": self.agree_again,
        }

    def _offer_draft(self) -> None:
        row = self.drafts.waiting()
        if row is None:
            return
        self.waiting_draft = row
        self.drafts.held = True
        base_id = row.content.get("base_version_id")
        current = str(self.base.id) if self.base else None
        detail = ""
        if base_id != current:
            base = self._draft_base(row)
            number = f"version {base.number}" if base else "an empty plan"
            detail = (
                f"It was made from {number}; the plan has been saved since, so saving it "
                "keeps both and asks for a merge. "
            )
        self.draft_bar.offer(row, detail)

    def _draft_base(self, row: DraftRow) -> care_plans.VersionInfo | None:
        base_id = row.content.get("base_version_id")
        return next(
            (v for v in care_plans.history(self.store, self.patient_id) if str(v.id) == base_id),
            None,
        )

    def restore_draft(self) -> None:
        """The draft's edits, on top of the version they were made from (never another)."""
        row = self.waiting_draft
        if row is None:
            return
        self.waiting_draft = None
        self.draft_bar.hide()
        self.drafts.held = False
        base = self._draft_base(row)
        if base is not None and (self.base is None or base.id != self.base.id):
            self.base = base
            self._show_content(base.content)
        content = cp.normalise(row.content.get("content"))
        self._show_content(content, as_saved=False)
        self.note.setText(str(row.content.get("note") or ""))
        self.agree_again = bool(row.content.get("agree"))
        self._edited()
        self.drafts.keep_now()

    def discard_draft(self) -> None:
        self.waiting_draft = None
        self.draft_bar.hide()
        self.drafts.forget()
        self.drafts.touched()  # edits made meanwhile are kept in its place

    def keep_draft_now(self) -> None:
        """Closing, locking or quitting: the edits are kept now."""
        if self.waiting_draft is not None and self.dirty:
            # Edited while the old draft was offered: the newer edits are what is on screen.
            self.waiting_draft = None
            self.draft_bar.hide()
            self.drafts.held = False
        self.drafts.keep_now()

    def discard_unsaved(self) -> None:
        """Closing with "Discard": the edits and their draft go; the saved plan stays."""
        self.waiting_draft = None
        self.draft_bar.hide()
        self.drafts.forget()
        self.reload(discard=True)
