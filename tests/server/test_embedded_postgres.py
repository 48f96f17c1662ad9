"""The embedded PostgreSQL is private whatever its path (issue 13, finding 7)."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from mdt_desktop.server import db, embedded

pytestmark = pytest.mark.slow


@pytest.fixture
def scratch() -> Iterator[Path]:
    # Outside pytest's own temporary root, which is closed to other users.
    folder = Path(tempfile.mkdtemp(prefix="mdt-embedded-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_long_data_path_keeps_the_socket_private_and_needs_the_password(
    scratch: Path,
) -> None:
    deep = scratch / ("d" * 60) / ("e" * 60) / "data"
    deep.parent.mkdir(parents=True)
    before = {p: _mode(p) for p in deep.parents if p.exists()}
    url, handle = db.start_embedded(deep, database="mdt")
    try:
        socket_dir = handle.socket_dir
        assert len(str(deep)) > 100 and socket_dir != deep
        assert _mode(socket_dir) == 0o700
        assert socket_dir.stat().st_uid == pwd.getpwnam(handle.user.pw_name).pw_uid
        assert _mode(deep) == 0o700
        password_file = deep / embedded.PASSWORD_FILE
        assert _mode(password_file) == 0o600 and password_file.stat().st_uid == os.geteuid()
        assert "trust" not in (deep / "pg_hba.conf").read_text()
        # No folder on the way was opened up.
        assert {p: _mode(p) for p in before} == before
        # With the password: in. Without it, even over the socket: refused.
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        engine.dispose()
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(host=str(socket_dir), user="postgres", dbname="mdt").close()
        if os.geteuid() == 0:
            # Another local user cannot even reach the socket.
            psql = embedded._install() / "bin" / "psql"
            other = subprocess.run(
                [str(psql), "-h", str(socket_dir), "-U", "postgres", "-c", "SELECT 1", "mdt"],
                user="nobody",
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert other.returncode != 0
            assert "Permission denied" in other.stderr or "No such file" in other.stderr
        # A second command joins the running server with the same password.
        again_url, again = db.start_embedded(deep, database="mdt")
        assert again_url == url
        again.cleanup()
    finally:
        handle.cleanup()
    assert not socket_dir.exists()  # the private socket folder goes with the server


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user to be refused")
def test_a_path_postgresql_cannot_reach_is_refused_not_opened(scratch: Path) -> None:
    closed = scratch / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(db.EmbeddedError, match=r"cannot reach .* /var/lib/mdt-server"):
        db.start_embedded(closed / "data")
    assert _mode(closed) == 0o700
    assert not (closed / "data").exists()
