"""Reading large CSV imports in a second process, so checking rows overlaps with writing them.

A whole-system import is ~1.25 million rows. Checking them is Python work, and so is
binding each row of an ``executemany`` (most of its cost: the same rows copied with one
INSERT … SELECT take a quarter of the time). In one process a reader thread and the
writer mostly take turns on the interpreter lock. Here a child process reads and checks
the files on the other core: registered-list rows come to the importer in pickled chunks
(it needs everyone's id before their coded entries), and coded entries go into an
encrypted staging database (a throwaway key, a temporary file) that the importer copies
from in SQL once everyone is written (store/registered_list.py).

The child is a plain ``python -c`` (or the frozen app with ``--import-reader``) talking
over its stdin/stdout, not multiprocessing: that would re-import the caller's main
module, which a script or an embedding application may not allow. It holds no store
key and opens no store: it sees only the import files.
"""

from __future__ import annotations

import csv
import os
import pickle
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from mdt_desktop.store.staging import Stager, new_staging_folder

from .csv_list import iter_coded, iter_patients, open_csv
from .records import ParsedFile, PatientRow, UnreadableFile

CHUNK = 20_000
_FRAME = struct.Struct("<Q")
CHILD_FLAG = "--import-reader"
_PR_SET_PDEATHSIG = 1
_PARENT_ENV = "MDT_IMPORT_PARENT"
# Never handed to the reading process: it needs no secret, only the files.
_SECRET_WORDS = ("PASSPHRASE", "PASSWORD", "PIN", "TOKEN", "SECRET", "KEY")


def _child_environment() -> dict[str, str]:
    """This process's environment without any secret (MDT_PASSPHRASE, MDT_PIN, …)."""
    return {
        name: value
        for name, value in os.environ.items()
        if not any(word in name.upper() for word in _SECRET_WORDS)
    }


def _send(stream: IO[bytes], message: tuple | bytes) -> None:
    """One frame: its length, then the pickled message (or bytes already pickled)."""
    data = message if isinstance(message, bytes) else pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)


def _receive(stream: IO[bytes]) -> tuple | None:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _end_with_parent() -> None:
    """Die with the importer: a killed app must not leave a reader checking files.

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); elsewhere
    the closed pipe ends the reader at its next message. A parent that died before the
    request took effect is caught by its pid having changed.
    """
    parent = os.environ.get(_PARENT_ENV)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the closed pipe still ends it
            pass
    if parent is not None and str(os.getppid()) != parent:
        os._exit(0)


def child_main() -> None:
    """The reading process: paths and today arrive on stdin, messages leave on stdout.

    One thread: a sending thread beside a CPU-bound reader was starved of the
    interpreter lock (measured: every message arrived only when reading ended). The
    importer starts one process for registered lists, whose chunks it reads as they
    come, and one for coded entries, which go to the staging database, not the pipe.
    """
    _end_with_parent()
    # The descriptors, not sys.stdin/stdout: a windowed frozen app may have no sys.stdout.
    with os.fdopen(0, "rb", closefd=False) as stdin:
        request = _receive(stdin)
    if request is None:
        return
    paths, today, staging, options = request
    stdout = os.fdopen(1, "wb", closefd=False)

    def put(message: tuple) -> None:
        try:
            _send(stdout, message)
            stdout.flush()
        except BrokenPipeError:  # the parent stopped (cancelled): nothing to tell it
            os._exit(0)

    _read(paths, date.fromisoformat(today), staging, put, options)


def _read(
    paths: list[str],
    today: date,
    staging: tuple[str, str] | None,
    put: Any,
    options: dict | None = None,
) -> None:
    stager: Stager | None = None
    try:
        opened = []
        for raw in paths:
            path = Path(raw)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise UnreadableFile(f"{path}: {exc.strerror}") from None
            opened.append(open_csv(path, data, options))
        # Made before "files" is sent: the importer attaches it as soon as it has that.
        if staging is not None:
            stager = Stager(*staging)
        put(("files", [(p.path, p.kind, p.size_bytes, p.rows_hint) for p, _, _ in opened]))
        # Registered lists first, then coded entries; each keeps its index for the parent.
        order = sorted(range(len(opened)), key=lambda i: opened[i][0].kind != "patients")
        for index in order:
            parsed, headers, rows = opened[index]
            is_list = parsed.kind == "patients"
            reader = iter_patients if is_list else iter_coded
            chunk: list[Any] = []
            try:
                for row in reader(parsed, headers, rows, today):
                    chunk.append(row)
                    if len(chunk) >= CHUNK:
                        _deliver(is_list, chunk, stager, put)
                        chunk = []
            except csv.Error as exc:
                name = Path(parsed.path).name
                raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None
            if chunk:
                _deliver(is_list, chunk, stager, put)
            put(("done", index, parsed.read, parsed.coded_read, parsed.columns, parsed.rejections))
        put(("end", stager.count if stager else 0))
    except UnreadableFile as exc:
        put(("unreadable", str(exc)))
    finally:
        if stager is not None:
            stager.close()


def _deliver(is_list: bool, chunk: list[Any], stager: Stager | None, put: Any) -> None:
    if is_list:
        put(("patients", chunk))
    elif stager is None:
        put(("coded", chunk))
    else:
        stager.write(chunk)
        put(("staged", stager.count))


def available() -> bool:
    """Whether a reading process can be started here.

    A frozen Windows app started without a console has no standard handles to pass
    rows over; it reads in-process instead (slower for a whole system, same result).
    """
    return not (getattr(sys, "frozen", False) and sys.platform == "win32")


def _command() -> list[str]:
    if getattr(sys, "frozen", False):  # a packaged app: its own entry point reads the flag
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-c", "from mdt_desktop.interop.csv_process import child_main; "
            "child_main()"]  # fmt: skip


class CsvReaderProcess:
    """The parent's side: ``parsed`` once the files are checked, then registered-list
    rows in chunks, then the coded entries staged (``staging`` to attach, ``wait_staged``).

    Use as a context manager; leaving it stops the child whatever happened (a
    cancelled import leaves no process behind) and deletes the staging file.
    """

    def __init__(
        self, paths: list[Path], today: date, *, stage: bool = False, options: dict | None = None
    ) -> None:
        # What the child prints if it fails; closed in close().
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        # A private folder for the staging file; its key lives only in the two processes.
        self._folder = new_staging_folder() if stage else None
        self.staging = (
            (os.path.join(self._folder, "staging.db"), secrets.token_hex(32))
            if self._folder
            else None
        )
        self.staged_rows = 0
        env = _child_environment()
        env[_PARENT_ENV] = str(os.getpid())
        # The child must import this very package, wherever it was imported from here.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=env,
            # "-c" puts the working folder first on the path: run where this package is, so
            # the child cannot pick up another copy from wherever the app was started.
            cwd=package_root,
        )
        self._ended = False
        self._pending: tuple | None = None
        try:
            assert self._process.stdin is not None
            request = (
                [str(p.resolve()) for p in paths],
                today.isoformat(),
                self.staging,
                options or {},
            )
            _send(self._process.stdin, request)
            self._process.stdin.close()
            message = self._next()
        except BaseException:
            self.close()
            raise
        if message[0] != "files":
            self.close()
            raise RuntimeError(f"the import reader sent {message[0]!r} first")
        self.parsed = [
            ParsedFile(path=p, kind=k, size_bytes=size, rows_hint=rows)
            for p, k, size, rows in message[1]
        ]

    def __enter__(self) -> CsvReaderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child if it is still reading (cancel, or an error here)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=30)
        if self._process.stdout:
            self._process.stdout.close()
        self._errors.close()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _next(self) -> tuple:
        assert self._process.stdout is not None
        message = _receive(self._process.stdout)
        if message is None:
            code = self._process.wait(timeout=30)
            self._errors.seek(0)
            detail = self._errors.read().decode("utf-8", "replace").strip()[-4000:]
            raise RuntimeError(
                f"the import reader stopped unexpectedly (exit code {code}); nothing was "
                f"imported{': ' + detail if detail else ''}"
            )
        if message[0] == "unreadable":
            raise UnreadableFile(message[1])
        return message

    def _take(self) -> tuple:
        message = self._pending or self._next()
        self._pending = None
        if message[0] == "done":
            _, index, read, coded_read, columns, rejections = message
            parsed = self.parsed[index]
            parsed.read, parsed.coded_read, parsed.columns = read, coded_read, columns
            parsed.rejections.extend(rejections)
        elif message[0] == "end":
            self.staged_rows = message[1]
            self._ended = True
        return message

    def patient_chunks(self) -> Iterator[list[PatientRow]]:
        """Every registered-list row, in chunks; ends where coded entries begin."""
        while not self._ended:
            message = self._take()
            if message[0] == "patients":
                yield message[1]
            elif message[0] in ("staged", "coded"):
                self._pending = message  # coded entries have begun: for whoever reads them
                return

    def coded_chunks(self) -> Iterator[list[Any]]:
        """Coded-entry rows in chunks, when they are not staged (``stage=False``)."""
        while not self._ended:
            message = self._take()
            if message[0] == "coded":
                yield message[1]
            elif message[0] == "patients":
                raise RuntimeError("the registered-list rows must be read first")

    def wait_staged(self, progress: Any = None) -> int:
        """Wait until every coded entry is in the staging database; how many there are.

        ``progress(rows_staged)`` is called as chunks are staged. Call after
        ``patient_chunks`` is used up.
        """
        while not self._ended:
            message = self._take()
            if message[0] == "patients":
                raise RuntimeError("the registered-list rows must be read first")
            if message[0] == "staged":
                self.staged_rows = message[1]
                if progress:
                    progress(message[1])
        return self.staged_rows
