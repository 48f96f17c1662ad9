"""The paged table model and the three lists on it, with fake reads and no database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from mdt_desktop.gui.case_finding import CaseFindingModel
from mdt_desktop.gui.caseload import CaseloadModel
from mdt_desktop.gui.team.audit_viewer import AuditModel
from mdt_desktop.gui.widgets.paged_model import PAGE_SIZE, refresh_keeping_place
from mdt_desktop.services.audit_log import AuditRow
from mdt_desktop.store import caseload as caseload_store


class FakeRead:
    """Rows made by ``make(i)`` for i in range(total); records each call."""

    def __init__(self, total: int, make) -> None:
        self.total = total
        self.make = make
        self.calls: list[tuple[int, int]] = []
        self.version = 0

    def __call__(self, offset: int, limit: int) -> list:
        self.calls.append((offset, limit))
        return [self.make(i, self.version) for i in range(offset, min(self.total, offset + limit))]


def _case_finding_row(i: int, version: int) -> tuple:
    pid = uuid.UUID(int=i + 1).hex
    caseload = "referred" if version and i == 250 else ""
    return (pid, f"FAMILY{i:04d}", "Given", "Ms", "9434765919", "1940-05-01", "A81001",
            "moderate", 0.25, "complex", 1, 50.0, caseload)  # fmt: skip


def _caseload_row(i: int, version: int) -> tuple:
    values = dict.fromkeys(caseload_store.COLUMNS)
    values.update(
        id=uuid.UUID(int=i + 1).hex, kind="case", patient_id=uuid.UUID(int=i + 1000).hex,
        family_name=f"FAMILY{i:04d}", given_name="Given", title="Mr", status="active",
        coordinator="Sam Carter", next_review_on="2026-12-01", since="2026-01-05",
        escalated_at="2026-11-20T10:00:00+00:00" if version else None,
        escalation_reason="Two falls" if version else None,
        in_hospital=0, has_care_plan=1, risk_score=40.0,
    )  # fmt: skip
    return tuple(values[c] for c in caseload_store.COLUMNS)


def _audit_row(i: int, version: int) -> AuditRow:
    return AuditRow(
        seq=10_000 - i, at=datetime(2026, 11, 1, tzinfo=UTC), user_name="Sam Carter",
        role="district_nurse", action="view", entity="patient", entity_id=None,
        patient_id=None, patient_name=None, nhs_number=None, detail=f"v{version}",
        device_id=uuid.UUID(int=1), hash="0" * 64,
    )  # fmt: skip


def test_case_finding_model_pages_sorts_and_refreshes_in_place(qtbot) -> None:
    read = FakeRead(450, _case_finding_row)
    model = CaseFindingModel(None, read=read)
    model.today = date(2026, 11, 22)
    model.reload()
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 450 and not model.canFetchMore()
    assert read.calls == [(0, PAGE_SIZE), (200, PAGE_SIZE), (400, PAGE_SIZE)]
    model.sort(CaseFindingModel.COL_AGE, Qt.SortOrder.AscendingOrder)
    assert (model.sort_key, model.descending) == ("age", False) and model.rowCount() == 200
    assert model.data(model.index(0, CaseFindingModel.COL_AGE)) == "86"
    # A change elsewhere: the rows shown are re-read whole, in one read, and change in place.
    model.fetchMore()
    model.fetchMore()
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.resize(600, 300)
    table.selectRow(250)
    table.scrollTo(model.index(250, 0))
    scrolled = table.verticalScrollBar().value()
    read.version = 1
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    refresh_keeping_place(table, model)
    assert read.calls[-1] == (0, 450) and resets == []
    assert model.data(model.index(250, CaseFindingModel.COL_CASELOAD)) == "Referred"
    assert [i.row() for i in table.selectionModel().selectedRows()] == [250]
    assert table.verticalScrollBar().value() == scrolled


def test_caseload_model_keeps_place_when_someone_leaves_the_list(qtbot) -> None:
    read = FakeRead(60, _caseload_row)
    model = CaseloadModel(None, read=read)
    model.today = date(2026, 11, 22)
    model.filter.status = "active"
    model.reload()
    assert model.rowCount() == 60 and not model.canFetchMore()
    model.sort(CaseloadModel.COL_FLAGS)  # flags are not an order: nothing re-read
    assert len(read.calls) == 1 and model.sort_key == "name"
    model.sort(CaseloadModel.COL_WHEN, Qt.SortOrder.DescendingOrder)
    assert (model.sort_key, model.descending) == ("next_review", True)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.resize(600, 300)
    table.selectRow(50)
    table.scrollTo(model.index(50, 0))
    scrolled = table.verticalScrollBar().value()
    chosen = model.row_id(50)
    read.version = 1
    read.total = 59  # the last case was closed in a record window
    refresh_keeping_place(table, model)
    assert model.rowCount() == 59 and model.row_id(50) == chosen
    assert "Escalated" in model.data(model.index(50, CaseloadModel.COL_FLAGS))
    assert [i.row() for i in table.selectionModel().selectedRows()] == [50]
    assert table.verticalScrollBar().value() == scrolled


def test_audit_model_pages_newest_first_and_refreshes_in_place() -> None:
    read = FakeRead(250, _audit_row)
    model = AuditModel(None, read=read)
    model.reload()
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 250 and not model.canFetchMore()
    assert model.data(model.index(0, 0)) == "10000"
    read.version = 1
    changed: list[int] = []
    model.dataChanged.connect(lambda *a: changed.append(1))
    model.refresh_in_place()
    assert changed == [1] and model.rows[0].detail == "v1"
