"""The shared base for every PDF the app produces (care plans, meeting minutes, statements).

An A4 page with the same frame on every page: the document's title and a running line (the
patient banner, or a meeting's name) at the top; "Page x of y", who produced it and when, and
a confidentiality line at the bottom. Text is set in DejaVu Sans, shipped in resources/fonts
and embedded (subset) in each file, so every name prints whatever fonts the reader has:
Zoë, Ó Ceallaigh, Wiśniewska, Nguyễn.

reportlab's Paragraph reads a small XML markup, so text typed by users must never reach it
unescaped: a goal reading ``<b>`` or ``&`` must print as typed, and ``<para>`` must not break
the document. ``para()`` and ``table()`` escape everything they are given; only the fixed
labels written in this code carry markup.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from mdt_desktop.domain.people import format_local_datetime
from mdt_desktop.paths import resources_dir

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

CONFIDENTIAL = (
    "CONFIDENTIAL: contains personal and health information. Keep it safe; share it only with "
    "people the person has agreed to."
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm

# Control characters other than tab and newline cannot be set and upset the markup parser.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(fonts_dir() / filename)))
    # <b> inside a paragraph (our own labels) picks the bold face.
    pdfmetrics.registerFontFamily(
        FONT_FAMILY, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one print size. Large print sets nothing smaller than 16 pt."""

    large_print: bool
    body: ParagraphStyle
    small: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    label: ParagraphStyle
    cell: ParagraphStyle
    cell_header: ParagraphStyle
    running: ParagraphStyle
    footer_size: float
    running_size: float


def make_styles(large_print: bool = False) -> Styles:
    register_fonts()
    size = 16.0 if large_print else 10.5
    small = 16.0 if large_print else 8.5

    def style(name: str, font_size: float, *, bold: bool = False, **kw: Any) -> ParagraphStyle:
        kw.setdefault("textColor", colors.black)
        return ParagraphStyle(
            name,
            fontName=FONT_BOLD if bold else FONT,
            fontSize=font_size,
            leading=round(font_size * 1.3, 1),
            alignment=TA_LEFT,
            **kw,
        )

    return Styles(
        large_print=large_print,
        body=style("body", size, spaceAfter=size * 0.4),
        small=style("small", small, textColor=colors.HexColor("#333333")),
        title=style("title", 24.0 if large_print else 17.0, bold=True, spaceAfter=6),
        heading=style(
            "heading",
            20.0 if large_print else 13.0,
            bold=True,
            spaceBefore=size * 1.1,
            spaceAfter=size * 0.4,
            textColor=colors.HexColor("#005EB8"),  # NHS blue
        ),
        subheading=style(
            "subheading",
            18.0 if large_print else 11.0,
            bold=True,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        label=style("label", size, bold=True),
        cell=style("cell", size),
        cell_header=style("cell_header", size, bold=True),
        running=style("running", 16.0 if large_print else 9.5, bold=True),
        footer_size=16.0 if large_print else 8.0,
        running_size=16.0 if large_print else 9.5,
    )


def clean(text: object) -> str:
    """User text made safe for reportlab's markup: escaped, control characters dropped."""
    if text is None:
        return ""
    value = _CONTROL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return escape(value).replace("\n", "<br/>")


# Longer user text is set as a run of paragraphs of about this many characters. One
# reportlab Paragraph is re-wrapped from its start at every page it is split over, and
# a long unbroken word is re-split each time: time grew with the square of the length
# (20,000 characters 14.7 s). Chunks keep it linear.
CHUNK_CHARS = 1500
# Splitting a long word across lines costs more per character: its pieces are shorter.
WORD_CHUNK_CHARS = 500


def para(text: object, style: ParagraphStyle) -> Flowable:
    """A paragraph of user text: printed exactly as typed, line breaks kept."""
    return _text(clean_chunks(text), style)


def labelled(label: str, text: object, style: ParagraphStyle) -> Flowable:
    """``Label: value`` with the fixed label in bold and the value escaped."""
    chunks = clean_chunks(text)
    chunks[0] = f"<b>{escape(label)}</b> {chunks[0]}"
    return _text(chunks, style)


def clean_chunks(text: object) -> list[str]:
    """:func:`clean` of ``text`` in pieces of about CHUNK_CHARS, broken at a line end
    where there is one near, else at a space, else (one long word) anywhere."""
    raw = "" if text is None else _CONTROL.sub("", str(text))
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[str] = []
    start = 0
    while len(raw) - start > CHUNK_CHARS:
        window = raw[start : start + CHUNK_CHARS]
        cut = window.rfind("\n", CHUNK_CHARS // 2)
        if cut < 0:
            cut = window.rfind(" ", CHUNK_CHARS // 2)
        end = start + (cut if cut > 0 else WORD_CHUNK_CHARS)
        pieces.append(raw[start:end])
        start = end + (1 if cut > 0 else 0)
    pieces.append(raw[start:])
    return [escape(p).replace("\n", "<br/>") for p in pieces]


def _text(chunks: list[str], style: ParagraphStyle) -> Flowable:
    if len(chunks) == 1:
        return Paragraph(chunks[0], style)
    inner = ParagraphStyle(f"{style.name}-inner", parent=style, spaceBefore=0, spaceAfter=0)
    first = ParagraphStyle(f"{style.name}-first", parent=style, spaceAfter=0)
    last = ParagraphStyle(f"{style.name}-last", parent=style, spaceBefore=0)
    parts = [Paragraph(c, inner) for c in chunks]
    parts[0] = Paragraph(chunks[0], first)
    parts[-1] = Paragraph(chunks[-1], last)
    return LongText(parts)


class LongText(Flowable):
    """Paragraphs that read as one: drawn stacked where they fit (a table cell), handed to
    the frame one by one where they do not, so only the paragraph at a page end splits."""

    def __init__(self, parts: list[Paragraph]) -> None:
        super().__init__()
        self.parts = parts

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = sum(p.wrap(avail_width, avail_height)[1] for p in self.parts)
        return avail_width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return list(self.parts)

    def draw(self) -> None:
        y = self.height
        for part in self.parts:
            y -= part.height
            part.drawOn(self.canv, 0, y)


def table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[object]],
    col_widths: Sequence[float],
    styles: Styles,
) -> Table:
    """A ruled table; strings are escaped into paragraphs, flowables pass through."""

    def cell(value: object, style: ParagraphStyle) -> Flowable:
        return value if isinstance(value, Flowable) else para(value, style)

    data = []
    if header:
        data.append([cell(h, styles.cell_header) for h in header])
    data.extend([cell(v, styles.cell) for v in row] for row in rows)
    pad = 5 if styles.large_print else 3
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # Tables set their own cell font even around paragraphs; never the unembedded default.
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#768692")),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), pad + 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad + 1),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDEE")))
    return Table(
        data,
        colWidths=list(col_widths),
        style=TableStyle(commands),
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )


@dataclass(frozen=True)
class DocumentInfo:
    """What the page frame prints on every page."""

    title: str  # "Care plan", "MDT meeting minutes"
    running_line: str  # the patient banner's one line, or the meeting's name and date
    produced_by: str  # "Dr Sam PATEL (GP)"
    produced_at: datetime  # aware; printed in local time
    confidentiality: str = CONFIDENTIAL
    subject: str = ""
    tz: tzinfo | None = field(default=None, compare=False)  # None: the machine's zone


@dataclass(frozen=True)
class _FrameLayout:
    """The running frame's lines, wrapped (never cut) to the page width at this print size."""

    running: list[str]  # bold, running_size
    title: list[str]  # regular, footer_size
    produced: list[str]  # regular, footer_size; "Page x of y" sits right of the first
    confidentiality: list[str]

    @classmethod
    def of(cls, info: DocumentInfo, st: Styles) -> _FrameLayout:
        width = PAGE_WIDTH - 2 * MARGIN
        size = st.footer_size
        page_room = width - pdfmetrics.stringWidth("Page 999 of 999", FONT_BOLD, size) - size
        produced = (
            f"Produced by {info.produced_by} on {format_local_datetime(info.produced_at, info.tz)}"
        )
        return cls(
            running=_wrap_parts(info.running_line, FONT_BOLD, st.running_size, width),
            title=_wrap(info.title, FONT, size, width),
            produced=_wrap(produced, FONT, size, page_room),
            confidentiality=_wrap(info.confidentiality, FONT, size, width),
        )

    def header_height(self, st: Styles) -> float:
        return (
            len(self.running) * st.running_size * 1.25
            + len(self.title) * st.footer_size * 1.25
            + st.footer_size * 1.2
        )

    def footer_height(self, st: Styles) -> float:
        lines = len(self.produced) + len(self.confidentiality)
        return lines * st.footer_size * 1.25 + st.footer_size * 1.2


class _NumberedCanvas(rl_canvas.Canvas):
    """Holds each page until the end, so every footer can say "Page x of y"."""

    def __init__(self, *args: Any, info: DocumentInfo, styles: Styles, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []
        self._info = info
        self._styles = styles
        self._layout = _FrameLayout.of(info, styles)

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            self._draw_frame(number, total)
            super().showPage()
        super().save()

    def _draw_frame(self, number: int, total: int) -> None:
        st, lay = self._styles, self._layout
        left, right = MARGIN, PAGE_WIDTH - MARGIN
        small = st.footer_size
        self.saveState()
        # Top: whose document this is (the banner line), then what it is.
        y = PAGE_HEIGHT - MARGIN
        self.setFillColor(colors.black)
        self.setFont(FONT_BOLD, st.running_size)
        for line in lay.running:
            y -= st.running_size
            self.drawString(left, y, line)
            y -= st.running_size * 0.25
        self.setFont(FONT, small)
        for line in lay.title:
            y -= small
            self.drawString(left, y, line)
            y -= small * 0.25
        y -= small * 0.5
        self.setStrokeColor(colors.HexColor("#005EB8"))
        self.setLineWidth(1)
        self.line(left, y, right, y)
        # Bottom: a rule, who produced it and when with the page number, confidentiality.
        y = MARGIN + lay.footer_height(st) - small * 0.6
        self.setStrokeColor(colors.HexColor("#768692"))
        self.setLineWidth(0.5)
        self.line(left, y, right, y)
        y -= small * 0.6
        self.setFillColor(colors.HexColor("#333333"))
        for i, line in enumerate(lay.produced + lay.confidentiality):
            y -= small
            self.setFont(FONT, small)
            self.drawString(left, y, line)
            if i == 0:
                self.setFont(FONT_BOLD, small)
                self.drawRightString(right, y, f"Page {number} of {total}")
            y -= small * 0.25
        self.restoreState()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a single word wider than the line is cut with a mark."""
    lines: list[str] = []
    current = ""
    for word in _CONTROL.sub("", text).split():
        candidate = f"{current} {word}".strip()
        if current and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
        if pdfmetrics.stringWidth(current, font, size) > width:
            lines.append(_fit(current, font, size, width))
            current = ""
    if current:
        lines.append(current)
    return lines or [""]


def _wrap_parts(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap a banner line between its parts (separated by three spaces) where possible, so
    "NHS No. 943 476 5919" is never split across lines."""
    lines: list[str] = []
    current = ""
    for part in (p.strip() for p in text.split("   ") if p.strip()):
        candidate = f"{current}   {part}" if current else part
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if pdfmetrics.stringWidth(part, font, size) <= width:
            current = part
        else:
            *full, current = _wrap(part, font, size, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines or [""]


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten a single line to fit, marking the cut, rather than run off the page."""
    text = _CONTROL.sub("", text).replace("\n", " ")
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def frame_margins(info: DocumentInfo, styles: Styles) -> tuple[float, float]:
    """Space kept clear at the top and bottom of each page for the running frame."""
    layout = _FrameLayout.of(info, styles)
    gap = styles.body.fontSize * 0.8
    return MARGIN + layout.header_height(styles) + gap, MARGIN + layout.footer_height(styles) + gap


def build_pdf(story: list[Flowable], info: DocumentInfo, styles: Styles) -> bytes:
    """Lay out the story on A4 pages with the shared frame and return the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    top, bottom = frame_margins(info, styles)
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=bottom,
        title=f"{info.title}: {info.running_line}",
        author=info.produced_by,
        subject=info.subject or info.title,
        creator="MDT Desktop",
        # Otherwise every page names Helvetica, a font the PDF does not embed.
        initialFontName=FONT,
        initialFontSize=styles.body.fontSize,
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def make_canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, info=info, styles=styles, **kwargs)

    doc.build(story, canvasmaker=make_canvas)
    return buffer.getvalue()


def write_pdf(path: Path, story: list[Flowable], info: DocumentInfo, styles: Styles) -> Path:
    """Build, then write in one go so a failed build never leaves half a file."""
    return write_private(path, build_pdf(story, info, styles))


def write_private(path: Path, data: bytes) -> Path:
    """Write in one go (a failed build never leaves half a file), readable by its owner only."""
    from mdt_desktop.store.exports import private_file

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with private_file(tmp, "wb") as out:
        out.write(data)
    tmp.replace(path)
    return path


def content_width() -> float:
    return PAGE_WIDTH - 2 * MARGIN
