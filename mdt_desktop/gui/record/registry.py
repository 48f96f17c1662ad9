"""Tabs of the patient record, and how other features plug theirs in.

A feature registers a factory once, at import: ``register_record_tab("Care plan",
factory)`` where ``factory(store, user, patient_id) -> QWidget``. A tab with no factory
shows a plain "not built yet" panel, so the record's shape never changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import User

TabFactory = Callable[[Store, User, uuid.UUID], QWidget]

# The record's tabs, in the order they are shown.
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


# The features built so far, imported only when their tab is first opened.
def _care_plan_tab(store: Store, user: User, patient_id: uuid.UUID) -> QWidget:
    from ..care_plan.editor import care_plan_tab

    return care_plan_tab(store, user, patient_id)


def _meetings_tab(store: Store, user: User, patient_id: uuid.UUID) -> QWidget:
    from ..meetings import meetings_tab

    return meetings_tab(store, user, patient_id)


def _discharges_tab(store: Store, user: User, patient_id: uuid.UUID) -> QWidget:
    from ..discharges.person_tab import discharges_tab

    return discharges_tab(store, user, patient_id)


register_record_tab("Care plan", _care_plan_tab)
register_record_tab("Meetings", _meetings_tab)
register_record_tab("Discharges", _discharges_tab)
