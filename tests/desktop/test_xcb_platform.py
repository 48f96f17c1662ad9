"""The app starts on a real X display, not only on the offscreen platform the tests use.

A fresh Debian machine lacked libraries the xcb platform plugin needs (xcb-cursor, which Qt
opens at run time, and icccm/keysyms, which the plugin links): the tests passed offscreen while
`python3 dev.py run` failed at once. These tests run what a person runs, under Xvfb.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import PySide6
import pytest

QT = Path(PySide6.__file__).resolve().parent / "Qt"


def _xcb_libraries() -> list[Path]:
    found = [QT / "plugins" / "platforms" / "libqxcb.so", *QT.glob("lib/libQt6XcbQpa.so*")]
    found += sorted((QT / "plugins" / "xcbglintegrations").glob("*.so"))
    return [p for p in found if p.exists()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_every_library_the_xcb_platform_plugin_links_is_installed() -> None:
    libraries = _xcb_libraries()
    assert libraries, f"no xcb platform plugin under {QT}"
    missing = set()
    for library in libraries:
        out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True)
        missing |= {line.split()[0] for line in out.stdout.splitlines() if "not found" in line}
    assert not missing, f"the xcb platform plugin needs {sorted(missing)}: dev.py installs them"
    # Qt 6.5+ opens xcb-cursor with dlopen, so ldd cannot see it; without it Qt refuses xcb.
    assert ctypes.util.find_library("xcb-cursor"), "libxcb-cursor0 is needed by Qt's xcb plugin"


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb server; its display number is chosen by the server itself."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb (Debian package xvfb) is installed by dev.py"
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


# Runs the real start-up path (launch → first-run wizard) on the xcb platform, and reads the
# wizard back from the X server itself (grabWindow), not from Qt's own rendering.
_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from mdt_desktop.gui.app import launch, make_app
    from mdt_desktop.gui.first_run import FirstRunWizard

    app = make_app(["mdt-desktop"])
    print("platform", app.platformName(), flush=True)
    store, png = Path(sys.argv[1]), sys.argv[2]

    def grab() -> None:
        wizards = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, FirstRunWizard) and w.isVisible()]
        if not wizards:
            QTimer.singleShot(200, grab)
            return
        wizard = wizards[0]
        shot = wizard.screen().grabWindow(wizard.winId())
        print("saved", shot.save(png), shot.width(), shot.height(), flush=True)
        wizard.reject()

    QTimer.singleShot(1500, grab)
    print("window", launch(store), flush=True)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_the_app_starts_on_a_real_x_display(x_display: str, tmp_path: Path) -> None:
    png = tmp_path / "first-run.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(DISPLAY=x_display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path))
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "new.mdt"), str(png)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "could not load the Qt platform plugin" not in result.stderr
    assert "platform xcb" in result.stdout, result.stdout + result.stderr
    assert "saved True" in result.stdout, result.stdout + result.stderr
    assert "window None" in result.stdout  # cancelled at the wizard: nothing made
    assert not (tmp_path / "new.mdt").exists()

    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() > 400 and image.height() > 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 200, 7)}
    assert len(colours) > 5, "the wizard on the X display is blank"
