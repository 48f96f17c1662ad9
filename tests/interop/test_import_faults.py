"""A killed import leaves none of itself or all of itself, with its record and audit entry.

`mdt import-list` is killed with SIGKILL at 20 random moments of a 20,000-person import
(people and coded entries, read in a second process); after each kill the store passes
`PRAGMA integrity_check` and holds nothing of the import or all of it. Re-running the
import then completes, and a store left between commit and risk scores is put right the
next time it is opened.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from perf.bench_import import write_csvs
from sqlalchemy import func, select

from mdt_desktop.store.database import Store
from mdt_desktop.store.schema import AuditEntry, CodedEntry, ImportRecord, Patient, RiskScore

pytestmark = pytest.mark.fault

PEOPLE = 20_000
PASSPHRASE = "a long enough passphrase"
KILLS = 20
ENTRIES = 1  # coded entries per person: enough to exercise the staged copy


@pytest.fixture(scope="module")
def import_files(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 20,000-person files and an empty store, made once for the module."""
    folder = tmp_path_factory.mktemp("import-faults")
    people, coded = write_csvs(folder, PEOPLE, entries_per_person=ENTRIES)
    env = dict(os.environ, MDT_PASSPHRASE=PASSPHRASE,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # fmt: skip
    template = folder / "empty.mdt"
    subprocess.run([sys.executable, "-m", "mdt_desktop.cli", "init", "--store", str(template)],
                   env=env, check=True, capture_output=True, timeout=60)  # fmt: skip
    return {"files": [str(people), str(coded)], "template": template, "env": env}


def _command(store: Path, files: list[str]) -> list[str]:
    return [sys.executable, "-m", "mdt_desktop.cli", "import-list", "--store", str(store), *files]


def _state(path: Path) -> tuple[str, int, int, int, int, int]:
    with Store.open(path, passphrase=PASSPHRASE, upgrade=False) as store:
        integrity = store.integrity_check()
        with store.session() as s:
            return (
                integrity,
                s.scalar(select(func.count()).select_from(Patient)) or 0,
                s.scalar(select(func.count()).select_from(CodedEntry)) or 0,
                s.scalar(select(func.count()).select_from(ImportRecord)) or 0,
                s.scalar(select(func.count()).where(AuditEntry.action == "import")) or 0,
                s.scalar(select(func.count()).select_from(RiskScore)) or 0,
            )


def test_sigkill_at_twenty_moments_leaves_none_or_all(import_files: dict, tmp_path: Path) -> None:
    env, files = import_files["env"], import_files["files"]
    # How long a whole import takes here: the kills fall anywhere inside it.
    full = tmp_path / "full.mdt"
    shutil.copyfile(import_files["template"], full)
    started = time.monotonic()
    done = subprocess.run(_command(full, files), env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    complete = _state(full)
    assert complete[:5] == ("ok", PEOPLE, ENTRIES * PEOPLE, 1, 1) and complete[5] > 0

    rng = random.Random(14)
    outcomes = {"none": 0, "all": 0}
    for round_ in range(KILLS):
        path = tmp_path / f"kill{round_}.mdt"
        shutil.copyfile(import_files["template"], path)
        child = subprocess.Popen(_command(path, files), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.2, duration * 1.05))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        integrity, people, coded, records, audited, _ = _state(path)
        assert integrity == "ok", (round_, integrity)
        if people == 0:
            assert (coded, records, audited) == (0, 0, 0), round_
            outcomes["none"] += 1
        else:
            assert (people, coded, records, audited) == (PEOPLE, ENTRIES * PEOPLE, 1, 1), round_
            outcomes["all"] += 1
    assert outcomes["none"] and outcomes["all"], outcomes

    # The last store: the import run again completes (or finishes what was committed).
    again = subprocess.run(_command(path, files), env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr
    integrity, people, coded, records, audited, scored = _state(path)
    assert (integrity, people, coded) == ("ok", PEOPLE, ENTRIES * PEOPLE)
    assert records == audited >= 1 and scored == complete[5]


def test_a_store_left_before_its_risk_scores_recomputes_them_and_says_why(
    import_files: dict, tmp_path: Path
) -> None:
    from mdt_desktop.services.importing import STRATIFY_PENDING
    from mdt_desktop.services.importing import import_files as run_import

    path = tmp_path / "pending.mdt"
    shutil.copyfile(import_files["template"], path)
    with Store.open(path, passphrase=PASSPHRASE) as store:
        # Committed, then stopped before stratifying: what a kill at that moment leaves.
        run_import(store, [import_files["files"][0]], stratify=False)
        assert STRATIFY_PENDING in store.meta()
    status = subprocess.run(
        [sys.executable, "-m", "mdt_desktop.cli", "status", "--store", str(path)],
        env=import_files["env"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "risk scores were not recomputed" in status.stderr
    assert json.loads(status.stdout)
    _, people, _, _, _, scored = _state(path)
    assert scored == people == PEOPLE
    with Store.open(path, passphrase=PASSPHRASE) as store:
        assert STRATIFY_PENDING not in store.meta()
