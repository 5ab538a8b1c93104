"""Live LSL input: one acquisition thread per stream, with a stale/lost watchdog and recovery.

Interface for the engine runner (all calls thread-safe; nothing blocks longer than asked)::

    source = LslSource(StreamQuery(type="EEG"), StreamQuery(type="Markers"), expect_channels=16)
    try:
        while running:
            for item in source.get(timeout_s=0.1):  # list[Chunk | Marker]; [] on timeout
                ...                                  # in order within each stream
            status = source.health()                 # (data StreamHealth, markers StreamHealth)
    finally:
        source.close()                               # returns within ~1 s

``source.data`` / ``source.markers`` are the :class:`LslInlet` objects (``channel_labels``,
``channel_units``, ``nominal_srate_hz``). Markers may arrive before the data they refer to.
Each inlet queues at most ``queue_size`` items; when the consumer falls behind, the oldest are
dropped and counted (``StreamHealth.chunks_dropped``) so acquisition never blocks.

Recovery: liblsl's ``recover=True`` reconnects by itself when a sender with the same source_id
returns, but on its own retry schedule (measured after SIGKILL + restart of a sender process:
first new sample 1.6-3.6 s after relaunching the sender; liblsl retries ~every 2 s, first ~3.6 s
after the loss). So a per-stream continuous resolver also watches the stream's identity: when
it reports a new outlet instance while the inlet is idle, the thread destroys the inlet and
builds a new one from the resolver's StreamInfo at once (measured: 1.4-2.7 s from relaunching
the sender process, whose outlet is up after ~0.5 s). The same rebuild, retried every second,
handles liblsl giving up (``LostError``: no source_id, or ``recover=False``). Inlets are never
closed and reopened (liblsl #180).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ionm_tui.engine.chunk import Chunk, Marker
from ionm_tui.errors import StreamError
from ionm_tui.streams.health import HealthTracker, StreamHealth
from ionm_tui.streams.lsl_config import ensure_lsl
from ionm_tui.streams.lsl_resolve import (
    StreamKind,
    StreamQuery,
    check_stream,
    read_channels,
    resolve,
)

if TYPE_CHECKING:
    from pylsl import StreamInfo

__all__ = ["LslInlet", "LslSource", "StreamQuery", "resolve"]

_PULL_TIMEOUT_S = 0.1  # bounds how long close() waits for the thread
_PRESENCE_FORGET_S = 2.5  # liblsl's continuous resolver refreshes ~every 1.25 s; 1 s flapped
_PRESENCE_POLL_S = 0.5
_CLOCK_POLL_S = 2.0
_REBUILD_EVERY_S = 1.0
_OPEN_TIMEOUT_S = 0.2  # re-subscribing from the thread
_MARKER_PULL = 64


class LslInlet:
    """One LSL stream received by a daemon thread into a bounded queue of Chunks or Markers.

    Args:
        info: a resolved StreamInfo (from :func:`resolve`; never an outlet's own info).
        kind: ``"data"`` (regular numeric → :class:`Chunk`) or ``"markers"`` (irregular
            string → :class:`Marker`, first channel).
        label: ``Chunk.stream`` for this stream's chunks; defaults to the LSL name.
        expect_channels: channel count the caller needs (data), or None.
        expect_srate_hz: nominal rate the caller needs in Hz (data), or None.
        stale_after_s: no data samples for this long → ``"stale"``.
        lost_after_s: no data samples for this long → ``"lost"``. Marker streams (silent by
            nature) are ``"lost"`` once gone from the network (about 2.5–4 s after it died).
        queue_size: queued items kept before the oldest are dropped.
        chunk_s: data pulled per chunk in seconds at the nominal rate (latency vs. CPU).
        max_buflen_s: liblsl's own receive buffer in seconds (in hundreds of markers).
        recover: liblsl's silent recovery (keep True except in tests).
        open_timeout_s: how long to wait for the subscription and the full description.
        notify: an Event set after every queued item (lets a consumer wait on many inlets).

    Raises:
        StreamError: the stream has the wrong kind, channel count or rate, or cannot be opened.
    """

    def __init__(
        self,
        info: StreamInfo,
        *,
        kind: StreamKind = "data",
        label: str | None = None,
        expect_channels: int | None = None,
        expect_srate_hz: float | None = None,
        stale_after_s: float = 1.0,
        lost_after_s: float = 5.0,
        queue_size: int = 256,
        chunk_s: float = 0.05,
        max_buflen_s: int = 30,
        recover: bool = True,
        open_timeout_s: float = 2.0,
        notify: threading.Event | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("LslInlet: queue_size must be >= 1")
        problem = check_stream(info, kind, expect_channels, expect_srate_hz)
        if problem:
            raise StreamError(problem, title="Wrong LSL stream")
        self._lsl = lsl = ensure_lsl()
        self.kind: StreamKind = kind
        self.label = label or info.name()
        self.nominal_srate_hz = float(info.nominal_srate())
        self.n_channels = int(info.channel_count())
        self._expect = (expect_channels, expect_srate_hz)
        self._uid = info.uid()  # the outlet instance the inlet is attached to
        self._buflen, self._recover = int(max_buflen_s), recover
        # Dejitter only makes sense for regular streams (LIBRARIES.md §1.5).
        self._flags = lsl.proc_clocksync | (
            lsl.proc_dejitter | lsl.proc_monotonize if kind == "data" else 0
        )
        self._track = HealthTracker(
            name=info.name(),
            source_id=info.source_id(),
            hostname=info.hostname(),
            kind=kind,
            nominal_srate_hz=self.nominal_srate_hz,
            stale_after_s=stale_after_s,
            lost_after_s=lost_after_s,
            uid=info.uid(),
            now=time.monotonic(),
        )
        self._inlet: Any = self._open(info, open_timeout_s)
        if self._inlet is None:
            raise StreamError(
                f"Could not subscribe to LSL stream {info.name()!r} within {open_timeout_s:g} s.",
                title="LSL stream not opened",
            )
        try:
            full = self._inlet.info(timeout=open_timeout_s)
        except lsl.util.TimeoutError:
            full = info  # no desc: labels fall back below, and the message says so
        self.channel_labels, self.channel_units, complete = read_channels(full)
        if not complete and kind == "data":
            self._track.note = f"; channel labels missing, using ch1..ch{self.n_channels}"
        if kind == "data":
            self._chunk_n = max(1, min(8192, math.ceil(self.nominal_srate_hz * chunk_s)))
            dtype = np.dtype(self._inlet.np_dtype)
            self._buf = np.empty((self._chunk_n, self.n_channels), dtype=dtype)  # C order
            self._out_dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        source_id = info.source_id()
        self._recovery_query = StreamQuery(
            name=info.name(),
            type=info.type(),
            source_id=source_id or None,
            hostname=None if source_id else info.hostname(),
        )
        self._presence: Any = lsl.ContinuousResolver(
            pred=self._recovery_query.predicate(), forget_after=_PRESENCE_FORGET_S
        )
        self._queue: queue.Queue[Chunk | Marker] = queue.Queue(maxsize=queue_size)
        self._notify = notify
        self._dropped = 0
        self._next_presence = self._next_clock = self._next_rebuild = time.monotonic()
        self.error: BaseException | None = None
        """The exception that ended the thread, if any (also shown in ``health().message``)."""
        self._health = self._track.snapshot(time.monotonic(), 0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lsl-{self.label}", daemon=True)
        self._thread.start()

    # ---- consumer side -------------------------------------------------------------------
    def drain(self, max_items: int | None = None) -> list[Chunk | Marker]:
        """Everything queued (oldest first, at most ``max_items``); never blocks."""
        items: list[Chunk | Marker] = []
        for _ in range(max_items or self._queue.maxsize):
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def health(self) -> StreamHealth:
        """The latest snapshot published by the thread (at most ~0.1 s old)."""
        return self._health  # replaced whole by the thread: reading a reference is atomic

    @property
    def alive(self) -> bool:
        """True while the acquisition thread runs."""
        return self._thread.is_alive()

    def close(self, timeout_s: float = 1.0) -> None:
        """Stop the thread (it destroys its inlet and resolver on the way out)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=timeout_s)

    def __enter__(self) -> LslInlet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- acquisition thread --------------------------------------------------------------
    def _open(self, info: StreamInfo, timeout_s: float) -> Any:
        inlet = self._lsl.StreamInlet(
            info, max_buflen=self._buflen, recover=self._recover, processing_flags=self._flags
        )
        try:
            inlet.open_stream(timeout=timeout_s)
        except (self._lsl.util.TimeoutError, self._lsl.util.LostError):
            return None  # the unreferenced inlet is destroyed; the caller retries or raises
        return inlet

    def _run(self) -> None:
        lost_error = self._lsl.util.LostError
        try:
            while not self._stop.is_set():
                if self._inlet is None:
                    self._rebuild()
                else:
                    try:
                        self._pull()
                        self._poll_clock()
                    except lost_error:
                        self._inlet = None  # destroy it; rebuilt from a fresh resolve
                        self._track.inlet_lost("liblsl reported the stream lost")
                self._poll_presence()
                self._publish()
        except Exception as exc:  # thread boundary: make the failure visible, never silent
            self.error = exc
            self._track.failed(f"acquisition stopped: {type(exc).__name__}: {exc}")
            self._publish()
        finally:
            self._inlet = self._presence = None  # destroyed in this thread, inlet first

    def _publish(self) -> None:
        now = time.monotonic()
        self._health = self._track.snapshot(now, self._dropped, self._queue.qsize())

    def _pull(self) -> None:
        if self.kind == "data":
            _, stamps = self._inlet.pull_chunk(
                timeout=_PULL_TIMEOUT_S,
                max_samples=self._chunk_n,
                dest_obj=self._buf,
                as_numpy=True,
            )
            n = len(stamps)
            if n:
                # Copy: the buffer is overwritten by the next pull.
                self._put(Chunk(stamps.copy(), self._buf[:n].astype(self._out_dtype), self.label))
        else:
            values, stamps = self._inlet.pull_chunk(
                timeout=_PULL_TIMEOUT_S, max_samples=_MARKER_PULL, min_samples=1
            )
            n = len(stamps)
            for value, stamp in zip(values, stamps, strict=True):
                self._put(Marker(float(stamp), value[0]))
        if n:
            self._track.samples(time.monotonic(), n)

    def _put(self, item: Chunk | Marker) -> None:
        while True:  # this thread is the only producer: one drop always makes room
            try:
                self._queue.put_nowait(item)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self._dropped += 1
                except queue.Empty:
                    continue  # the consumer emptied it meanwhile
        if self._notify is not None:
            self._notify.set()

    def _poll_clock(self) -> None:
        now = time.monotonic()
        if now < self._next_clock or not self._track.has_samples:
            return
        self._next_clock = now + _CLOCK_POLL_S
        try:
            self._track.clock_offset_s = float(self._inlet.time_correction(timeout=0.05))
        except self._lsl.util.TimeoutError:
            return  # no estimate yet; the next poll tries again

    def _poll_presence(self) -> None:
        now = time.monotonic()
        if now < self._next_presence:
            return
        self._next_presence = now + _PRESENCE_POLL_S
        self._track.presence(now, {info.uid() for info in self._presence.results()})
        if self._track.new_instance and self._inlet is not None and self._track.idle(now):
            # The sender restarted. liblsl would reconnect by itself, but only on its next
            # retry (measured 1.6-3.6 s after the new outlet appeared); rebuilding now is
            # immediate, and an idle inlet holds no unread samples.
            self._inlet = None
            self._track.inlet_lost("the sender restarted")
            self._next_rebuild = now
        self._track.new_instance = False

    def _rebuild(self) -> None:
        now = time.monotonic()
        if now < self._next_rebuild:
            self._stop.wait(_PULL_TIMEOUT_S)
            return
        self._next_rebuild = now + _REBUILD_EVERY_S
        # Candidates come from the presence resolver: a one-shot resolve of a stream in another
        # process took ~0.5 s here, too long for a thread that must stop within 0.2 s.
        infos = sorted(self._presence.results(), key=lambda i: i.uid() == self._uid)
        if not infos:
            return
        problem = check_stream(infos[0], self.kind, *self._expect)
        if problem is not None:
            self._track.inlet_lost(f"it came back changed: {problem}")
            return
        self._inlet = self._open(infos[0], _OPEN_TIMEOUT_S)
        if self._inlet is not None:
            self._uid = infos[0].uid()
            self._track.inlet_rebuilt(time.monotonic(), self._uid)


class LslSource:
    """A data inlet plus an optional marker inlet, drained together by the engine worker.

    Args:
        data: query for the regular numeric stream.
        markers: query for the string marker stream, or None for free-running data only.
        expect_channels: channel count the data stream must have, or None.
        expect_srate_hz: nominal rate the data stream must have in Hz, or None.
        resolve_timeout_s: how long to wait for each stream to be found.
        **inlet_options: passed to both :class:`LslInlet` (stale_after_s, queue_size, ...).

    Raises:
        StreamError: a stream is missing, ambiguous or of the wrong kind/shape.
    """

    def __init__(
        self,
        data: StreamQuery,
        markers: StreamQuery | None = None,
        *,
        expect_channels: int | None = None,
        expect_srate_hz: float | None = None,
        resolve_timeout_s: float = 5.0,
        **inlet_options: Any,
    ) -> None:
        self._ready = threading.Event()
        self.data = LslInlet(
            resolve(data, resolve_timeout_s),
            kind="data",
            notify=self._ready,
            expect_channels=expect_channels,
            expect_srate_hz=expect_srate_hz,
            **inlet_options,
        )
        self.markers: LslInlet | None = None
        try:
            if markers is not None:
                self.markers = LslInlet(
                    resolve(markers, resolve_timeout_s),
                    kind="markers",
                    notify=self._ready,
                    **inlet_options,
                )
        except BaseException:
            self.data.close()
            raise

    def _inlets(self) -> tuple[LslInlet, ...]:
        return (self.data,) if self.markers is None else (self.data, self.markers)

    def get(self, timeout_s: float) -> list[Chunk | Marker]:
        """Everything queued (data first, then markers), waiting up to ``timeout_s`` for any."""
        self._ready.clear()  # before draining, so an item queued meanwhile still wakes us
        items = [item for inlet in self._inlets() for item in inlet.drain()]
        if not items and timeout_s > 0 and self._ready.wait(timeout_s):
            items = [item for inlet in self._inlets() for item in inlet.drain()]
        return items

    def health(self) -> tuple[StreamHealth, ...]:
        """One snapshot per stream: data first, then markers (if any)."""
        return tuple(inlet.health() for inlet in self._inlets())

    def close(self) -> None:
        """Stop both acquisition threads."""
        for inlet in self._inlets():
            inlet.close()

    def __enter__(self) -> LslSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
