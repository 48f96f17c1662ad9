"""The budget screens: the Budgets page, a budget's window with its chart, the record's
Budget tab and the dialogs, against a real encrypted store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLabel, QWidget
from support.budgets import START, agreed_budget, plan_with_goals
from support.care_plans import person_on_caseload

from mdt_desktop.domain.budgets import AlertKind, BudgetStatus, format_pence
from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.domain.permissions import Permission, why_not
from mdt_desktop.domain.roles import Role
from mdt_desktop.gui.background import wait_for
from mdt_desktop.gui.budgets.budget_window import BudgetWindow, open_budget_window
from mdt_desktop.gui.budgets.page import BudgetsPage
from mdt_desktop.gui.budgets.person_tab import PersonBudgetsTab
from mdt_desktop.gui.changes import deliver_now
from mdt_desktop.services import budgets
from mdt_desktop.services.budgets import screens
from mdt_desktop.services.users import create_user, ensure_team, sign_in
from mdt_desktop.store import budgets as reads
from mdt_desktop.store.database import Store


@pytest.fixture
def matron(store: Store) -> Any:
    """A community matron: holds every budget permission."""
    team = ensure_team(store, "Test Neighbourhood MDT")
    person = create_user(store, "Pat Holder", Role.COMMUNITY_MATRON, team)
    sign_in(store, person)
    return person


def _answer(on_modal: Any, fill: Any, problems: list[str] | None = None) -> None:
    """Fill the next dialog and press its named OK; a refusal is kept in ``problems``."""

    def act(dialog: QDialog) -> None:
        fill(dialog)
        dialog._check()
        if dialog.isVisible():
            if problems is not None:
                problems.append(dialog.error.text())
            dialog.reject()

    on_modal(act)


def _window(qtbot: Any, store: Store, user: Any, budget_id: Any) -> BudgetWindow:
    window = open_budget_window(store, user, budget_id)
    qtbot.addWidget(window)
    window.wait_until_loaded()
    return window


def _reread(window: BudgetWindow) -> None:
    deliver_now()
    window.wait_until_loaded()


def _ledger_text(window: BudgetWindow) -> list[list[str]]:
    t = window.ledger
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


# --- the Budgets page ---------------------------------------------------------------------


def test_the_page_lists_filters_totals_and_follows_changes(qtbot, store, matron) -> None:
    one = agreed_budget(store, 1)
    two = agreed_budget(store, 2, allocation=1_000_000)
    budgets.post_entry(store, two.budget_id, "payment", 12_345, START, line_id=two.pa_line)
    page = BudgetsPage(store, matron)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.reload()
    page.wait_until_loaded()
    m = page.model
    assert m.rowCount() == 2
    first = budgets.summary(store, one.budget_id, date.today())
    cell = m.data(m.index(0, m.COL_PERSON))
    assert format_nhs_number(first.row.nhs_number) in cell and " " in format_nhs_number(
        first.row.nhs_number
    )
    shown = {m.data(m.index(r, m.COL_ALLOCATION)) for r in range(2)}
    assert shown == {"£26,000.00", "£10,000.00"}
    assert "Allocated £36,000.00" in page.totals.text()
    assert "Spent £123.45" in page.totals.text()
    # A payment without evidence on a direct payment: that budget has the alert, and the
    # alert filter keeps only it; the totals follow what is shown.
    page.alert.setCurrentIndex(page.alert.findData(AlertKind.MISSING_EVIDENCE.value))
    assert m.rowCount() == 1 and m.rows[0].row.id == two.budget_id
    assert "1 of 2 budgets shown" in page.totals.text()
    assert "Allocated £10,000.00" in page.totals.text()
    page.alert.setCurrentIndex(0)
    page.status.setCurrentIndex(page.status.findData(BudgetStatus.CLOSED.value))
    assert m.rowCount() == 0 and "Allocated £0.00" in page.totals.text()
    page.status.setCurrentIndex(0)
    # What the change signal hands the page (the main window's wiring is tested below).
    budgets.change_status(store, one.budget_id, "closed", "The person moved away.")
    page.tables_changed(frozenset({"budget_status_changes"}))
    page.wait_until_loaded()
    assert [b.row.id for b in m.rows] == [two.budget_id]  # closed ones are not shown by default


def test_enter_on_a_row_opens_the_budget(qtbot, store, matron) -> None:
    one = agreed_budget(store, 1)
    page = BudgetsPage(store, matron)
    qtbot.addWidget(page)
    page.show()
    page.reload()
    page.wait_until_loaded()
    page.table.setFocus()
    page.table.selectRow(0)
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, BudgetWindow))
    assert window.budget_id == one.budget_id
    window.close()


# --- create and agree from the record -------------------------------------------------------


def test_create_from_the_record_then_agree(qtbot, store, matron, on_modal) -> None:
    pid = person_on_caseload(store, 3)
    plan_with_goals(store, pid)
    tab = PersonBudgetsTab(store, matron, pid)
    qtbot.addWidget(tab)
    tab.wait_until_loaded()
    assert tab.model.rowCount() == 0 and "No budget yet" in tab.empty.text()
    problems: list[str] = []

    def fill(d: Any) -> None:
        d.source.setCurrentIndex(d.source.findData("s117_aftercare"))
        d.held_as.setCurrentIndex(d.held_as.findData("direct_payment"))
        d.indicative.setText("£12,000.50")
        d.holder.setText("Zoë Nguyễn")
        d.risk.setPlainText("Back-up agency if the PA is ill.")

    _answer(on_modal, fill, problems)
    made = tab.create_budget()
    assert made is not None, problems
    tab.wait_until_loaded()
    assert tab.model.rowCount() == 1
    assert tab.model.data(tab.model.index(0, 3)) == "£0.00"  # nothing allocated yet
    window = tab.open_budget(0)
    assert isinstance(window, BudgetWindow)
    qtbot.addWidget(window)
    window.wait_until_loaded()
    assert "Indicative" in window.header.text()
    assert window.buttons["agree"].isEnabled()
    _answer(on_modal, lambda d: d.reason.setPlainText("Agreed at the MDT."), problems)
    window.buttons["agree"].click()
    _reread(window)
    assert "Agreed" in window.header.text()
    assert not window.buttons["agree"].isEnabled()
    assert window.buttons["agree"].toolTip() == "Only an indicative budget is agreed."
    rows = _ledger_text(window)
    assert rows[0][1] == "Allocation" and rows[0][5] == "£12,000.50"
    assert window.history.rowCount() == 2
    window.close()


def test_refusals_stay_in_the_dialog_in_the_services_words(qtbot, store, matron, on_modal):
    pid = person_on_caseload(store, 4)
    tab = PersonBudgetsTab(store, matron, pid)
    qtbot.addWidget(tab)
    problems: list[str] = []
    _answer(on_modal, lambda d: d.indicative.setText("twelve pounds"), problems)
    assert tab.create_budget() is None
    assert problems == ["“twelve pounds” is not an amount of money; write the indicative amount "
                        "as £1,234.56."]  # fmt: skip

    def social_health(d: Any) -> None:
        d.source.setCurrentIndex(d.source.findData("social_care"))
        d.indicative.setText("100")

    _answer(on_modal, social_health, problems)
    assert tab.create_budget() is None
    assert problems[-1] == "A personal health budget is funded by the NHS, not social care."


# --- the ledger: post, flag, reverse ------------------------------------------------------


def test_post_a_payment_flag_missing_evidence_and_reverse_it(qtbot, store, matron, on_modal):
    setup = agreed_budget(store, 5)
    window = _window(qtbot, store, matron, setup.budget_id)
    problems: list[str] = []

    def pay(d: Any) -> None:
        assert "flagged" in d.hint.text()  # a direct payment with no evidence yet
        d.amount.setText("450.00")
        d.payee.setText("Own PA")
        d.on.setDate(d.on.date().addDays(0))

    _answer(on_modal, pay, problems)
    window.buttons["post"].click()
    assert not problems
    _reread(window)
    rows = _ledger_text(window)
    payment = next(r for r in rows if r[1] == "Payment")
    assert payment[4] == "£450.00" and payment[7] == "Missing" and payment[5] == "£25,550.00"
    flagged = [a for a in window.page.summary.alerts if a.kind is AlertKind.MISSING_EVIDENCE]
    assert flagged and escape(flagged[0].message) in window.side.text()
    # Reverse it: a new entry; the original stays, marked, and the balance is restored.
    row = next(i for i, r in enumerate(rows) if r[1] == "Payment")
    assert not window.buttons["reverse"].isEnabled()
    window.ledger.selectRow(row)
    assert window.buttons["reverse"].isEnabled()
    _answer(on_modal, lambda d: d.reason.setPlainText("Paid twice by mistake."), problems)
    window.buttons["reverse"].click()
    assert not problems
    _reread(window)
    rows = _ledger_text(window)
    assert any(r[1] == "Payment (reversed)" for r in rows)
    reversal = next(r for r in rows if r[1].startswith("Reversal"))
    assert reversal[3] == "£450.00" and reversal[5] == "£26,000.00"
    assert reversal[10] == "Paid twice by mistake."
    with store.session() as s:
        assert len(reads.ledger_rows(s, setup.budget_id)) == 3  # nothing edited or deleted
    window.ledger.selectRow(next(i for i, r in enumerate(rows) if r[1].startswith("Reversal")))
    assert window.buttons["reverse"].toolTip() == "A reversal cannot itself be reversed."
    window.close()


def test_a_line_serves_goals_chosen_by_their_stable_ids_and_pauses_in_hospital(
    qtbot, store, matron, on_modal
) -> None:
    setup = agreed_budget(store, 16)
    window = _window(qtbot, store, matron, setup.budget_id)
    problems: list[str] = []

    def fill(d: Any) -> None:
        labels = [d.goals.item(i).text() for i in range(d.goals.count())]
        assert labels == ["Goal 1: Stay living at home", "Goal 2: Get out to the shops"]
        d.description.setText("Taxi to the shops")
        d.category.setCurrentIndex(d.category.findData("transport"))
        d.amount.setText("£25")
        d.frequency.setCurrentIndex(d.frequency.findData("weekly"))
        d.goals.item(1).setCheckState(Qt.CheckState.Checked)

    _answer(on_modal, fill, problems)
    window.buttons["line"].click()
    assert not problems
    _reread(window)
    line = next(ln for ln in window.page.lines if ln.description == "Taxi to the shops")
    assert line.goal_ids == (setup.goal_ids[1],) and line.amount_pence == 2_500
    row = next(r for r in range(window.lines.rowCount())
               if window.lines.item(r, 0).text() == "Taxi to the shops")  # fmt: skip
    assert window.lines.item(row, 7).text() == "Goal 2: Get out to the shops"
    assert window.lines.item(row, 3).text() == "£25.00"
    # Admitted to hospital: the personal assistant's line is paused, and says so.
    budgets.pause_for_admission(store, setup.patient_id, datetime.now(UTC) - timedelta(days=14))
    _reread(window)
    pa = next(r for r in range(window.lines.rowCount())
              if window.lines.item(r, 0).text().startswith("Personal assistant"))  # fmt: skip
    assert window.lines.item(pa, 8).text().startswith("Paused since")
    (surplus,) = budgets.hospital_surplus(store, setup.patient_id, date.today())
    assert surplus.surplus_pence >= 45_000  # at least one week of £450 not spent
    assert f"{format_pence(surplus.surplus_pence)} unused" in window.lines.item(pa, 8).text()
    assert window.lines.item(row, 8).text() == ""  # transport goes on
    window.close()


# --- reviews, decisions with a notice, reconsideration -------------------------------------


def test_review_decision_with_a_letter_and_reconsideration(
    qtbot, store, matron, on_modal, tmp_path: Path
) -> None:
    setup = agreed_budget(store, 6)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, START, line_id=setup.pa_line,
                       evidence="Timesheet 1")  # fmt: skip
    window = _window(qtbot, store, matron, setup.budget_id)
    assert "NHS direct payment: due" in window.side.text()
    problems: list[str] = []

    def review(d: Any) -> None:
        d.kind.setCurrentIndex(d.kind.findData("event"))
        d.reason.setCurrentIndex(d.reason.findData("health_change"))
        d.held.setDate(d.held.date().addDays(-1))
        d.outcome.setPlainText("Needs more support in the mornings.")

    _answer(on_modal, review, problems)
    window.buttons["review"].click()
    assert not problems
    _reread(window)
    texts = [window.reviews.item(r, 1).text() for r in range(window.reviews.rowCount())]
    assert "Significant change in health" in texts

    letter = tmp_path / "notice.pdf"

    def decide(d: Any) -> None:
        d.kind.setCurrentIndex(d.kind.findData("repay"))
        d.grounds.item(0).setCheckState(Qt.CheckState.Checked)
        d.reasons.setPlainText("The money was used for a holiday, not in the care plan.")
        d.amount.setText("£300.00")
        d.repayer.setText("Zoë Nguyễn")
        d.path.setText(str(letter))

    _answer(on_modal, decide, problems)
    window.buttons["decide"].click()
    assert not problems
    wait_for(window.controller.writing)
    assert letter.exists()
    text = "".join(p.extract_text() for p in PdfReader(letter).pages)
    assert "£300.00" in text and "Zoë Nguyễn" in text
    assert "not in the care plan" in text and "reconsider" in text.lower()
    _reread(window)
    decision = window.page.decisions[0]
    assert decision.kind == "repay" and decision.notice_sent_on == date.today()
    assert any(r[1] == "Repayment demand" for r in _ledger_text(window))

    def ask(d: Any) -> None:
        d.by.setText("Zoë Nguyễn")
        d.grounds.setPlainText("The holiday was respite agreed by phone.")

    assert not window.buttons["reconsider"].isEnabled()
    _answer(on_modal, ask, problems)
    window.buttons["ask_reconsider"].click()
    _reread(window)
    assert window.buttons["reconsider"].isEnabled()

    def outcome(d: Any) -> None:
        d.outcome.setCurrentIndex(d.outcome.findData("changed"))
        d.reasons.setPlainText("The respite was agreed; the sum is withdrawn.")

    _answer(on_modal, outcome, problems)
    window.buttons["reconsider"].click()
    assert not problems
    _reread(window)
    assert window.page.decisions[0].reconsiderations[0].outcome == "changed"
    window.close()


def test_a_decision_is_not_recorded_when_its_letter_cannot_be_written(
    qtbot, store, matron, on_modal, tmp_path: Path
) -> None:
    setup = agreed_budget(store, 17)
    window = _window(qtbot, store, matron, setup.budget_id)
    problems: list[str] = []

    def decide(d: Any) -> None:
        d.kind.setCurrentIndex(d.kind.findData("stop"))
        d.grounds.item(0).setCheckState(Qt.CheckState.Checked)
        d.reasons.setPlainText("Consent withdrawn in writing.")
        d.path.setText(str(tmp_path / "no such folder" / "letter.pdf"))

    _answer(on_modal, decide, problems)
    window.buttons["decide"].click()
    assert problems == [f"The folder {tmp_path / 'no such folder'} does not exist; choose another."]
    with store.session() as s:
        assert reads.decisions(s, setup.budget_id) == []
    window.close()


def test_statement_in_large_print_is_written_off_the_gui_thread(
    qtbot, store, matron, on_modal, tmp_path: Path
) -> None:
    setup = agreed_budget(store, 7)
    window = _window(qtbot, store, matron, setup.budget_id)
    out = tmp_path / "statement"

    def fill(d: Any) -> None:
        d.path.setText(str(out))
        d.large.setChecked(True)

    _answer(on_modal, fill)
    window.buttons["statement"].click()
    wait_for(window.controller.writing)
    written = out.with_suffix(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(written).pages)
    assert "£26,000.00" in text
    window.close()


# --- permissions, keyboard, chart ---------------------------------------------------------


def test_without_the_permission_the_controls_say_why(qtbot, store, user) -> None:
    setup = agreed_budget(store, 8)
    sign_in(store, user)  # a district nurse: records spend only
    window = _window(qtbot, store, user, setup.budget_id)
    for key, permission in (("agree", Permission.AGREE_BUDGET),
                            ("decide", Permission.MAKE_BUDGET_DECISION),
                            ("line", Permission.MANAGE_BUDGET)):  # fmt: skip
        button = window.buttons[key]
        assert not button.isEnabled()
        assert button.toolTip() == why_not(user.role, permission)
    tab = PersonBudgetsTab(store, user, setup.patient_id)
    qtbot.addWidget(tab)
    assert not tab.create_button.isEnabled()
    assert tab.create_button.toolTip() == why_not(user.role, Permission.MANAGE_BUDGET)
    window.close()


def test_keyboard_mnemonic_opens_a_dialog_and_tab_walks_its_fields(
    qtbot, store, matron, on_modal
) -> None:
    setup = agreed_budget(store, 9)
    window = _window(qtbot, store, matron, setup.budget_id)
    window.show()
    qtbot.waitExposed(window)
    seen: list[str] = []

    def walk(d: Any) -> None:
        d.activateWindow()
        d.kind.setFocus()
        order = []
        for _ in range(9):
            order.append(d.focusWidget().accessibleName())
            QTest.keyClick(d.focusWidget(), Qt.Key.Key_Tab)
        # Tab steps through the date's day, month and year before moving on, as Qt does.
        seen.extend(n for i, n in enumerate(order) if i == 0 or n != order[i - 1])
        d.reject()

    on_modal(walk)
    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[:6] == ["Kind", "Amount", "Date", "Budget line", "Paid to", "Reference"]
    # Every button and tab of the window has its own Alt+letter.
    texts = [b.text() for b in window.buttons.values()]
    texts += [window.tabs.tabText(i) for i in range(window.tabs.count())]
    keys = [x[x.index("&") + 1].lower() for x in texts]
    assert len(keys) == len(set(keys)), texts
    window.close()


def test_the_chart_draws_planned_and_actual_offscreen(qtbot, store, matron) -> None:
    setup = agreed_budget(store, 10)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, START, line_id=setup.pa_line,
                       evidence="T1")  # fmt: skip
    window = _window(qtbot, store, matron, setup.budget_id)
    window.resize(1366, 768)
    window.tabs.setCurrentWidget(window.chart)
    window.show()
    qtbot.waitExposed(window)
    page = window.page
    assert page.spend[0].on == START and page.spend[-1].planned > page.spend[0].planned
    labels = [line.get_label() for line in window.chart.axes.get_lines()]
    assert labels == ["Planned (from the budget lines)", "Actually spent", "Allocation"]
    window.chart.draw()
    image: QImage = window.chart.grab().toImage()
    assert image.width() > 300 and image.height() > 150
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}  # fmt: skip
    assert len(colours) > 3  # more than a blank canvas
    assert "£26,000.00" in window.chart.summary
    window.close()


def test_the_dashboard_card_counts_budgets_with_alerts(qtbot, store, matron) -> None:
    from mdt_desktop.gui import features

    setup = agreed_budget(store, 11)
    budgets.post_entry(store, setup.budget_id, "payment", 100, START)  # on no line: an alert
    agreed_budget(store, 12)
    expected = sum(1 for b in budgets.summaries(store, date.today()) if b.alerts and b.live)
    assert expected >= 1
    assert features.card_figures(store)["budgets_with_alerts"] == expected
    assert screens.budgets_with_alerts(store) == expected


def test_screens_at_1366_by_768(qtbot, store, matron, tmp_path: Path) -> None:
    """The page in the main window, the budget window (chart shown) and the record's tab at
    1366x768; written to MDT_SCREENSHOTS when set, for people to look at."""
    import os

    from mdt_desktop.gui.main_window import MainWindow

    setup = agreed_budget(store, 13)
    budgets.post_entry(store, setup.budget_id, "payment", 45_000, START, line_id=setup.pa_line)
    for serial in (14, 15):
        agreed_budget(store, serial)
    folder = Path(os.environ.get("MDT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    main = MainWindow(store, matron, idle_ms=100_000_000)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    dashboard = main.show_area("Today")
    dashboard.wait_until_loaded()
    alerted = screens.budgets_with_alerts(store)
    assert alerted == 3  # each has a projected underspend on an unspent allocation
    assert dashboard.cards["budgets_with_alerts"].value.text() == str(alerted)
    page = main.show_area("Budgets")
    assert isinstance(page, BudgetsPage)
    page.wait_until_loaded()
    assert page.model.rowCount() == 3
    record = main.open_record(setup.patient_id, "Budget")
    qtbot.addWidget(record)
    tab = next(w for w in record.findChildren(PersonBudgetsTab))
    tab.wait_until_loaded()
    assert tab.model.rowCount() == 1
    assert tab.model.data(tab.model.index(0, 0)) == "Health"  # the columns line up
    assert tab.model.data(tab.model.index(0, 3)) == "£26,000.00"
    window = _window(qtbot, store, matron, setup.budget_id)
    window.tabs.setCurrentWidget(window.chart)
    shots: dict[str, QWidget] = {"budgets_page": main, "budget_chart": window, "record_tab": record}
    for name, widget in shots.items():
        widget.resize(1366, 768)
        widget.show()
        qtbot.waitExposed(widget)
        image = widget.grab().toImage()
        assert (image.width(), image.height()) == (1366, 768)
        image.save(str(folder / f"{name}.png"))
    for part, name in ((window.ledger, "budget_ledger"), (window.lines, "budget_lines")):
        window.tabs.setCurrentWidget(part)
        window.grab().toImage().save(str(folder / f"{name}.png"))
    # Every dialog fits a 768-pixel-high screen with its buttons showing.
    from mdt_desktop.gui.budgets import dialogs, review_dialogs

    page_now = window.page
    made = [
        dialogs.CreateBudgetDialog(lambda v: None),
        dialogs.EntryDialog(page_now.row, page_now.lines, lambda v: None),
        dialogs.LineDialog(page_now.row, screens.plan_goals(store, setup.patient_id),
                           lambda v: None),
        review_dialogs.ReviewDialog([], lambda v: None),
        review_dialogs.DecisionDialog(folder / "letter.pdf", lambda v: None),
    ]  # fmt: skip
    made += [
        dialogs.AgreeDialog(page_now.row, lambda v: None),
        review_dialogs.ReconsiderationRequestDialog([], lambda v: None),
        review_dialogs.ReconsiderationOutcomeDialog([], lambda v: None),
        review_dialogs.StatementDialog(folder / "statement.pdf", lambda v: None),
    ]
    for dialog in made:
        # Each field and button has its own Alt+letter within its dialog.
        widgets = dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton)
        texts = [w.text() for w in widgets if "&" in w.text()]
        keys = [x[x.index("&") + 1].lower() for x in texts]
        assert len(keys) == len(set(keys)), (type(dialog).__name__, texts)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.height() <= 700, type(dialog).__name__
        dialog.grab().toImage().save(str(folder / f"{type(dialog).__name__}.png"))
        dialog.close()
    # A write made anywhere reaches the page through the window's one change signal.
    budgets.change_status(store, setup.budget_id, "under_review", "Asked for by Zoë.")
    deliver_now()
    page.wait_until_loaded()
    status = next(b for b in page.model.rows if b.row.id == setup.budget_id).row.status
    assert status == BudgetStatus.UNDER_REVIEW.value
    window.close()
    record.close()
