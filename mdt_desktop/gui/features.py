"""Every area of the app declares itself once, here, and the windows iterate the list.

A feature is a package ``gui/<feature>/`` whose ``__init__`` holds one :class:`Feature`:
its area in the navigation, how its page is built, the tabs it adds to a person's record,
its figures on the dashboard and the demo step that fills it. The main window, the record
window and the dashboard read :func:`features` and have no per-feature code, so adding a
feature touches its own package and one line of :data:`FEATURE_PACKAGES`.

The base classes a feature's widgets derive from live here too: :class:`Page` for an area,
:class:`RecordTab` for a tab of the record, and :class:`PageHost`, what a page may ask of the
window it sits in (open a record, present full screen) instead of reaching into its widgets.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User


class Page(QWidget):
    """An area of the main window. ``title`` shows in the navigation and the page header."""

    title = ""
    #: The tables whose changes this page shows: a write touching one reloads it.
    shows: frozenset[str] = frozenset()
    #: The user guide's page for this area (resources/help/<name>.md; F1 opens it). Empty:
    #: the area's name as a file name ("Case finding" → case-finding).
    help_page: str = ""

    def activated(self) -> None:
        """Called each time the user opens this area."""

    def reload(self) -> None:
        """Read what the page shows from the store again."""

    def set_user(self, user: User) -> None:
        """Another person signed in: pages with permissions or "mine" filters follow them."""

    def wait_until_loaded(self) -> None:
        """Block until background reads started by the page have finished (screenshots)."""

    def tables_changed(self, tables: frozenset[str]) -> None:
        """A write somewhere in the app touched ``tables`` (``gui/changes.py``): a page
        showing one of them reloads, keeping its place."""
        if tables & self.shows:
            self.reload()


class RecordTab(QWidget):
    """A tab of a person's record. It emits ``changed`` after it changed something, and
    is asked to ``reload`` when another tab of the same record did."""

    changed = Signal()

    def reload(self) -> None:
        """Read this person's part of the record again."""


@runtime_checkable
class PageHost(Protocol):
    """What a page may ask of the window that holds it."""

    def open_record(self, patient_id: uuid.UUID, tab: str = "Summary") -> QWidget: ...

    def enter_presentation(self) -> None:
        """Only the page may be seen: full screen, no navigation, menus or status bar."""

    def leave_presentation(self) -> None:
        """Back to the window as it was before :meth:`enter_presentation`."""


PageFactory = Callable[[Store, User, PageHost], Page]
TabFactory = Callable[[Store, User, uuid.UUID], QWidget]
MenuFactory = Callable[[Any], Any]  # (main window) -> the QMenu it added


@dataclass(frozen=True)
class DashboardCard:
    """One figure on the dashboard: a key of ``store_status()["counts"]`` (or a top-level
    key of it), its caption and tooltip. A feature whose figure is not a plain count gives
    ``figure``, read off the GUI thread with the store's status (:func:`card_figures`)."""

    key: str
    caption: str
    tip: str
    figure: Callable[[Store], int] | None = None


@dataclass(frozen=True)
class RecordTabSpec:
    """A tab a feature adds to the record. No factory: the tab says it is not built yet,
    and ``coming`` says what it will show."""

    name: str
    factory: TabFactory | None = None
    coming: str = ""


@dataclass(frozen=True)
class Feature:
    """One area of the app, declared once in ``gui/<feature>/__init__.py``.

    ``area`` is its name in the navigation (None: the feature has no page, only menus).
    ``page`` builds the page the first time it is opened; None shows a plain "not built
    yet" page saying ``coming``. ``demo_step`` names the service that fills it in the demo
    (in ``services/demo``), so the checklist and the docs can find it.
    """

    name: str
    area: str | None = None
    page: PageFactory | None = None
    coming: str = ""
    record_tabs: tuple[RecordTabSpec, ...] = ()
    dashboard_cards: tuple[DashboardCard, ...] = ()
    demo_step: str = ""
    menus: tuple[MenuFactory, ...] = ()

    @property
    def built(self) -> bool:
        return self.area is None or self.page is not None


# The feature packages in the order of the navigation. Adding a feature: its package, one
# line here (docs/adding-a-feature.md).
FEATURE_PACKAGES = (
    "case_finding",
    "caseload",
    "meetings",
    "care_plan",
    "budgets",
    "discharges",
    "team",
)

_features: tuple[Feature, ...] | None = None


def features() -> tuple[Feature, ...]:
    """Every feature's descriptor. Importing a feature package is cheap: its pages and
    tabs are imported by their factories, when first opened."""
    global _features
    if _features is None:
        _features = tuple(
            importlib.import_module(f"{__package__}.{name}").FEATURE for name in FEATURE_PACKAGES
        )
    return _features


def areas() -> list[Feature]:
    """The features with a page, in navigation order."""
    return [f for f in features() if f.area is not None]


def record_tabs() -> list[RecordTabSpec]:
    return [tab for f in features() for tab in f.record_tabs]


def dashboard_cards() -> list[DashboardCard]:
    return [card for f in features() for card in f.dashboard_cards]


def card_figures(store: Store) -> dict[str, int]:
    """The figures the features work out themselves, by card key (off the GUI thread)."""
    return {c.key: c.figure(store) for c in dashboard_cards() if c.figure is not None}
