"""Today: what waits for the signed-in person, each a click from the list behind it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from mdt_desktop.domain.discharges import local_date
from mdt_desktop.gui.caseload.page import TAB_STATUSES
from mdt_desktop.gui.main_window import MainWindow
from mdt_desktop.gui.record.view import RecordWindow
from mdt_desktop.gui.today import TodayPage
from mdt_desktop.services import demo
from mdt_desktop.services.notes import write_note
from mdt_desktop.services.staff import staff_for_user
from mdt_desktop.services.users import current_user
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Action, CaseloadEntry, NoteMention, Referral, User

NEVER_MS = 100_000_000


@pytest.fixture
def me(store: Store, user: User) -> User:
    """A district nurse who joined the demo team on the first run."""
    demo.generate_demo(store, 3000, seed=3, join_team=True)
    fresh = current_user(store)
    assert fresh is not None
    return fresh


@pytest.fixture
def today(qtbot, store: Store, me: User) -> Iterator[tuple[MainWindow, TodayPage]]:
    window = MainWindow(store, me, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    page = window.show_area("Today")
    assert isinstance(page, TodayPage)
    page.wait_until_loaded()
    yield window, page
    window.close()


def _rows(page: TodayPage, key: str) -> list[str]:
    lst = page.panels[key].list
    return [lst.item(i).text() for i in range(lst.count())]


def test_today_is_the_first_page_and_shows_no_store_internals(today) -> None:
    window, page = today
    assert window.nav.item(0).text() == "Today"
    assert set(page.cards).isdisjoint({"audit_entries", "outbox_pending", "sync_conflicts_open"})
    assert page.cards["patients"].value.text() == "3,000"  # the features' cards stay


def test_referrals_waiting_oldest_first_with_days_waiting(store: Store, today) -> None:
    _window, page = today
    with store.session() as s:
        waiting = s.execute(
            select(Referral.referred_at)
            .where(Referral.status == "waiting", Referral.team_id == page.user.team_id)
            .order_by(Referral.referred_at)
        ).all()
    assert waiting, "the demo has referrals waiting"
    assert page.summary.referrals_waiting == len(waiting)
    assert page.panels["referrals"].title.text() == f"Referrals waiting ({len(waiting)})"
    oldest = (local_date(datetime.now(UTC)) - local_date(waiting[0][0])).days
    assert f"the oldest for {oldest} day" in page.panels["referrals"].summary.text()
    shown = [r.referred_at for r in page.summary.referrals]
    assert shown == sorted(shown)
    rows = _rows(page, "referrals")
    assert len(rows) == min(5, len(waiting))
    assert ("waiting" in rows[0] and "day" in rows[0]) or "referred today" in rows[0]


def test_my_reviews_actions_and_mentions_are_mine(store: Store, today) -> None:
    _window, page = today
    staff = staff_for_user(store, page.user).id
    day = local_date(datetime.now(UTC))
    with store.session() as s:
        mine = s.scalar(
            select(func.count())
            .select_from(CaseloadEntry)
            .where(CaseloadEntry.care_coordinator_id == staff, CaseloadEntry.status == "active")
        )
        due = s.scalar(
            select(func.count())
            .select_from(CaseloadEntry)
            .where(
                CaseloadEntry.care_coordinator_id == staff,
                CaseloadEntry.status == "active",
                CaseloadEntry.next_review_on <= day + timedelta(days=7),
            )
        )
        actions = s.scalar(
            select(func.count())
            .select_from(Action)
            .where(Action.owner_staff_id == staff, Action.status == "open")
        )
        mentions = s.scalar(
            select(func.count()).select_from(NoteMention).where(NoteMention.staff_id == staff)
        )
    t = page.summary
    # The new user coordinates a working caseload, with reviews, actions and mentions.
    assert t.caseload == mine and mine >= 5
    assert t.reviews_due == due and due >= 1
    assert t.actions_open == actions and actions >= 1
    assert t.mentions == mentions
    assert f"{mine} people on your caseload" in page.subtitle.text()
    reviews = [r.next_review_on for r in t.reviews]
    assert reviews == sorted(reviews)  # the most overdue first
    if t.reviews_overdue:
        assert "overdue by" in _rows(page, "reviews")[0]


def test_a_new_mention_appears_unread_first_without_a_refresh(qtbot, store: Store, today) -> None:
    _window, page = today
    staff = staff_for_user(store, page.user).id
    before = page.summary.mentions_unread
    patient = page.summary.referrals[0].patient_id
    write_note(store, patient, "Please visit this week: carer unwell.", mention_staff_ids=[staff])
    # The change signal reloads Today: no button pressed.
    qtbot.waitUntil(lambda: page.summary.mentions_unread == before + 1, timeout=10_000)
    first = _rows(page, "mentions")[0]
    assert first.startswith("Unread") and "Please visit this week" in first


def test_each_panel_leads_to_the_list_behind_it(qtbot, today) -> None:
    window, page = today
    qtbot.mouseClick(page.panels["referrals"].open_button, Qt.MouseButton.LeftButton)
    caseload = window.pages["Caseload"]
    assert window.stack.currentWidget() is caseload
    assert caseload.tabs.currentIndex() == TAB_STATUSES.index("waiting")

    window.show_area("Today")
    page.panels["reviews"].open_button.click()
    assert caseload.tabs.currentIndex() == TAB_STATUSES.index("active")
    assert caseload.mine.isChecked()

    window.show_area("Today")
    page.panels["mentions"].open_button.click()
    assert caseload.inbox_button.isChecked()

    window.show_area("Today")
    page.panels["actions"].open_button.click()
    meetings = window.pages["Meetings"]
    assert window.stack.currentWidget() is meetings and meetings.tabs.currentIndex() == 1
    assert meetings.tracker.owner.currentData()[0] == "mine"

    window.show_area("Today")
    page.panels["meeting"].open_button.click()
    assert meetings.tabs.currentIndex() == 0
    assert meetings.meeting_id == page.summary.next_meeting.meeting_id

    window.show_area("Today")
    page.panels["hospital"].open_button.click()
    board = window.pages["Discharges"]
    assert window.stack.currentWidget() is board and board.mine.isChecked()


def test_a_click_on_a_person_opens_their_record(qtbot, today) -> None:
    _window, page = today
    lst = page.panels["referrals"].list
    wanted = page.summary.referrals[0].patient_id
    rect = lst.visualItemRect(lst.item(0))
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    opened = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, RecordWindow) and w.isVisible() and w.view.patient_id == wanted
    ]
    assert len(opened) == 1
    opened[0].close()
    # and Enter on a row, from the keyboard
    reviews = page.panels["reviews"].list
    reviews.setFocus()
    reviews.setCurrentRow(0)
    qtbot.keyClick(reviews, Qt.Key.Key_Return)
    wanted = page.summary.reviews[0].patient_id
    assert any(
        isinstance(w, RecordWindow) and w.isVisible() and w.view.patient_id == wanted
        for w in QApplication.topLevelWidgets()
    )
    for w in QApplication.topLevelWidgets():
        if isinstance(w, RecordWindow):
            w.close()


def test_next_meeting_shows_its_agenda(today) -> None:
    _window, page = today
    m = page.summary.next_meeting
    assert m is not None and m.cases > 0
    # Meetings have a length now: the agenda is shown against it.
    assert m.length_minutes == 90
    words = page.panels["meeting"].summary.text()
    assert words.startswith(f"{m.cases} cases: ")
    assert (
        f"{m.minutes_allotted} of 90 minutes" in words
        or f"{m.minutes_allotted} minutes of agenda for a 90-minute" in words
    )


@pytest.mark.parametrize("size", [QSize(1366, 768), QSize(1920, 1080)])
def test_screenshot_of_today(qtbot, today, tmp_path, size: QSize) -> None:
    window, page = today
    window.resize(size)
    qtbot.wait(50)
    # Nothing runs off the right-hand edge: the panels fit the page's width.
    for panel in page.panels.values():
        right = panel.mapTo(page, panel.rect().topRight()).x()
        assert right <= page.width(), panel.key
    path = tmp_path / f"today-{size.width()}.png"
    assert window.grab().save(str(path))
    assert path.stat().st_size > 20_000


def test_demo_from_today_puts_me_in_its_team_and_the_pages_follow(
    qtbot, store: Store, user: User
) -> None:
    window = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    page = window.show_area("Today")
    page.wait_until_loaded()
    assert page.demo_box.isVisible() and page.demo_join.isChecked()
    assert page.summary.next_meeting is None  # my own team has no meetings
    page.demo_size.addItem("1,500 people", 1500)
    page.demo_size.setCurrentIndex(page.demo_size.count() - 1)
    with qtbot.waitSignal(page.store_changed, timeout=60_000):
        page.demo_button.click()
    assert window.user.team_id != user.team_id  # the window's profile follows the move
    qtbot.waitUntil(lambda: page.summary.next_meeting is not None, timeout=10_000)
    meetings = window.show_area("Meetings")
    meetings.wait_until_loaded()
    assert meetings.team_id == window.user.team_id and meetings.summaries
    window.close()


def test_a_failed_demo_on_today_is_said_in_words(
    qtbot, store: Store, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdt_desktop.services.demo import population

    def broken(*_args: object) -> None:
        raise ValueError("Sample larger than population or is negative")

    monkeypatch.setattr(population, "add_demo_meetings", broken)
    window = MainWindow(store, user, idle_ms=NEVER_MS)
    qtbot.addWidget(window)
    window.show()
    page = window.show_area("Today")
    page.wait_until_loaded()
    page.demo_size.addItem("600 people", 600)
    page.demo_size.setCurrentIndex(page.demo_size.count() - 1)
    op = page.start_demo()
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: "could not be made" in page.demo_status.text(), timeout=10_000)
    assert "Sample larger" not in page.demo_status.text()
    page.refresh()
    page.wait_until_loaded()
    assert page.cards["patients"].value.text() == "0" and page.demo_box.isVisible()
    assert window.user.team_id == user.team_id
    window.close()
