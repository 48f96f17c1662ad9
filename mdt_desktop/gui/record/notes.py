"""The Notes tab: notes between meetings, newest first, and writing one.

Notes are never edited: "Correct" writes a new note that points at the original, and
both are shown. Typing ``@Name`` (or choosing a colleague from "Mention") puts the note
in that colleague's inbox.
"""

from __future__ import annotations

import uuid
from html import escape

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.caseload import WRITABLE_CATEGORIES, NoteCategory
from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.domain.permissions import Permission, allowed
from mdt_desktop.services import notes as notes_service
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from ..features import RecordTab
from ..operations import run_change, sentence
from ..users import role_label
from ..widgets.forms import ReasonDialog
from ..widgets.guard import guard

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
        row = QHBoxLayout()
        self.category = QComboBox()
        self.category.setObjectName("noteCategory")
        for category in WRITABLE_CATEGORIES:
            self.category.addItem(category.label, category.value)
        self.mention = QComboBox()
        self.mention.setObjectName("mention")
        self.mention.setToolTip("Mention a colleague: the note goes to their inbox")
        self.mention.addItem("Mention a colleague…", None)
        from mdt_desktop.services.staff import list_staff

        for st in list_staff(store):
            self.mention.addItem(f"{st.name} ({role_label(st.role)})", st.name)
        self.mention.activated.connect(self._insert_mention)
        row.addWidget(QLabel("New note"))
        row.addWidget(self.category)
        row.addWidget(self.mention)
        row.addStretch(1)
        box.addLayout(row)
        self.text = QPlainTextEdit()
        self.text.setObjectName("noteText")
        self.text.setAccessibleName("New note")
        self.text.setPlaceholderText(
            "What the team should know. Type @ and a colleague's name to send it to their inbox."
        )
        self.text.setFixedHeight(84)
        box.addWidget(self.text)
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
        if not guard(self.add_button, user.role, Permission.WRITE_NOTE):
            self.text.setEnabled(False)
        self.reload()

    def reload(self) -> None:
        self.shown = notes_service.notes_for(self.store, self.patient_id)
        bar = self.list.verticalScrollBar()
        position = bar.value()
        self.list.setHtml(notes_html(self.shown, allowed(self.user.role, Permission.WRITE_NOTE)))
        bar.setValue(position)

    def _insert_mention(self, index: int) -> None:
        name = self.mention.itemData(index)
        if name:
            self.text.insertPlainText(f"@{name} ")
            self.text.setFocus()
        self.mention.setCurrentIndex(0)

    def add_from_form(self) -> None:
        if self.add(self.text.toPlainText(), self.category.currentData()):
            self.text.clear()

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
