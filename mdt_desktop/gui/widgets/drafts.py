"""Keeping unsaved clinical text as a draft, and offering it back.

``DraftKeeper`` writes what a tab holds unsaved a moment after typing stops (so a crash
loses seconds at most) and at once when asked (closing, locking, quitting). ``DraftBar``
is the line at the top of a tab that offers a kept draft back: restore or discard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from mdt_desktop.domain.drafts import DRAFT_DELAY_MS, DraftKind
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.services import drafts
from mdt_desktop.store.database import Store
from mdt_desktop.store.drafts import DraftRow


def when_words(saved_at: datetime) -> str:
    """ "14:32" today, "01-Dec-2026 14:32" another day, in local time."""
    shown = format_local_datetime(saved_at)
    today = format_local_datetime(datetime.now(saved_at.tzinfo))
    return shown.split(" ", 1)[1] if shown.split(" ")[0] == today.split(" ")[0] else shown


class DraftKeeper(QObject):
    """Keeps one tab's unsaved text as the signed-in user's draft of ``kind``.

    ``read`` returns what is unsaved now (None when nothing is). While a kept draft is
    being offered back and not yet restored or discarded, ``held`` stops new typing from
    replacing it unasked.
    """

    def __init__(
        self,
        store: Store,
        patient_id: uuid.UUID,
        kind: DraftKind,
        read: Callable[[], dict[str, Any] | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.patient_id = patient_id
        self.kind = kind
        self.read = read
        self.held = False
        self._kept: dict[str, Any] | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DELAY_MS)
        self.timer.timeout.connect(self.keep_now)
        # Quitting (the main window closed, a log-out) keeps what the timer has not yet.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.keep_now)

    def waiting(self) -> DraftRow | None:
        """A draft kept earlier (another session, or before a crash)."""
        row = drafts.draft(self.store, self.patient_id, self.kind)
        if row is not None:
            self._kept = row.content
        return row

    def touched(self) -> None:
        """Something was typed: keep it once typing pauses."""
        if not self.held:
            self.timer.start()

    def keep_now(self) -> None:
        self.timer.stop()
        if self.held:
            return
        content = self.read()
        if content == self._kept:
            return
        if content is None:
            drafts.drop_draft(self.store, self.patient_id, self.kind)
        else:
            drafts.keep_draft(self.store, self.patient_id, self.kind, content)
        self._kept = content

    def forget(self) -> None:
        """Saved or discarded: no draft is kept."""
        self.timer.stop()
        self.held = False
        drafts.drop_draft(self.store, self.patient_id, self.kind)
        self._kept = None


class DraftBar(QFrame):
    """ "You have an unsaved note from 14:32" with Restore and Discard."""

    restore = Signal()
    discard = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setObjectName("draftBar")
        self.setStyleSheet(
            "QFrame#draftBar { background: #fff9c4; border: 1px solid #ffb81c;"
            " border-left: 6px solid #ffb81c; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setObjectName("primary")
        self.restore_button.setAccessibleName(f"Restore the unsaved {what}")
        self.restore_button.clicked.connect(self.restore)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setAccessibleName(f"Discard the unsaved {what}")
        self.discard_button.clicked.connect(self.discard)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_button)
        self.hide()

    def offer(self, row: DraftRow, detail: str = "") -> None:
        self.text.setText(
            f"<b>You have an unsaved {self.what} from {when_words(row.saved_at)}.</b> "
            f"{detail}Restore it, or discard it?"
        )
        self.show()
