"""Write bytes to a file from a background thread, in order, so the writer never waits on the disk.

Headless analysis produces its results file (~130 MB per hour of a 32-channel case) faster than
the page cache takes it in: a ``write`` call blocks while the kernel makes room or throttles dirty
pages (0.45 s per hour of data measured on the 60-minute benchmark case, 1.9 s over 4 hours). A
thread spends that time inside the system call, where it holds no interpreter lock, so the engine
keeps running; the bounded queue keeps memory small if the disk falls behind.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from types import TracebackType
from typing import BinaryIO

_QUEUE_ITEMS = 16
"""Pieces waiting to be written (a piece is one batch of records, typically ≤ 1 MB): the memory
a stalled disk can cost is bounded by that."""


class WriteBehind:
    """Append ``bytes`` to an open binary file from a thread of its own, in the order given.

    Use as a context manager, or call :meth:`close`: it waits until everything is written. An
    error from the file (a full disk) is raised by the next :meth:`write` or by :meth:`close`;
    nothing given after the failed piece is written.

    Args:
        fh: a file opened for binary writing; it stays open (the caller closes it).
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._queue: queue.Queue[bytes | None] = queue.Queue(_QUEUE_ITEMS)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ionm-write-behind", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """Queue ``data`` to be written after everything queued before it.

        Raises:
            OSError: an earlier piece could not be written (the file's own error).
            ValueError: the writer is closed.
        """
        if self._closed:
            raise ValueError("WriteBehind.write: the writer is closed")
        self._raise_error()
        self._queue.put(data)

    def close(self) -> None:
        """Write everything queued, stop the thread, and raise the file's error if there was one.

        Raises:
            OSError: a piece could not be written.
        """
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
        self._raise_error()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # Already failing: stop the thread, but let the original error be the one reported.
        with contextlib.suppress(OSError):
            self.close()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:  # after a failure, drain the queue without writing
                try:
                    self._fh.write(data)
                except BaseException as exc:  # handed to the writer's thread, never lost here
                    self._error = exc
