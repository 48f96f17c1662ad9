"""Every PDF the app writes embeds its fonts and prints names in any script; long text is linear."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from support.meeting_data import MEETING_AT, TODAY, make_team
from support.neighbourhood import build_neighbourhood

from mdt_desktop.reports.care_plan import build_care_plan_pdf
from mdt_desktop.services import meetings as m
from mdt_desktop.services import record
from mdt_desktop.services.minutes import export_minutes
from mdt_desktop.services.notes import write_note
from mdt_desktop.store.database import Store

NAMES = ("Zoë", "Ó Ceallaigh", "Wiśniewska", "Nguyễn")
SENTENCE = "Seen with " + ", ".join(NAMES) + "."


def _check(path: Path) -> str:
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, fonts.stdout
    for row in rows:
        # name, type, encoding, emb, sub, uni, object, ID: "emb" is the fourth from the end.
        assert row.split()[-5] == "yes", fonts.stdout
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in NAMES:
        assert name in text, name
    return text


def _care_plan_document(about_me: str):
    from test_care_plan_pdf import document

    doc = document()
    doc.content["about_me"] = about_me
    return doc


def test_care_plan_pdf_embeds_fonts_and_prints_the_names(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(build_care_plan_pdf(_care_plan_document(SENTENCE)))
    _check(path)


def test_minutes_pdf_embeds_fonts_and_prints_the_names(store: Store, tmp_path: Path) -> None:
    team = make_team(store)
    meeting = m.schedule_meeting(
        store, team_id=team.team_id, starts_at=MEETING_AT, location="Meadowbank Surgery",
        chair_staff_id=team.staff["Dr Priya Raman"],
    )  # fmt: skip
    m.build_agenda(store, meeting, today=TODAY)
    m.start_meeting(store, meeting)
    agenda = m.agenda(store, meeting)
    m.record_outcome(store, agenda[0].id, m.Outcome("step_down", SENTENCE))
    m.close_meeting(store, meeting)
    out = export_minutes(store, meeting, tmp_path / "minutes.pdf")
    _check(out)


def test_record_summary_pdf_embeds_fonts_and_prints_the_names(store: Store, tmp_path: Path) -> None:
    hood = build_neighbourhood(store)
    pid = hood.patients[0]
    write_note(store, pid, SENTENCE)
    path = record.export_record(store, pid, tmp_path / "record.pdf")
    _check(path)
    assert path.stat().st_mode & 0o777 == 0o600
    # Looked at as a picture too: the page renders.
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    assert png.stat().st_size > 5_000


@pytest.mark.parametrize("spaced", [False, True], ids=["one word", "words"])
def test_a_200000_character_note_exports_in_time_linear_in_its_length(spaced: bool) -> None:
    # Measured against a tenth of the text in the same run, so a busy machine does not
    # fail it: a quadratic layout (the fault this guards) takes ~100 times as long, not 10.
    unit = "abcdefghi " if spaced else "abcdefghij"

    def seconds(repeats: int) -> float:
        started = time.perf_counter()
        data = build_care_plan_pdf(_care_plan_document(unit * repeats))
        assert data.startswith(b"%PDF")
        return time.perf_counter() - started

    tenth = seconds(2_000)
    whole = seconds(20_000)
    assert whole < 30 * tenth + 0.5, f"{whole:.2f} s against {tenth:.2f} s for a tenth"
