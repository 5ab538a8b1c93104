"""The cheaper ways of measuring an average give exactly the numbers of the plain ones.

``ZeroPhase`` (initial conditions solved once) against ``scipy.signal.sosfiltfilt`` through
:func:`zero_phase`, bit for bit and in the same memory layout; ``Measurer.measure_average``
(only the measured channels band-passed) against ``measure`` of the whole filtered average; and
an engine's deferred band-passed average against filtering the published one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ionm_tui.engine import (
    AveragingSpec,
    CaptureBaseline,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    StreamSpec,
    TestSpec,
)
from ionm_tui.engine.measures import Measurer, ZeroPhase, design_bandpass, zero_phase

FS = 5000.0
TIMES_MS = np.arange(-50, 451) * 1000.0 / FS


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.strides == b.strides and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("band_hz", [(30.0, 1000.0), (0.0, 500.0), (100.0, 2400.0)])
@pytest.mark.parametrize("shape", [(501, 32), (501, 2), (501,), (16, 3), (17, 1), (2, 2), (1, 4)])
def test_zero_phase_filter_is_sosfiltfilt_bit_for_bit(
    band_hz: tuple[float, float], shape: tuple[int, ...]
) -> None:
    """ZeroPhase returns zero_phase's (sosfiltfilt's) values and layout, short inputs too."""
    sos = design_bandpass(band_hz, FS)
    zp = ZeroPhase(sos)
    rng = np.random.default_rng(len(shape) * 1000 + shape[0])
    for scale in (1e-3, 1.0, 1e4):
        x = rng.normal(size=shape) * scale
        assert _same(zp(x), zero_phase(sos, x))


def _spec(peaks: tuple[PeakSpec, ...], amplitude: tuple[str, ...]) -> TestSpec:
    return TestSpec(
        "t",
        "S",
        ("A", "B", "C", "D"),
        (-10.0, 90.0),
        blank_ms=(-0.5, 3.0),
        bandpass_hz=(30.0, 1000.0),
        peaks=peaks,
        amplitude=amplitude,
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    peaks=st.sampled_from(
        [
            (),
            (PeakSpec("N20", -1, (15.0, 25.0)),),
            (PeakSpec("N20", -1, (15.0, 25.0), "C"), PeakSpec("P25", 1, (21.0, 32.0), "A")),
            (PeakSpec("N20", -1, (15.0, 25.0), "D"), PeakSpec("P25", 1, (21.0, 32.0), "D")),
        ]
    ),
    two=st.booleans(),
    sweeps=st.sampled_from([1.0, 2.0, 37.5, 200.0]),
)
def test_measure_average_is_measure_of_the_filtered_average(
    seed: int, peaks: tuple[PeakSpec, ...], two: bool, sweeps: float
) -> None:
    """Band-passing only the measured channels changes no measure, not even its last bit."""
    amplitude = tuple(p.name for p in peaks) if two and len(peaks) == 2 else ()
    m = Measurer(_spec(peaks, amplitude), TIMES_MS, FS)
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=(TIMES_MS.size, 4)) * 3.0
    pm = rng.normal(size=(TIMES_MS.size, 4))
    sp_var = np.abs(rng.normal(size=4)) + 0.1
    full = zero_phase(m.sos, np.concatenate((mean, pm), axis=1))  # type: ignore[arg-type]
    want = m.measure(full[:, :4], full[:, 4:], sweeps, sp_var)
    got = m.measure_average(mean, pm, sweeps, sp_var)
    assert repr(got) == repr(want)  # repr: NaN equals NaN, every digit of every float compared


def test_measure_average_without_bandpass_is_measure() -> None:
    """Without a band-pass there is nothing to filter: the very same call."""
    spec = TestSpec("t", "S", ("A", "B"), (-10.0, 90.0), peaks=(PeakSpec("P", 1, (20.0, 30.0)),))
    m = Measurer(spec, TIMES_MS, FS)
    x = np.random.default_rng(1).normal(size=(TIMES_MS.size, 2))
    assert repr(m.measure_average(x, -x, 10.0, np.ones(2))) == repr(
        m.measure(x, -x, 10.0, np.ones(2))
    )


def test_deferred_average_as_measured_is_the_filtered_average() -> None:
    """The view's and the baselines' band-passed average, computed only when asked for, is the
    zero-phase filter of the published average, bit for bit (and read-only)."""
    labels = ("A", "B")
    test = TestSpec(
        "t",
        "S",
        labels,
        (-10.0, 90.0),
        bandpass_hz=(30.0, 1000.0),
        averaging=AveragingSpec("block", 4),
        peaks=(PeakSpec("N20", -1, (15.0, 25.0)),),
    )
    eng = Engine(EngineSpec(StreamSpec(labels, FS), (test,)))
    rng = np.random.default_rng(7)
    n = 15000  # 3 s: every window complete
    ts = 100.0 + np.arange(n) / FS
    eng.feed(Chunk(ts, rng.normal(size=(n, 2))))
    eng.feed_markers([Marker(100.1 + 0.15 * k, "S") for k in range(16)])
    averages = [r for r in eng.drain_records() if type(r).__name__ == "AverageRecord"]
    assert len(averages) == 4
    view = eng.snapshot().tests[0]
    assert view.average_uv is not None
    assert not view.average_uv.flags.writeable
    sos = design_bandpass((30.0, 1000.0), FS)
    want = zero_phase(sos, averages[-1].values_uv)  # type: ignore[attr-defined]
    assert view.average_uv.tobytes() == want.tobytes()
    auto = view.baseline_uv  # the automatic baseline: the first update, filtered then
    first = zero_phase(sos, averages[0].values_uv)  # type: ignore[attr-defined]
    assert auto is not None
    assert auto.tobytes() == first.tobytes()
    eng.apply(CaptureBaseline("later"))
    later = eng.snapshot().tests[0].baseline_uv
    assert later is not None
    assert later.tobytes() == want.tobytes()
    assert math.isfinite(float(later.sum()))
