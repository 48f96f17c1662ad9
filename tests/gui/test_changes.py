"""The app-wide change signal carries a worker's write to the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from mdt_desktop.gui.changes import changes_of
from mdt_desktop.services.users import ensure_team
from mdt_desktop.store.database import Store


def test_a_write_on_a_worker_thread_arrives_on_the_gui_thread(qtbot, store: Store) -> None:
    changes = changes_of(store)
    assert changes_of(store) is changes
    heard: list[tuple[frozenset[str], bool]] = []
    gui = QThread.currentThread()
    changes.tables_changed.connect(
        lambda tables: heard.append((tables, QThread.currentThread() is gui))
    )
    worker = threading.Thread(target=lambda: ensure_team(store, "Riverside Neighbourhood MDT"))
    worker.start()
    worker.join()
    assert heard == []  # queued, not called on the worker
    qtbot.waitUntil(lambda: bool(heard), timeout=2000)
    assert heard == [(frozenset({"teams"}), True)]
    changes.detach()
