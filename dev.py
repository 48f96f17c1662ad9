#!/usr/bin/env python3
"""Set up and run MDT Desktop, its tests and its benchmarks. Needs only Python 3.11+.

    python3 dev.py run        set up .venv and start the app
    python3 dev.py test       set up .venv, then lint and run the test suite
    python3 dev.py bench      run the benchmarks in tests/perf/ (JSON on stdout)
    python3 dev.py lint       ruff check, ruff format --check, mypy, import-linter, vulture
    python3 dev.py setup      only set up .venv (and system libraries when root)

Each command creates .venv on first use and refreshes it when pyproject.toml changes.
On Linux, the Qt libraries and fonts the app needs are installed with apt-get when
missing and the command runs as root; otherwise the missing packages are named.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".mdt-installed"

# What PySide6's wheels and our PDF/screenshot checks need from a bare Debian/Ubuntu.
APT_PACKAGES = [
    "libgl1",
    "libegl1",
    "libxkbcommon0",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libdbus-1-3",
    # Qt's xcb platform plugin (a real X display): the libraries it links, and xcb-cursor,
    # which Qt 6.5+ opens at run time and refuses to start without.
    "libx11-xcb1",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    # Starts the app on a real X server in the tests (tests/desktop).
    "xvfb",
    "fonts-dejavu-core",
    "poppler-utils",
    "desktop-file-utils",
]


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)  # type: ignore[call-overload]


def _project_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    if not PY.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    if STAMP.exists() and STAMP.read_text() == _project_hash():
        return
    run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PY), "-m", "pip", "install", "--quiet", "-e", ".[dev]"])
    STAMP.write_text(_project_hash())


def _missing_debian_packages() -> list[str]:
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return []
    missing = []
    for pkg in APT_PACKAGES:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True
        )
        if "install ok installed" not in probe.stdout:
            missing.append(pkg)
    return missing


def ensure_system_libraries() -> None:
    missing = _missing_debian_packages()
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)
    else:
        print(
            "Qt needs these system packages, which are not installed:\n  "
            + " ".join(missing)
            + "\nInstall them with: sudo apt-get install "
            + " ".join(missing),
            file=sys.stderr,
        )


def setup() -> None:
    ensure_system_libraries()
    ensure_venv()


def cmd_run(extra: list[str]) -> int:
    setup()
    return subprocess.call([str(BIN / "mdt-desktop"), *extra], cwd=ROOT)


def cmd_lint(extra: list[str]) -> int:
    setup()
    rc = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    rc |= subprocess.call([str(BIN / "ruff"), "format", "--check", "--quiet", "."], cwd=ROOT)
    rc |= subprocess.call([str(BIN / "mypy"), "--no-error-summary"], cwd=ROOT)
    # The layers contract (.importlinter): gui and server over services over interop,
    # reports and sync over store over domain, and no Qt below gui/.
    rc |= subprocess.call([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT)
    # Dead code; vulture_whitelist.py names what only a framework calls. The schema's
    # columns are data (read by name through the ORM), so schema.py is not scanned.
    rc |= subprocess.call(
        [str(BIN / "vulture"), "mdt_desktop", "tests", "vulture_whitelist.py",
         "--min-confidence", "60", "--ignore-decorators", "@app.*,@api.*,@pytest.fixture",
         "--exclude", "mdt_desktop/store/schema.py"],
        cwd=ROOT,
    )  # fmt: skip
    return rc


def cmd_test(extra: list[str]) -> int:
    setup()
    lint = cmd_lint([])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    tests = subprocess.call([str(PY), "-m", "pytest", *extra], cwd=ROOT, env=env)
    return tests or lint


def cmd_bench(extra: list[str]) -> int:
    setup()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(PY), "-m", "tests.perf.run", *extra], cwd=ROOT, env=env)


COMMANDS = {
    "run": cmd_run,
    "test": cmd_test,
    "bench": cmd_bench,
    "lint": cmd_lint,
    "setup": lambda extra: (setup(), 0)[1],
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
