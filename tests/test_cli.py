"""The `mdt` command, in-process and (for the no-keyring acceptance case) as a subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdt_desktop import cli
from mdt_desktop.store.migrate import SCHEMA_HEAD


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_init_status_demo_verify_with_keyring(tmp_path: Path, capsys) -> None:
    path = str(tmp_path / "s.mdt")
    code, out, _ = _run(capsys, "init", "--store", path)
    assert code == 0 and out["key"] == "keyring"
    code, out, _ = _run(capsys, "demo", "--store", path, "--patients", "300", "--seed", "3")
    assert code == 0 and out["patients"] == 300 and out["coded_entries"] > 300
    code, out, _ = _run(capsys, "status", "--store", path, "--json")
    assert code == 0
    assert out["counts"]["patients"] == 300
    assert out["counts"]["coded_entries"] > 0
    assert out["schema_version"] == SCHEMA_HEAD
    assert set(out) >= {"store_id", "outbox_pending", "sync_conflicts_open", "counts"}
    code, out, _ = _run(capsys, "audit", "verify", "--store", path)
    assert code == 0 and out["ok"] is True and out["checked"] >= 1


def test_init_refuses_an_existing_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "exists.mdt"
    path.write_bytes(b"precious")
    code, _, err = _run(capsys, "init", "--store", str(path))
    assert code == cli.EXIT_FAILED and "refusing to overwrite" in err
    assert path.read_bytes() == b"precious"


def test_short_passphrase_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MDT_PASSPHRASE", "short")
    code, _, err = _run(capsys, "init", "--store", str(tmp_path / "x.mdt"), "--passphrase")
    assert code == cli.EXIT_FAILED and "at least 8" in err
    assert not (tmp_path / "x.mdt").exists()


def test_locked_store_exits_3_untouched(tmp_path: Path, capsys, test_keyring) -> None:
    path = tmp_path / "k.mdt"
    assert _run(capsys, "init", "--store", str(path))[0] == 0
    test_keyring.secrets.clear()
    before = path.read_bytes()
    code, _, err = _run(capsys, "status", "--store", str(path))
    assert code == cli.EXIT_LOCKED
    assert "This store could not be unlocked" in err
    assert path.read_bytes() == before


def test_missing_store_is_a_clear_message(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "status", "--store", str(tmp_path / "nope.mdt"))
    assert code == cli.EXIT_LOCKED and "there is no store" in err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_headless_passphrase_flow_as_a_subprocess(tmp_path: Path) -> None:
    """The acceptance case: MDT_PASSPHRASE set, no keyring backend, real processes."""
    path = tmp_path / "headless.mdt"
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["MDT_PASSPHRASE"] = "a long enough passphrase"

    def mdt(*args: str, **kw) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mdt_desktop.cli", *args],
            env=kw.get("env", env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    r = mdt("init", "--store", str(path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["key"] == "passphrase"
    r = mdt("demo", "--store", str(path), "--patients", "500")
    assert r.returncode == 0, r.stderr
    r = mdt("audit", "verify", "--store", str(path))
    assert r.returncode == 0 and json.loads(r.stdout)["ok"], r.stderr
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    before = _sha(path)
    wrong = dict(env, MDT_PASSPHRASE="not the passphrase")
    r = mdt("status", "--store", str(path), env=wrong)
    assert r.returncode == cli.EXIT_LOCKED
    assert "This store could not be unlocked" in r.stderr
    assert _sha(path) == before


def test_import_list_and_stratify_commands(tmp_path: Path, capsys) -> None:
    path = str(tmp_path / "i.mdt")
    assert _run(capsys, "init", "--store", path)[0] == 0
    good = tmp_path / "list.csv"
    good.write_text(
        "NHS Number,Surname,Forename,Date of Birth\n"
        "9990000018,Smith,Ada,01/01/1940\n"
        "9990000019,Wrong,Check,01/01/1940\n"
    )
    code, out, _ = _run(capsys, "import-list", "--store", path, str(good))
    assert code == 0
    assert (out["read"], out["inserted"], out["rejected"]) == (2, 1, 1)
    assert out["rejections"][0]["where"] == "line 3"
    assert "invalid NHS number" in out["rejections"][0]["reason"]
    assert out["stratified"] == 1 and out["import_record"]
    code, out, _ = _run(capsys, "stratify", "--store", path)
    assert code == 0 and out["people"] == 1

    unknown = tmp_path / "other.csv"
    unknown.write_text("Colour,Size\nred,3\n")
    code, out, err = _run(capsys, "import-list", "--store", path, str(unknown))
    assert code == cli.EXIT_FAILED and "nothing was imported" in err and "unknown columns" in err
    binary = tmp_path / "scan.csv"
    binary.write_bytes(b"\x00\x01\x02PNG")
    code, _, err = _run(capsys, "import-list", "--store", path, str(binary))
    assert code == cli.EXIT_FAILED and "not a text file" in err
