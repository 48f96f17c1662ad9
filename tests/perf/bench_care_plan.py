"""A three-page care plan PDF: the document alone, and the whole export from an encrypted store.

Baseline in the same run: the same words laid out by bare reportlab (SimpleDocTemplate, the
built-in Helvetica, no running frame, no embedded font), so the figure shows what our frame,
escaping and the embedded TrueType subset cost.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TARGET_MS = 200.0


def _median_ms(fn: Any, repeat: int) -> float:
    fn()  # warm: font files read, modules imported
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def _pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _three_page_content() -> dict[str, Any]:
    """The smallest full plan that fills three pages in normal print."""
    from mdt_desktop.reports.care_plan import CarePlanDocument, build_care_plan_pdf
    from tests.support.care_plans import rich_content

    for n in range(3, 40):
        content = rich_content(goals=n, actions=n + 2)
        doc = CarePlanDocument(
            "NGUYỄN, Zoë (Ms)   Born 14-Jul-1945 (81y)   NHS No. 999 000 0018",
            "NGUYỄN, Zoë (Ms)",
            3,
            datetime.now(UTC),
            "Sue Palmer",
            content,
            "Sam Carter (District nurse)",
            datetime.now(UTC),
        )
        if _pages(build_care_plan_pdf(doc)) == 3:
            return content
    raise RuntimeError("no plan size gave exactly three pages")


def _bare_reportlab(content: dict[str, Any]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from mdt_desktop.domain import care_plan as cp

    styles = getSampleStyleSheet()
    story = []
    for section in cp.SECTIONS:
        story.append(Paragraph(section.title, styles["Heading2"]))
        for line in cp.section_text(content, section.key).splitlines():
            story.append(Paragraph(escape(line), styles["BodyText"]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()


def bench_care_plan_pdf(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from mdt_desktop.domain.roles import Role
    from mdt_desktop.reports.care_plan import CarePlanDocument, build_care_plan_pdf
    from mdt_desktop.services import care_plans
    from mdt_desktop.services.care_plan_export import export_pdf
    from mdt_desktop.store.database import Store
    from mdt_desktop.store.keys import StoreKey
    from tests.support.care_plans import clinician, person_on_caseload

    repeat = max(5, args.repeat)
    content = _three_page_content()
    doc = CarePlanDocument(
        "NGUYỄN, Zoë (Ms)   Born 14-Jul-1945 (81y)   NHS No. 999 000 0018",
        "NGUYỄN, Zoë (Ms)",
        3,
        datetime.now(UTC),
        "Sue Palmer",
        content,
        "Sam Carter (District nurse)",
        datetime.now(UTC),
    )
    pages = _pages(build_care_plan_pdf(doc))
    large_pages = _pages(build_care_plan_pdf(doc, large_print=True))
    document_ms = _median_ms(lambda: build_care_plan_pdf(doc), repeat)
    large_ms = _median_ms(lambda: build_care_plan_pdf(doc, large_print=True), repeat)
    bare_ms = _median_ms(lambda: _bare_reportlab(content), repeat)

    with Store.create(work / "careplan.mdt", StoreKey.generate()) as store:
        clinician(store, Role.DISTRICT_NURSE)
        pid = person_on_caseload(store)
        care_plans.save_version(store, pid, content, None)
        out = work / "plan.pdf"
        export_ms = _median_ms(lambda: export_pdf(store, pid, out), repeat)
        export_pages = _pages(out.read_bytes())
    return {
        "pages": pages,
        "document_ms_median": round(document_ms, 1),
        "export_from_store_ms_median": round(export_ms, 1),
        "export_pages": export_pages,
        "large_print_pages": large_pages,
        "large_print_ms_median": round(large_ms, 1),
        "baseline_bare_reportlab_helvetica_ms_median": round(bare_ms, 1),
        "repeat": repeat,
        "target": f"3-page plan PDF <= {TARGET_MS:.0f} ms median",
        "pass": pages == 3 and export_pages == 3 and export_ms <= TARGET_MS,
    }
