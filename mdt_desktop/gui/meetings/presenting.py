"""The pieces meeting mode is built from: a scrolling panel, the paused screen, "Go to case",
and the meeting clock's words. Like meeting mode, none of them shows anyone but the case
on screen: the paused screen and "Go to case" show no one at all.
"""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules

from .outcome import scaled_style

_DATE = re.compile(r"\b(\d{2})-([A-Z][a-z]{2})-(\d{4})\b")


def keep_dates_whole(text: str) -> str:
    """30-Nov-2026 never splits across lines: non-breaking hyphens inside dates."""
    return _DATE.sub("\\1\u2011\\2\u2011\\3", text)


def clock_text(elapsed: float, length_minutes: int | None, left: int) -> str:
    """ "Meeting 42:05 of 90:00 · 6 cases left": time since the start, against the
    meeting's length when it has one."""
    text = f"Meeting {rules.format_timer(int(elapsed))}"
    if length_minutes:
        text += f" of {rules.format_timer(length_minutes * 60)}"
    cases = "no cases" if left == 0 else f"{left} case{'s' if left != 1 else ''}"
    return f"{text} · {cases} left"


def weight(lines: tuple[str, ...] | list[str]) -> int:
    """Roughly how many lines a panel needs (a title, and ~55 characters to a line)."""
    return 2 + sum(1 + len(line) // 55 for line in lines)


class Panel(QFrame):
    """A titled box whose text scrolls rather than being cut off."""

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meetingPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        self.title = QLabel(title)
        self.title.setObjectName("meetingPanelTitle")
        layout.addWidget(self.title)
        self.body = QLabel()
        self.body.setObjectName(name)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setAccessibleName(title)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        # The chair scrolls with the keys (see MeetingMode.scroll_by); the area never takes
        # focus, so the case keys keep working.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area = scroll
        layout.addWidget(scroll, 1)

    def overflows(self) -> bool:
        return self.scroll_area.verticalScrollBar().maximum() > 0

    def show_lines(self, lines: tuple[str, ...] | list[str], empty: str) -> None:
        if not lines:
            self.body.setText(f"<i>{escape(empty)}</i>")
            return
        items = "".join(
            f"<li style='margin-bottom:4px'>{keep_dates_whole(escape(x))}</li>" for x in lines
        )
        self.body.setText(f"<ul style='margin-left:-20px'>{items}</ul>")


class GoToCaseDialog(QDialog):
    """ "Go to case N": numbers only, so no one else's name reaches the shared screen."""

    def __init__(self, count: int, current: int, scale: float, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("goToCase")
        self.setWindowTitle("Go to case")
        self.setStyleSheet(scaled_style(scale))
        form = QFormLayout(self)
        self.number = QSpinBox()
        self.number.setObjectName("caseNumber")
        self.number.setRange(1, max(count, 1))
        self.number.setValue(current)
        form.addRow(f"Go to case (1–{count})", self.number)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Go")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.number.selectAll()
        self.number.setFocus()


class PausedScreen(QWidget):
    """What the room sees while the chair steps away: no one's name, number or ward."""

    def __init__(self, meeting_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meetingPaused")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        heading = QLabel("Meeting paused")
        heading.setObjectName("pausedHeading")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        self.detail = QLabel(meeting_title)
        self.detail.setObjectName("pausedDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.resume_button = QPushButton("Resume (Enter)")
        self.resume_button.setObjectName("resumeMeeting")
        self.leave_button = QPushButton("Leave presentation (L)")
        self.leave_button.setObjectName("leavePresentation")
        self.leave_button.setToolTip("Back to the Meetings page: the agenda shows everyone's names")
        buttons.addWidget(self.resume_button)
        buttons.addSpacing(24)
        buttons.addWidget(self.leave_button)
        buttons.addStretch(1)
        layout.addSpacing(24)
        layout.addLayout(buttons)
        layout.addStretch(3)
