from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop.domain.nhs_number import format_nhs_number
from mdt_desktop.services import meetings as m
from mdt_desktop.services.minutes import export_minutes


def _meeting_with_outcomes(store):
    team = make_team(store)
    meeting = m.schedule_meeting(
        store,
        team_id=team.team_id,
        starts_at=MEETING_AT,
        location="Meadowbank <Surgery> & Annexe",
        chair_staff_id=team.staff["Dr Priya Raman"],
    )
    lines = {a.name: a for a in m.attendance(store, meeting)}
    for name in ("Dr Priya Raman", "Sue Palmer", "Mark Fletcher"):
        m.set_attendance(store, lines[name].id, "present")
    m.set_attendance(store, lines["Imran Shah"].id, "apologies")
    m.build_agenda(store, meeting, today=TODAY)
    m.start_meeting(store, meeting)
    agenda = m.agenda(store, meeting)
    m.record_outcome(
        store,
        agenda[0].id,
        m.Outcome(
            "refer",
            "Wound <b>not</b> healing & family worried",
            referred_to="Tissue viability",
            next_review_on=TODAY + timedelta(days=28),
            actions=(
                m.NewAction("Refer to tissue viability", "Sue Palmer", None, TODAY + timedelta(7)),
            ),
        ),
    )
    m.record_outcome(store, agenda[1].id, m.Outcome("step_down", "Stable for three months"))
    m.close_meeting(store, meeting)
    return team, meeting, agenda


def test_minutes_text_holds_attendance_quorum_and_every_case(store, tmp_path) -> None:
    _team, meeting, _agenda = _meeting_with_outcomes(store)
    out = export_minutes(store, meeting, tmp_path / "minutes.pdf")
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Northside Neighbourhood MDT" in flat
    assert "Meadowbank <Surgery> & Annexe" in flat  # escaped, printed as typed
    assert "Dr Priya Raman (GP)" in flat and "Imran Shah (Pharmacist)" in flat
    assert "Quorate" in flat
    assert "BHATTI, Nasreen (Mrs) — NHS No. 999 000 0026" in flat
    assert "Refer to Tissue viability" in flat
    assert "Wound <b>not</b> healing & family worried" in flat
    assert "Refer to tissue viability" in flat and "Sue Palmer" in flat
    assert "Step down" in flat
    assert "Not reached" in flat  # the rest were not reached
    assert f"Page 1 of {len(reader.pages)}" in flat
    assert "CONFIDENTIAL" in flat
    with store.session() as s:
        from sqlalchemy import select

        from mdt_desktop.store.schema import AuditEntry

        exports = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
        assert exports and exports[-1].entity == "meetings"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_minutes_fonts_are_embedded(store, tmp_path) -> None:
    _, meeting, _ = _meeting_with_outcomes(store)
    out = export_minutes(store, meeting, tmp_path / "minutes.pdf")
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts.stdout


def test_bad_path_is_refused(store, tmp_path) -> None:
    _, meeting, _ = _meeting_with_outcomes(store)
    with pytest.raises(m.MeetingError, match=r"\.pdf"):
        export_minutes(store, meeting, tmp_path / "minutes.txt")
    with pytest.raises(m.MeetingError, match="no folder"):
        export_minutes(store, meeting, tmp_path / "nowhere" / "minutes.pdf")


def test_twenty_case_minutes_hold_every_decision_and_action(store, tmp_path) -> None:
    from support.meeting_data import twenty_case_meeting

    meeting, expected = twenty_case_meeting(store)
    out = export_minutes(store, meeting, tmp_path / "minutes.pdf")
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    flat = " ".join(pages)
    assert len(expected) == 20
    for case in expected:
        assert case["name"] in flat
        assert f"Decision: {case['decision']}" in flat, case
        for action in case["actions"]:
            assert action in flat
    assert "family & carers <present>." in flat
    assert all(f"Page {i} of {len(pages)}" in text for i, text in enumerate(pages, 1))


def test_not_reached_cases_take_one_line_each(store, tmp_path) -> None:
    _team, meeting, agenda = _meeting_with_outcomes(store)
    not_reached = [line for line in m.agenda(store, meeting) if line.status == "not_reached"]
    assert len(not_reached) == len(agenda) - 2
    content = m.minutes(store, meeting)
    assert [c.not_reached for c in content.cases] == [False, False] + [True] * len(not_reached)
    out = export_minutes(store, meeting, tmp_path / "minutes.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    flat = " ".join(lines)
    # The two discussed cases are full blocks; the rest one line each, under one heading.
    assert flat.count("Decision:") == 2 and "No decision recorded" not in flat
    assert flat.count("Discussion:") == 2 and flat.count("Actions:") <= 2
    assert f"Not reached ({len(not_reached)}): carried to the next meeting" in flat
    for n, line in enumerate(not_reached, 3):
        nhs = format_nhs_number(line.nhs_number)
        [row] = [x for x in lines if x.startswith(f"{n}. {line.name}")]
        assert f"NHS No. {nhs}" in row, row
