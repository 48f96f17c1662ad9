"""Help: the user guide (resources/help/*.md), the keyboard-shortcut sheet, store details.

The guide is Markdown shown in a QTextBrowser; F1 opens the page of the area in front (a
Page names it in ``help_page``). The shortcut sheet is read from the QActions and
QShortcuts the windows actually hold, so it cannot drift from the keys that work.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.paths import resources_dir

CONTENTS = "index"

# What the keys of meeting mode do, for the sheet while no meeting is being presented (when
# one is, the sheet reads its shortcuts live). A test holds this to meeting mode's own keys.
MEETING_MODE_KEYS: dict[str, str] = {
    "Right": "Next case",
    "N": "Next case",
    "Space": "Next case",
    "Left": "Previous case",
    "P": "Previous case",
    "G": "Go to a case by its number",
    "D": "Record the decision",
    "A": "Add an action",
    "M": "Mark discussed",
    "X": "Mark not reached",
    "Down": "Scroll the chosen panel down",
    "Up": "Scroll the chosen panel up",
    "PgDown": "Scroll the chosen panel down a page",
    "PgUp": "Scroll the chosen panel up a page",
    "Tab": "Choose the next panel to scroll",
    "Shift+Tab": "Choose the previous panel to scroll",
    "Backtab": "Choose the previous panel to scroll",
    "+": "Larger text",
    "=": "Larger text",
    "Ctrl++": "Larger text",
    "-": "Smaller text",
    "Ctrl+-": "Smaller text",
    "Esc": "Pause: a screen with nobody on it",
    "Return": "Resume (while paused)",
    "Enter": "Resume (while paused)",
    "R": "Resume (while paused)",
    "L": "Leave meeting mode (while paused)",
}
# Shortcuts that pages hold without a menu entry (a QShortcut has no text of its own).
PAGE_KEYS: dict[str, str] = {
    "F5": "Present the chosen meeting (Meetings)",
}


def help_folder() -> Path:
    return resources_dir() / "help"


def help_path(page: str) -> Path:
    """The guide's page ``page`` (a name such as "caseload"); the contents if there is none."""
    path = help_folder() / f"{page}.md"
    return path if path.is_file() else help_folder() / f"{CONTENTS}.md"


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


@dataclass(frozen=True)
class ShortcutLine:
    keys: str
    what: str


def _action_words(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def shortcuts_of(widget: QWidget, words: dict[str, str] | None = None) -> list[ShortcutLine]:
    """Every shortcut ``widget`` and its children hold: menu actions by their text, bare
    QShortcuts by their What's This text or ``words`` (by key). In the order found."""
    words = words or {}
    lines: list[ShortcutLine] = []
    for action in [*widget.actions(), *widget.findChildren(QAction)]:
        for sequence in action.shortcuts():
            if not sequence.isEmpty() and action.text():
                lines.append(ShortcutLine(key_text(sequence), _action_words(action)))
    for shortcut in widget.findChildren(QShortcut):
        for sequence in shortcut.keys():  # noqa: SIM118 - QShortcut.keys(), not a dict
            if sequence.isEmpty():
                continue
            keys = key_text(sequence)
            what = shortcut.whatsThis() or words.get(keys) or "(no description)"
            lines.append(ShortcutLine(keys, what))
    unique: dict[tuple[str, str], ShortcutLine] = {}
    for line in lines:
        unique.setdefault((line.keys, line.what), line)
    return list(unique.values())


def meeting_mode_shortcuts(mode: QWidget | None) -> list[ShortcutLine]:
    """Meeting mode's keys: read from the screen while it is open, else from its table."""
    if mode is not None:
        return shortcuts_of(mode, MEETING_MODE_KEYS)
    return [ShortcutLine(k, w) for k, w in MEETING_MODE_KEYS.items()]


def sheet_html(sections: list[tuple[str, list[ShortcutLine]]]) -> str:
    """One table per section; keys that do the same thing share a row."""
    parts = ["<h2>Keyboard shortcuts</h2>"]
    for title, lines in sections:
        grouped: dict[str, list[str]] = {}
        for line in lines:
            grouped.setdefault(line.what, []).append(line.keys)
        parts.append(f"<h3>{escape(title)}</h3><table cellpadding='4'>")
        for what, keys in grouped.items():
            shown = ", ".join(f"<b>{escape(k)}</b>" for k in keys)
            parts.append(f"<tr><td>{shown}</td><td>{escape(what)}</td></tr>")
        parts.append("</table>")
    parts.append(
        "<p>Tab and Shift+Tab move between fields; Space ticks a box or presses a button; "
        "Enter opens the row in a list.</p>"
    )
    return "".join(parts)


class HelpWindow(QDialog):
    """The user guide, a page at a time, with links between pages and Back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle("MDT Desktop help")
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.back = QPushButton("Back")
        self.contents = QPushButton("Contents")
        row.addWidget(self.back)
        row.addWidget(self.contents)
        row.addStretch(1)
        layout.addLayout(row)
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpText")
        self.browser.setAccessibleName("Help text")
        self.browser.setOpenExternalLinks(False)
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.back.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.back.setEnabled(False)
        self.contents.clicked.connect(lambda: self.show_page(CONTENTS))

    def show_page(self, page: str) -> None:
        self.setWindowTitle("MDT Desktop help")
        self.browser.setSource(QUrl.fromLocalFile(str(help_path(page))))

    def show_html(self, title: str, html: str) -> None:
        self.setWindowTitle(title)
        self.browser.setHtml(html)

    @property
    def page_name(self) -> str:
        return Path(self.browser.source().toLocalFile()).stem


def store_details_html(status: dict[str, Any], sync_lines: list[str]) -> str:
    """The store's own figures (what support staff ask about), for the details dialog."""
    counts = status.get("counts", {})
    rows = [
        ("Store file", status.get("path", "")),
        ("Store id", status.get("store_id", "")),
        ("Schema", status.get("schema_version") or ""),
        ("Protected by", "passphrase" if status.get("key") == "passphrase" else "keyring key"),
        ("eFI code list", status.get("efi_code_list", "")),
        *((name.replace("_", " ").capitalize(), f"{n:,}") for name, n in counts.items()),
        ("Changes waiting to sync", f"{status.get('outbox_pending', 0):,}"),
        ("Sync conflicts to resolve", f"{status.get('sync_conflicts_open', 0):,}"),
    ]
    table = "".join(
        f"<tr><td>{escape(str(k))}</td><td><b>{escape(str(v))}</b></td></tr>" for k, v in rows
    )
    sync = "".join(f"<li>{escape(line)}</li>" for line in sync_lines)
    return (
        f"<h2>Store details</h2><table cellpadding='3'>{table}</table><h3>Sync</h3><ul>{sync}</ul>"
    )
