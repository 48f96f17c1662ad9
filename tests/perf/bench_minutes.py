"""The minutes PDF of a 20-case meeting, against a bare reportlab document of the same text."""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path
from typing import Any

from mdt_desktop.store.keys import StoreKey


def bench_minutes(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from pypdf import PdfReader
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from mdt_desktop.reports.minutes import minutes_pdf
    from mdt_desktop.services import meetings as m
    from mdt_desktop.services.minutes import export_minutes
    from mdt_desktop.store.database import Store
    from tests.support.meeting_data import twenty_case_meeting

    store = Store.create(work / "minutes.mdt", StoreKey.generate())
    meeting, expected = twenty_case_meeting(store)
    repeat = max(5, args.repeat // 2)

    def timed(fn: Any) -> list[float]:
        fn()  # warm: fonts registered, modules imported
        out = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    path = work / "minutes.pdf"
    export_ms = timed(lambda: export_minutes(store, meeting, path))
    content = m.minutes(store, meeting)
    build_ms = timed(lambda: minutes_pdf(content, "Bench"))
    # Baseline: the same words as plain Helvetica paragraphs, no frame, no font embedding.
    words = [c.banner_line for c in content.cases] + [
        f"{c.reason} {c.discussion} {c.decision} " + " ".join(a.description for a in c.actions)
        for c in content.cases
    ]
    sheet = getSampleStyleSheet()

    def bare() -> None:
        buffer = io.BytesIO()
        SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(w, sheet["Normal"]) for w in words])

    baseline_ms = timed(bare)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    complete = all(
        f"Decision: {case['decision']}" in text and all(a in text for a in case["actions"])
        for case in expected
    )
    store.close()
    median = statistics.median(export_ms)
    return {
        "cases": len(expected),
        "pages": len(PdfReader(path).pages),
        "export_ms_median": round(median, 1),
        "export_ms_max": round(max(export_ms), 1),
        "pdf_build_only_ms_median": round(statistics.median(build_ms), 1),
        "baseline_bare_reportlab_same_text_ms_median": round(statistics.median(baseline_ms), 1),
        "every_decision_and_action_in_text": complete,
        "target": "minutes PDF of a 20-case meeting <= 500 ms median",
        "pass": median <= 500 and complete,
    }
