"""The Notes tab: notes between meetings, newest first, and writing one.

Notes are never edited: "Correct" writes a new note that points at the original, and
both are shown. Typing ``@Name`` (or choosing a colleague from "Mention") puts the note
in that colleague's inbox.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.caseload import WRITABLE_CATEGORIES, NoteCategory
from mdt_desktop.domain.drafts import DraftKind
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.domain.permissions import Permission, allowed
from mdt_desktop.services import notes as notes_service
from mdt_desktop.store.database import Store
from mdt_desktop.store.drafts import DraftRow
from mdt_desktop.store.schema import User

from ..features import RecordTab
from ..operations import run_change, sentence
from ..users import role_label
from ..widgets.drafts import DraftBar, DraftKeeper
from ..widgets.forms import ReasonDialog
from ..widgets.guard import guard
from .mentions import MentionTextEdit, show_mentions

CATEGORY_COLOURS = {"escalation": "#d5281b", "correction": "#ae2573", "concern": "#b35c00",
                    "safeguarding": "#d5281b", "caseload": "#4c6272"}  # fmt: skip


def notes_html(shown: list[notes_service.NoteView], can_correct: bool) -> str:
    if not shown:
        return (
            "<p style='color:#4c6272'>No notes yet. "
            "Notes written here are shared with the team.</p>"
        )
    by_id = {n.id: n for n in shown}
    parts = []
    for n in shown:
        colour = CATEGORY_COLOURS.get(n.category, "#005eb8")
        known = {c.value for c in NoteCategory}
        category = NoteCategory(n.category).label if n.category in known else n.category
        head = (
            f"<span style='color:{colour}; font-weight:bold'>{escape(category)}</span>"
            f" &nbsp;·&nbsp; <b>{escape(n.author_name)}</b> ({escape(role_label(n.author_role))})"
            f" &nbsp;·&nbsp; {format_local_datetime(n.written_at)}"
        )
        body = escape(n.text).replace("\n", "<br>")
        extra = []
        if n.corrects_note_id is not None and n.corrects_note_id in by_id:
            original = by_id[n.corrects_note_id]
            extra.append(
                f"Corrects the note by {escape(original.author_name)} of "
                f"{format_local_datetime(original.written_at)}"
            )
        if n.corrected_by:
            extra.append(
                "<span style='color:#ae2573'>Corrected later — see the correction above</span>"
            )
        if n.mentioned:
            extra.append("Mentioned: " + escape(", ".join(n.mentioned)))
        if can_correct and n.category != NoteCategory.CASELOAD.value:
            extra.append(f"<a href='correct:{n.id}'>Correct this note</a>")
        style = "text-decoration: line-through; color:#4c6272;" if n.corrected_by else ""
        block = (
            f"<p style='margin-top:10px; margin-bottom:2px'>{head}</p>"
            f"<p style='margin-top:0; margin-bottom:4px; {style}'>{body}</p>"
        )
        if extra:
            block += (
                "<p style='margin-top:0; margin-bottom:8px; color:#4c6272; font-size:9pt'>"
                + " &nbsp;·&nbsp; ".join(extra)
                + "</p>"
            )
        parts.append(block)
    return "<hr style='color:#d8dde0'>".join(parts)


class NotesTab(RecordTab):
    def __init__(self, store: Store, user: User, patient_id: uuid.UUID) -> None:
        super().__init__()
        self.store = store
        self.user = user
        self.patient_id = patient_id
        self.waiting_draft: DraftRow | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.list = QTextBrowser()
        self.list.setObjectName("notesList")
        self.list.setAccessibleName("Notes")
        self.list.setOpenLinks(False)
        self.list.anchorClicked.connect(self._link)
        layout.addWidget(self.list, 1)

        composer = QWidget()
        composer.setObjectName("noteComposer")
        box = QVBoxLayout(composer)
        box.setContentsMargins(0, 6, 0, 0)
        self.draft_bar = DraftBar("note")
        self.draft_bar.restore.connect(self.restore_draft)
        self.draft_bar.discard.connect(self.discard_draft)
        box.addWidget(self.draft_bar)
        row = QHBoxLayout()
        self.category = QComboBox()
        self.category.setObjectName("noteCategory")
        for category in WRITABLE_CATEGORIES:
            self.category.addItem(category.label, category.value)
        self.mention = QComboBox()
        self.mention.setObjectName("mention")
        self.mention.setToolTip("Mention a colleague: the note goes to their inbox")
        self.mention.setAccessibleName("Mention a colleague")
        self.mention.activated.connect(self._insert_mention)
        row.addWidget(QLabel("New note"))
        row.addWidget(self.category)
        row.addWidget(self.mention)
        row.addStretch(1)
        box.addLayout(row)
        self.text = MentionTextEdit()
        self.text.setObjectName("noteText")
        self.text.setAccessibleName("New note")
        self.text.setPlaceholderText(
            "What the team should know. Type @ and a colleague's name to send it to their inbox."
        )
        self.text.setFixedHeight(84)
        box.addWidget(self.text)
        self.told = QLabel("")
        self.told.setObjectName("mentionsTold")
        self.told.setWordWrap(True)
        self.told.hide()
        box.addWidget(self.told)
        self.text.textChanged.connect(self._preview_mentions)
        buttons = QHBoxLayout()
        self.error = QLabel("")
        self.error.setObjectName("error")
        buttons.addWidget(self.error, 1)
        self.add_button = QPushButton("Add note")
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(self.add_from_form)
        buttons.addWidget(self.add_button)
        box.addLayout(buttons)
        layout.addWidget(composer)
        self.drafts = DraftKeeper(store, patient_id, DraftKind.NOTE, self._unsaved, self)
        self.text.textChanged.connect(self.drafts.touched)
        self.category.currentIndexChanged.connect(self.drafts.touched)
        if not guard(self.add_button, user.role, Permission.WRITE_NOTE):
            self.text.setEnabled(False)
        else:
            self._offer_draft()
        self.reload()

    # --- the unsaved note, kept as a draft ----------------------------------------------

    def _unsaved(self) -> dict[str, Any] | None:
        text = self.text.toPlainText()
        if not text.strip():
            return None
        return {"text": text, "category": self.category.currentData()}

    @property
    def dirty(self) -> bool:
        return self._unsaved() is not None

    def _offer_draft(self) -> None:
        row = self.drafts.waiting()
        if row is not None and str(row.content.get("text") or "").strip():
            self.waiting_draft = row
            self.drafts.held = True
            self.draft_bar.offer(row)

    def restore_draft(self) -> None:
        row = self.waiting_draft
        if row is None:
            return
        self.waiting_draft = None
        self.draft_bar.hide()
        index = self.category.findData(row.content.get("category"))
        if index >= 0:
            self.category.setCurrentIndex(index)
        typed = self.text.toPlainText().strip()
        kept = str(row.content.get("text") or "")
        # Typed while the offer stood: both are kept, the draft first.
        self.text.setPlainText(f"{kept.rstrip()}\n\n{typed}" if typed else kept)
        self.drafts.held = False
        self.drafts.keep_now()
        self.text.setFocus()

    def discard_draft(self) -> None:
        self.waiting_draft = None
        self.draft_bar.hide()
        self.drafts.forget()
        self.drafts.touched()  # anything typed meanwhile is kept in its place

    def keep_draft_now(self) -> None:
        """Closing, locking or quitting: what is typed is kept now, nothing replaced."""
        if self.waiting_draft is not None and self.dirty:
            self.restore_draft()  # the offered draft and the new typing, both kept
        else:
            self.drafts.keep_now()

    def discard_unsaved(self) -> None:
        """Closing with "Discard": the typed note and its draft go."""
        self.waiting_draft = None
        self.draft_bar.hide()
        self.text.clear()
        self.drafts.forget()

    def reload(self) -> None:
        self._load_directory()
        self.shown = notes_service.notes_for(self.store, self.patient_id)
        bar = self.list.verticalScrollBar()
        position = bar.value()
        self.list.setHtml(notes_html(self.shown, allowed(self.user.role, Permission.WRITE_NOTE)))
        bar.setValue(position)

    def _load_directory(self) -> None:
        """Who a note here can mention: the same directory the save resolves against."""
        directory = notes_service.mention_directory(self.store, self.patient_id)
        if directory == self.text.directory:
            return
        self.text.set_directory(directory)
        self.mention.clear()
        self.mention.addItem("Mention a colleague…", None)
        for colleague in directory:
            self.mention.addItem(f"{colleague.name} ({role_label(colleague.role)})", colleague.name)
        self._preview_mentions()

    def mentions(self) -> notes_service.Mentions:
        return notes_service.resolve_mentions(self.text.toPlainText(), self.text.directory)

    def _preview_mentions(self) -> None:
        show_mentions(self.told, self.mentions())

    def _insert_mention(self, index: int) -> None:
        name = self.mention.itemData(index)
        if name:
            self.text.insertPlainText(f"@{name} ")
            self.text.setFocus()
        self.mention.setCurrentIndex(0)

    def add_from_form(self) -> bool:
        """Add the typed note; True once it is in the record."""
        mentions = self.mentions()
        if mentions.flagged and not self._confirm_mentions(mentions):
            self.text.setFocus()
            return False
        if self.add(self.text.toPlainText(), self.category.currentData()):
            self.text.clear()
            self.drafts.forget()
            return True
        return False

    def _confirm_mentions(self, mentions: notes_service.Mentions) -> bool:
        """An "@" that tells nobody is said before saving; the note may still be added."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Nobody told for a mention",
            f"{mentions.warning()} Add the note as it is?",
            parent=self,
        )
        add = box.addButton("Add the note anyway", QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton("Go back to the note", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(back)
        box.exec()
        return box.clickedButton() is add

    def add(self, text: str, category: str = "general") -> bool:
        if not run_change(
            self,
            "Write a note",
            lambda: notes_service.write_note(self.store, self.patient_id, text, category=category),
            failure=lambda exc: self.error.setText(sentence(exc)),
        ):
            return False
        self.error.setText("")
        self.reload()
        self.changed.emit()
        return True

    def _link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("correct:"):
            self.ask_correct(uuid.UUID(text.removeprefix("correct:")))

    def ask_correct(self, note_id: uuid.UUID) -> None:
        original = next((n for n in self.shown if n.id == note_id), None)
        if original is None:
            return
        dialog = ReasonDialog(
            "Correct a note",
            f"<p>The note by <b>{escape(original.author_name)}</b> of "
            f"{format_local_datetime(original.written_at)} stays in the record as written:</p>"
            f"<blockquote>{escape(original.text)}</blockquote>"
            "<p>Write the correction. It is added as a new note that points at this one.</p>",
            action="Add correction",
            parent=self,
        )
        dialog.reason.setPlainText(original.text)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.correct(note_id, dialog.text())

    def correct(self, note_id: uuid.UUID, text: str) -> bool:
        if not run_change(
            self, "Correct a note", lambda: notes_service.correct_note(self.store, note_id, text)
        ):
            return False
        self.reload()
        self.changed.emit()
        return True
