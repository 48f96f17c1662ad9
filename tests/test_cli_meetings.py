"""`mdt meetings` and `mdt export-minutes` on a store with a held meeting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.meeting_data import MEETING_AT, TODAY, make_team

from mdt_desktop import cli
from mdt_desktop.services import meetings as m
from mdt_desktop.store.database import Store


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_list_and_export(store_path: Path, store_key, capsys, tmp_path: Path, test_keyring) -> None:
    from mdt_desktop.store.keys import save_to_keyring

    save_to_keyring(store_path, store_key)  # the command finds the key as the app would
    with Store.open(store_path, store_key) as store:
        team = make_team(store)
        meeting = m.schedule_meeting(
            store, team_id=team.team_id, starts_at=MEETING_AT, location="Room 2"
        )
        m.build_agenda(store, meeting, today=TODAY)
        first = m.agenda(store, meeting)[0]
        m.record_outcome(store, first.id, m.Outcome("continue", "Stable"))
    code, out, _ = _run(capsys, "meetings", "--store", str(store_path), "--json")
    assert code == 0
    [listed] = out["meetings"]
    assert listed["id"] == str(meeting) and listed["cases"] == 4 and listed["discussed"] == 1
    pdf = tmp_path / "minutes.pdf"
    code, out, _ = _run(
        capsys, "export-minutes", "--store", str(store_path), "--meeting", listed["id"],
        "--out", str(pdf),
    )  # fmt: skip
    assert code == 0 and out["out"] == str(pdf) and pdf.read_bytes().startswith(b"%PDF")
    code, _, err = _run(
        capsys, "export-minutes", "--store", str(store_path), "--meeting", "nope", "--out",
        str(pdf),
    )  # fmt: skip
    assert code == 1 and "not a meeting id" in err
