"""The Budgets table model and the page's filter and totals, over fake rows (no database)."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt

from mdt_desktop.domain.budgets import (
    Alert,
    AlertKind,
    NextReview,
    Projection,
    ReviewClock,
    ReviewReason,
)
from mdt_desktop.gui.budgets.model import SORT_ROLE, BudgetsModel
from mdt_desktop.services.budgets import BudgetSummary, screens
from mdt_desktop.store.budgets import BudgetRow, Figures


def _budget(
    family: str, allocated: int, spent: int, *, status: str = "active", kind: str = "health",
    source: str = "nhs_chc", alerts: tuple[Alert, ...] = (), review: date | None = None,
    projected: int = 0,
) -> BudgetSummary:  # fmt: skip
    row = BudgetRow(
        uuid.uuid4(), None, uuid.uuid4(), family, "Ann", "9990001234", kind, source,
        "direct_payment", status, date(2026, 4, 1), date(2027, 3, 31), allocated, allocated,
        None, None, None, False, None, None, None,
        Figures(allocated, allocated - spent, spent, 0), 0, 0, False,
    )  # fmt: skip
    nxt = (
        NextReview(review, ReviewClock.NHS_DIRECT_PAYMENT, ReviewReason.STATUTORY)
        if review
        else None
    )
    return BudgetSummary(row, Projection(spent, 30, spent, projected, None), nxt, alerts)


OVER = Alert(AlertKind.PROJECTED_OVERSPEND, "At this rate £1.00 more than allocated is used.")
NO_RECEIPT = Alert(AlertKind.MISSING_EVIDENCE, "1 direct payment has no receipt.")


def _rows() -> list[BudgetSummary]:
    return [
        _budget("Young", 1_000_000, 12_345, alerts=(OVER, NO_RECEIPT), projected=-100,
                review=date(2026, 7, 1)),
        _budget("Abbott", 2_600_000, 0, kind="integrated", source="social_care"),
        _budget("Mills", 50_000, 50_000, status="closed"),
    ]  # fmt: skip


def test_cells_read_as_people_read_them(qtbot) -> None:
    m = BudgetsModel()
    m.set_rows(_rows())
    assert m.data(m.index(0, m.COL_PERSON)) == "YOUNG, Ann   999 000 1234"
    assert m.data(m.index(0, m.COL_TYPE)) == "Health"
    assert m.data(m.index(0, m.COL_TYPE), Qt.ItemDataRole.ToolTipRole) == "Personal health budget"
    assert m.data(m.index(0, m.COL_ALLOCATION)) == "£10,000.00"
    assert m.data(m.index(0, m.COL_SPENT)) == "£123.45"
    assert m.data(m.index(0, m.COL_AVAILABLE)) == "£9,876.55"
    assert m.data(m.index(0, m.COL_PROJECTED)) == "−£1.00"
    assert m.data(m.index(0, m.COL_REVIEW)) == "01-Jul-2026"
    assert m.data(m.index(0, m.COL_ALERTS)) == (
        "(2) Projected overspend; Direct payment without evidence"
    )
    tip = m.data(m.index(0, m.COL_ALERTS), Qt.ItemDataRole.ToolTipRole)
    assert tip == f"{OVER.message}\n{NO_RECEIPT.message}"
    assert m.data(m.index(1, m.COL_ALERTS)) == ""
    align = m.data(m.index(0, m.COL_SPENT), Qt.ItemDataRole.TextAlignmentRole)
    assert align & int(Qt.AlignmentFlag.AlignRight)


def test_sorting_by_money_is_by_pence_not_text(qtbot) -> None:
    m = BudgetsModel()
    m.set_rows(_rows())
    m.sort(m.COL_ALLOCATION, Qt.SortOrder.DescendingOrder)
    assert [b.row.family_name for b in m.rows] == ["Abbott", "Young", "Mills"]
    assert m.data(m.index(0, m.COL_ALLOCATION), SORT_ROLE) == 2_600_000
    m.sort(m.COL_PERSON)
    assert [b.row.family_name for b in m.rows] == ["Abbott", "Mills", "Young"]


def test_the_record_tab_leaves_the_person_out(qtbot) -> None:
    m = BudgetsModel(without_person=True)
    m.set_rows(_rows())
    assert m.columnCount() == len(BudgetsModel.HEADERS) - 1
    assert m.headerData(0, Qt.Orientation.Horizontal) == "Type"
    assert m.data(m.index(0, 0)) == "Health"
    assert m.data(m.index(0, 3)) == "£10,000.00"
    m.sort(3, Qt.SortOrder.AscendingOrder)  # the allocation, in the tab's own columns
    assert [b.row.family_name for b in m.rows] == ["Mills", "Young", "Abbott"]


def test_filters_and_totals_of_what_is_shown() -> None:
    rows = _rows()
    shown = screens.filtered(rows, screens.BudgetFilter())
    assert [b.row.family_name for b in shown] == ["Young", "Abbott"]  # not closed
    t = screens.totals(shown)
    assert (t.budgets, t.allocated, t.spent) == (2, 3_600_000, 12_345)
    assert t.available == 3_600_000 - 12_345
    every = screens.filtered(rows, screens.BudgetFilter(status=None))
    assert len(every) == 3
    alerting = screens.filtered(rows, screens.BudgetFilter(status=None, alert="any"))
    assert [b.row.family_name for b in alerting] == ["Young"]
    by_kind = screens.filtered(rows, screens.BudgetFilter(kind="integrated"))
    assert [b.row.family_name for b in by_kind] == ["Abbott"]
    by_source = screens.filtered(
        rows, screens.BudgetFilter(status="closed", funding_source="nhs_chc")
    )
    assert [b.row.family_name for b in by_source] == ["Mills"]
    assert screens.totals([]) == screens.Totals(0, 0, 0, 0, 0)
