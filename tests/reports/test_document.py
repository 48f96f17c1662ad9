"""The shared PDF frame: fonts embedded, running line and page numbers on every page,
user text escaped, large print large."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from mdt_desktop.reports.document import (
    CONFIDENTIAL,
    DocumentInfo,
    build_pdf,
    clean,
    labelled,
    make_styles,
    para,
    table,
    write_pdf,
)

NAMES = ["Zoë", "Ó Ceallaigh", "Wiśniewska", "Nguyễn"]
PRODUCED_AT = datetime(2026, 7, 14, 9, 5, tzinfo=UTC)


def info(**kw: object) -> DocumentInfo:
    values: dict[str, object] = {
        "title": "Care plan, version 3 of 14-Jul-2026",
        "running_line": "NGUYỄN, Zoë (Ms)   Born 14-Jul-1945 (81y)   NHS No. 943 476 5919",
        "produced_by": "Dr Siobhán Ó CEALLAIGH (GP)",
        "produced_at": PRODUCED_AT,
        "tz": UTC,
    }
    values.update(kw)
    return DocumentInfo(**values)  # type: ignore[arg-type]


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def long_story(large_print: bool = False, paragraphs: int = 90) -> tuple[list, object]:
    st = make_styles(large_print)
    story: list = [para("What matters to me", st.heading)]
    for i in range(paragraphs):
        story.append(para(f"Paragraph {i}: I want to stay at home with my cat, Biscuit.", st.body))
    return story, st


def test_every_page_has_running_line_page_x_of_y_producer_and_confidentiality() -> None:
    story, st = long_story()
    data = build_pdf(story, info(), st)
    texts = pages_text(data)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert "NHS No. 943 476 5919" in text
        assert "NGUYỄN, Zoë (Ms)" in text
        assert f"Page {number} of {len(texts)}" in text
        assert "Produced by Dr Siobhán Ó CEALLAIGH (GP) on 14-Jul-2026 09:05" in text
        assert "CONFIDENTIAL" in text


def test_four_names_print_and_the_font_is_embedded() -> None:
    st = make_styles()
    story: list = [para(name, st.body) for name in NAMES]
    story.append(table(["Name"], [[n] for n in NAMES], [200], st))
    data = build_pdf(story, info(), st)
    text = pages_text(data)[0]
    for name in NAMES:
        assert name in text
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts, "no fonts in the page resources"
    for name, font in fonts.items():
        assert "DejaVuSans" in name, f"{name} is not the shipped font"
        # reportlab embeds TrueType subsets as Type 0/CID or simple TrueType; either way the
        # descriptor carries the font program.
        descendants = font.get("/DescendantFonts")
        descriptor = (
            descendants[0].get_object()["/FontDescriptor"]
            if descendants
            else font["/FontDescriptor"]
        ).get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_pdffonts_reports_every_font_embedded(tmp_path: Path) -> None:
    st = make_styles()
    story = [para(" ".join(NAMES), st.body), table(["Name"], [[n] for n in NAMES], [200], st)]
    path = write_pdf(tmp_path / "names.pdf", story, info(), st)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.strip().splitlines()[2:]
    assert rows
    for row in rows:
        assert "DejaVuSans" in row
        assert " yes " in row  # the "emb" column


def test_user_markup_prints_literally() -> None:
    st = make_styles()
    nasty = "Walk to <b>the shops</b> & back <para> twice </para> <font size=40>big</font>"
    story = [
        para(nasty, st.body),
        labelled("Goal:", "Tea & cake <i>daily</i>", st.body),
        table(["What", "Who"], [["A & B <br/>", "<u>Nurse</u>"]], [200, 200], st),
    ]
    text = pages_text(build_pdf(story, info(), st))[0]
    assert "Walk to <b>the shops</b> & back <para> twice </para>" in text
    assert "<font size=40>big</font>" in text
    assert "Goal: Tea & cake <i>daily</i>" in text
    assert "A & B <br/>" in text
    assert "<u>Nurse</u>" in text


def test_clean_keeps_line_breaks_and_drops_control_characters() -> None:
    assert clean("a\r\nb\rc\nd") == "a<br/>b<br/>c<br/>d"
    assert clean("bell\x07 & <x>") == "bell &amp; &lt;x&gt;"
    assert clean(None) == ""


def test_large_print_wraps_the_banner_and_footer_instead_of_cutting_them() -> None:
    story, st = long_story(large_print=True, paragraphs=40)
    texts = pages_text(build_pdf(story, info(), st))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        lines = text.splitlines()
        # The banner wraps between its parts: the NHS number stays whole on one line.
        assert "NHS No. 943 476 5919" in lines
        assert "NGUYỄN, Zoë (Ms)   Born 14-Jul-1945 (81y)" in text
        assert f"Page {number} of {len(texts)}" in text
        assert "Produced by Dr Siobhán Ó CEALLAIGH" in text  # wraps beside the page number
        assert "(GP) on 14-Jul-2026 09:05" in text
        assert "…" not in text


def test_a_single_word_wider_than_the_page_is_cut_not_run_off() -> None:
    st = make_styles()
    data = build_pdf([para("x", st.body)], info(running_line="W" * 300), st)
    assert "…" in pages_text(data)[0]


def _font_sizes(data: bytes) -> set[float]:
    sizes: set[float] = set()
    for page in PdfReader(io.BytesIO(data)).pages:

        def visit(text: str, cm: list, tm: list, font_dict: object, font_size: float) -> None:
            if text.strip():
                # The size on screen is the font size scaled by the text matrix.
                sizes.add(round(font_size * abs(tm[3]) * abs(cm[3]), 1))

        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_sets_nothing_below_16_points() -> None:
    story, st = long_story(large_print=True, paragraphs=10)
    story.append(table(["What", "Who"], [["Walk", "Nurse"]], [200, 200], st))
    large = _font_sizes(build_pdf(story, info(), st))
    assert large and min(large) >= 16
    story, st = long_story(large_print=False, paragraphs=10)
    normal = _font_sizes(build_pdf(story, info(), st))
    assert min(normal) < 16  # the check can tell the two apart


def test_long_confidentiality_text_wraps_and_stays_whole_in_large_print() -> None:
    story, st = long_story(large_print=True, paragraphs=5)
    text = " ".join(pages_text(build_pdf(story, info(), st)))
    # Every word of the default line is there (it wraps onto several lines in large print).
    for word in CONFIDENTIAL.split():
        assert word in text


def test_write_pdf_writes_a_whole_file(tmp_path: Path) -> None:
    st = make_styles()
    path = write_pdf(tmp_path / "out.pdf", [para("Hello", st.body)], info(), st)
    assert path.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.part"))
