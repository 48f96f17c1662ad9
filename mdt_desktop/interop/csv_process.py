"""Reading large CSV imports in a second process, so checking rows overlaps with writing them.

A whole-system import is ~1.25 million rows. Checking them is Python work and writing
them is SQLite work that still needs the interpreter lock to bind each row; in one
process a reader thread and the writer mostly take turns. Here a child process
reads and checks the files on the other core and sends rows in pickled chunks; the
importer writes each chunk as it arrives. Registered lists come first (the writer
needs everyone's id before their coded entries), then coded-entry files.

The child is a plain ``python -c`` (or the frozen app with ``--import-reader``) talking
over its stdin/stdout, not multiprocessing: that would re-import the caller's main
module, which a script or an embedding application may not allow. It holds no store
key and opens no store: it sees only the import files.
"""

from __future__ import annotations

import csv
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from .csv_list import iter_coded, iter_patients, open_csv
from .records import CodedRow, ParsedFile, PatientRow, Rejection, UnreadableFile

CHUNK = 20_000
_FRAME = struct.Struct("<Q")
CHILD_FLAG = "--import-reader"


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


def child_main() -> None:
    """The reading process: paths and today arrive on stdin, messages leave on stdout.

    Parsing runs at full speed on this process's main thread; a second thread writes
    finished chunks to the pipe, so a parent busy writing people does not stall it.
    """
    # The descriptors, not sys.stdin/stdout: a windowed frozen app may have no sys.stdout.
    with os.fdopen(0, "rb", closefd=False) as stdin:
        request = _receive(stdin)
    if request is None:
        return
    paths, today = request
    outbox: queue.Queue[bytes | None] = queue.Queue()
    stdout = os.fdopen(1, "wb", closefd=False)

    def pump() -> None:
        try:
            while (message := outbox.get()) is not None:
                _send(stdout, message)
            stdout.flush()
        except BrokenPipeError:  # the parent stopped (cancelled): nothing to tell it
            os._exit(0)

    sender = threading.Thread(target=pump, name="import-reader-pipe")
    sender.start()
    try:
        # Pickled here, so the sending thread only writes (and holds the lock very little).
        _read(paths, date.fromisoformat(today),
              lambda m: outbox.put(pickle.dumps(m, pickle.HIGHEST_PROTOCOL)))  # fmt: skip
    finally:
        outbox.put(None)
        sender.join()


def _read(paths: list[str], today: date, put: Any) -> None:
    try:
        opened = []
        for raw in paths:
            path = Path(raw)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise UnreadableFile(f"{path}: {exc.strerror}") from None
            opened.append(open_csv(path, data))
        put(("files", [(p.path, p.kind, p.size_bytes, p.rows_hint) for p, _, _ in opened]))
        # Registered lists first, then coded entries; each keeps its index for the parent.
        order = sorted(range(len(opened)), key=lambda i: opened[i][0].kind != "patients")
        for index in order:
            parsed, headers, rows = opened[index]
            reader = iter_patients if parsed.kind == "patients" else iter_coded
            kind = "patients" if parsed.kind == "patients" else "coded"
            chunk: list[Any] = []
            try:
                for row in reader(parsed, headers, rows, today):
                    chunk.append(row)
                    if len(chunk) >= CHUNK:
                        put((kind, chunk))
                        chunk = []
            except csv.Error as exc:
                name = Path(parsed.path).name
                raise UnreadableFile(f"{name}: not a readable CSV file ({exc})") from None
            if chunk:
                put((kind, chunk))
            put(("done", index, parsed.read, parsed.coded_read, parsed.columns, parsed.rejections))
        put(("end",))
    except UnreadableFile as exc:
        put(("unreadable", str(exc)))


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
    """The parent's side: ``parsed`` once the files are checked, then rows in chunks.

    Use as a context manager; leaving it stops the child whatever happened (a
    cancelled import leaves no process behind).
    """

    def __init__(self, paths: list[Path], today: date) -> None:
        # What the child prints if it fails; closed in close().
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        env = dict(os.environ)
        # The child must import this very package, wherever it was imported from here.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=env,
        )
        self._ended = False
        self._pending: tuple | None = None
        try:
            assert self._process.stdin is not None
            _send(self._process.stdin, ([str(p) for p in paths], today.isoformat()))
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

    def _rows(self, wanted: str) -> Iterator[list[Any]]:
        while not self._ended:
            message = self._pending or self._next()
            self._pending = None
            kind = message[0]
            if kind == wanted:
                yield message[1]
            elif kind == "done":
                _, index, read, coded_read, columns, rejections = message
                parsed = self.parsed[index]
                parsed.read, parsed.coded_read, parsed.columns = read, coded_read, columns
                parsed.rejections.extend(rejections)
            elif kind == "end":
                self._ended = True
            else:  # the next kind of rows: keep it for whoever asks for those
                self._pending = message
                return

    def patient_chunks(self) -> Iterator[list[PatientRow]]:
        """Every registered-list row, in chunks; ends where coded entries begin."""
        return self._rows("patients")

    def coded_chunks(self) -> Iterator[list[CodedRow]]:
        """Every coded-entry row, in chunks (call after ``patient_chunks`` is used up)."""
        return self._rows("coded")

    @property
    def rejections(self) -> list[Rejection]:
        return [r for p in self.parsed for r in p.rejections]
