"""The reading child process: ends with its parent, holds no secret, leaves no staging."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mdt_desktop.domain.nhs_number import iter_test_numbers
from mdt_desktop.store import staging

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

PARENT = """
import sys, time
from datetime import date
from pathlib import Path
from mdt_desktop.interop.csv_process import CsvReaderProcess
reader = CsvReaderProcess([Path(sys.argv[1])], date(2026, 11, 22), stage=True)
print(reader._process.pid, reader._folder, flush=True)
time.sleep(600)
"""


def _coded_file(folder: Path, rows: int) -> Path:
    """Enough coded entries that reading them takes the child several seconds."""
    numbers = [n for _, n in zip(range(50), iter_test_numbers(), strict=False)]
    path = folder / "coded.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("NHS Number,SNOMED CT Code,Term,Date,Kind\n")
        for i in range(rows):
            f.write(
                f"{numbers[i % 50]},{38341003 + i % 7},Term,2020-01-{1 + i % 28:02d},condition\n"
            )
    return path


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_reader_ends_when_its_parent_is_killed_and_holds_no_secret(tmp_path: Path) -> None:
    data = _coded_file(tmp_path, 400_000)
    env = dict(os.environ, MDT_PASSPHRASE="the store passphrase", MDT_PIN="1234")
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(data)], env=env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert parent.stdout is not None
        child_text, folder = parent.stdout.readline().split()
        child = int(child_text)
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        names = {item.split(b"=", 1)[0] for item in environ if item}
        assert b"MDT_PASSPHRASE" not in names and b"MDT_PIN" not in names
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the reading process outlived its parent"
    finally:
        parent.kill()
    # The killed importer's staging folder is still there, until the next start.
    assert Path(folder).is_dir()
    assert staging.remove_stale_folders(Path(folder).parent) >= 1
    assert not Path(folder).exists()


def test_a_live_importers_staging_folder_is_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = staging.new_staging_folder()
    dead = tmp_path / f"{staging.PREFIX}999999999-x"
    dead.mkdir()
    assert staging.remove_stale_folders() == 1
    assert Path(mine).is_dir() and not dead.exists()
