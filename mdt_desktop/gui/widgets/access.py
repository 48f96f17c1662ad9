"""What every control needs to be usable by keyboard and screen reader, in one place.

A control with a visible label gets its name from the label (a QFormLayout row sets the
label's buddy). A control with no label of its own — a search box, a table, a cell of a
table — is named here. :func:`install_keyboard_policy` makes Tab move focus, never type
a tab character, in every multi-line field and leave every table, app-wide.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QWidget,
)

W = TypeVar("W", bound=QWidget)

#: A multi-line field that really takes tab characters sets this property to True.
TYPES_TABS = "typesTabs"


def named(widget: W, name: str, description: str = "") -> W:
    """The name a screen reader says for a control that has no visible label of its own."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def search_box(name: str, placeholder: str, object_name: str = "") -> QLineEdit:
    """A search field: named (its placeholder vanishes once typed in), with a clear button."""
    edit = QLineEdit()
    if object_name:
        edit.setObjectName(object_name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    return named(edit, name, placeholder)


class WrappingLine(QPlainTextEdit):
    """A one-line field for a table cell that wraps its text instead of cutting it.

    It behaves like a QLineEdit for the keyboard (Enter does not start a new line, Tab
    moves on) and asks for the height of its wrapped text, so the table can size its row.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlainText(text)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.document().setDocumentMargin(3)
        self.textChanged.connect(self.updateGeometry)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.ignore()  # a dialog's default button, not a line break
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: Any) -> None:
        # Pasted line breaks become spaces: the cell holds one line of text.
        if source.hasText():
            self.insertPlainText(" ".join(source.text().split()))
        else:
            super().insertFromMimeData(source)

    def wrapped_height(self) -> int:
        lines = 0
        block = self.document().begin()
        while block.isValid():
            layout = block.layout()
            lines += max(1, layout.lineCount() if layout is not None else 1)
            block = block.next()
        line = self.fontMetrics().lineSpacing()
        # Around the text: the document's margin, then the frame and the theme's padding
        # (what the widget has beyond its viewport).
        around = max(self.height() - self.viewport().height(), 0)
        return lines * line + 2 * int(self.document().documentMargin()) + around + 2

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), max(self.wrapped_height(), 30))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.fontMetrics().lineSpacing() + 10)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # a new width wraps differently: the row follows


class KeyboardPolicy(QObject):
    """Set on the application: as each widget is first polished, Tab is made to move focus.

    Multi-line fields type a tab only where they say so (:data:`TYPES_TABS`); tables and
    lists hand Tab to the next control (arrows move between their cells).
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(watched, QWidget):
            if isinstance(watched, (QPlainTextEdit, QTextEdit)):
                if not watched.property(TYPES_TABS):
                    watched.setTabChangesFocus(True)
            elif isinstance(watched, QAbstractItemView):
                watched.setTabKeyNavigation(False)
        return False


_policy: KeyboardPolicy | None = None


def install_keyboard_policy(app: QApplication) -> None:
    global _policy
    if _policy is None:
        _policy = KeyboardPolicy(app)
        app.installEventFilter(_policy)


__all__ = [
    "TYPES_TABS",
    "KeyboardPolicy",
    "WrappingLine",
    "install_keyboard_policy",
    "named",
    "search_box",
]
