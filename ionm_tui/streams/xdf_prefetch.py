"""Read an XDF file in a second process while this one analyses it (headless analysis only).

Analysis is bounded by two things that can run side by side on a two-core laptop: reading and
decoding the file, and the engine. :class:`PrefetchedBlocks` yields exactly the blocks of
``XdfReader.iter_chunks(ids, max_samples, …)`` — same boundaries, same values, same timestamps —
but a child process (a Python running this module's :func:`main`) does the reading:

1. The timestamp-fitting pass (:meth:`XdfReader.fit_spans`) reads the file's two halves at once,
   the child the first and this process the second. A cold file reads about twice as fast with
   two readers on the machines measured (see ``benchmarks/README.md``), and this process has
   nothing else to do until the fit is known.
2. The child then decodes the samples into a ring of slots in shared memory (an anonymous
   ``memfd``): timestamps as float64, values contiguous in the dtype asked for. Each message
   on its stdout names a slot and the blocks in it; this process hands out read-only views of
   the values and copies of the timestamps, and gives a slot back (a message on the child's
   stdin) when the consumer calls :meth:`PrefetchedBlocks.retire` for its blocks.

Nothing is lost if the child fails (it is killed, runs out of memory, meets a bug): this process
notes why and continues in-process from the first block it has not yet handed out, so the
consumer sees the same blocks either way. A damaged file therefore raises the same
``StreamError`` as without a child, from the same block.

Only on Linux (``memfd_create``); :func:`prefetch_available` says whether it can be used.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import mmap
import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_reader import Block, Span, XdfReader

N_SLOTS = 16
"""Slots in the shared ring. A consumer holds at most a few blocks at a time (the replay source
hands out ≤ 9 between retires), so the child always has slots to fill ahead."""
MIN_SLOT_BYTES = 4 << 20
MAX_SLOT_BYTES = 8 << 20
"""Larger blocks are read in-process: the ring (N_SLOTS slots) stays at most 128 MB."""
_ALIGN = 64

_CHILD_ENV = {  # the child decodes; nothing in it should start thread pools
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def prefetch_available() -> bool:
    """True where a reader process can be used (Linux, with ``memfd_create``)."""
    return sys.platform.startswith("linux") and hasattr(os, "memfd_create")


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


class PrefetchedBlocks(Iterator[Block]):
    """The blocks of ``reader.iter_chunks(ids, max_samples, …)``, read by a child process.

    Start the child early with the constructor (its interpreter starts while this process
    scans the file), then :meth:`start` it on the scanned reader.

    Numeric values are read-only views into shared memory, valid until :meth:`retire` covers
    their block; timestamps and string samples are this process's own.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._mm: mmap.mmap | None = None
        self._fd = -1
        self._reader: XdfReader | None = None
        self._ids: list[int] = []
        self._max = 1
        self._slot_bytes = MIN_SLOT_BYTES
        self._ready: collections.deque[Block] = collections.deque()
        self._held: collections.deque[tuple[int, int]] = collections.deque()  # (slot, last seq)
        self._to_free: list[int] = []  # retired slots not yet given back
        self._taken = 0  # blocks handed out so far
        self._fallback: Iterator[Block] | None = None
        self._fit_here: Span | None = None  # the span whose fit this process reads and sends
        self._options: dict[str, Any] = {"values_dtype": None, "zero_copy": True}
        self._done = False
        self.note: str | None = None
        """Why reading fell back to this process, if it did (one sentence)."""
        self._spawn()

    # --- life cycle --------------------------------------------------------------------------

    def _spawn(self) -> None:
        # The child imports exactly what this process imports: same sys.path, same cwd.
        code = (
            f"import sys; sys.path[:] = {sys.path!r}; "
            "from ionm_tui.streams.xdf_prefetch import main; sys.exit(main())"
        )
        try:
            self._fd = os.memfd_create("ionm-tui-xdf-prefetch", os.MFD_CLOEXEC)
            self._proc = subprocess.Popen(
                [sys.executable, "-c", code, str(self._fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # it reports its errors on stdout, never on a terminal
                pass_fds=(self._fd,),
                env={**os.environ, **_CHILD_ENV},
            )
        except OSError as exc:
            self._give_up(f"the reader process could not start ({exc.strerror or exc})")

    def start(
        self,
        reader: XdfReader,
        ids: list[int],
        max_samples: int,
        *,
        values_dtype: np.dtype | type | None = None,
        zero_copy: bool = True,
    ) -> None:
        """Give the child its job: the blocks of ``reader.iter_chunks(ids, max_samples,
        values_dtype=values_dtype, zero_copy=zero_copy)``, ``reader`` already scanned.

        Blocks too large for the ring's slots (more than 8 MB) are read in this process.
        """
        self._reader, self._ids, self._max = reader, list(ids), max_samples
        self._options = {"values_dtype": values_dtype, "zero_copy": zero_copy}
        widest = max(
            (s.channel_count * _itemsize(s.channel_format, values_dtype) for s in reader.streams
             if s.stream_id in ids and s.channel_format != "string"),
            default=0,
        )  # fmt: skip
        block_bytes = _aligned(max_samples * 8) + _aligned(max_samples * widest)
        self._slot_bytes = max(MIN_SLOT_BYTES, block_bytes)
        if self._slot_bytes > MAX_SLOT_BYTES:
            self._give_up(None)  # a design limit, not a failure: nothing to note
            return
        if self._proc is None:
            return
        try:
            os.ftruncate(self._fd, N_SLOTS * self._slot_bytes)
            self._mm = mmap.mmap(self._fd, N_SLOTS * self._slot_bytes)
            job = (reader, self._ids, max_samples, self._options, N_SLOTS, self._slot_bytes)
            self._send(("job", job))
        except (OSError, ValueError, pickle.PicklingError) as exc:
            self._give_up(f"the reader process could not be given its job ({exc})")
            return
        spans, todo = reader.fit_spans(), reader.needs_fit(ids)
        self._fit_here = spans[1] if len(spans) == 2 and todo else None

    def close(self) -> None:
        """Stop the child (if still running) and release the shared memory. Iterating on
        afterwards reads in this process."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()  # it holds nothing worth a goodbye; closing pipes first could block
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    if pipe is not None:
                        pipe.close()
            proc.wait()
        if self._mm is not None:
            # Views still held by a consumer keep the mapping alive until they go.
            with contextlib.suppress(BufferError):
                self._mm.close()
            self._mm = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        if getattr(self, "_proc", None) is not None:
            self.close()

    # --- iteration ---------------------------------------------------------------------------

    def __next__(self) -> Block:
        while not self._ready:
            if self._fallback is not None:
                block = next(self._fallback)
                self._taken += 1
                return block
            if self._done:
                raise StopIteration
            self._receive()
        self._taken += 1
        return self._ready.popleft()

    def retire(self, taken: int) -> None:
        """The first ``taken`` blocks handed out are no longer used: their slots may be reused."""
        while self._held and self._held[0][1] <= taken:
            self._to_free.append(self._held.popleft()[0])
        if len(self._to_free) >= N_SLOTS // 4:  # in bunches: each message wakes the child
            self._free_slots()

    def _free_slots(self) -> None:
        if self._to_free and self._proc is not None:
            with contextlib.suppress(OSError):  # the child is gone: _receive notices
                self._send(("free", self._to_free))
        self._to_free = []

    @property
    def taken(self) -> int:
        """Blocks handed out so far."""
        return self._taken

    # --- internals ---------------------------------------------------------------------------

    def _send(self, msg: object) -> None:
        assert self._proc is not None
        assert self._proc.stdin is not None
        pickle.dump(msg, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.flush()

    def _receive(self) -> None:
        if self._proc is None or self._mm is None:
            self._give_up(None)  # closed (or never started: the note says why)
            return
        if self._fit_here is not None:
            # The second half's fit, read here while the child reads the first half; on the
            # first request, like the in-process pass, so errors come at the same moment.
            span, self._fit_here = self._fit_here, None
            assert self._reader is not None
            try:
                self._send(("fits", self._reader.fit_span(self._reader.needs_fit(self._ids), span)))
            except StreamError as exc:
                # Read in order in this process, the first half's damage (if any) comes first.
                self._give_up(f"the second half of the file is damaged ({exc})")
                return
            except OSError as exc:
                self._give_up(f"the reader process stopped ({exc})")
                return
        self._free_slots()  # before waiting: the child may be waiting for a slot
        if len(self._held) == N_SLOTS:
            # Every slot is still in use here: the child cannot fill one, so waiting would hang.
            raise RuntimeError("PrefetchedBlocks: retire() was not called; all slots are held")
        try:
            msg = pickle.load(self._proc.stdout)  # type: ignore[arg-type]
        except (EOFError, OSError, pickle.UnpicklingError, AttributeError, ValueError):
            code = self._proc.poll()
            how = f"with exit code {code}" if code else "without a word"
            self._give_up(f"the reader process stopped unexpectedly ({how})")
            return
        kind = msg[0]
        if kind == "end":
            self._done = True
            self.close()
        elif kind == "batch":
            self._unpack(msg[1], msg[2])
        else:  # "error": the child's own words, then read here (a data error recurs here)
            self._give_up(f"the reader process failed: {msg[1]}")

    def _unpack(self, slot: int, items: list[tuple[Any, ...]]) -> None:
        assert self._mm is not None
        base = slot * self._slot_bytes
        for item in items:
            if item[0] == "shm":
                _, sid, n, n_ch, dtype, ts_at, values_at = item
                ts = np.frombuffer(self._mm, np.float64, n, base + ts_at).copy()
                values = np.frombuffer(self._mm, np.dtype(dtype), n * n_ch, base + values_at)
                values = values.reshape(n, n_ch)
                values.flags.writeable = False
                self._ready.append((sid, ts, values))
            else:
                _, sid, ts, values = item
                self._ready.append((sid, ts, values))
        if slot >= 0:
            self._held.append((slot, self._taken + len(self._ready)))

    def _give_up(self, why: str | None) -> None:
        """Carry on in this process from the first block not yet handed out (and say why)."""
        if why is not None and self.note is None:
            name = self._reader.path.name if self._reader is not None else "the case"
            self.note = f"{why}; {name} was read by this process instead (slower, same results)"
        skip = self._taken + len(self._ready)
        # Blocks received but not handed out: copies, as the ring goes with the child.
        ready = [(s, t, np.array(v) if isinstance(v, np.ndarray) else v) for s, t, v in self._ready]
        self._ready.clear()
        self.close()
        if self._reader is None:
            return
        blocks = self._reader.iter_chunks(self._ids, self._max, **self._options)
        self._fallback = itertools.chain(ready, itertools.islice(blocks, skip, None))


def _itemsize(channel_format: str, values_dtype: np.dtype | type | None) -> int:
    from ionm_tui.streams.xdf_format import NUMERIC_DTYPES

    if values_dtype is not None:
        return np.dtype(values_dtype).itemsize
    return NUMERIC_DTYPES[channel_format].itemsize


# --- the child -----------------------------------------------------------------------------------


def _child(fd: int, inp: IO[bytes], out: IO[bytes]) -> int:
    """Run one job: fit the first span, join the parent's fit, decode into slots."""
    kind, job = pickle.load(inp)
    assert kind == "job"
    reader, ids, max_samples, options, n_slots, slot_bytes = job
    reader: XdfReader
    mm = mmap.mmap(fd, n_slots * slot_bytes)
    spans = reader.fit_spans()
    todo = reader.needs_fit(ids)
    if todo:
        if len(spans) == 2:
            first = reader.fit_span(todo, spans[0])
            kind, second = pickle.load(inp)
            assert kind == "fits"
            reader.use_fits([first, second])
        else:
            reader.use_fits([reader.fit_span(todo, spans[0])])
    free = collections.deque(range(n_slots))

    def send(msg: object) -> None:
        pickle.dump(msg, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    def take_slot() -> int:
        while not free:
            _, slots = pickle.load(inp)  # ("free", [slot, …]); EOFError: the parent is gone
            free.extend(slots)
        return free.popleft()

    slot, used, items = -1, 0, []

    def flush() -> None:
        nonlocal slot, used, items
        if items:
            send(("batch", slot, items))
        elif slot >= 0:
            free.appendleft(slot)
        slot, used, items = -1, 0, []

    for sid, ts, values in reader.iter_chunks(ids, max_samples, **options):
        if isinstance(values, np.ndarray):
            n, n_ch = values.shape
            need = _aligned(ts.nbytes) + _aligned(values.dtype.itemsize * values.size)
            if slot < 0 or used + need > slot_bytes:
                flush()
                slot = take_slot()
            base = slot * slot_bytes
            ts_at, values_at = used, used + _aligned(ts.nbytes)
            np.frombuffer(mm, np.float64, n, base + ts_at)[:] = ts
            dst = np.frombuffer(mm, values.dtype, values.size, base + values_at)
            dst.reshape(n, n_ch)[...] = values
            used += need
            items.append(("shm", sid, n, n_ch, values.dtype.str, ts_at, values_at))
        else:
            items.append(("inline", sid, ts, values))
            if len(items) >= 256:  # a long run of marker blocks: do not hold them back
                flush()
    flush()
    send(("end",))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child (``python -m ionm_tui.streams.xdf_prefetch FD``)."""
    args = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        return _child(int(args[0]), inp, out)
    except (EOFError, BrokenPipeError):
        return 0  # the parent closed its end: nothing left to do
    except BaseException as exc:  # reported to the parent, which carries on without us
        try:
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            pickle.dump(("error", text), out)
            out.flush()
        except OSError:
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
