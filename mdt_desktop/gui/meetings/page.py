"""The Meetings area: the meeting list, scheduling, attendance, the agenda, meeting mode,
the actions tracker and the minutes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain import meetings as rules
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.services import meetings as svc
from mdt_desktop.store.database import Store

from ..background import Operation, run_in_background, show_failure
from ..features import Page, PageHost
from ..operations import show_people_error
from ..pages import page_header
from .actions import ActionsTracker
from .agenda import ID_ROLE, AgendaBuilder, AttendancePanel


def _team_of(store: Store, user: Any) -> uuid.UUID | None:
    from mdt_desktop.services.caseload import teams

    if getattr(user, "team_id", None) is not None:
        return user.team_id  # type: ignore[no-any-return]
    found = teams(store)
    return found[0].id if found else None


class ScheduleDialog(QDialog):
    """Date, time, place or video link, chair and note-taker."""

    def __init__(
        self,
        staff: list[tuple[uuid.UUID, str, str]],
        parent: QWidget | None = None,
        *,
        summary: svc.MeetingSummary | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Schedule a meeting" if summary is None else "Edit the meeting")
        form = QFormLayout(self)
        start = (
            summary.starts_at.astimezone()
            if summary
            else datetime.combine(date.today() + timedelta(days=7), datetime.min.time()).replace(
                hour=13
            )
        )
        self.day = QDateEdit(QDate(start.year, start.month, start.day))
        self.day.setObjectName("meetingDay")
        self.day.setDisplayFormat("dd-MMM-yyyy")
        self.day.setCalendarPopup(True)
        self.time = QTimeEdit(QTime(start.hour, start.minute))
        self.time.setObjectName("meetingTime")
        self.time.setDisplayFormat("HH:mm")
        # The agenda is planned to fit this: proposals are ticked while there is time.
        self.length = QSpinBox()
        self.length.setObjectName("meetingLength")
        self.length.setRange(svc.MIN_LENGTH, svc.MAX_LENGTH)
        self.length.setSingleStep(15)
        self.length.setSuffix(" minutes")
        self.length.setValue(summary.length_minutes if summary else svc.DEFAULT_LENGTH)
        self.location = QLineEdit(summary.location or "" if summary else "")
        self.location.setObjectName("meetingLocation")
        self.location.setPlaceholderText("e.g. Meadowbank Surgery, meeting room 2")
        self.video = QLineEdit(summary.video_link or "" if summary else "")
        self.video.setObjectName("meetingVideo")
        self.video.setPlaceholderText("https://… (optional)")
        self.chair = QComboBox()
        self.chair.setObjectName("meetingChair")
        self.note_taker = QComboBox()
        self.note_taker.setObjectName("meetingNoteTaker")
        for combo in (self.chair, self.note_taker):
            combo.addItem("Not decided yet", None)
            for staff_id, name, role in staff:
                combo.addItem(f"{name} ({rules.role_label(role)})", staff_id)
        if summary:
            for combo, chosen in (
                (self.chair, summary.chair),
                (self.note_taker, summary.note_taker),
            ):
                for i in range(combo.count()):
                    if chosen and combo.itemText(i).startswith(chosen + " ("):
                        combo.setCurrentIndex(i)
        form.addRow("Date", self.day)
        form.addRow("Time", self.time)
        form.addRow("Length", self.length)
        form.addRow("Place", self.location)
        form.addRow("Video link", self.video)
        form.addRow("Chair", self.chair)
        form.addRow("Note-taker", self.note_taker)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, self.sizeHint().height())

    def starts_at(self) -> datetime:
        d, t = self.day.date(), self.time.time()
        local = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()).astimezone()
        return local.astimezone(UTC)

    def _check(self) -> None:
        if not self.location.text().strip() and not self.video.text().strip():
            self.error.setText("Give a place or a video link for the meeting.")
            return
        self.accept()


class MeetingsPage(Page):
    """Meetings on the left; the chosen meeting's agenda and attendance on the right."""

    title = "Meetings"

    def __init__(self, store: Store, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = user
        self.team_id = _team_of(store, user)
        self.today = date.today()
        self.meeting_id: uuid.UUID | None = None
        self.mode: Any = None  # the MeetingMode while presenting
        self.export_op: Operation | None = None
        self.outer = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outer)
        self.manager = QWidget()
        self.outer.addWidget(self.manager)
        self._build_manager()
        self.reload()
        self._just_built = True

    # --- building ----------------------------------------------------------------------

    def _build_manager(self) -> None:
        layout = QVBoxLayout(self.manager)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(
            page_header(
                "Meetings",
                "MDT review meetings: attendance and quorum, the agenda, one case at a time on "
                "the shared screen, decisions, actions and minutes.",
            )
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("meetingsTabs")
        self.tabs.setAccessibleName("Meetings and actions")
        layout.addWidget(self.tabs, 1)

        meetings = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 8, 8, 0)
        self.schedule_button = QPushButton("Schedule a meeting…")
        self.schedule_button.setObjectName("scheduleMeeting")
        self.schedule_button.clicked.connect(self.schedule)
        lv.addWidget(self.schedule_button)
        self.list = QListWidget()
        self.list.setObjectName("meetingList")
        self.list.setAccessibleName("Meetings")
        # Wide enough for a date, a time and a status word without cutting them off.
        self.list.setMinimumWidth(
            self.list.fontMetrics().horizontalAdvance("00-Mmm-0000 00:00   Cancelled") + 36
        )
        self.list.currentItemChanged.connect(self._chosen)
        lv.addWidget(self.list, 1)
        meetings.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(8, 8, 0, 0)
        self.heading = QLabel("Choose or schedule a meeting")
        self.heading.setObjectName("meetingHeading")
        self.heading.setWordWrap(True)
        rv.addWidget(self.heading)
        self.details = QLabel("")
        self.details.setObjectName("meetingDetails")
        self.details.setWordWrap(True)
        rv.addWidget(self.details)
        buttons = QHBoxLayout()
        self.present_button = QPushButton("Present (F5)")
        self.present_button.setObjectName("primary")
        self.present_button.setToolTip("Meeting mode: full screen, one case at a time")
        self.present_button.clicked.connect(self.present)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("editMeeting")
        self.edit_button.clicked.connect(self.edit)
        self.close_button = QPushButton("End meeting")
        self.close_button.setObjectName("closeMeeting")
        self.close_button.clicked.connect(self.close_meeting)
        self.export_button = QPushButton("Minutes (PDF)…")
        self.export_button.setObjectName("exportMinutes")
        self.export_button.clicked.connect(self.ask_export)
        self.cancel_button = QPushButton("Cancel meeting")
        self.cancel_button.setObjectName("cancelMeeting")
        self.cancel_button.clicked.connect(self.cancel_meeting)
        for b in (self.present_button, self.edit_button, self.close_button, self.export_button,
                  self.cancel_button):  # fmt: skip
            buttons.addWidget(b)
        buttons.addStretch(1)
        rv.addLayout(buttons)
        self.notice = QLabel("")
        self.notice.setObjectName("hint")
        self.notice.setWordWrap(True)
        rv.addWidget(self.notice)
        # The agenda and attendance tabs are built with the first meeting shown.
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setObjectName("meetingDetailTabs")
        self.detail_tabs.setAccessibleName("The meeting")
        self._agenda: AgendaBuilder | None = None
        self._attendance: AttendancePanel | None = None
        rv.addWidget(self.detail_tabs, 1)
        meetings.addWidget(right)
        meetings.setStretchFactor(0, 0)
        meetings.setStretchFactor(1, 1)
        meetings.setSizes([300, 1000])
        self.tabs.addTab(meetings, "Meetings")

        # Built when first opened: opening Meetings stays quick.
        self._tracker: ActionsTracker | None = None
        self.tabs.addTab(QWidget(), "Actions tracker")
        self.tabs.currentChanged.connect(self._tab_changed)
        QShortcut(QKeySequence("F5"), self.manager, activated=self.present)
        self._permissions()

    def _build_detail(self) -> None:
        if self._agenda is not None:
            return
        self._agenda = AgendaBuilder(self.store)
        self._agenda.today = self.today
        self._agenda.changed.connect(self._refresh_list_text)
        self._agenda.changed.connect(self._refresh_details)  # its minutes against the length
        self._attendance = AttendancePanel(self.store)
        self._attendance.changed.connect(self._refresh_list_text)
        self._attendance.changed.connect(self._refresh_details)
        self.detail_tabs.addTab(self._agenda, "Agenda")
        self.detail_tabs.addTab(self._attendance, "Attendance and quorum")

    @property
    def agenda(self) -> AgendaBuilder:
        self._build_detail()
        assert self._agenda is not None
        return self._agenda

    @property
    def attendance(self) -> AttendancePanel:
        self._build_detail()
        assert self._attendance is not None
        return self._attendance

    @property
    def tracker(self) -> ActionsTracker:
        if self._tracker is None:
            self._tracker = ActionsTracker(self.store, self.user, self.team_id)
            self.tabs.blockSignals(True)
            current = self.tabs.currentIndex()
            placeholder = self.tabs.widget(1)
            self.tabs.removeTab(1)
            placeholder.deleteLater()
            self.tabs.insertTab(1, self._tracker, "Actions tracker")
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(False)
        return self._tracker

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.tracker.reload()
            self.tabs.setCurrentIndex(1)

    def _permissions(self) -> None:
        reason = why_not(self.user.role, Permission.RUN_MEETING)
        for b in (self.schedule_button, self.edit_button, self.close_button, self.cancel_button,
                  self.present_button):  # fmt: skip
            b.setToolTip(reason or b.toolTip())
        self.can_run = reason is None
        self.schedule_button.setEnabled(self.can_run)

    def set_user(self, user: Any) -> None:
        self.user = user
        if self._tracker is not None:
            self._tracker.user = user
        self._permissions()
        self._update_buttons()

    # --- the list and the chosen meeting -------------------------------------------------

    def activated(self) -> None:
        if self._just_built:  # read a moment ago, in __init__
            self._just_built = False
        elif self.mode is None:
            self.reload()

    def reload(self) -> None:
        chosen = self.meeting_id
        self.summaries = svc.list_meetings(self.store, self.team_id)
        self.list.blockSignals(True)
        self.list.clear()
        for summary in self.summaries:
            item = QListWidgetItem(self._list_text(summary))
            item.setData(ID_ROLE, summary.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if not self.summaries:
            self.meeting_id = None
            self.heading.setText("No meetings yet: schedule the first one.")
            self.details.setText("")
            self._update_buttons()
            self.detail_tabs.setEnabled(False)
            return
        self.detail_tabs.setEnabled(True)
        ids = [s.id for s in self.summaries]
        # The next meeting to come is the one to work on; else the latest.
        upcoming = [s for s in self.summaries if s.status in ("planned", "in_progress")]
        default = upcoming[-1].id if upcoming else ids[0]
        self.choose(chosen if chosen in ids else default)

    def _list_text(self, s: svc.MeetingSummary) -> str:
        status = rules.MEETING_STATUS_LABELS[s.status]
        return f"{s.when}   {status}\n{s.cases} cases, {s.discussed} discussed"

    def _refresh_list_text(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ID_ROLE) == self.meeting_id:
                assert self.meeting_id is not None
                item.setText(self._list_text(svc.meeting_summary(self.store, self.meeting_id)))

    def _refresh_details(self) -> None:
        if self.meeting_id is not None:
            self._show_details(svc.meeting_summary(self.store, self.meeting_id))

    def _show_details(self, s: svc.MeetingSummary) -> None:
        """Heading and one line of facts, with the quorum as it stands (or as recorded)."""
        self.summary = s
        # The agenda's minutes against the meeting's length, where the chair looks first.
        self.heading.setText(
            f"<b>{s.team}</b> — {s.when} ({rules.MEETING_STATUS_LABELS[s.status]}) — "
            f"agenda {s.time_line}"
        )
        where = ", ".join(x for x in (s.location, s.video_link) if x)
        if s.quorum_detail:
            quorum = "quorate at the start" if s.quorum_met else "not quorate at the start"
        else:
            quorum = "quorate" if svc.quorum(self.store, s.id).met else "not quorate yet"
        self.details.setText(
            f"Where: {where or 'Not recorded'}   Chair: {s.chair or 'Not decided'}   "
            f"Note-taker: {s.note_taker or 'Not decided'}   Quorum: {quorum}"
        )

    def choose(self, meeting_id: uuid.UUID) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == meeting_id:
                self.list.blockSignals(True)  # shown once, below
                self.list.setCurrentRow(i)
                self.list.blockSignals(False)
                self._chosen(self.list.item(i))
                return

    def _chosen(self, item: QListWidgetItem | None, *_: Any) -> None:
        if item is None:
            return
        self.meeting_id = item.data(ID_ROLE)
        assert self.meeting_id is not None
        s = svc.meeting_summary(self.store, self.meeting_id)
        self._show_details(s)
        editable = self.can_run and s.status in ("planned", "in_progress")
        self.agenda.show_meeting(self.meeting_id, s.team_id, editable)
        self.attendance.show_meeting(self.meeting_id, editable)
        self._update_buttons()

    def _update_buttons(self) -> None:
        s = getattr(self, "summary", None) if self.meeting_id else None
        live = s is not None and s.status in ("planned", "in_progress")
        self.present_button.setEnabled(self.can_run and live and s is not None and s.cases > 0)
        self.edit_button.setEnabled(self.can_run and live)
        self.close_button.setEnabled(self.can_run and live)
        self.cancel_button.setEnabled(self.can_run and s is not None and s.status == "planned")
        self.export_button.setEnabled(s is not None)

    # --- scheduling --------------------------------------------------------------------------

    def schedule_dialog(self) -> ScheduleDialog:
        return ScheduleDialog(svc.staff_choices(self.store, self.team_id), self)

    def schedule(self) -> None:
        if self.team_id is None:
            QMessageBox.information(self, "Schedule a meeting", "Join a team first (your profile).")
            return
        dialog = self.schedule_dialog()
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            meeting_id = svc.schedule_meeting(
                self.store,
                team_id=self.team_id,
                starts_at=dialog.starts_at(),
                location=dialog.location.text(),
                video_link=dialog.video.text(),
                chair_staff_id=dialog.chair.currentData(),
                note_taker_staff_id=dialog.note_taker.currentData(),
                length_minutes=dialog.length.value(),
            )
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Schedule a meeting", exc)
            return
        self.meeting_id = meeting_id
        self.reload()

    def edit(self) -> None:
        if self.meeting_id is None:
            return
        dialog = ScheduleDialog(
            svc.staff_choices(self.store, self.team_id), self, summary=self.summary
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            svc.update_meeting(
                self.store,
                self.meeting_id,
                starts_at=dialog.starts_at(),
                location=dialog.location.text(),
                video_link=dialog.video.text(),
                chair_staff_id=dialog.chair.currentData(),
                note_taker_staff_id=dialog.note_taker.currentData(),
                length_minutes=dialog.length.value(),
            )
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Edit the meeting", exc)
        self.reload()

    def cancel_meeting(self) -> None:
        if self.meeting_id is None:
            return
        answer = QMessageBox.question(
            self, "Cancel meeting", "Cancel this meeting? Its agenda stays in the record."
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            svc.cancel_meeting(self.store, self.meeting_id)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "Cancel meeting", exc)
        self.reload()

    def escalations_left_off(self, doing: str, *, go_on_after_adding: bool = True) -> bool:
        """Warn before presenting or ending a meeting that escalated people are not on its
        agenda; the chair may add them. True: go on with ``doing``."""
        assert self.meeting_id is not None
        missing = svc.escalations_not_on_agenda(self.store, self.meeting_id, self.today)
        if not missing:
            return True
        names = "\n".join(f"• {c.name} — {c.reason_line}" for c in missing)
        many = len(missing) != 1
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Escalations not on the agenda")
        box.setText(
            f"{len(missing)} {'people' if many else 'person'} escalated to the MDT "
            f"{'are' if many else 'is'} not on this agenda:\n{names}\n\n"
            "An escalation stands until the MDT has discussed it: left off, "
            f"{'they' if many else 'it'} will be proposed for the next meeting."
        )
        add = box.addButton("Add to the agenda", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(f"{doing} without adding", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(add)
        box.exec()
        clicked = box.clickedButton()
        if clicked is None or clicked is cancel:
            return False
        if clicked is add:
            try:
                svc.add_to_agenda(self.store, self.meeting_id, missing)
            except (ValueError, PermissionError) as exc:
                show_people_error(self, "Add to the agenda", exc)
                return False
            self.agenda.reload()
            self._refresh_list_text()
            self._refresh_details()
            self._update_buttons()
            if not go_on_after_adding:
                self.notice.setText("Added to the agenda: discuss them, then end the meeting.")
                return False
        return True

    def close_meeting(self) -> None:
        if self.meeting_id is None:
            return
        # Added at the end, they are for discussing now: the meeting stays open.
        if not self.escalations_left_off("End", go_on_after_adding=False):
            return
        pending = sum(1 for line in svc.agenda(self.store, self.meeting_id)
                      if line.status == "pending")  # fmt: skip
        text = "End this meeting and close its record?"
        if pending:
            text += (
                f" {pending} case{'s' if pending != 1 else ''} not discussed will be marked "
                "not reached and carried to the next meeting."
            )
        if QMessageBox.question(self, "End meeting", text) != QMessageBox.StandardButton.Yes:
            return
        try:
            svc.close_meeting(self.store, self.meeting_id)
        except (ValueError, PermissionError) as exc:
            show_people_error(self, "End meeting", exc)
        self.reload()

    # --- meeting mode ------------------------------------------------------------------------

    def present(self) -> Any:
        """Start (recording quorum) and show meeting mode full screen."""
        if self.meeting_id is None or self.mode is not None or not self.can_run:
            return None
        s = svc.meeting_summary(self.store, self.meeting_id)
        if s.cases == 0 or s.status not in ("planned", "in_progress"):
            return None
        if not self.escalations_left_off("Present"):
            return None
        if s.status == "planned":
            q = svc.quorum(self.store, self.meeting_id)
            if not q.met:
                answer = QMessageBox.question(
                    self,
                    "Not quorate",
                    f"{q.detail}\n\nStart the meeting anyway? The minutes will say it was not "
                    "quorate.",
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return None
            svc.start_meeting(self.store, self.meeting_id)
        from .meeting_mode import MeetingMode  # loaded when first presenting

        self.mode = MeetingMode(
            self.store, self.meeting_id, scale=self.room_scale(), today=self.today
        )
        self.mode.left.connect(self.leave_meeting_mode)
        self.outer.addWidget(self.mode)
        self.outer.setCurrentWidget(self.mode)
        self._enter_full_screen()
        self.mode.setFocus()
        return self.mode

    def room_scale(self) -> float:
        """Type sized to the screen: about 1.9× on 1080 lines, 1.3× on 720 (+/− adjust)."""
        screen = self.window().screen() if self.window() else None
        height = screen.availableGeometry().height() if screen else 1080
        return max(1.0, min(3.0, round(height / 560, 1)))

    def _host(self) -> PageHost | None:
        win = self.window()
        return win if win is not self and isinstance(win, PageHost) else None

    def _enter_full_screen(self) -> None:
        """Only the case may be seen: the window hides its navigation, menus and status."""
        host = self._host()
        if host is not None:
            host.enter_presentation()

    def leave_meeting_mode(self) -> None:
        if self.mode is None:
            return
        host = self._host()
        if host is not None:
            host.leave_presentation()
        self.outer.setCurrentWidget(self.manager)
        self.outer.removeWidget(self.mode)
        self.mode.deleteLater()
        self.mode = None
        self.reload()

    # --- minutes -----------------------------------------------------------------------------

    def ask_export(self) -> None:
        if self.meeting_id is None:
            return
        s = svc.meeting_summary(self.store, self.meeting_id)
        suggested = f"MDT minutes {s.starts_at.astimezone():%Y-%m-%d}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the minutes", str(Path.home() / suggested), "PDF (*.pdf)"
        )
        if path:
            self.export_minutes(Path(path))

    def export_minutes(self, path: Path) -> Operation:
        from mdt_desktop.services.minutes import export_minutes

        meeting_id = self.meeting_id
        assert meeting_id is not None

        self.notice.setText("Writing the minutes…")

        def done(result: Any) -> None:
            self.notice.setText(f"Minutes saved to {path}")

        def failed(exc: BaseException) -> None:
            self.notice.setText("")
            show_failure(self, "Saving the minutes", exc)

        self.export_op = run_in_background(
            self,
            lambda progress: export_minutes(self.store, meeting_id, path),
            on_success=done,
            on_failure=failed,
            label="Writing the minutes",
        )
        return self.export_op
