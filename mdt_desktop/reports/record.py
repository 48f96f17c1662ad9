"""The record summary as a PDF: banner, case, risk, conditions, care team, notes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mdt_desktop.domain.banner import Banner
from mdt_desktop.domain.caseload import STATUS_LABELS
from mdt_desktop.domain.people import format_local_datetime, format_patient_date
from mdt_desktop.domain.risk import SEGMENT_LABELS

from .document import FONT, FONT_BOLD, register_fonts, write_private

# Tables set their own cell font even around paragraphs: never the unembedded default.
_CELL_FONT = [("FONTNAME", (0, 0), (-1, -1), FONT)]
_RULED = [("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey), *_CELL_FONT]

NHS_BLUE = colors.HexColor("#005eb8")
GREY = colors.HexColor("#4c6272")


def _styles() -> dict[str, ParagraphStyle]:
    # DejaVu Sans, embedded: the standard PDF fonts have no Ś, ễ or Cyrillic, and a
    # name printed as ■ is a patient-identification hazard.
    register_fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["BodyText"], fontSize=9.5, leading=12.5, fontName=FONT,
        bulletFontName=FONT,
    )  # fmt: skip
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, textColor=GREY),
        "name": ParagraphStyle(
            "name", parent=body, fontSize=15, leading=19, fontName=FONT_BOLD
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontSize=11.5, leading=15, fontName=FONT_BOLD,
            textColor=NHS_BLUE, spaceBefore=8, spaceAfter=3,
        ),
    }  # fmt: skip


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Runs of spaces separate the banner's fields; Paragraph would collapse them.
    return Paragraph(escape(text).replace("\n", "<br/>").replace("   ", " &nbsp; &nbsp; "), style)


def _role(value: str | None) -> str:
    from mdt_desktop.domain.roles import Role

    try:
        return Role(value or "").label
    except ValueError:
        return value or ""


def _category(value: str) -> str:
    from mdt_desktop.domain.caseload import NoteCategory

    known = {c.value for c in NoteCategory}
    return NoteCategory(value).label if value in known else value


def write_record_pdf(
    path: Path,
    *,
    banner: Banner,
    summary: Any,
    care_team: Sequence[Any],
    notes: Sequence[Any],
    exported_by: str,
) -> Path:
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        initialFontName=FONT,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=f"Record summary — {banner.name}",
        author=exported_by,
    )
    width = A4[0] - 32 * mm
    story: list[Any] = []
    head_rows = [
        [_p(banner.name, st["name"])],
        [_p(f"{banner.born}    {banner.gender}    {banner.nhs_number}", st["body"])],
        [_p(f"{banner.practice}    {banner.consent}", st["body"])],
    ]
    if banner.alerts:
        head_rows.append([_p("   ".join(f"Alert: {a}" for a in banner.alerts), st["body"])])
    head = Table(head_rows, colWidths=[width])
    head.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8f1fa")),
                ("LINEBELOW", (0, -1), (-1, -1), 1.5, NHS_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                *_CELL_FONT,
            ]
        )
    )
    story += [head, Spacer(1, 6)]

    story.append(_p("Caseload", st["h2"]))
    case = summary.case
    if case is None:
        story.append(_p("Not on the team's caseload.", st["body"]))
    else:
        lines = [
            f"Status: {STATUS_LABELS.get(case.status, case.status)}",
            f"Care coordinator: {case.coordinator or 'Not Known'}",
            f"On the caseload since {format_patient_date(case.started_on)}; "
            f"next review {format_patient_date(case.next_review_on)}",
        ]
        if case.flags:
            lines.append("Flags: " + ", ".join(f.label for f in case.flags))
        if case.escalated_at and case.escalation_reason:
            lines.append(f"Escalated to the next MDT: {case.escalation_reason}")
        story.append(_p("\n".join(lines), st["body"]))

    story.append(_p("Risk", st["h2"]))
    if summary.risk_score is None:
        story.append(_p("Not stratified.", st["body"]))
    else:
        text = (
            f"{SEGMENT_LABELS.get(summary.segment or '', '')} · risk {summary.risk_score:.0f}/100"
        )
        reasons = "\n".join(f"• {r}" for r in summary.reasons) or "Nothing notable"
        story.append(_p(f"{text}\n{reasons}", st["body"]))

    story.append(_p("Conditions", st["h2"]))
    if summary.conditions:
        rows = [[_p(term, st["body"]), _p(format_patient_date(on), st["body"])]
                for term, on in summary.conditions]  # fmt: skip
        table = Table(rows, colWidths=[width - 30 * mm, 30 * mm])
        table.setStyle(TableStyle(_RULED))
        story.append(table)
    else:
        story.append(_p("None recorded.", st["body"]))
    if summary.medicines:
        story.append(_p(f"Repeat medicines: {', '.join(summary.medicines)}", st["body"]))

    story.append(_p("Care team", st["h2"]))
    if care_team:
        rows = [
            [
                _p(m.name + (" (lead)" if m.is_lead else ""), st["body"]),
                _p(_role(m.role), st["body"]),
                _p(m.organisation or "", st["body"]),
                _p(m.contact or "", st["body"]),
            ]
            for m in care_team
        ]
        table = Table(rows, colWidths=[width * 0.25, width * 0.18, width * 0.27, width * 0.3])
        table.setStyle(TableStyle(_RULED))
        story.append(table)
    else:
        story.append(_p("No one recorded.", st["body"]))

    story.append(_p("Notes between meetings", st["h2"]))
    for note in notes:
        who = (
            f"{format_local_datetime(note.written_at)} · {note.author_name} "
            f"({_role(note.author_role)}) · {_category(note.category)}"
        )
        story.append(_p(who, st["small"]))
        story.append(_p(note.text, st["body"]))
        story.append(Spacer(1, 4))
    if not notes:
        story.append(_p("No notes.", st["body"]))

    exported = format_local_datetime(datetime.now(UTC))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(
            16 * mm, 9 * mm, f"{banner.one_line}    Exported {exported} by {exported_by}"
        )
        canvas.drawRightString(A4[0] - 16 * mm, 9 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return write_private(path, buffer.getvalue())
