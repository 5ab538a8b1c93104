"""The append-only journal: every record as it happens, on disk within a second (fsync'd)."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SessionError
from .results import dumps


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """What the console shows about the journal.

    Attributes:
        path: the journal file.
        bytes_written: bytes safely on disk (fsync'd).
        lines_written: records safely on disk.
        pending_lines: records held in memory, not yet on disk.
        dropped_lines: records lost because memory ran out while the disk was failing.
        last_sync_s: monotonic seconds of the last successful fsync (NaN before any).
        error: None while healthy; otherwise a loud sentence naming the problem and the fix.
    """

    path: Path
    bytes_written: int
    lines_written: int
    pending_lines: int
    dropped_lines: int
    last_sync_s: float
    error: str | None


class Journal:
    """Append records to a JSON-lines file so that a crash loses at most ``sync_interval_s``.

    Lines are buffered in memory and written, flushed and fsync'd by a background thread every
    ``sync_interval_s`` (and on :meth:`close`). If the disk fails (full, removed), the journal
    keeps up to ``memory_limit`` lines in memory, reports the error in :meth:`status`, retries
    every interval, and never raises into the monitoring loop.

    Args:
        path: the file to create; an existing file is refused (never overwrite a case record).
        header: the first line (see ``results.header``).
        sync_interval_s: the longest time a record may wait before it is on disk.
        memory_limit: lines held in memory while the disk fails; the oldest go beyond that.

    Raises:
        SessionError: the file exists or cannot be created.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        header: dict[str, Any],
        sync_interval_s: float = 1.0,
        memory_limit: int = 200_000,
    ) -> None:
        self.path = Path(path)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
            self._fd = os.open(self.path, flags, 0o644)
        except FileExistsError as err:
            raise SessionError(
                f"{self.path} already exists; choose another file "
                "(a case record is never overwritten)"
            ) from err
        except OSError as err:
            raise SessionError(
                f"cannot create the journal {self.path}: {err.strerror or err}"
            ) from err
        self._lock = threading.Lock()
        self._pending: deque[str] = deque()
        self._tail = b""  # bytes of an interrupted write still to go, so lines are never torn
        self._memory_limit = memory_limit
        self._interval = sync_interval_s
        self._bytes = 0
        self._lines = 0
        self._dropped = 0
        self._last_sync = float("nan")
        self._error: str | None = None
        self._closed = False
        self._wake = threading.Event()
        self._pending.append(dumps(header))
        self.sync()
        self._thread = threading.Thread(target=self._run, name="ionm-journal", daemon=True)
        self._thread.start()

    def write(self, records: Iterable[object]) -> None:
        """Queue records (engine records or plain dicts); on disk within the interval."""
        self.write_lines([dumps(r) for r in records])

    def write_lines(self, lines: list[str]) -> None:
        """Queue records already serialised by ``results.dumps``."""
        with self._lock:
            self._pending.extend(lines)
            overflow = len(self._pending) - self._memory_limit
            for _ in range(max(0, overflow)):
                self._pending.popleft()
                self._dropped += 1

    def sync(self) -> bool:
        """Write, flush and fsync everything pending now; False (and a status error) on failure."""
        with self._lock:
            if not self._pending and not self._tail:
                return self._error is None
            lines = ("\n".join(self._pending) + "\n").encode("utf-8") if self._pending else b""
            data = self._tail + lines
            n_lines = len(self._pending)
            self._pending.clear()
            written = 0
            try:
                written = _write_all(self._fd, data)
                os.fsync(self._fd)
            except OSError as err:
                # Keep exactly what did not reach the file; the next sync resumes there.
                written = getattr(err, "written", written)
                self._tail = data[written:]
                self._error = _describe(self.path, err)
                return False
            self._tail = b""
            self._bytes += len(data)
            self._lines += n_lines
            self._last_sync = time.monotonic()
            self._error = None
            return True

    def status(self) -> JournalStatus:
        """A snapshot of the journal's health."""
        with self._lock:
            # An interrupted write's remainder counts as (at least) one line still pending.
            pending = len(self._pending) + (1 if self._tail else 0)
            return JournalStatus(
                self.path,
                self._bytes,
                self._lines,
                pending,
                self._dropped,
                self._last_sync,
                self._error,
            )

    def close(self) -> None:
        """Sync what is left and close the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=5.0)
        self.sync()
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            if self._closed:
                return
            self.sync()


def _write_all(fd: int, data: bytes) -> int:
    """Write all of ``data``; an OSError raised midway carries ``written`` (bytes already out)."""
    done = 0
    view = memoryview(data)
    while done < len(data):
        try:
            done += os.write(fd, view[done:])
        except OSError as err:
            err.written = done  # type: ignore[attr-defined]
            raise
    return done


def _describe(path: Path, err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return (
            f"DISK FULL: the journal {path} cannot be written; monitoring continues in memory "
            "— free space now"
        )
    return (
        f"JOURNAL WRITE FAILED ({err.strerror or err}) for {path}; monitoring continues in memory"
    )
