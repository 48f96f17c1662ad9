"""One paged table model for the long lists (case finding, the caseload, the audit log).

The rows come from a ``read(offset, limit)`` function (a store read through a service: SQL
filters, sorts and pages, never Python), :data:`PAGE_SIZE` at a time as the view scrolls
(``fetchMore``). Sorting maps a column to a sort key and re-reads. After a change made
elsewhere, :func:`refresh_keeping_place` re-reads the rows already shown in place, so the
view keeps its scroll position and selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from .table_model import Index, RowsTableModel

PAGE_SIZE = 200  # rows read at a time: a screenful many times over, quick to decrypt

Read = Callable[[int, int], list[Any]]  # (offset, limit) -> rows


class PagedTableModel(RowsTableModel):
    """Rows read a page at a time from :meth:`read_rows`.

    Subclasses say how a cell reads (``data``), which sort key each column has
    (``SORT_KEYS``, ``None``: not sortable) and how to read (``read_rows``, or a ``read``
    function given to the constructor, which is how the models are tested without a
    database). ``row_key`` is what identifies a row across re-reads (its first field).
    """

    SORT_KEYS: Sequence[str | None] = ()

    def __init__(
        self,
        parent: Any = None,
        *,
        read: Read | None = None,
        sort_key: str | None = None,
        descending: bool = False,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self.sort_key = sort_key
        self.descending = descending
        self.rows: list[Any] = []
        self.exhausted = True

    def read_rows(self, offset: int, limit: int) -> list[Any]:
        if self._read is None:
            raise NotImplementedError("a paged model needs a read function or read_rows()")
        return self._read(offset, limit)

    def row_key(self, row: Any) -> Any:
        return row[0]

    def sort_keys(self) -> Sequence[str | None]:
        return self.SORT_KEYS

    def before_read(self) -> None:
        """Hook: settle the filter before the first page is read (e.g. today's date)."""

    # --- reading ---------------------------------------------------------------------

    def reload(self) -> None:
        """From the top: a new filter or order."""
        self.beginResetModel()
        self.before_read()
        self.rows = self.read_rows(0, PAGE_SIZE)
        self.exhausted = len(self.rows) < PAGE_SIZE
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        more = self.read_rows(len(self.rows), PAGE_SIZE)
        if not more:
            self.exhausted = True
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()
        self.exhausted = len(more) < PAGE_SIZE

    def refresh_in_place(self) -> None:
        """Re-read the rows already shown. The same rows in the same order: their cells
        change (the view keeps everything); someone left or joined: a reset, which
        :func:`refresh_keeping_place` turns back into the same place and selection."""
        wanted = max(len(self.rows), PAGE_SIZE)
        rows = self.read_rows(0, wanted)
        if [self.row_key(r) for r in rows] != [self.row_key(r) for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.exhausted = len(rows) < wanted
            self.endResetModel()
            return
        self.rows = rows
        if rows:
            last = self.index(len(rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        keys = self.sort_keys()
        key = keys[column] if column < len(keys) else None
        if key is None:
            return  # a column nobody reads the list in the order of
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()


def refresh_keeping_place(table: QTableView, model: PagedTableModel) -> None:
    """Re-read ``model`` in place; ``table`` keeps its scroll position and the people
    selected who are still listed (after a change made elsewhere: a record window)."""
    selection = table.selectionModel()
    chosen = {model.row_key(model.rows[i.row()]) for i in selection.selectedRows()}
    scrolled = table.verticalScrollBar().value()
    model.refresh_in_place()
    if chosen and not selection.selectedRows():
        for row in range(model.rowCount()):
            if model.row_key(model.rows[row]) in chosen:
                selection.select(
                    model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
    table.verticalScrollBar().setValue(scrolled)


__all__ = ["PAGE_SIZE", "PagedTableModel", "Read", "refresh_keeping_place"]
