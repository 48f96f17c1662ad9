"""Budget PDFs from a real store: statement (normal and large print), team report, decision
letter. Checked with pdftotext and pdffonts; large print sets nothing under 16 pt."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from support.budgets import agreed_budget
from support.care_plans import clinician

from mdt_desktop.domain.roles import Role
from mdt_desktop.services import budgets
from mdt_desktop.store.database import Store

TODAY = date(2026, 10, 1)
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="poppler-utils missing"
)


def _pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return [" ".join(p.split()) for p in out.split("\f") if p.strip()]


def _fonts_embedded(path: Path) -> None:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.strip().splitlines()[2:]
    assert rows
    for row in rows:
        assert "DejaVuSans" in row and " yes " in row


def _min_size(path: Path) -> float:
    sizes: set[float] = set()
    for page in PdfReader(io.BytesIO(path.read_bytes())).pages:

        def visit(text: str, cm: list, tm: list, _font: object, size: float) -> None:
            if text.strip():
                sizes.add(round(size * abs(tm[3]) * abs(cm[3]), 1))

        page.extract_text(visitor_text=visit)
    return min(sizes)


def _busy_budget(store: Store):
    setup = agreed_budget(store)
    day = date(2026, 4, 7)
    for week in range(26):  # half a year of weekly PA payments: several pages of ledger
        budgets.post_entry(store, setup.budget_id, "payment", 45_000, day, line_id=setup.pa_line,
                           payee="Own PA", evidence=f"Timesheet {week + 1}")  # fmt: skip
        day = date.fromordinal(day.toordinal() + 7)
    budgets.post_entry(store, setup.budget_id, "payment", 80_000, date(2026, 5, 3),
                       line_id=setup.equipment_line, payee="Mobility & Co <Ltd>",
                       evidence="INV-7")  # fmt: skip
    return setup


@needs_poppler
@pytest.mark.parametrize("large", [False, True])
def test_statement_has_banner_every_page_totals_and_embedded_fonts(
    store: Store, tmp_path: Path, large: bool
) -> None:
    setup = _busy_budget(store)
    out = budgets.export_statement(store, setup.budget_id, tmp_path / "s.pdf",
                                   large_print=large, today=TODAY)  # fmt: skip
    pages = _pages(out)
    assert len(pages) >= 2
    for page in pages:
        assert "Zoë NGUYỄN" in page or "NGUYỄN, Zoë" in page
        assert "CONFIDENTIAL" in page
    text = " ".join(pages)
    Path("/tmp/stmt.txt").write_text(text)
    spent = 26 * 45_000 + 80_000
    assert "£26,000.00" in text  # allocation
    assert f"£{(2_600_000 - spent) // 100:,}.{(2_600_000 - spent) % 100:02d}" in text  # closing
    assert "Mobility & Co" in text and "<Ltd>" in text  # printed as typed
    assert "03-May-2026" in text  # dates are never broken across lines
    assert "Next review: overdue: it was due by 07-Jul-2026 (statutory review)" in text
    assert "Personal assistant, 10 hours" in text
    _fonts_embedded(out)
    if large:
        assert _min_size(out) >= 16


@needs_poppler
def test_team_report_totals_by_kind_and_source_and_overdue_reviews(
    store: Store, tmp_path: Path
) -> None:
    setup = _busy_budget(store)
    out = budgets.export_team_report(store, tmp_path / "team.pdf", today=date(2026, 12, 1))
    text = " ".join(_pages(out))
    assert "Personal health" in text and "NHS Continuing" in text
    assert "Total 1 £26,000.00 £0.00 £12,500.00 £13,500.00" in text
    assert "£12,500.00" in text  # spent: 26 weekly £450 payments and the £800 chair
    assert "Reviews overdue (1)" in text  # first review was due 07-Jul-2026
    assert "07-Jul-2026" in text
    _fonts_embedded(out)
    big = budgets.export_team_report(store, tmp_path / "big.pdf", today=date(2026, 12, 1),
                                     large_print=True)  # fmt: skip
    assert _min_size(big) >= 16
    del setup


@needs_poppler
def test_decision_letter_lists_what_regulation_15_requires(store: Store, tmp_path: Path) -> None:
    setup = agreed_budget(store)
    clinician(store, Role.GP, "Dr Gee")
    did = budgets.make_decision(
        store, setup.budget_id, kind="repay", grounds=["substantial_unused"],
        reasons="£5,000 built up unused over six months.", decided_on=date(2026, 9, 1),
        amount_pence=500_000, repay_by=date(2026, 10, 1), repayer="Zoë Nguyễn",
        reconsideration_route="Write to the PHB team, Hillside ICB, within 28 days.",
        reconsider_by=date(2026, 9, 29),
    )  # fmt: skip
    rid = budgets.request_reconsideration(store, did, requested_on=date(2026, 9, 10),
                                          requested_by="Zoë Nguyễn", grounds="Saved.")  # fmt: skip
    budgets.decide_reconsideration(store, rid, outcome="upheld", reasons="No respite booked.",
                                   decided_on=date(2026, 9, 20))  # fmt: skip
    out = budgets.export_decision_letter(store, did, tmp_path / "letter.pdf")
    text = " ".join(_pages(out))
    for required in (
        "regulation 15 of the National Health Service (Direct Payments) Regulations 2013",
        "Reasons £5,000 built up unused over six months.",
        "Amount to repay £5,000.00",
        "Repay by 01-Oct-2026",
        "Who must repay Zoë Nguyễn",
        "Asking for reconsideration Write to the PHB team, Hillside ICB, within 28 days. Please "
        "ask by 29-Sep-2026.",
        "Outcome on 20-Sep-2026: Decision upheld.",
        "Dr Gee",
    ):
        assert required in text, required
    _fonts_embedded(out)


@needs_poppler
def test_stop_and_reduce_letters_name_their_regulation_in_large_print(
    store: Store, tmp_path: Path
) -> None:
    setup = agreed_budget(store)
    clinician(store, Role.SOCIAL_WORKER, "Sol Worker")
    reduce = budgets.make_decision(
        store, setup.budget_id, kind="reduce", grounds=["unused_funds_offset"],
        reasons="Unused money from the winter months.", decided_on=date(2026, 9, 1),
        effective_on=date(2026, 10, 1), amount_pence=120_000,
        reconsideration_route="Ask the care coordinator",
    )  # fmt: skip
    stop = budgets.make_decision(
        store, setup.budget_id, kind="stop", grounds=["consent_withdrawn"],
        reasons="Zoë asked for the team to arrange her care instead.",
        decided_on=date(2026, 9, 2), effective_on=date(2026, 9, 30),
    )  # fmt: skip
    for did, regulation, must in (
        (reduce, "regulation 13", "Amount of the reduction £1,200.00"),
        (stop, "regulation 17", "Takes effect on 30-Sep-2026"),
    ):
        out = budgets.export_decision_letter(store, did, tmp_path / f"{regulation}.pdf",
                                             large_print=True)  # fmt: skip
        text = " ".join(_pages(out))
        assert regulation in text and must in text
        assert _min_size(out) >= 16
    assert "Ask the care coordinator. " in " ".join(_pages(tmp_path / "regulation 13.pdf"))
