"""Today: the first page, for the signed-in person.

Referrals waiting (oldest first), my reviews, notes mentioning me, my actions, my people in
hospital and the next meeting: each panel's button opens the list behind it, each row opens
the person's record. Read in one background operation (services/today.py), again after any
write to what it shows. The features' figures follow below; the store's own (audit entries,
changes waiting to sync) are in Help ▸ Store details. An empty store offers demo data here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mdt_desktop.domain.people import display_name, format_patient_date
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

from .background import Operation, Progress, run_in_background, show_failure, wait_for
from .demo_data import DemoOffer
from .features import Page, card_figures, dashboard_cards
from .pages import StatCard, page_header

PATIENT_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = 3
LIST_HEIGHT = 140  # five one-line rows, or three that wrap
CARD_COLUMNS = 4


class TodayHost(Protocol):
    """What Today asks of its window: go to an area, open a record."""

    def show_area(self, name: str) -> Page: ...

    def open_record(self, patient_id: uuid.UUID, tab: str = "Summary") -> QWidget: ...


class TodayList(QListWidget):
    """A panel's few rows: a click, or Enter on the current row, opens that person."""

    chosen = Signal(object)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName("inboxList")
        self.setAccessibleName(name)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Narrow windows wrap the rows rather than push the panels off the page.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(LIST_HEIGHT)
        self.setMaximumHeight(LIST_HEIGHT)
        self.itemClicked.connect(self._choose)

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(PATIENT_ROLE) is not None:
            self.chosen.emit(item.data(PATIENT_ROLE))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._choose(self.currentItem())
            return
        super().keyPressEvent(event)

    def set_rows(self, rows: list[tuple[str, uuid.UUID | None]], empty: str) -> None:
        self.clear()
        for text, patient_id in rows:
            item = QListWidgetItem(text, self)
            item.setData(PATIENT_ROLE, patient_id)
            item.setToolTip(text)
        if not rows:
            item = QListWidgetItem(empty, self)
            item.setFlags(Qt.ItemFlag.NoItemFlags)


class TodayPanel(QFrame):
    """A title, one line that sums it up, the first few rows, and the way to all of them."""

    def __init__(self, key: str, title: str, button: str) -> None:
        super().__init__()
        self.key = key
        self.setObjectName("panel")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("panelTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.title, 1)
        self.open_button = QPushButton(button)
        self.open_button.setObjectName(f"today-{key}")
        self.open_button.setAccessibleName(f"{button}: {title}")
        top.addWidget(self.open_button)
        layout.addLayout(top)
        self.summary = QLabel("…")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.summary)
        self.list = TodayList(title)
        layout.addWidget(self.list)


def _who(family: str | None, given: str | None, title: str | None = None) -> str:
    return display_name(family, given, title)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _due_words(due: date | None, today: date) -> str:
    if due is None:
        return "no due date"
    if due < today:
        return f"overdue by {_days((today - due).days)}"
    if due == today:
        return "due today"
    return f"due {format_patient_date(due)} (in {_days((due - today).days)})"


class TodayPage(Page):
    """What is waiting for the signed-in person today; demo data for an empty store."""

    title = "Today"
    help_page = "today"
    loaded = Signal(object)
    store_changed = Signal()
    # Everything Today lists, and the features' figures below it.
    shows = frozenset(
        {
            "referrals",
            "caseload_entries",
            "notes",
            "note_mentions",
            "actions",
            "meetings",
            "agenda_items",
            "hospital_admissions",
            "discharge_plans",
            "discharge_tasks",
            "patients",
            "care_plans",
            "budgets",
        }
    )

    def __init__(
        self,
        store: Store,
        user: User,
        host: TodayHost,
        load_demo: Callable[[Progress, int, bool], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.user, self.host = store, user, host
        self._op: Operation | None = None
        self._again = False
        self._reading = False  # a read is under way (its result not shown yet)
        self.status: dict[str, Any] | None = None
        self.summary: Any = None
        scroll = QScrollArea()
        scroll.setAccessibleName("Today")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(32, 20, 32, 20)
        layout.setSpacing(12)
        layout.addWidget(page_header("Today"))
        self.subtitle = QLabel("…")  # the day, and who it is for
        self.subtitle.setObjectName("pageSubtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.subtitle)
        self.demo_box = DemoOffer(load_demo)
        self.demo_box.setVisible(False)
        self.demo_box.loaded.connect(self._demo_loaded)
        layout.addWidget(self.demo_box)
        # Its controls, as the page's own (tests and screenshots reach them here).
        box = self.demo_box
        self.demo_size, self.demo_button, self.demo_join = box.people, box.button, box.join
        self.demo_status, self.demo_progress = box.status, box.progress
        self.demo_cancel, self.start_demo = box.cancel, box.start
        self.panels = {
            p.key: p
            for p in (
                TodayPanel("referrals", "Referrals waiting", "All referrals"),
                TodayPanel("reviews", "My reviews", "My caseload"),
                TodayPanel("mentions", "Notes mentioning me", "My inbox"),
                TodayPanel("actions", "My actions", "Actions tracker"),
                TodayPanel("hospital", "My people in hospital", "The board"),
                TodayPanel("meeting", "Next meeting", "The meeting"),
            )
        }
        grid = QGridLayout()
        grid.setSpacing(12)
        for i, panel in enumerate(self.panels.values()):
            grid.addWidget(panel, i // COLUMNS, i % COLUMNS)
            panel.list.chosen.connect(self.open_person)
            panel.open_button.clicked.connect(lambda _=False, k=panel.key: self.go_to(k))
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        figures = QLabel("Across the store")
        figures.setObjectName("panelTitle")
        layout.addWidget(figures)
        cards = QGridLayout()
        cards.setSpacing(12)
        self.cards: dict[str, StatCard] = {}
        for i, spec in enumerate(dashboard_cards()):
            card = StatCard(spec.caption, spec.tip)
            card_layout = card.layout()
            if card_layout is not None:
                card_layout.setContentsMargins(12, 6, 12, 6)
            self.cards[spec.key] = card
            cards.addWidget(card, i // CARD_COLUMNS, i % CARD_COLUMNS)
        for column in range(CARD_COLUMNS):
            cards.setColumnStretch(column, 1)
        layout.addLayout(cards)
        layout.addStretch(1)

    # --- reading ---------------------------------------------------------------------------

    def activated(self) -> None:
        self.refresh()

    def reload(self) -> None:
        # A write elsewhere: read again now if Today is in sight (opening it reads anyway),
        # once more after a read already under way, not once per write of a busy import.
        if not self.isVisible():
            return
        if self._reading:
            self._again = True
            return
        self.refresh()

    def set_user(self, user: User) -> None:
        self.user = user
        self.refresh()

    def wait_until_loaded(self) -> None:
        wait_for(self._op)

    def refresh(self) -> Operation:
        store, user = self.store, self.user

        def work(_: Progress) -> tuple[dict[str, Any], Any]:
            from mdt_desktop.services.status import store_status
            from mdt_desktop.services.today import today_for

            status = store_status(store)
            status["counts"].update(card_figures(store))  # the features' own figures
            return status, today_for(store, user)

        def failed(exc: BaseException) -> None:
            self._reading = False
            show_failure(self, "Reading what is waiting for you today", exc)

        self._reading = True
        self._op = run_in_background(
            self,
            work,
            on_success=self._show,
            on_failure=failed,
            label="Reading what is waiting for you today",
        )
        return self._op

    def _show(self, result: tuple[dict[str, Any], Any]) -> None:
        self._reading = False
        self.status, self.summary = result
        counts = self.status["counts"]
        for key, card in self.cards.items():
            card.set_value(int(counts.get(key, self.status.get(key, 0))))
        self.demo_box.setVisible(counts.get("patients", 0) == 0 or self.demo_box.running)
        self._fill(self.summary)
        self.loaded.emit(self.summary)
        if self._again:
            self._again = False
            self.refresh()

    def _fill(self, t: Any) -> None:
        day = f"{t.today:%A} {format_patient_date(t.today)}"
        words = f"{day}. {self.user.name}: {_plural(t.caseload, 'person', 'people')} "
        words += "on your caseload."
        self.subtitle.setText(words)

        p = self.panels["referrals"]
        p.title.setText(f"Referrals waiting ({t.referrals_waiting:,})")
        if t.referrals:
            oldest = t.days_waiting(t.referrals[0])
            p.summary.setText(
                f"{_plural(t.referrals_waiting, 'referral')} waiting for the team; the oldest "
                f"for {_days(oldest)}."
            )
        else:
            p.summary.setText("No referrals are waiting for the team.")
        p.list.set_rows(
            [
                (
                    f"{_who(r.family_name, r.given_name, r.title)}: "
                    + _waiting_words(t.days_waiting(r))
                    + ("" if r.urgency == "routine" else f", {r.urgency}"),
                    r.patient_id,
                )
                for r in t.referrals
            ],
            "Nothing waiting.",
        )

        p = self.panels["reviews"]
        p.title.setText(f"My reviews ({t.reviews_due:,})")
        p.summary.setText(
            f"{t.reviews_overdue:,} overdue, {t.reviews_due - t.reviews_overdue:,} due in the "
            f"next 7 days, of the {_plural(t.caseload, 'person', 'people')} you coordinate."
            if t.caseload
            else "Nobody on the caseload has you as care coordinator yet."
        )
        p.list.set_rows(
            [
                (
                    f"{_who(r.family_name, r.given_name, r.title)}: "
                    f"{_due_words(r.next_review_on, t.today)}",
                    r.patient_id,
                )
                for r in t.reviews
            ],
            "No reviews due this week.",
        )

        p = self.panels["mentions"]
        p.title.setText(f"Notes mentioning me ({t.mentions_unread:,})")
        p.summary.setText(
            f"{_plural(t.mentions, 'note')} mention you; {t.mentions_unread:,} not read yet."
            if t.mentions
            else "No notes mention you."
        )
        p.list.set_rows(
            [
                (
                    ("Unread · " if m.read_at is None else "")
                    + f"{_who(m.family_name, m.given_name)}, {m.author_name}: "
                    f"{_short(m.text, 48)}",
                    m.patient_id,
                )
                for m in t.mention_rows
            ],
            "Nothing new.",
        )

        p = self.panels["actions"]
        p.title.setText(f"My actions ({t.actions_open:,})")
        p.summary.setText(
            f"{_plural(t.actions_open, 'action')} open, {t.actions_overdue:,} overdue."
            if t.actions_open
            else "You have no open actions."
        )
        p.list.set_rows(
            [
                (
                    (f"{_who(a.family_name, a.given_name)}: " if a.family_name else "")
                    + f"{_short(a.description, 40)}, {_due_words(a.due_on, t.today)}",
                    a.patient_id,
                )
                for a in t.actions
            ],
            "Nothing to do.",
        )

        p = self.panels["hospital"]
        p.title.setText(f"My people in hospital ({len(t.in_hospital):,})")
        p.summary.setText(
            f"{_plural(len(t.in_hospital), 'person', 'people')} you coordinate, or with a "
            "discharge task of yours, in hospital now."
            if t.in_hospital
            else "None of your people are in hospital."
        )
        p.list.set_rows(
            [
                (
                    f"{_who(line.row.family_name, line.row.given_name)}: "
                    f"{line.row.hospital or 'hospital'}, {_days(line.days_in)} in"
                    + (f"; {line.flags[0].label.lower()}" if line.flags else ""),
                    line.row.patient_id,
                )
                for line in t.in_hospital[:5]
            ],
            "Nobody in hospital.",
        )

        p = self.panels["meeting"]
        m = t.next_meeting
        p.open_button.setEnabled(True)
        if m is None:
            p.title.setText("Next meeting")
            p.summary.setText("No meeting is planned. Schedule one on the Meetings page.")
            p.open_button.setText("Meetings")
            p.list.set_rows([], "Nothing planned.")
            return
        local = m.starts_at.astimezone()
        p.title.setText("Next meeting")
        p.open_button.setText("The meeting")
        p.summary.setText(_agenda_words(m))
        when = f"{local:%A} {format_patient_date(local.date())} at {local:%H:%M}"
        p.list.set_rows([(when, None), *([(m.location, None)] if m.location else [])], "")

    # --- where each panel leads ------------------------------------------------------------

    def _demo_loaded(self) -> None:
        self.store_changed.emit()
        self.refresh()

    def open_person(self, patient_id: uuid.UUID) -> QWidget:
        return self.host.open_record(patient_id)

    def go_to(self, key: str) -> Page:
        """The list behind a panel: its page, with the filter that shows just those."""
        from .caseload.page import TAB_STATUSES

        if key in ("referrals", "reviews", "mentions"):
            page: Any = self.host.show_area("Caseload")
            if key == "referrals":
                page.tabs.setCurrentIndex(TAB_STATUSES.index("waiting"))
            elif key == "reviews":
                page.tabs.setCurrentIndex(TAB_STATUSES.index("active"))
                page.mine.setChecked(True)
            else:
                page.inbox_button.setChecked(True)
            return page
        if key == "hospital":
            page = self.host.show_area("Discharges")
            page.mine.setChecked(True)
            return page
        page = self.host.show_area("Meetings")
        if key == "actions":
            page.tracker.show_mine()
            page.tabs.setCurrentIndex(1)
        elif self.summary is not None and self.summary.next_meeting is not None:
            page.tabs.setCurrentIndex(0)
            page.choose(self.summary.next_meeting.meeting_id)
        return page


def _waiting_words(days: int) -> str:
    return "referred today" if days == 0 else f"waiting {_days(days)}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _agenda_words(m: Any) -> str:
    """The agenda against the meeting's length; the number of cases while meetings have no
    planned length (see store/today.py NextMeeting.length_minutes)."""
    cases = _plural(m.cases, "case")
    if m.length_minutes is None:
        return f"{cases} on the agenda ({m.minutes_allotted} minutes allotted)."
    over = m.minutes_allotted - m.length_minutes
    if over > 0:
        return (
            f"{cases}: {m.minutes_allotted} minutes of agenda for a {m.length_minutes}-minute "
            f"meeting, {over} minutes over."
        )
    return f"{cases}: {m.minutes_allotted} of {m.length_minutes} minutes planned."
