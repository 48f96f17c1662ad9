"""Tabs of the patient record, and how other features plug theirs in.

A feature declares its tabs once, in its descriptor (``gui/<feature>/__init__.py``,
``RecordTabSpec(name, factory)`` where ``factory(store, user, patient_id) -> QWidget``); they
are registered here from :func:`mdt_desktop.gui.features.record_tabs`. A tab with no factory
shows a plain "not built yet" panel, so the record's shape never changes. Tests may swap a
factory with :func:`register_record_tab`.
"""

from __future__ import annotations

from ..features import TabFactory

# The record's tabs, in the order they are shown: the record's own three, then features'.
# A feature's tab not named here is added after the others.
RECORD_TABS = ["Summary", "Care team", "Notes", "Care plan", "Meetings", "Discharges", "Budget"]

_factories: dict[str, TabFactory] = {}


def register_record_tab(name: str, factory: TabFactory) -> None:
    """Plug a feature's tab into every record opened from now on.

    A name not in :data:`RECORD_TABS` is added after the others.
    """
    if not name.strip():
        raise ValueError("a record tab needs a name")
    _factories[name] = factory
    if name not in RECORD_TABS:
        RECORD_TABS.append(name)


def unregister_record_tab(name: str) -> None:
    _factories.pop(name, None)


def tab_factory(name: str) -> TabFactory | None:
    return _factories.get(name)


def coming(name: str) -> str:
    """What a tab not built yet will show, as its feature declares it."""
    from ..features import record_tabs

    return next((t.coming for t in record_tabs() if t.name == name and t.coming), "")


def _register_features() -> None:
    """Every feature's record tabs (gui/features.py), in the record's order above."""
    from ..features import record_tabs

    for tab in record_tabs():
        if tab.factory is not None:
            register_record_tab(tab.name, tab.factory)
        elif tab.name not in RECORD_TABS:
            RECORD_TABS.append(tab.name)


_register_features()
