"""Where the project's non-code folders and the user's data live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "MDT Desktop"
APP_SLUG = "mdt-desktop"


def project_root() -> Path:
    """The folder holding resources/, migrations/ and ui/ (a PyInstaller bundle sets _MEIPASS)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return project_root() / "resources"


def migrations_dir() -> Path:
    return project_root() / "migrations"


def ui_dir() -> Path:
    return project_root() / "ui"


def user_data_dir() -> Path:
    """The per-user data folder (XDG on Linux, AppData on Windows, Application Support on macOS)."""
    override = os.environ.get("MDT_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_SLUG


def default_store_path() -> Path:
    return user_data_dir() / "store.mdt"
