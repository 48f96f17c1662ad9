"""Case finding: filter, search and sort the registered list in SQL, then refer people."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from mdt_desktop.gui.case_finding import CaseFindingModel, CaseFindingPage
from mdt_desktop.gui.changes import deliver_now
from mdt_desktop.services.demo import generate_demo
from mdt_desktop.services.users import ensure_team
from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, OutboxEntry, Patient, Referral

TODAY = date(2026, 11, 22)
M = CaseFindingModel


def _page(qtbot, store: Store) -> CaseFindingPage:
    generate_demo(store, 2000, seed=9, today=TODAY)
    page = CaseFindingPage(store)
    page.model.today = TODAY
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.activated()
    page.wait_until_loaded()
    return page


def _column(page: CaseFindingPage, column: int) -> list[str]:
    model = page.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_filters_search_sort_and_refer_two_people(qtbot, store: Store, user) -> None:
    page = _page(qtbot, store)
    model = page.model
    assert model.rowCount() == 200 and model.canFetchMore()  # paged, not loaded whole
    qtbot.waitUntil(lambda: page.count_label.text() == "2,000 people match")

    # Sort by clicking the Age header: ascending, then descending.
    header = page.table.horizontalHeader()
    header.setSortIndicator(M.COL_AGE, Qt.SortOrder.AscendingOrder)
    ages = [int(a) for a in _column(page, M.COL_AGE)]
    assert ages == sorted(ages)
    header.setSortIndicator(M.COL_AGE, Qt.SortOrder.DescendingOrder)
    ages = [int(a) for a in _column(page, M.COL_AGE)]
    assert ages == sorted(ages, reverse=True) and ages[0] >= 90

    # Filters: 65 and over, severe frailty, not on the caseload.
    page.age.setCurrentIndex(6)
    page.efi.setCurrentIndex(page.efi.findData("severe"))
    page.not_on_caseload.setChecked(True)
    rows = model.rowCount()
    assert 0 < rows < 200
    assert all(e.startswith("Severe") for e in _column(page, M.COL_EFI))
    assert all(int(a) >= 65 for a in _column(page, M.COL_AGE))
    qtbot.waitUntil(lambda: page.count_label.text().startswith(f"{rows:,} "))

    # Search as you type (debounced), by family name prefix.
    page.efi.setCurrentIndex(0)
    page.age.setCurrentIndex(0)
    family = model.rows[0][1]
    qtbot.keyClicks(page.search, family[:3].lower())
    qtbot.waitUntil(
        lambda: (
            model.rowCount() > 0
            and all(n.startswith(family[:3].upper()) for n in _column(page, M.COL_NAME))
        ),
        timeout=3000,
    )
    # And by NHS number, typed with spaces.
    nhs = model.rows[0][4]
    page.search.setText(f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3000)
    page.search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=3000)

    # Select two people not on the (demo) caseload and refer them.
    selection = page.table.selectionModel()
    for row in (0, 1):
        selection.select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert page.refer_button.isEnabled()
    chosen = [model.patient_id(0), model.patient_id(1)]
    team = ensure_team(store, "Test Neighbourhood MDT")
    assert page.refer(chosen, "Severe frailty, two admissions", team.id, "soon") == 2
    with store.session() as s:
        referrals = s.scalars(select(Referral).where(Referral.team_id == team.id)).all()
        assert {r.patient_id for r in referrals} == set(chosen)
        assert all(r.source == "case_finding" and r.status == "waiting" for r in referrals)
        assert all(r.referred_by == "Sam Carter" and r.urgency == "soon" for r in referrals)
        outbox = s.scalars(select(OutboxEntry).where(OutboxEntry.table_name == "referrals"))
        assert len(outbox.all()) == 2
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "referrals")).all()
        assert {a.patient_id for a in audit} == set(chosen)
    # They now show as referred, and drop out of "not on caseload".
    page.not_on_caseload.setChecked(False)
    statuses = {
        model.patient_id(r): model.data(model.index(r, M.COL_CASELOAD))
        for r in range(model.rowCount())
    }
    assert statuses[chosen[0]] == statuses[chosen[1]] == "Referred"
    page.not_on_caseload.setChecked(True)
    remaining = {model.patient_id(r) for r in range(model.rowCount())}
    assert not remaining & set(chosen)
    # Referring the same people again creates nothing new.
    assert page.refer(chosen, "Again", team.id, "routine") == 0


def test_side_panel_explains_the_risk(qtbot, store: Store, user) -> None:
    page = _page(qtbot, store)
    page.table.horizontalHeader().setSortIndicator(M.COL_RISK, Qt.SortOrder.DescendingOrder)
    page.table.selectRow(0)
    text = page.explain.text()
    name = page.model.data(page.model.index(0, M.COL_NAME))
    assert name.split(",")[0] in text and "Why" in text and "NHS&nbsp;No." in text
    assert "<li>" in text and "Nothing notable" not in text


def test_every_column_sorts_in_sql(qtbot, store: Store, user) -> None:
    page = _page(qtbot, store)
    for column in range(len(M.HEADERS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            page.table.horizontalHeader().setSortIndicator(column, order)
            assert page.model.rowCount() == 200
    page.table.horizontalHeader().setSortIndicator(M.COL_RISK, Qt.SortOrder.DescendingOrder)
    risks = [int(r) for r in _column(page, M.COL_RISK)]
    assert risks == sorted(risks, reverse=True)
    while page.model.canFetchMore():
        page.model.fetchMore()
    assert page.model.rowCount() == 2000
    with store.session() as s:
        assert len(set(s.scalars(select(Patient.id)))) == 2000
    assert len({page.model.patient_id(r) for r in range(2000)}) == 2000
    assert isinstance(page.model.patient_id(0), uuid.UUID)


def test_refer_dialog_needs_a_reason(qtbot, store: Store, user) -> None:
    from mdt_desktop.gui.case_finding import ReferDialog
    from mdt_desktop.services.caseload import teams

    dialog = ReferDialog(["SMITH, Ada (Mrs)", "JONES, Bob (Mr)"], teams(store))
    qtbot.addWidget(dialog)
    dialog._check()
    assert dialog.result() == 0 and "Give a reason" in dialog.error.text()
    dialog.reason.setPlainText("Moderate frailty and a recent fall")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog._check()
    assert dialog.team.currentData() is not None


def test_a_change_in_a_record_shows_in_the_list_without_losing_the_place(
    qtbot, store: Store, window
) -> None:
    from mdt_desktop.services.caseload import refer_person

    generate_demo(store, 2000, seed=9, today=TODAY)
    page = window.show_area("Case finding")
    page.model.today = TODAY
    page.wait_until_loaded()
    model = page.model
    model.fetchMore()  # scrolled past the first page
    assert model.rowCount() > 200
    row = 250
    page.table.selectRow(row)
    page.table.scrollTo(model.index(row, 0))
    scrolled = page.table.verticalScrollBar().value()
    person = model.patient_id(row)
    page.open_selected()
    assert any(w.objectName() == "recordWindow" for w in window.findChildren(QWidget))
    team = ensure_team(store, "Test Neighbourhood MDT")
    refer_person(store, person, reason="Falls at home", team_id=team.id)
    deliver_now()  # the change signal (gui/changes.py) brings the referral to the page
    # Still the same rows (the referral shows), the same selection, the same place.
    assert model.patient_id(row) == person
    assert model.data(model.index(row, M.COL_CASELOAD)) == "Referred"
    assert page.selected_rows() == [row]
    assert page.table.verticalScrollBar().value() == scrolled
    # Opening the same record again does not make it refresh the list twice.
    refreshes: list[int] = []
    model.dataChanged.connect(lambda *a: refreshes.append(1))
    page.open_selected()
    refer_person(store, model.patient_id(0), reason="Falls at home", team_id=team.id)
    deliver_now()
    assert refreshes == [1]
    # Listing only people not on the caseload: the next one referred drops out of the list,
    # which stays where it was; the person selected beside them stays selected.
    page.not_on_caseload.setChecked(True)
    model.fetchMore()
    page.table.selectRow(row)
    selection = page.table.selectionModel()
    selection.select(
        model.index(row + 1, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    page.table.scrollTo(model.index(row, 0))
    scrolled = page.table.verticalScrollBar().value()
    leaving, staying = model.patient_id(row), model.patient_id(row + 1)
    page.open_row(row)
    refer_person(store, leaving, reason="Falls at home", team_id=team.id)
    deliver_now()
    assert leaving not in {model.patient_id(r) for r in range(model.rowCount())}
    assert [model.patient_id(r) for r in page.selected_rows()] == [staying]
    assert page.table.verticalScrollBar().value() == scrolled


def test_the_list_and_the_side_panel_are_audited_once_per_opening(
    qtbot, store: Store, user
) -> None:
    from mdt_desktop.services import list_views

    page = _page(qtbot, store)

    def views(patient: bool) -> list[AuditEntry]:
        with store.session() as s:
            cond = (
                AuditEntry.patient_id.is_not(None) if patient else AuditEntry.patient_id.is_(None)
            )
            return list(
                s.scalars(
                    select(AuditEntry).where(
                        AuditEntry.action == "view",
                        AuditEntry.entity == list_views.CASE_FINDING,
                        cond,
                    )
                )
            )

    assert len(views(False)) == 1
    while page.model.canFetchMore():  # scrolling to the end adds no entry
        page.model.fetchMore()
    assert page.model.rowCount() == 2000 and len(views(False)) == 1
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: len(views(True)) == 1)
    (seen,) = views(True)
    assert seen.patient_id == uuid.UUID(hex=str(page.model.rows[0][0]))
