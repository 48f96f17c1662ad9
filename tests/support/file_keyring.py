"""A keyring backend for benchmarks and subprocess tests only: a JSON file in a temp folder.

Selected with PYTHON_KEYRING_BACKEND=file_keyring.FileTestKeyring (PYTHONPATH=tests/support)
and MDT_TEST_KEYRING_FILE=<path>. It keeps secrets in the clear: never for real use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileTestKeyring(KeyringBackend):
    priority = 5  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["MDT_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}/{username}", None)
        self._path.write_text(json.dumps(data))
