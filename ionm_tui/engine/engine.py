"""The engine: data chunks and markers in; sweeps, averages, trends, alerts and snapshots out.

Sample alignment. A marker at LSL time ``t`` is tied to the data sample nearest to it: the first
sample whose timestamp is ≥ ``t − ½/fs`` (a marker exactly midway goes to the earlier sample). A
stim-channel event is the sample where the channel rises from 0 to a non-zero code. Around that
sample ``s`` the test's window ``[t0, t1]`` ms covers samples ``s + round(t0·fs/1000)`` … ``s +
round(t1·fs/1000)``, **both ends inclusive** — MNE-C's convention. A sweep is cut as soon as its
last sample has arrived, whether the marker came before or after its samples.

Determinism. Samples are addressed by absolute index, so cutting never depends on how the input was
chunked; each test keeps its markers in arrival order and accumulates sweeps in that order. The
same samples and markers give each test the same averages, trend points and alerts, in the same
order, whether they come one sample at a time or all at once (as long as markers are not later than
``buffer_s``). Records of *different* tests interleave in the order their sweeps completed, which
depends on when markers arrived; every record carries its test and time.

Bad data never raises: non-finite or backward timestamps, gaps, markers without data, markers too
old for the buffer, windows longer than the buffer are counted by reason, reported as quality
records and visible in every snapshot. Bad arguments raise ``ValueError`` naming the argument.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .alerts import PRIORITY_RANK, AlertEvent
from .averaged import AveragedTracker
from .chunk import Chunk, Marker
from .commands import (
    AcknowledgeAlert,
    Annotate,
    CaptureBaseline,
    Command,
    PauseTest,
    ResetAverage,
    SelectBaseline,
    SetAveraging,
)
from .engine_spec import AnyTestSpec, EngineSpec
from .modality_specs import EegSpec, FreeRunEmgSpec, SingleSweepSpec
from .records import AnnotationRecord, AverageRecord, BaselineRecord, QualityEvent
from .ring import SampleRing
from .single_sweep import SingleSweepTracker
from .snapshot import DataQuality, EngineSnapshot
from .specs import StreamSpec, TestSpec
from .sweep_tracker import SweepTracker
from .tracking import Tracker
from .trends import TrendPoint

Record = AverageRecord | BaselineRecord | TrendPoint | AlertEvent | QualityEvent | AnnotationRecord

_MAX_HELD = 256  # held sweeps (batch_sweeps) are judged at the latest once there are this many

DROP_REASONS: tuple[str, ...] = (
    "too_old",  # its data already left the buffer (the marker came more than buffer_s late)
    "no_data",  # no data at the marker time: before the stream started, or inside a gap
    "clock_reset",  # still waiting when the data clock jumped back
    "window_exceeds_buffer",  # the test's window is longer than the buffer
    "pending_overflow",  # too many markers waiting for data (data stream silent)
    "paused",  # the test was paused
)


@dataclass(slots=True)
class _Pending:
    """A stimulus waiting for its window: ``t`` from a marker, ``index`` once tied to a sample."""

    t: float
    index: int | None
    marker: str = ""


class Engine:
    """Stimulus-locked averaging, measures, trends and alerts for one data stream.

    Not thread-safe by design: one worker thread owns it; other threads see only snapshots.

    Args:
        spec: the stream and the tests.
        gap_tolerance_s: timestamp jumps larger than one sample period plus this are gaps.
        batch_sweeps: hold cut sweeps back and judge each test's together, in one set of numpy
            calls, when records or a snapshot are asked for (or before the ring would lose
            their data, or before any other record, so the order never changes). Records,
            snapshots and their order are exactly those of one-at-a-time processing; only the
            per-sweep overhead shrinks. For flat-out analysis: sweeps wait for the next
            ``drain_records``/``snapshot`` instead of being processed as they complete.
    """

    def __init__(
        self, spec: EngineSpec, *, gap_tolerance_s: float = 0.02, batch_sweeps: bool = False
    ) -> None:
        if not (math.isfinite(gap_tolerance_s) and gap_tolerance_s >= 0):
            raise ValueError(f"gap_tolerance_s must be ≥ 0; got {gap_tolerance_s!r}")
        self.spec = spec
        st = spec.stream
        self._fs = st.sfreq_hz
        self._half = 0.5 / st.sfreq_hz
        self._gap_tol = gap_tolerance_s
        self._gap_step = 1.0 / st.sfreq_hz + gap_tolerance_s
        # Every test in profile order (views, commands); sweep-based ones share the marker
        # queues, continuous ones (free-run EMG, EEG) see every sample.
        self._all: list[Tracker] = [
            _make_tracker(t, st, gap_tolerance_s, spec.trend_history, spec.waterfall_depth)
            for t in spec.tests
        ]
        self._trackers: list[SweepTracker] = [
            tr for tr in self._all if isinstance(tr, SweepTracker)
        ]
        self._continuous: list[ContinuousTracker] = [
            tr  # type: ignore[misc]
            for tr, t in zip(self._all, spec.tests, strict=True)
            if isinstance(t, FreeRunEmgSpec | EegSpec)
        ]
        self._restart = True  # the next samples follow a gap, a reset, or nothing at all
        self._by_code: dict[str, list[int]] = {}
        for i, tr in enumerate(self._trackers):
            self._by_code.setdefault(tr.spec.marker, []).append(i)
        capacity = max(2, math.ceil(spec.buffer_s * st.sfreq_hz))
        self._ring = SampleRing(capacity, len(st.labels))
        # Chunks are written in pieces and pending sweeps cut after each one. A sweep whose last
        # sample arrives in a piece must still have its first sample (and its stimulus sample)
        # held after that piece, so a piece is at most capacity − span + 1 samples long;
        # otherwise long windows would be dropped as too old depending on the chunk size.
        spans = [
            max(tr.processor.stop_offset, 0) - min(tr.processor.start_offset, 0) + 1
            for tr in self._trackers
            if tr.processor.n_times <= capacity
        ]
        self._piece = max(1, min(capacity // 2, capacity - max(spans, default=0) + 1))
        self._n_ch = len(st.labels)
        self._stim_col = st.labels.index(st.stim_channel) if st.stim_channel else None
        self._stim_prev = 0.0
        self._queues: list[deque[_Pending]] = [deque() for _ in self._trackers]
        self._n_pending = 0
        self._segment_start = 0
        self._last_ts = -math.inf
        self._records: list[Record] = []
        self._batch = batch_sweeps
        # Sweeps cut but not judged yet (batch_sweeps): (tracker, first sample, stimulus
        # sample, marker), in the order one-at-a-time processing would have taken them.
        self._held: list[tuple[int, int, int, str]] = []
        self._held_lo = math.inf  # the oldest sample they need: the ring must keep it
        self._seq = 0
        self._markers = 0
        self._unknown = 0
        self._gaps = 0
        self._resets = 0
        self._bad_chunks = 0

    # --- input ---------------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> None:
        """Add a chunk of data samples (any size); cut every sweep it completes.

        Samples of any float dtype (and layout) are used as their float64 values: the ring
        converts them as it copies them in, so a float32 view of a file's bytes needs no
        float64 copy of its own first.
        """
        x = chunk.samples
        if x.shape[1] != self._n_ch:
            self._bad_chunks += 1
            self._quality(
                "channel_mismatch",
                float(chunk.timestamps[0]) if chunk.n_times else math.nan,
                f"chunk from {chunk.stream!r} has {x.shape[1]} channels, the stream spec "
                f"{self._n_ch}; "
                "chunk ignored — check the stream matches the profile",
            )
            return
        ts = chunk.timestamps
        n = ts.shape[0]
        if n == 0:
            return
        # The live shape (small chunks) takes one piece; its timestamps are checked in _write,
        # where a non-finite value fails the monotonicity test and lands here via _refuse. A chunk
        # split into pieces is checked whole first, so it is refused whole, never half-written.
        if n > self._piece and not np.isfinite(ts).all():
            self._refuse(ts)
            return
        for i in range(0, n, self._piece):
            self._write(ts[i : i + self._piece], x[i : i + self._piece])

    def _refuse(self, ts: NDArray[np.float64]) -> None:
        self._bad_chunks += 1
        self._quality(
            "bad_timestamps",
            self._last_ts,
            f"{ts.shape[0]} samples with non-finite timestamps ignored",
        )

    def feed_markers(self, markers: Iterable[Marker]) -> None:
        """Add stimulus markers (in the order they were received)."""
        for m in markers:
            self._markers += 1
            parts = m.value.split(maxsplit=1)
            targets = self._by_code.get(parts[0]) if parts else None
            if not targets or not math.isfinite(m.timestamp):
                self._unknown += 1
                continue
            for ti in targets:
                self._enqueue(ti, _Pending(float(m.timestamp), None, m.value))
        self._process_pending()

    def _enqueue(self, ti: int, p: _Pending) -> None:
        tr = self._trackers[ti]
        if tr.paused:
            tr.drop("paused")
            return
        if tr.processor.n_times > self._ring.capacity:
            if tr.drop("window_exceeds_buffer"):
                self._quality(
                    "sweep_dropped",
                    p.t,
                    f"the window of {tr.spec.id} ({tr.processor.n_times} samples) is longer "
                    "than the "
                    f"buffer ({self._ring.capacity}); raise buffer_s",
                    tr.spec.id,
                )
            return
        q = self._queues[ti]
        if len(q) >= self.spec.max_pending:
            q.popleft()
            self._n_pending -= 1
            self._drop(ti, "pending_overflow", p.t)
        q.append(p)
        self._n_pending += 1

    def _write(self, ts: NDArray[np.float64], x: NDArray[np.floating]) -> None:
        # Hot path (every chunk): plain subtraction and reductions are several times cheaper
        # than np.diff / nanmin on 50 samples. NaN in ts makes lo/hi NaN and fails `lo > 0`.
        d = ts[1:] - ts[:-1]
        first_step = ts[0] - self._last_ts
        lo = d.min() if d.size else math.inf
        hi = d.max() if d.size else -math.inf
        if not (first_step > 0 and lo > 0 and math.isfinite(ts[0]) and math.isfinite(ts[-1])):
            if not np.isfinite(ts).all():
                self._refuse(ts)
                return
            k = 0 if first_step <= 0 else int(np.flatnonzero(d <= 0)[0]) + 1
            if k:
                self._write(ts[:k], x[:k])
            self._clock_reset(float(ts[k]))
            self._write(ts[k:], x[k:])
            return
        breaks: list[int] = []  # sample offsets in this piece where a gap ends
        if first_step > self._gap_step and math.isfinite(self._last_ts):
            self._gap(self._last_ts, float(ts[0]))
            self._restart = True
        if hi > self._gap_step:
            for j in np.flatnonzero(d > self._gap_step):
                self._gap(float(ts[j]), float(ts[j + 1]))
                breaks.append(int(j) + 1)
        if self._continuous:
            self._feed_continuous(ts, _float64(x), breaks)
        if self._stim_col is not None:
            self._stim_events(_float64(x[:, self._stim_col]))
        if self._ring.total + ts.shape[0] - self._ring.capacity > self._held_lo:
            self._release()  # the write would overwrite samples a held sweep still needs
        self._ring.write(ts, x)
        self._last_ts = float(ts[-1])
        if self._n_pending:
            self._process_pending()

    def _feed_continuous(
        self, ts: NDArray[np.float64], x: NDArray[np.floating], breaks: list[int]
    ) -> None:
        """Hand samples to free-run EMG and EEG trackers, restarting them after every gap."""
        self._release()  # their records come after those of the sweeps already cut
        bounds = [0, *breaks, ts.shape[0]]
        for a, b in itertools.pairwise(bounds):
            restart = self._restart or a > 0
            for tr in self._continuous:
                self._records.extend(tr.feed(ts[a:b], x[a:b], restart=restart))
            self._restart = False

    def _stim_events(self, stim: NDArray[np.floating]) -> None:
        prev = np.empty_like(stim)
        prev[0] = self._stim_prev
        prev[1:] = stim[:-1]
        self._stim_prev = float(stim[-1])
        edges = np.flatnonzero((prev == 0) & (stim != 0) & np.isfinite(stim))
        base = self._ring.total
        for j in edges:
            code = str(int(stim[j]))
            targets = self._by_code.get(code)
            self._markers += 1
            if not targets:
                self._unknown += 1
                continue
            for ti in targets:
                self._enqueue(ti, _Pending(math.nan, base + int(j), code))

    def _clock_reset(self, t: float) -> None:
        self._resets += 1
        self._quality(
            "clock_reset", t, "data timestamps jumped back; sweeps waiting for data were dropped"
        )
        for ti, q in enumerate(self._queues):
            while q:
                p = q.popleft()
                self._drop(ti, "clock_reset", p.t)
        self._n_pending = 0
        self._last_ts = -math.inf
        self._segment_start = self._ring.total
        self._restart = True

    def _gap(self, t0: float, t1: float) -> None:
        self._release()
        self._gaps += 1
        self._records.append(
            QualityEvent(
                "gap", t0, f"no data for {t1 - t0:.3f} s (from t={t0:.3f})", duration_s=t1 - t0
            )
        )

    # --- sweeps --------------------------------------------------------------------------------

    def _process_pending(self) -> None:
        ring = self._ring
        total = ring.total
        if total == 0:
            return
        newest = ring.newest_timestamp
        oldest = ring.oldest
        # A marker's sample depends only on its time and the ring, which stays as it is during
        # this call: a marker triggering several tests is tied to its sample once.
        tied: dict[float, int | str] = {}
        for ti, q in enumerate(self._queues):
            tr = self._trackers[ti]
            while q:
                p = q[0]
                if p.index is None:
                    if newest < p.t - self._half:
                        break
                    got = tied.get(p.t)
                    if got is None:
                        got = tied[p.t] = self._resolve(p.t)
                    if isinstance(got, str):
                        q.popleft()
                        self._n_pending -= 1
                        self._drop(ti, got, p.t)
                        continue
                    p.index = got
                assert p.index is not None
                start = p.index + tr.processor.start_offset
                stop = p.index + tr.processor.stop_offset
                if stop >= total:
                    break
                q.popleft()
                self._n_pending -= 1
                if start < self._segment_start or start < 0:
                    self._drop(ti, "no_data", p.t)
                    continue
                if start < oldest:
                    self._drop(ti, "too_old", p.t)
                    continue
                if self._batch:
                    self._held.append((ti, start, p.index, p.marker))
                    self._held_lo = min(self._held_lo, start, p.index)
                    if len(self._held) >= _MAX_HELD:
                        self._release()
                    continue
                proc = tr.processor
                ts_w, raw = ring.cut(start, stop, proc.cut_columns, proc.cut_order)
                t_stim = ring.timestamp(p.index)
                self._records.extend(tr.add_sweep(raw, ts_w, t_stim, p.marker, owned=True))

    def _release(self) -> None:
        """Judge the held sweeps, each test's together, then count and use them in the order
        they were cut (records exactly as if each had been processed when it was cut)."""
        held = self._held
        if not held:
            return
        self._held = []
        self._held_lo = math.inf
        by_test: dict[int, list[int]] = {}
        for k, (ti, _, _, _) in enumerate(held):
            by_test.setdefault(ti, []).append(k)
        judged: list[tuple[NDArray[np.float64] | None, str | None, float]] = [
            (None, None, 0.0)
        ] * len(held)
        for ti, ks in by_test.items():
            results = self._trackers[ti].judge_many(
                self._ring, [held[k][1] for k in ks], [held[k][2] for k in ks]
            )
            for k, r in zip(ks, results, strict=True):
                judged[k] = r
        for (ti, _, _, marker), (sweep, reason, t_stim) in zip(held, judged, strict=True):
            self._records.extend(self._trackers[ti].take(sweep, reason, t_stim, marker))

    def _resolve(self, t: float) -> int | str:
        """The absolute index of the sample nearest a marker at ``t``, or the reason there is
        none (a drop reason)."""
        ring = self._ring
        lo = max(ring.oldest, self._segment_start)
        idx = ring.first_at_or_after(t - self._half, lo)
        if idx >= ring.total:  # cannot happen once newest ≥ t − ½/fs; kept as a guard
            return "no_data"
        t_idx = ring.timestamp(idx)
        if idx == lo and lo > self._segment_start and t_idx > t + self._half:
            return "too_old"
        if t_idx - t > self._half + self._gap_tol:
            return "no_data"
        return idx

    def _drop(self, ti: int, reason: str, t: float) -> None:
        tr = self._trackers[ti]
        if tr.drop(reason):
            self._quality(
                "sweep_dropped",
                t,
                f"{tr.spec.id}: a stimulus was dropped ({reason.replace('_', ' ')})",
                tr.spec.id,
            )

    def _quality(self, kind: str, t: float, detail: str, test: str | None = None) -> None:
        self._release()
        self._records.append(QualityEvent(kind, t, detail, test))

    # --- commands ------------------------------------------------------------------------------

    def _select(self, test: str | None) -> list[Tracker]:
        if test is None:
            return list(self._all)
        for tr in self._all:
            if tr.id == test:
                return [tr]
        ids = ", ".join(t.id for t in self._all)
        raise ValueError(f"no test {test!r}; the tests are: {ids}")

    def apply(self, command: Command) -> None:
        """Apply a command between chunks.

        Raises:
            ValueError: the command names an unknown test or baseline, or a baseline is
                captured before any average exists; the engine state is unchanged then.
        """
        self._release()
        t = self._ring.newest_timestamp
        out: list[Record] = []
        if isinstance(command, CaptureBaseline):
            trs = self._select(command.test)
            ready = [tr for tr in trs if tr.view().latest is not None]
            if not ready:
                raise ValueError(
                    f"cannot capture baseline {command.name!r}: no test has an average yet"
                )
            for tr in ready:
                out.extend(tr.capture_baseline(command.name, t))
        elif isinstance(command, SelectBaseline):
            trs = self._select(command.test)
            have = [tr for tr in trs if command.name in tr.baselines]
            if not have:
                names = sorted({n for tr in trs for n in tr.baselines})
                raise ValueError(
                    f"no baseline {command.name!r} has been captured "
                    f"(captured: {', '.join(names) or 'none yet'})"
                )
            for tr in have:
                out.extend(tr.select_baseline(command.name, t))
        elif isinstance(command, ResetAverage):
            for tr in self._select(command.test):
                tr.reset_average()
        elif isinstance(command, PauseTest):
            for tr in self._select(command.test):
                tr.set_paused(command.paused)
        elif isinstance(command, SetAveraging):
            for tr in self._select(command.test):
                if not isinstance(tr, AveragedTracker):
                    raise ValueError(f"test {tr.id} is not averaged; its averaging cannot change")
                tr.reset_average(command.averaging)
        elif isinstance(command, AcknowledgeAlert):
            for tr in self._select(command.test):
                out.extend(tr.acknowledge(command.criterion, t))
        elif isinstance(command, Annotate):
            out.append(AnnotationRecord(t, command.text, tuple(command.tags)))
        else:
            raise ValueError(f"unknown command {command!r}")
        self._records.extend(out)

    def note(self, record: QualityEvent) -> None:
        """Add a record from outside the data path (e.g. a rejected command) to the output."""
        self._release()
        self._records.append(record)

    # --- output --------------------------------------------------------------------------------

    def drain_records(self) -> list[Record]:
        """Every record emitted since the last call, in order (averages, trends, alerts, …)."""
        self._release()
        out, self._records = self._records, []
        return out

    def snapshot(self) -> EngineSnapshot:
        """A frozen view of everything now (cheap: views are cached until their test changes)."""
        self._release()
        self._seq += 1
        views = tuple(tr.view() for tr in self._all)
        alerts = sorted(
            (a for v in views for a in v.alerts),
            key=lambda a: (a.acknowledged, PRIORITY_RANK[a.priority], -a.onset_t),
        )
        return EngineSnapshot(
            seq=self._seq,
            t=self._ring.newest_timestamp,
            tests=views,
            alerts=tuple(alerts),
            quality=DataQuality(
                samples=self._ring.total,
                markers=self._markers,
                unknown_markers=self._unknown,
                gaps=self._gaps,
                clock_resets=self._resets,
                bad_chunks=self._bad_chunks,
                pending=self._n_pending,
            ),
        )


class ContinuousTracker(Protocol):
    """A tracker fed every sample (free-run EMG, EEG)."""

    def feed(
        self, ts: NDArray[np.float64], x: NDArray[np.floating], *, restart: bool
    ) -> list[Record]:
        """Samples (n,), (n, n_stream_channels) in stream units; restart after gaps/resets."""
        ...


def _float64(x: NDArray[np.floating]) -> NDArray[np.float64]:
    """``x`` as float64 (itself when it already is): every path computes on float64 values."""
    return x if x.dtype == np.float64 else x.astype(np.float64)


def _make_tracker(
    spec: AnyTestSpec, stream: StreamSpec, gap_tolerance_s: float, history: int, depth: int
) -> Tracker:
    """The tracker for a spec's modality."""
    if isinstance(spec, TestSpec):
        return AveragedTracker(
            spec, stream, gap_tolerance_s=gap_tolerance_s, history=history, waterfall_depth=depth
        )
    if isinstance(spec, SingleSweepSpec):
        return SingleSweepTracker(
            spec, stream, gap_tolerance_s=gap_tolerance_s, history=history, waterfall_depth=depth
        )
    if isinstance(spec, FreeRunEmgSpec):
        from .free_run_emg import EmgTracker

        return EmgTracker(spec, stream, history=history)
    if isinstance(spec, EegSpec):
        from .eeg import EegTracker

        return EegTracker(spec, stream, history=history)
    raise ValueError(f"unknown test spec type {type(spec).__name__}")
