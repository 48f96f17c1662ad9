"""The desktop entry, AppStream metadata and PyInstaller spec stay valid."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def test_desktop_entry_is_valid() -> None:
    path = PACKAGING / "uk.nhs.mdtdesktop.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "mdt-desktop"
    assert entry["Categories"].endswith(";")
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate (desktop-file-utils) is installed by dev.py"
    result = subprocess.run([validator, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_matches_desktop_entry_and_entry_point() -> None:
    tree = ET.parse(PACKAGING / "uk.nhs.mdtdesktop.metainfo.xml")
    root = tree.getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == "uk.nhs.mdtdesktop"
    launchable = root.find("launchable")
    assert launchable is not None and (PACKAGING / launchable.text).exists()
    assert root.findtext("provides/binary") == "mdt-desktop"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'mdt-desktop = "mdt_desktop.gui.app:main"' in pyproject
    version = root.find("releases/release").get("version")
    assert f'version = "{version}"' in pyproject


def test_pyinstaller_spec_names_existing_data_folders() -> None:
    spec = (PACKAGING / "mdt-desktop.spec").read_text()
    for folder in ("resources", "migrations", "ui"):
        assert f'"{folder}"' in spec and (ROOT / folder).is_dir()
    assert (ROOT / "mdt_desktop" / "gui" / "app.py").exists()
