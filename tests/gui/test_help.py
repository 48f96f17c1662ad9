"""Help: the guide (F1 for the area in front), the shortcut sheet, store details, About."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from sqlalchemy import select

from mdt_desktop import __version__
from mdt_desktop.gui.help import MEETING_MODE_KEYS, help_folder, key_text, meeting_mode_shortcuts
from mdt_desktop.gui.main_window import AREAS, MainWindow, slug
from mdt_desktop.gui.meetings.meeting_mode import MeetingMode
from mdt_desktop.services import demo
from mdt_desktop.services import sync as sync_service
from mdt_desktop.store import syncing
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import Meeting


def _help_text(window: MainWindow) -> str:
    assert window.help_window is not None and window.help_window.isVisible()
    return window.help_window.browser.toPlainText()


def test_every_area_has_a_page_in_the_guide_and_f1_opens_it(qtbot, window: MainWindow) -> None:
    for area in AREAS:
        assert (help_folder() / f"{slug(area)}.md").is_file(), area
        window.show_area(area)
        qtbot.keyClick(window.stack.currentWidget(), Qt.Key.Key_F1)
        assert window.help_window is not None and window.help_window.page_name == slug(area)
        # The page's own words, not the contents page each time.
        assert area.lower() in _help_text(window).lower().splitlines()[0]
    window.help_window.contents.click()
    assert window.help_window.page_name == "index"
    assert "user guide" in _help_text(window).lower()


def test_links_in_the_guide_lead_to_pages_that_exist() -> None:
    import re

    for page in help_folder().glob("*.md"):
        for target in re.findall(r"\]\(([^)]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (help_folder() / target).is_file(), f"{page.name} → {target}"


def _registered(widget) -> set[str]:
    keys = set()
    for action in [*widget.actions(), *widget.findChildren(QAction)]:
        keys |= {key_text(k) for k in action.shortcuts() if not k.isEmpty()}
    for shortcut in widget.findChildren(QShortcut):
        keys |= {key_text(k) for k in shortcut.keys() if not k.isEmpty()}  # noqa: SIM118
    return keys


def test_the_shortcut_sheet_lists_every_key_the_main_window_holds(window: MainWindow) -> None:
    sheet = window.shortcut_sheet()  # before any page was opened: it builds them
    assert set(window.pages) == set(AREAS)
    registered = _registered(window)
    assert {"Ctrl+L", "F1", "Ctrl+/", "Ctrl+Shift+S", "F5"} <= registered
    for key in registered:
        assert f"<b>{key}</b>" in sheet, key
    assert "(no description)" not in sheet
    window.show_shortcuts()
    assert "Lock now" in _help_text(window) and "User guide" in _help_text(window)


def test_the_sheet_lists_every_key_of_meeting_mode(qtbot, store: Store, user) -> None:
    demo.generate_demo(store, 600, seed=2)
    with store.session() as s:
        meeting = s.scalars(select(Meeting.id).order_by(Meeting.starts_at)).first()
    mode = MeetingMode(store, meeting)
    qtbot.addWidget(mode)
    live = _registered(mode)
    assert {"Right", "D", "Esc"} <= live
    # Read from the screen itself, and the table used while no meeting is presented
    # holds exactly meeting mode's keys: neither can drift from what works.
    assert {line.keys for line in meeting_mode_shortcuts(mode)} == live
    assert set(MEETING_MODE_KEYS) == live
    assert all(line.what != "(no description)" for line in meeting_mode_shortcuts(mode))
    window = MainWindow(store, user, idle_ms=100_000_000)
    qtbot.addWidget(window)
    sheet = window.shortcut_sheet()
    for key in live:
        assert f"<b>{key}</b>" in sheet.split("Meeting mode", 1)[1], key
    window.close()


def test_about_says_the_version_and_the_real_sync_state(window: MainWindow) -> None:
    text = window.about_text()
    assert __version__ in text
    assert "No team server is set up" in text and "Offline — no server configured" not in text
    sync_service.configure(window.store, "https://mdt.example.nhs.uk", "sam.carter")
    text = window.about_text()
    assert "https://mdt.example.nhs.uk" in text and "sam.carter" in text
    assert "not synced yet" in text.lower()
    pending = sync_service.status(window.store).pending
    assert f"{pending} change" in text
    syncing.set_meta_values(
        window.store,
        {syncing.META_LAST_SYNC: datetime(2026, 11, 30, 9, 15, tzinfo=UTC).isoformat()},
    )
    assert "last synced" in window.about_text().lower()


def test_store_details_hold_the_figures_today_no_longer_shows(qtbot, window: MainWindow) -> None:
    dialog = window.show_store_details()
    qtbot.waitUntil(lambda: "Audit log entries" in _help_text(window) or "Audit entries"
                    in _help_text(window), timeout=10_000)  # fmt: skip
    text = _help_text(window)
    assert "Changes waiting to sync" in text and "Sync conflicts" in text
    assert str(window.store.path) in text
    actions = [a.text() for a in window.menuBar().actions()[-1].menu().actions()]
    assert "&Store details…" in actions
    dialog.close()


def test_f1_shortcut_is_the_standard_help_key(window: MainWindow) -> None:
    assert QKeySequence(QKeySequence.StandardKey.HelpContents) in window.guide_action.shortcuts()


def test_f1_in_meeting_mode_opens_its_page(qtbot, store: Store, user, on_modal) -> None:
    from PySide6.QtWidgets import QMessageBox

    demo.generate_demo(store, 1500, seed=3, join_team=True)
    from mdt_desktop.services.users import current_user

    me = current_user(store)
    window = MainWindow(store, me, idle_ms=100_000_000)
    qtbot.addWidget(window)
    window.show()
    meetings = window.show_area("Meetings")
    meetings.wait_until_loaded()
    upcoming = next(s for s in meetings.summaries if s.status == "planned")
    meetings.choose(upcoming.id)
    on_modal(lambda box: box.button(QMessageBox.StandardButton.Yes).click())  # not quorate
    mode = meetings.present()
    assert mode is not None and mode.isVisible()
    # The menu bar is hidden while presenting; the window itself still answers F1.
    window.activateWindow()  # back from the quorum question
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(mode, Qt.Key.Key_F1)
    assert window.help_window is not None and window.help_window.page_name == "meeting-mode"
    sheet = window.shortcut_sheet().split("Meeting mode", 1)[1]
    for line in meeting_mode_shortcuts(mode):
        assert f"<b>{line.keys}</b>" in sheet
    window.help_window.close()
    meetings.leave_meeting_mode()
    window.close()
