"""Batched sweeps (``Engine(batch_sweeps=True)``) give exactly what one-at-a-time processing gives.

Three levels: ``SweepProcessor.process_many`` against ``process`` window by window (bit for bit,
same memory layout, same rejection reason), ``SampleRing.cut_rows`` against ``cut``, and whole
engines with and without batching over the same input (every record, in the same order, and the
final snapshot), with gaps, a clock reset, dropped markers, commands, derivations, a single-sweep
test and free-run EMG in the mix, under random chunkings.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import canon, chunk_boundaries, marker_positions

from ionm_tui.engine import (
    AveragingSpec,
    CaptureBaseline,
    Chunk,
    Engine,
    EngineSpec,
    FreeRunEmgSpec,
    Marker,
    PeakSpec,
    RejectSpec,
    ResetAverage,
    SingleSweepSpec,
    StreamSpec,
    SweepProcessor,
    TestSpec,
)
from ionm_tui.engine.ring import SampleRing

FS = 1000.0
LABELS = ("A", "B", "C", "D", "E")


def _processor(
    blank_ms: tuple[float, float],
    baseline_ms: tuple[float, float] | None,
    reject: RejectSpec,
    channels: tuple[str, ...] = ("B", "C", "D"),
    window_ms: tuple[float, float] = (-10.0, 40.0),
) -> SweepProcessor:
    test = TestSpec(
        "t", "S", channels, window_ms, blank_ms=blank_ms, baseline_ms=baseline_ms, reject=reject
    )
    return SweepProcessor(test, StreamSpec(LABELS, FS))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    blank=st.sampled_from([(0.0, 2.0), (-10.0, -5.0), (35.0, 40.0), (-10.0, 40.0), (5.0, 5.0)]),
    baseline=st.sampled_from([None, (-10.0, -1.0), (-10.0, 40.0)]),
    window=st.sampled_from([(-10.0, 40.0), (-10.0, 4.0), (-10.0, 21.0)]),
    reject=st.sampled_from(
        [RejectSpec(), RejectSpec(saturation_uv=30.0, peak_to_peak_uv=60.0, flat_uv=0.5)]
    ),
    n=st.integers(0, 9),
)
def test_process_many_is_process_bit_for_bit(
    seed: int,
    blank: tuple[float, float],
    baseline: tuple[float, float] | None,
    reject: RejectSpec,
    window: tuple[float, float],
    n: int,
) -> None:
    """Every window comes out of process_many as out of process: the same reason, or the same
    sweep bytes in the same (row-major) layout — including NaN, inf, saturated and flat ones
    (also with the bad sample inside the blanked span, which blanking removes but the raw
    checks still see), and windows shorter than one fold of the peak-to-peak reduction."""
    try:
        p = _processor(blank, baseline, reject, window_ms=window)
    except ValueError:  # blanking or baseline outside the window: not a valid test
        assume(False)
        raise
    assert p.batchable
    assert p.cut_order == "C"
    rng = np.random.default_rng(seed)
    windows = rng.normal(0.0, 8.0, (n, p.n_times, 3))
    in_blank = np.flatnonzero((p.times_ms >= blank[0] - 1e-9) & (p.times_ms <= blank[1] + 1e-9))
    for k in range(n):
        kind = rng.integers(0, 8)
        if kind >= 6 and in_blank.size:
            bad = (45.0, np.nan)[kind - 6]
            windows[k, rng.choice(in_blank), rng.integers(3)] = bad
        if kind == 1:
            windows[k, rng.integers(p.n_times), rng.integers(3)] = np.nan
        elif kind == 2:
            windows[k, rng.integers(p.n_times), rng.integers(3)] = -np.inf
        elif kind == 3:
            windows[k, 3:6, 1] = 45.0
        elif kind == 4:
            windows[k, :, 2] = 0.01 * rng.normal(size=p.n_times)
    expected = [p.process(w.copy(), owned=True) for w in windows]
    got = p.process_many(windows.copy())
    assert len(got) == n
    for (s1, r1), (s2, r2) in zip(expected, got, strict=True):
        assert r1 == r2
        if s1 is None:
            assert s2 is None
        else:
            assert s2 is not None
            assert s2.flags.c_contiguous == s1.flags.c_contiguous
            assert s1.tobytes() == s2.tobytes()


def test_only_blanked_plain_selections_are_batchable() -> None:
    """Derivations, scaling and unblanked windows keep the one-at-a-time path."""
    assert _processor((0.0, 2.0), None, RejectSpec()).batchable
    assert not _processor((0.0, 2.0), None, RejectSpec(), channels=("A-B",)).batchable
    unblanked = TestSpec("t", "S", ("A",), (-10.0, 40.0))
    assert not SweepProcessor(unblanked, StreamSpec(LABELS, FS)).batchable
    scaled = SweepProcessor(
        TestSpec("t", "S", ("A",), (-10.0, 40.0), blank_ms=(0.0, 2.0)),
        StreamSpec(LABELS, FS, scale_to_uv=0.5),
    )
    assert not scaled.batchable


@pytest.mark.parametrize("columns", [slice(1, 4), np.array([3, 0, 2], dtype=np.intp)])
def test_cut_rows_is_cut_row_major(columns: slice | np.ndarray) -> None:
    """cut_rows copies what cut(..., "C") returns, also across the ring's wrap-around."""
    ring = SampleRing(50, 4)
    rng = np.random.default_rng(3)
    for _ in range(3):
        ring.write(np.arange(ring.total, ring.total + 23) / FS, rng.normal(size=(23, 4)))
    starts = [ring.oldest, ring.total - 10, ring.total - 30]  # the last one wraps
    rows = ring.cut_rows(starts, 10, columns)
    assert rows.shape == (3, 10, 3)
    assert rows.flags.c_contiguous
    for k, s in enumerate(starts):
        assert rows[k].tobytes() == ring.cut(s, s + 9, columns, "C")[1].tobytes()


# --- whole engines ------------------------------------------------------------------------------

N = int(FS * 20)


def _input() -> tuple[np.ndarray, np.ndarray, list[Marker], np.ndarray]:
    """20 s of 4 channels: responses, a NaN burst, a saturated sweep, a 0.5 s hole, a clock
    reset, and markers for two sites, a single-sweep site, an unknown code and one too late.

    Returns:
        timestamps (n,), samples (n, 5), markers, and the sample each marker arrives with.
    """
    rng = np.random.default_rng(11)
    ts = 10.0 + np.arange(N) / FS
    ts[9000:] += 0.5  # a gap
    ts[15000:] -= 30.0  # the clock jumps back
    x = rng.normal(0.0, 2.0, (N, 5))
    x[:, 4] += np.where(np.arange(N) % 700 < 80, 60.0 * np.sin(np.arange(N) * 0.9), 0.0)  # EMG
    stim = np.arange(150, N - 80, 213)
    t_ms = np.arange(40) / FS * 1000.0
    wave = -4.0 * np.exp(-0.5 * ((t_ms - 15.0) / 2.0) ** 2)
    for k, s in enumerate(stim):
        x[s : s + 40, k % 3] += wave * (1.0 if s < N // 2 else 0.4)
    x[stim[12] + 5 : stim[12] + 9, 1] = np.nan  # SITE_A: non-finite
    x[stim[21] + 3, 0] = 900.0  # SITE_A: saturated
    x[stim[25] + 20, 1] += 100.0  # SITE_B: too large peak to peak
    codes = ["SITE_A", "SITE_B", "MEP 300V"]
    at = [*stim.tolist(), stim[7], 8990, 14000]
    markers = [Marker(float(ts[s]), codes[k % 3]) for k, s in enumerate(stim)]
    markers.append(Marker(float(ts[stim[7]]) + 0.003, "UNKNOWN"))
    markers.append(Marker(float(ts[8990]), "SITE_B"))  # its window spans the gap
    markers.append(Marker(float(ts[100]), "SITE_A"))  # fed 14 s late: dropped as too old
    return ts, x, markers, np.asarray(at)


def _spec(emg: bool) -> EngineSpec:
    common = dict(
        window_ms=(-8.0, 45.0),
        blank_ms=(0.0, 1.5),
        baseline_ms=(-8.0, -1.0),
        reject=RejectSpec(saturation_uv=400.0, peak_to_peak_uv=70.0, flat_uv=0.1),
        peaks=(PeakSpec("N15", -1, (10.0, 20.0)),),
        bandpass_hz=(10.0, 300.0),
    )
    tests = (
        # batchable: plain labels, blanked
        TestSpec("a-block", "SITE_A", ("A", "B"), averaging=AveragingSpec("block", 6), **common),
        TestSpec(
            "a-ewma",
            "SITE_A",
            ("C", "D"),
            averaging=AveragingSpec("ewma", 6, update_every=3),
            **common,
        ),
        TestSpec(
            "b-moving",
            "SITE_B",
            ("B",),
            averaging=AveragingSpec("moving", 5, update_every=2),
            **common,
        ),
        # not batchable: a derivation
        TestSpec(
            "b-deriv",
            "SITE_B",
            ("B-C", "A"),
            averaging=AveragingSpec("ewma", 4, update_every=2),
            **common,
        ),
        SingleSweepSpec(
            "mep", "MEP", ("C",), (-5.0, 40.0), (5.0, 35.0), (-5.0, -1.0), blank_ms=(0.0, 1.0)
        ),
    )
    if emg:  # continuous: every write releases the held sweeps first (its records come after)
        tests = (*tests, FreeRunEmgSpec("emg", ("E",)))
    # A short buffer, so held sweeps are often released because the ring is about to wrap.
    return EngineSpec(StreamSpec(LABELS, FS), tests, buffer_s=1.5)


def _run(batch: bool, cuts: list[int], lag: int, emg: bool) -> tuple[list[object], object, Engine]:
    ts, x, markers, at = _input()
    engine = Engine(_spec(emg), batch_sweeps=batch)
    when = marker_positions(cuts, at, lag)
    order = sorted(range(len(markers)), key=lambda i: (when[i], i))
    j = 0
    out: list[object] = []
    while j < len(order) and when[order[j]] < 0:
        engine.feed_markers([markers[order[j]]])
        j += 1
    for c in range(len(cuts) - 1):
        engine.feed(Chunk(ts[cuts[c] : cuts[c + 1]], x[cuts[c] : cuts[c + 1]]))
        batch_m = []
        while j < len(order) and when[order[j]] == c:
            batch_m.append(markers[order[j]])
            j += 1
        engine.feed_markers(batch_m)
        if c % 7 == 3:  # drain only now and then: sweeps are held across several chunks
            out.extend(engine.drain_records())
        if c == len(cuts) // 2:
            engine.apply(ResetAverage("a-ewma"))
        if c == 2 * len(cuts) // 3:
            with contextlib.suppress(ValueError):  # no average yet is fine too
                engine.apply(CaptureBaseline("mid"))
    out.extend(engine.drain_records())
    return [canon(r) for r in out], canon(engine.snapshot().tests), engine


@pytest.mark.parametrize("emg", [False, True])
@settings(max_examples=12, deadline=None)
@given(cuts=chunk_boundaries(N, max_chunk=300), lag=st.integers(min_value=-2, max_value=1))
def test_engine_records_identical_with_and_without_batching(
    emg: bool, cuts: list[int], lag: int
) -> None:
    """The same records in the same order, and the same final views, batched or not."""
    plain_records, plain_views, _ = _run(False, cuts, lag, emg)
    batched_records, batched_views, _ = _run(True, cuts, lag, emg)
    assert batched_records == plain_records
    assert batched_views == plain_views


def test_engine_input_exercises_every_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The input above produces updates, baselines, rejections of every kind, drops, a gap and
    a clock reset, and batching really holds many sweeps at a time."""
    sizes: list[int] = []
    release = Engine._release

    def counting(self: Engine) -> None:
        if self._held:
            sizes.append(len(self._held))
        release(self)

    monkeypatch.setattr(Engine, "_release", counting)
    records, _, engine = _run(True, [*range(0, N, 250), N], 0, emg=False)
    kinds = {r[0] for r in records}
    assert {"AverageRecord", "TrendPoint", "BaselineRecord", "QualityEvent"} <= kinds
    quality = {r[1] for r in records if r[0] == "QualityEvent"}
    assert {"gap", "clock_reset", "sweep_dropped"} <= quality
    rejected = {reason for view in engine.snapshot().tests for reason, _ in view.rejected}
    assert rejected == {"non_finite", "saturation", "peak_to_peak", "gap"}
    assert max(sizes) >= 10
