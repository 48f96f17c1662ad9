"""The care plan PDF: sections in plain words, banner and page numbers on every page, names,
escaped markup, large print."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader
from support.care_plans import MARKUP, NAMES, rich_content

from mdt_desktop.reports.care_plan import HEADINGS, CarePlanDocument, build_care_plan_pdf

BANNER = "NGUYỄN, Zoë (Ms)   Born 14-Jul-1945 (81y)   NHS No. 999 000 0018"


def document(**content_kw: int) -> CarePlanDocument:
    return CarePlanDocument(
        running_line=BANNER,
        person_name="NGUYỄN, Zoë (Ms)",
        version_number=4,
        saved_at=datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
        saved_by="Sue Palmer",
        content=rich_content(**content_kw),
        produced_by="Sam Carter (District nurse)",
        produced_at=datetime(2026, 7, 20, 15, 0, tzinfo=UTC),
        care_coordinator="Carol Hughes, Care coordinator, 01632 960123",
    )


def texts(data: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def test_three_page_plan_has_every_section_and_the_banner_on_every_page() -> None:
    pages = texts(build_care_plan_pdf(document(goals=14, actions=16)))
    assert len(pages) >= 3
    whole = "\n".join(pages)
    for heading in HEADINGS.values():
        assert heading.split(":")[0] in whole, heading
    for number, text in enumerate(pages, start=1):
        assert "NGUYỄN, Zoë (Ms)" in text and "NHS No. 999 000 0018" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Produced by Sam Carter (District nurse)" in text
        assert "CONFIDENTIAL" in text
        assert "Care plan, version 4" in text
    assert "Version 4, saved on 14-Jul-2026" in whole
    assert "Agreed with me on 14-Jul-2026 (at home visit). A copy was given to me." in whole
    assert "We will review this plan with me by 12-Oct-2026." in whole
    assert "Where I would prefer to be at the end of my life" in whole
    assert "My care coordinator: Carol Hughes" in whole
    # Plain words, not database labels.
    for label in ("about_me", "warning_signs", "not_started", "in_progress", "goal_id"):
        assert label not in whole


def test_names_and_markup_print_literally() -> None:
    whole = "\n".join(texts(build_care_plan_pdf(document())))
    for name in NAMES:
        assert name in whole
    # A table cell may wrap it; the words and markup are all there, in order.
    assert MARKUP in " ".join(whole.split())


def test_large_print_variant_is_labelled_and_longer() -> None:
    normal = texts(build_care_plan_pdf(document()))
    large = texts(build_care_plan_pdf(document(), large_print=True))
    assert len(large) > len(normal)
    assert all("(large print)" in t for t in large)
    assert "How we will know: I can do it twice a week" in "\n".join(large)


def test_empty_sections_say_so_and_an_unagreed_plan_says_so() -> None:
    doc = document()
    content = dict(doc.content)
    content.update(needs="", goals=[], actions=[], review={})
    empty = CarePlanDocument(**{**doc.__dict__, "content": content})
    whole = "\n".join(texts(build_care_plan_pdf(empty)))
    assert "Not recorded yet." in whole
    assert "This plan has not yet been agreed with me." in whole
    assert "A review date has not been set yet." in whole


def test_large_print_care_plan_sets_nothing_below_16_points() -> None:
    sizes: set[float] = set()
    data = build_care_plan_pdf(document(goals=4, actions=4), large_print=True)
    for page in PdfReader(io.BytesIO(data)).pages:

        def visit(text: str, cm: list, tm: list, _font: object, size: float) -> None:
            if text.strip():
                sizes.add(round(size * abs(tm[3]) * abs(cm[3]), 1))

        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 16
