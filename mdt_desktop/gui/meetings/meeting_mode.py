"""Meeting mode: one case at a time on the shared screen, large type, keyboard first.

Privacy on a shared screen: this view holds the case on screen and nothing else. The
agenda's other people are known only by their item ids; their names and NHS numbers
are never put in a widget, a tooltip or the window title while presenting.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..widgets.banner import PatientBanner
from .outcome import ActionDialog, OutcomeDialog

MIN_SCALE, MAX_SCALE = 1.0, 3.0
_DATE = re.compile(r"\b(\d{2})-([A-Z][a-z]{2})-(\d{4})\b")


def _keep_dates_whole(text: str) -> str:
    """30-Nov-2026 never splits across lines: non-breaking hyphens inside dates."""
    return _DATE.sub("\\1\u2011\\2\u2011\\3", text)


def _weight(lines: tuple[str, ...] | list[str]) -> int:
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
        layout.addWidget(scroll, 1)

    def show_lines(self, lines: tuple[str, ...] | list[str], empty: str) -> None:
        if not lines:
            self.body.setText(f"<i>{escape(empty)}</i>")
            return
        items = "".join(
            f"<li style='margin-bottom:4px'>{_keep_dates_whole(escape(x))}</li>" for x in lines
        )
        self.body.setText(f"<ul style='margin-left:-20px'>{items}</ul>")


class MeetingMode(QWidget):
    """The case on screen; → next, ← previous, D decision, A action, M discussed,
    X not reached, + / − text size, Esc leaves."""

    left = Signal()
    case_changed = Signal(int)

    def __init__(
        self,
        store: Store,
        meeting_id: uuid.UUID,
        *,
        scale: float = 1.8,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("meetingMode")
        self.store = store
        self.meeting_id = meeting_id
        self.today = today or date.today()
        self.scale = scale
        summary = svc.meeting_summary(store, meeting_id)
        self.meeting_title = summary.title
        self.meeting_day = summary.starts_at.astimezone().date()
        self.quorum_detail = summary.quorum_detail or svc.quorum(store, meeting_id).detail
        self.setWindowTitle(f"MDT meeting — {self.meeting_title}")
        self.item_ids: list[uuid.UUID] = []
        self.index = 0
        self.case: svc.CaseEssentials | None = None
        self.elapsed: dict[uuid.UUID, float] = {}
        self._shown_since = time.monotonic()
        self._build()
        self._shortcuts()
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.set_scale(scale)
        self.reload()

    # --- building -----------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 12)
        outer.setSpacing(10)
        top = QHBoxLayout()
        self.title = QLabel(self.meeting_title)
        self.title.setObjectName("meetingTitle")
        self.position = QLabel()
        self.position.setObjectName("casePosition")
        self.case_status = QLabel()
        self.case_status.setObjectName("caseStatus")
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("caseTimer")
        top.addWidget(self.title, 1)
        top.addWidget(self.case_status)
        top.addSpacing(24)
        top.addWidget(self.position)
        top.addSpacing(24)
        top.addWidget(self.timer_label)
        outer.addLayout(top)
        self.banner = PatientBanner(scale=self.scale)
        outer.addWidget(self.banner)
        self.reason = QLabel()
        self.reason.setObjectName("caseReason")
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.reason)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.risk = Panel("Risk and why", "caseRisk")
        self.goals = Panel("Care plan goals", "caseGoals")
        self.actions_panel = Panel("Open actions", "caseActions")
        self.notes = Panel("Recent notes", "caseNotes")
        grid.addWidget(self.risk, 0, 0)
        grid.addWidget(self.goals, 0, 1)
        grid.addWidget(self.actions_panel, 1, 0)
        grid.addWidget(self.notes, 1, 1)
        for i in range(2):
            grid.setColumnStretch(i, 1)
            grid.setRowStretch(i, 1)
        self.grid = grid
        outer.addLayout(grid, 1)
        self.outcome = QLabel()
        self.outcome.setObjectName("caseOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.outcome)
        self.keys = QLabel(
            "→ next   ← previous   D decision   A action   M discussed   "
            "X not reached   + − text size   Esc leave"
        )
        self.keys.setObjectName("meetingKeys")
        self.keys.setWordWrap(True)
        outer.addWidget(self.keys)

    def _shortcuts(self) -> None:
        bindings = {
            ("Right", "PgDown", "N", "Space"): self.next_case,
            ("Left", "PgUp", "P"): self.previous_case,
            ("D",): self.record_decision,
            ("A",): self.add_action,
            ("M",): self.mark_discussed,
            ("X",): self.mark_not_reached,
            ("+", "=", "Ctrl++"): lambda: self.set_scale(self.scale + 0.2),
            ("-", "Ctrl+-"): lambda: self.set_scale(self.scale - 0.2),
            ("Esc",): self.leave,
        }
        self._keys: list[QShortcut] = []
        for keys, slot in bindings.items():
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                self._keys.append(shortcut)

    def set_scale(self, scale: float) -> None:
        """Every size follows one number, so the chair can fit the room."""
        self.scale = max(MIN_SCALE, min(MAX_SCALE, round(scale, 1)))
        s = self.scale
        self.setStyleSheet(
            f"QWidget#meetingMode {{ background: #ffffff; }}"
            f" QLabel {{ font-size: {11 * s:.0f}pt; }}"
            f" QLabel#meetingTitle {{ font-size: {10 * s:.0f}pt; color: #4c6272; }}"
            f" QLabel#casePosition, QLabel#caseStatus {{ font-size: {11 * s:.0f}pt;"
            " font-weight: bold; }"
            f" QLabel#caseTimer {{ font-size: {14 * s:.0f}pt; font-weight: bold;"
            " color: #005eb8; }"
            ' QLabel#caseTimer[over="true"] { color: #d5281b; }'
            f" QLabel#caseReason {{ font-size: {13 * s:.0f}pt; }}"
            f" QLabel#meetingPanelTitle {{ font-size: {11 * s:.0f}pt; font-weight: bold;"
            " color: #005eb8; }"
            f" QLabel#meetingKeys {{ font-size: {8 * s:.0f}pt; color: #4c6272; }}"
            " QFrame#meetingPanel { background: #f0f4f5; border: 1px solid #d8dde0;"
            " border-radius: 4px; }"
            " QFrame#meetingPanel QScrollArea, QFrame#meetingPanel QLabel {"
            " background: transparent; }"
        )
        # The banner keeps its own style sheet (see PatientBanner): resize it there.
        self.banner.setStyleSheet(
            f"QLabel {{ font-size: {10 * s:.0f}pt; }}"
            f" QLabel#bannerName {{ font-size: {17 * s:.0f}pt; }}"
        )

    # --- the agenda, the case on screen ----------------------------------------------------

    def reload(self) -> None:
        """Re-read the agenda's order (ids and statuses only) and show the current case."""
        current = self.item_ids[self.index] if self.item_ids else None
        self.lines = svc.agenda(self.store, self.meeting_id)
        self.item_ids = [line.id for line in self.lines]
        if current in self.item_ids:
            self.index = self.item_ids.index(current)
        else:
            self.index = min(self.index, max(len(self.item_ids) - 1, 0))
        self.show_case()

    def _account_time(self) -> None:
        if self.case is not None:
            now = time.monotonic()
            self.elapsed[self.case.item_id] = (
                self.elapsed.get(self.case.item_id, 0.0) + now - self._shown_since
            )
            self._shown_since = now

    def show_case(self) -> None:
        self._account_time()
        self._shown_since = time.monotonic()
        if not self.item_ids:
            self.case = None
            self.banner.clear()
            self.position.setText("No cases on the agenda")
            self.reason.setText("")
            self.case_status.setText("")
            for panel in (self.risk, self.goals, self.actions_panel, self.notes):
                panel.body.setText("")
            self.outcome.setText("")
            return
        case = svc.case_essentials(self.store, self.item_ids[self.index], self.today)
        self.case = case
        self.banner.show_banner(case.banner)
        self.position.setText(f"Case {self.index + 1} of {len(self.item_ids)}")
        self.case_status.setText(rules.AGENDA_STATUS_LABELS.get(case.status, case.status))
        self.reason.setText(f"<b>Why on the agenda:</b> {escape(case.reason)}")
        risk_lines = []
        if case.risk_score is not None:
            headline = (
                f"Risk score {case.risk_score:.0f} — {case.risk_segment or 'segment not known'}"
            )
            if case.efi:
                headline += f"; {case.efi[:1].lower()}{case.efi[1:]}"
            risk_lines.append(headline)
        # The banner already shows the age: the room reads the rest of the reasons.
        risk_lines.extend(r for r in case.risk_reasons if not r.startswith("Aged "))
        self.risk.show_lines(risk_lines, "Not stratified yet")
        self.goals.show_lines(
            list(case.goals),
            "No goals in the care plan yet" if case.plan_found else "No care plan yet",
        )
        self.actions_panel.show_lines(list(case.open_actions), "No open actions")
        self.notes.show_lines(list(case.notes), "No notes yet")
        # Share the height by how much each row has to say, so a long list of risk reasons
        # is not cut short while the row below stands half empty.
        top = max(_weight(risk_lines), _weight(case.goals))
        bottom = max(_weight(case.open_actions), _weight(case.notes))
        self.grid.setRowStretch(0, top)
        self.grid.setRowStretch(1, bottom)
        if case.decision:
            text = f"<b>Decision:</b> {escape(case.decision)}"
            if case.discussion:
                text += f" — {escape(case.discussion)}"
            self.outcome.setText(text)
        elif case.status == "not_reached":
            self.outcome.setText("<b>Not reached:</b> carried to the next meeting")
        else:
            self.outcome.setText("<i>No decision recorded yet</i>")
        self._tick()
        self.case_changed.emit(self.index)

    def _tick(self) -> None:
        if self.case is None:
            self.timer_label.setText("")
            return
        seconds = self.elapsed.get(self.case.item_id, 0.0) + time.monotonic() - self._shown_since
        allotted = self.case.minutes * 60
        self.timer_label.setText(
            f"{rules.format_timer(int(seconds))} / {rules.format_timer(allotted)}"
        )
        over = seconds > allotted
        if self.timer_label.property("over") != over:
            self.timer_label.setProperty("over", over)
            self.timer_label.style().unpolish(self.timer_label)
            self.timer_label.style().polish(self.timer_label)

    def next_case(self) -> None:
        if self.index + 1 < len(self.item_ids):
            self.index += 1
            self.show_case()

    def previous_case(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show_case()

    # --- capturing the outcome ------------------------------------------------------------

    def owners(self) -> list[tuple[uuid.UUID | None, str]]:
        """Attendees present first, then the rest of the staff."""
        present = [
            (a.staff_id, a.name)
            for a in svc.attendance(self.store, self.meeting_id)
            if a.attendance == "present"
        ]
        team_id = svc.meeting_summary(self.store, self.meeting_id).team_id
        names = {name for _, name in present}
        rest = [(i, n) for i, n, _ in svc.staff_choices(self.store, team_id) if n not in names]
        return present + rest

    def _run(self, dialog: QDialog) -> bool:
        dialog.setModal(True)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        # Back to the case with the keys working, whatever the window manager did.
        self.window().activateWindow()
        self.setFocus()
        return accepted

    def record_decision(self) -> OutcomeDialog | None:
        if self.case is None:
            return None
        dialog = OutcomeDialog(
            self.store,
            self.case.item_id,
            self.owners(),
            self.meeting_day,
            discussion=self.case.discussion or "",
            scale=self.scale * 0.8,
            parent=self,
        )
        self.outcome_dialog = dialog
        if self._run(dialog):
            self.reload()
        return dialog

    def add_action(self) -> ActionDialog | None:
        if self.case is None:
            return None
        dialog = ActionDialog(
            self.store, self.case.item_id, self.owners(), self.meeting_day,
            scale=self.scale * 0.8, parent=self,
        )  # fmt: skip
        self.action_dialog = dialog
        if self._run(dialog):
            self.reload()
        return dialog

    def mark_discussed(self) -> None:
        """Discussed, plan unchanged: recorded as "continue" (an existing decision stays)."""
        if self.case is None or self.case.decision:
            return
        svc.mark_discussed(self.store, self.case.item_id, self.case.discussion or "")
        self.reload()

    def mark_not_reached(self) -> None:
        if self.case is None or self.case.status == "discussed":
            return
        svc.mark_not_reached(self.store, self.case.item_id)
        self.reload()

    def leave(self) -> None:
        self._account_time()
        self.timer.stop()
        self.left.emit()
