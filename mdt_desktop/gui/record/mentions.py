"""The note box's mentions: names complete after "@", and who will be told is shown.

Who a note tells is decided by one rule, ``services.notes.resolve_mentions``; the line
under the box calls it as the note is typed and the save calls it again, so the box
never promises what the save does not do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLabel, QListView, QPlainTextEdit, QWidget

from mdt_desktop.services import notes as notes_service

# The words typed after the last "@" (not an email address), up to the cursor.
_TYPING = re.compile(r"(?<![\w.])@([^\W_][\w'’ .-]{0,40})$")
# Keys the completer's popup hands on to the box: they choose, not type, while it is open.
_POPUP_KEYS = {Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab,
               Qt.Key.Key_Backtab}  # fmt: skip


class MentionTextEdit(QPlainTextEdit):
    """A note box whose "@" offers the team's staff directory as you type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory: list[notes_service.Colleague] = []
        self.names = QStringListModel(self)
        self.completer = QCompleter(self.names, self)
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # "@hend" finds "Tom Hendry": a surname is as likely typed as a first name.
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        # Our own list, so the popup is known to be there (the completer owns it).
        self.popup = QListView()
        self.popup.setObjectName("mentionPopup")
        self.popup.setAccessibleName("Colleagues to mention")
        self.completer.setPopup(self.popup)
        self.completer.activated.connect(self.insert_completion)

    def set_directory(self, directory: Sequence[notes_service.Colleague]) -> None:
        self.directory = list(directory)
        self.names.setStringList([c.name for c in self.directory])

    def typed_mention(self) -> str | None:
        """What follows the "@" being typed at the cursor, or None."""
        cursor = self.textCursor()
        before = cursor.block().text()[: cursor.positionInBlock()]
        match = _TYPING.search(before)
        return match.group(1) if match else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.popup
        if popup.isVisible() and event.key() in _POPUP_KEYS:
            event.ignore()
            return
        super().keyPressEvent(event)
        self.offer_completions()

    def offer_completions(self) -> None:
        prefix = self.typed_mention()
        popup = self.popup
        if not prefix:
            popup.hide()
            return
        self.completer.setCompletionPrefix(prefix)
        if self.completer.completionCount() == 0:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 8)
        self.completer.complete(rect)

    def insert_completion(self, name: str) -> None:
        """Replace what was typed after "@" with the colleague's full name."""
        prefix = self.typed_mention() or ""
        cursor = self.textCursor()
        cursor.movePosition(cursor.MoveOperation.Left, cursor.MoveMode.KeepAnchor, len(prefix))
        cursor.insertText(f"{name} ")
        self.setTextCursor(cursor)
        self.popup.hide()


def mentions_text(mentions: notes_service.Mentions) -> str:
    """The line under the note box: who will be told, and any "@" that tells nobody."""
    parts = []
    if mentions.told:
        names = ", ".join(escape(c.name, quote=False) for c in mentions.told)
        parts.append(f"Will be told (in their inbox): <b>{names}</b>.")
    if mentions.flagged:
        parts.append(
            f"<span style='color:#d5281b'>{escape(mentions.warning(), quote=False)}</span>"
        )
    return " ".join(parts)


def show_mentions(label: QLabel, mentions: notes_service.Mentions) -> None:
    text = mentions_text(mentions)
    label.setText(text)
    label.setVisible(bool(text))
