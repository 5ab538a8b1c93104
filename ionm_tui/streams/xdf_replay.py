"""Replay a recorded case (XDF) through the engine worker's Source interface: 1×, N× or flat out."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..engine import Chunk, Marker
from ..errors import StreamError
from .health import StreamHealth
from .xdf_prefetch import PrefetchedBlocks, prefetch_available
from .xdf_reader import XdfReader, XdfStreamInfo

_FIELDS = ("name", "type", "source_id", "hostname")
PREFETCH_MIN_BYTES = 256 << 20
"""Files from this size on are read by a second process when replayed flat out. Starting it
costs ~0.2 s; measured on a 2-core VM it pays off from ~6 minutes of 32-channel 5 kHz data."""


class Query(Protocol):
    """Stream predicates: any of name, type, source_id, hostname (None = any)."""

    name: str | None
    type: str | None
    source_id: str | None
    hostname: str | None


def _describe(s: XdfStreamInfo) -> str:
    rate = f"{s.nominal_srate:g} Hz" if s.nominal_srate else "irregular"
    return (
        f"#{s.stream_id} name={s.name!r} type={s.type!r} source_id={s.source_id!r} "
        f"host={s.hostname!r} ({s.channel_count} ch, {rate}, {s.channel_format})"
    )


def match_stream(
    path: Path, streams: Sequence[XdfStreamInfo], query: Query, kind: str
) -> XdfStreamInfo:
    """The one stream of a file matching a query.

    Args:
        path: the file (for messages).
        streams: the file's streams.
        query: the predicates.
        kind: ``"data"`` (regular, numeric) or ``"markers"`` (strings).

    Raises:
        StreamError: none or several match; the message lists what the file has.
    """
    wanted = {f: getattr(query, f) for f in _FIELDS if getattr(query, f, None) is not None}
    found = [s for s in streams if all(getattr(s, f) == v for f, v in wanted.items())]
    if kind == "data":
        found = [s for s in found if s.nominal_srate > 0 and s.channel_format != "string"]
    else:
        found = [s for s in found if s.channel_format == "string"]
    what = " and ".join(f"{k}={v!r}" for k, v in wanted.items()) or "anything"
    have = "\n  ".join(_describe(s) for s in streams) or "(no streams)"
    if not found:
        raise StreamError(
            f"{path}: no {kind} stream matches {what}. The file has:\n  {have}\n"
            "Fix the profile's [streams] predicates (or pick the right file)."
        )
    if len(found) > 1:
        both = "\n  ".join(_describe(s) for s in found)
        raise StreamError(
            f"{path}: {len(found)} {kind} streams match {what}; refusing to pick one:\n  {both}\n"
            "Narrow the profile's [streams] predicates (source_id is the most specific)."
        )
    return found[0]


class XdfReplaySource:
    """A recorded case as a live-like source (see ``ionm_tui.engine.runner.Source``).

    Memory stays bounded by the block size however long the case is.

    Args:
        path: the XDF file.
        data: predicates of the data stream.
        markers: predicates of the marker stream, or None (stim-channel triggers only).
        speed: 1.0 for real time, N for N× faster, None for as fast as possible.
        block_samples: samples per data block handed out.
        clock: monotonic seconds (injectable for tests).
        sleep: sleeps that long (injectable for tests).

    Raises:
        StreamError: the file cannot be read, or its streams do not match the predicates.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        data: Query,
        markers: Query | None,
        speed: float | None = None,
        block_samples: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if speed is not None and not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number; got {speed!r}")
        self.path = Path(path)
        # Flat out, a second process reads the file while this one analyses it; it starts now so
        # its interpreter loads while this process scans the file (see xdf_prefetch).
        self._prefetch = (
            PrefetchedBlocks()
            if speed is None and prefetch_available() and _size(self.path) >= PREFETCH_MIN_BYTES
            else None
        )
        try:
            self._reader = XdfReader(self.path)
            streams = self._reader.streams
            self.data = match_stream(self.path, streams, data, "data")
            self.markers = match_stream(self.path, streams, markers, "markers") if markers else None
        except BaseException:
            self.close()
            raise
        self.speed = speed
        self._block = block_samples
        self._clock = clock
        self._sleep = sleep
        self._ids = [self.data.stream_id] + ([self.markers.stream_id] if self.markers else [])
        self.t_first: float | None = self.data.first_timestamp
        """LSL time of the first data sample (from the footer, else from the first block)."""
        self._restart(None)
        self.paused = False

    # --- what the engine needs to know ----------------------------------------------------------

    @property
    def labels(self) -> tuple[str, ...]:
        """The data stream's channel labels (``ch1`` … when the file names none)."""
        labels = self.data.labels
        if len(labels) == self.data.channel_count and all(labels):
            return labels
        return tuple(f"ch{i + 1}" for i in range(self.data.channel_count))

    @property
    def sfreq_hz(self) -> float:
        """The data stream's nominal rate."""
        return self.data.nominal_srate

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the reader noticed (a truncated file, skipped chunks)."""
        return self._reader.warnings

    @property
    def reading_note(self) -> str | None:
        """Why the file was read in this process after all, if a reader process failed."""
        return self._prefetch.note if self._prefetch is not None else None

    def close(self) -> None:
        """Stop the reader process, if any (the replay can still be iterated in-process)."""
        if self._prefetch is not None:
            self._prefetch.close()

    @property
    def position_t(self) -> float:
        """LSL time of the newest item handed out (NaN before any)."""
        return self._position

    # --- Source interface -----------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """True once every block has been handed out."""
        return self._done and self._next is None

    def drain(self, timeout_s: float) -> list[Chunk | Marker]:
        """The items due now (paced), or the next few blocks (flat out)."""
        if self.paused:
            self._sleep(timeout_s)
            return []
        out: list[Chunk | Marker] = []
        if self.speed is None:
            if isinstance(self._iter, PrefetchedBlocks):
                # The items of the previous call have been fed: their blocks may be reused.
                self._iter.retire(self._iter.taken - (self._next is not None))
            for _ in range(8):  # several blocks per call keeps the loop overhead small
                item = self._take()
                if item is None:
                    break
                out.extend(item)
            return out
        deadline = self._clock() + timeout_s
        while True:
            nxt = self._peek()
            if nxt is None:
                return out
            due = self._due(nxt[0])
            now = self._clock()
            if due > now:
                if out or now >= deadline:
                    return out
                self._sleep(min(due, deadline) - now)
                continue
            taken = self._take()
            assert taken is not None
            out.extend(taken)

    def health(self) -> tuple[StreamHealth, ...]:
        """Replay status per stream, in the live streams' shape."""
        pos = self._position - (self.t_first or 0.0) if math.isfinite(self._position) else 0.0
        how = "flat out" if self.speed is None else f"×{self.speed:g}"
        state = "paused" if self.paused else ("finished" if self.finished else f"replay {how}")
        msg = f"{self.path.name}: {state} at {_clock(pos)}"
        out = [_health(self.data, "data", msg, self._counts[0])]
        if self.markers is not None:
            out.append(_health(self.markers, "markers", msg, self._counts[1]))
        return tuple(out)

    # --- control --------------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop handing out items (time stands still)."""
        if not self.paused:
            self.paused = True
            self._paused_at = self._clock()

    def resume(self) -> None:
        """Carry on from where the replay paused."""
        if self.paused:
            self.paused = False
            self._wall0 += self._clock() - self._paused_at

    def seek(self, t: float) -> None:
        """Continue from LSL time ``t`` (re-reads the file from the start, skipping; bounded
        memory). The engine sees a clock jump and drops what was waiting — as it should."""
        self._restart(t)

    # --- internals ------------------------------------------------------------------------------

    def _restart(self, t: float | None) -> None:
        # Paced, chunks carry float64 copies, decoded straight to float64 (one copy out of the
        # file's bytes instead of two). Flat out, float samples go to the engine as views of
        # the file's bytes: its ring converts them to float64 as it copies them in, the very
        # same values, so the data is copied once instead of twice.
        floats = self.data.channel_format in ("float32", "double64")
        zero_copy = self.speed is None and floats
        self._iter: Iterator[tuple[int, np.ndarray, object]]
        options = {"values_dtype": None if zero_copy else np.float64, "zero_copy": zero_copy}
        if t is None and self._prefetch is not None and self._prefetch.taken == 0:
            self._prefetch.start(self._reader, self._ids, self._block, **options)  # type: ignore[arg-type]
            self._iter = self._prefetch
        else:
            self.close()  # (a seek: read here)
            self._iter = self._reader.iter_chunks(
                self._ids,
                max_samples=self._block,
                **options,  # type: ignore[arg-type]
            )
        self._next: tuple[float, list[Chunk | Marker]] | None = None
        self._done = False
        self._position = math.nan
        self._counts = [0, 0]
        self._skip_before = t
        self._t0: float | None = None
        self._wall0 = self._clock()

    def _due(self, t: float) -> float:
        if self._t0 is None:
            self._t0, self._wall0 = t, self._clock()
        assert self.speed is not None
        return self._wall0 + (t - self._t0) / self.speed

    def _peek(self) -> tuple[float, list[Chunk | Marker]] | None:
        while self._next is None and not self._done:
            try:
                sid, ts, values = next(self._iter)
            except StopIteration:
                self._done = True
                break
            if ts.shape[0] == 0:
                continue
            if self._skip_before is not None:
                keep = ts >= self._skip_before
                if not keep.any():
                    continue
                ts = ts[keep]
                values = (
                    np.asarray(values)[keep]
                    if sid == self.data.stream_id
                    else [
                        v
                        for v, k in zip(values, keep, strict=True)
                        if k  # type: ignore[arg-type]
                    ]
                )
            if sid == self.data.stream_id:
                if self.t_first is None:  # no footer (a truncated file): the first sample says
                    self.t_first = float(ts[0])
                arr = np.asarray(values)
                if arr.dtype.kind != "f":  # (only after a seek's filtering, or an odd reader)
                    arr = arr.astype(np.float64)
                self._next = (float(ts[-1]), [Chunk(ts, arr, self.data.name)])
                self._counts[0] += ts.shape[0]
            else:
                items: list[Chunk | Marker] = [
                    Marker(float(t), _marker_text(v))
                    for t, v in zip(ts, values, strict=True)  # type: ignore[arg-type]
                ]
                self._next = (float(ts[-1]), items)
                self._counts[1] += len(items)
        return self._next

    def _take(self) -> list[Chunk | Marker] | None:
        nxt = self._peek()
        if nxt is None:
            return None
        self._next = None
        self._position = nxt[0]
        return nxt[1]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # (XdfReader names the problem)


def _marker_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value)


def _clock(seconds: float) -> str:
    s = int(max(seconds, 0.0))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _health(info: XdfStreamInfo, kind: str, message: str, received: int) -> StreamHealth:
    return StreamHealth(
        name=info.name,
        source_id=info.source_id,
        hostname=info.hostname,
        kind=kind,  # type: ignore[arg-type]
        connected=True,
        state="connected",
        last_sample_age_s=0.0,
        nominal_srate_hz=info.nominal_srate,
        effective_srate_hz=None,
        samples_received=received,
        chunks_dropped=0,
        chunks_queued=0,
        clock_offset_s=None,
        reconnects=0,
        message=message,
    )
