"""Features declare themselves once; the main window, the record and the dashboard follow."""

from __future__ import annotations

from mdt_desktop.gui import features as registry
from mdt_desktop.gui.features import Feature, Page, PageHost, RecordTab
from mdt_desktop.gui.main_window import AREAS, MainWindow
from mdt_desktop.gui.pages import NotBuiltPage
from mdt_desktop.gui.record import RECORD_TABS, tab_factory


def test_every_area_comes_from_one_feature_package() -> None:
    declared = registry.features()
    assert [f.name for f in declared] == list(registry.FEATURE_PACKAGES)
    assert ["Today", *(f.area for f in declared if f.area)] == AREAS
    assert all(isinstance(f, Feature) for f in declared)


def test_budgets_is_built_with_its_page_tab_and_card() -> None:
    feature = next(f for f in registry.features() if f.name == "budgets")
    assert feature.page is not None and feature.built
    (tab,) = feature.record_tabs
    assert tab.name == "Budget" and tab.name in RECORD_TABS and tab.factory is not None
    assert tab_factory(tab.name) is tab.factory
    (card,) = feature.dashboard_cards
    assert card.figure is not None  # worked out by the feature, not a plain row count


def test_built_features_plug_their_record_tabs_in() -> None:
    for tab in registry.record_tabs():
        if tab.factory is not None:
            assert tab_factory(tab.name) is tab.factory


def test_main_window_builds_each_page_from_its_descriptor(window: MainWindow) -> None:
    assert isinstance(window, PageHost)
    for feature in registry.areas():
        page = window.page(feature.area)
        assert isinstance(page, Page)
        assert isinstance(page, NotBuiltPage) == (feature.page is None)
    cards = window.page("Today").cards
    for card in registry.dashboard_cards():
        assert cards[card.key].caption.text() == card.caption


def test_main_window_presentation_hides_and_restores_its_chrome(qtbot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.enter_presentation()
    assert window.isFullScreen() and not window.nav.isVisible()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    window.leave_presentation()
    assert not window.isFullScreen() and window.nav.isVisible()
    assert window.menuBar().isVisible() and window.statusBar().isVisible()


def test_record_tabs_share_one_base() -> None:
    from mdt_desktop.gui.care_plan.editor import CarePlanEditor
    from mdt_desktop.gui.discharges.person_tab import PersonStaysTab
    from mdt_desktop.gui.meetings.person_tab import PersonMeetingsTab
    from mdt_desktop.gui.record.care_team import CareTeamTab
    from mdt_desktop.gui.record.notes import NotesTab
    from mdt_desktop.gui.record.summary import SummaryTab

    for cls in (
        SummaryTab,
        CareTeamTab,
        NotesTab,
        CarePlanEditor,
        PersonMeetingsTab,
        PersonStaysTab,
    ):
        assert issubclass(cls, RecordTab)
