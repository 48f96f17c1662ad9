"""One app-wide signal: after a write commits, which tables it touched, on the GUI thread.

The store tells its change listeners on the thread that committed (often a worker's:
see ``Store.add_change_listener``). :class:`Changes` is one such listener per store; it
hands the table names to the GUI thread through a queued signal, and every page that
shows those tables refreshes from :attr:`Changes.tables_changed` (the main window passes it
to each page's ``tables_changed``). No screen wires its refresh to another by hand.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from mdt_desktop.store.database import Store


class Changes(QObject):
    """The store's change listener, living on the GUI thread."""

    tables_changed = Signal(frozenset)
    _arrived = Signal(frozenset)  # emitted on any thread, delivered on the GUI thread

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self._arrived.connect(self.tables_changed.emit, Qt.ConnectionType.QueuedConnection)
        store.add_change_listener(self._arrived.emit)

    def detach(self) -> None:
        self.store.remove_change_listener(self._arrived.emit)


_by_store: weakref.WeakKeyDictionary[Store, Changes] = weakref.WeakKeyDictionary()


def changes_of(store: Store) -> Changes:
    """The one :class:`Changes` of ``store`` (made on first use, on the GUI thread)."""
    changes = _by_store.get(store)
    if changes is None:
        changes = _by_store[store] = Changes(store)
    return changes


def deliver_now() -> None:
    """Deliver changes already committed (tests; queued signals wait for the event loop)."""
    QCoreApplication.sendPostedEvents(None, 0)


__all__ = ["Changes", "changes_of", "deliver_now"]
