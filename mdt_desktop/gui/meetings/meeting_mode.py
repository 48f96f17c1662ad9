"""Meeting mode: one case at a time on the shared screen, large type, keyboard first.

Privacy on a shared screen: this view holds the case on screen and nothing else. The
agenda's other people are known only by their item ids; their names and NHS numbers
are never put in a widget, a tooltip or the window title while presenting. Esc pauses
on a screen with nobody on it; only "Leave presentation" there shows the agenda again.
"""

from __future__ import annotations

import time
import uuid
from datetime import date
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSlider,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..widgets.banner import PatientBanner
from .outcome import ActionDialog, OutcomeDialog
from .presenting import GoToCaseDialog, Panel, PausedScreen, clock_text, weight

MIN_SCALE, MAX_SCALE = 1.0, 3.0
# When each meeting was first presented in this run of the app: pausing, or leaving the
# presentation and coming back, keeps the meeting clock going. (Meetings hold no start
# time of their own.)
_STARTED: dict[uuid.UUID, float] = {}


class MeetingMode(QWidget):
    """The case on screen; → next, ← previous, G go to case, D decision, A action,
    M discussed, X not reached, ↑ ↓ PgUp PgDn scroll, Tab next panel, + / − text size,
    Esc pauses (Enter resumes, L leaves the presentation)."""

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
        self.length_minutes = summary.length_minutes  # the agenda's one rule for a length
        self.meeting_started = _STARTED.setdefault(meeting_id, time.monotonic())
        self.paused = False
        self.scroll_index = 0  # which panel ↑ ↓ PgUp PgDn scroll (Tab moves on)
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
        self.stack = QStackedLayout(self)
        self.case_view = QWidget()
        self.case_view.setObjectName("meetingCase")
        self.stack.addWidget(self.case_view)
        self.paused_screen = PausedScreen(self.meeting_title)
        self.paused_screen.resume_button.clicked.connect(self.resume)
        self.paused_screen.leave_button.clicked.connect(self.leave)
        self.resume_button = self.paused_screen.resume_button
        self.leave_button = self.paused_screen.leave_button
        self.stack.addWidget(self.paused_screen)
        outer = QVBoxLayout(self.case_view)
        outer.setContentsMargins(24, 16, 24, 12)
        outer.setSpacing(10)
        top = QHBoxLayout()
        self.title = QLabel(self.meeting_title)
        self.title.setObjectName("meetingTitle")
        # The title gives way (wraps) so the clock and the case timer always fit the row.
        self.title.setWordWrap(True)
        self.position = QLabel()
        self.position.setObjectName("casePosition")
        self.case_status = QLabel()
        self.case_status.setObjectName("caseStatus")
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("caseTimer")
        self.timer_label.setAccessibleName("Time on this case")
        self.clock = QLabel()
        self.clock.setObjectName("meetingClock")
        self.clock.setAccessibleName("Meeting clock and cases left")
        top.addWidget(self.title, 1)
        top.addWidget(self.clock)
        top.addSpacing(24)
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
            "→ next   ← previous   G go to case   D decision   A action   M discussed   "
            "X not reached   ↑ ↓ PgUp PgDn scroll   Tab next panel   + − text size   "
            "Esc pause"
        )
        self.keys.setObjectName("meetingKeys")
        self.keys.setWordWrap(True)
        outer.addWidget(self.keys)

    def _shortcuts(self) -> None:
        step = QAbstractSlider.SliderAction
        # The case's keys act only on the case: while paused they do nothing, so no key
        # pressed by habit brings a person back onto the shared screen.
        on_case = {
            ("Right", "N", "Space"): self.next_case,
            ("Left", "P"): self.previous_case,
            ("G",): self.go_to_case,
            ("D",): self.record_decision,
            ("A",): self.add_action,
            ("M",): self.mark_discussed,
            ("X",): self.mark_not_reached,
            ("Down",): lambda: self.scroll_by(step.SliderSingleStepAdd),
            ("Up",): lambda: self.scroll_by(step.SliderSingleStepSub),
            ("PgDown",): lambda: self.scroll_by(step.SliderPageStepAdd),
            ("PgUp",): lambda: self.scroll_by(step.SliderPageStepSub),
            ("Tab",): lambda: self.next_panel(1),
            ("Shift+Tab", "Backtab"): lambda: self.next_panel(-1),
            ("+", "=", "Ctrl++"): lambda: self.set_scale(self.scale + 0.2),
            ("-", "Ctrl+-"): lambda: self.set_scale(self.scale - 0.2),
            ("Esc",): self.pause,
        }
        on_pause = {
            ("Return", "Enter", "R"): self.resume,
            ("L",): self.leave,
        }
        self._keys: list[QShortcut] = []
        for bindings, live_when_paused in ((on_case, False), (on_pause, True)):
            for keys, slot in bindings.items():
                for key in keys:
                    shortcut = QShortcut(QKeySequence(key), self)
                    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                    shortcut.activated.connect(
                        lambda s=slot, p=live_when_paused: s() if self.paused == p else None
                    )
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
            f" QLabel#meetingClock {{ font-size: {11 * s:.0f}pt; color: #212b32; }}"
            ' QLabel#meetingClock[over="true"] { color: #d5281b; font-weight: bold; }'
            f" QLabel#pausedHeading {{ font-size: {24 * s:.0f}pt; font-weight: bold;"
            " color: #005eb8; }"
            f" QLabel#pausedDetail {{ font-size: {12 * s:.0f}pt; color: #4c6272; }}"
            f" QWidget#meetingPaused QPushButton {{ font-size: {12 * s:.0f}pt;"
            " padding: 8px 20px; }"
            " QFrame#meetingPanel { background: #f0f4f5; border: 1px solid #d8dde0;"
            " border-radius: 4px; }"
            ' QFrame#meetingPanel[scrolling="true"] { border: 2px solid #005eb8; }'
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
        top = max(weight(risk_lines), weight(case.goals))
        bottom = max(weight(case.open_actions), weight(case.notes))
        self.grid.setRowStretch(0, top)
        self.grid.setRowStretch(1, bottom)
        for panel in self.panels():
            panel.scroll_area.verticalScrollBar().setValue(0)
        self.scroll_index = 0
        self._mark_scrolling(None)
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
        elapsed = time.monotonic() - self.meeting_started
        left = sum(1 for line in getattr(self, "lines", []) if line.status == "pending")
        self.clock.setText(clock_text(elapsed, self.length_minutes, left))
        over_length = self.length_minutes is not None and elapsed > self.length_minutes * 60
        if self.clock.property("over") != over_length:
            self.clock.setProperty("over", over_length)
            self.clock.style().unpolish(self.clock)
            self.clock.style().polish(self.clock)
        if self.case is None:
            self.timer_label.setText("")
            return
        if self.paused:  # the case's time stands still while nobody is looking at it
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

    def go_to_case(self) -> GoToCaseDialog | None:
        if not self.item_ids:
            return None
        dialog = GoToCaseDialog(len(self.item_ids), self.index + 1, self.scale * 0.8, self)
        if self._run(dialog):
            self.index = dialog.number.value() - 1
            self.show_case()
        return dialog

    # --- scrolling a panel that holds more than it shows ---------------------------------

    def panels(self) -> tuple[Panel, ...]:
        return (self.risk, self.goals, self.actions_panel, self.notes)

    def _overflowing(self) -> list[Panel]:
        return [p for p in self.panels() if p.overflows()]

    def _mark_scrolling(self, chosen: Panel | None) -> None:
        for panel in self.panels():
            on = panel is chosen
            if panel.property("scrolling") != on:
                panel.setProperty("scrolling", on)
                panel.style().unpolish(panel)
                panel.style().polish(panel)

    def scroll_panel(self) -> Panel | None:
        """The panel the scroll keys move: the one Tab chose, among those that overflow."""
        overflowing = self._overflowing()
        if not overflowing:
            return None
        return overflowing[self.scroll_index % len(overflowing)]

    def next_panel(self, step: int) -> None:
        overflowing = self._overflowing()
        if overflowing:
            self.scroll_index = (self.scroll_index + step) % len(overflowing)
            self._mark_scrolling(overflowing[self.scroll_index])

    def scroll_by(self, action: QAbstractSlider.SliderAction) -> None:
        panel = self.scroll_panel()
        if panel is None:
            return
        bar = panel.scroll_area.verticalScrollBar()
        # A line of the panel's own type per ↑/↓ (the bar's default step is a few pixels).
        bar.setSingleStep(max(bar.singleStep(), panel.body.fontMetrics().lineSpacing()))
        bar.triggerAction(action)
        self._mark_scrolling(panel)

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
            recorded=svc.recorded_outcome(self.store, self.case.item_id),
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

    # --- pausing and leaving ------------------------------------------------------------------

    def pause(self) -> None:
        """The neutral screen: the case is hidden and its time stops."""
        if self.paused:
            return
        self._account_time()
        self.paused = True
        self.stack.setCurrentWidget(self.paused_screen)
        self.setFocus()
        self._tick()

    def resume(self) -> None:
        if not self.paused:
            return
        self.paused = False
        self._shown_since = time.monotonic()
        self.stack.setCurrentWidget(self.case_view)
        self.setFocus()
        self._tick()

    def leave(self) -> None:
        """Leave the presentation: the Meetings page (and its agenda) comes back."""
        if not self.paused:
            self._account_time()
        self.timer.stop()
        self.left.emit()
