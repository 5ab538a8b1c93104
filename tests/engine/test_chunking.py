"""Determinism: the same samples and markers give identical records however they are chunked."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import canon, chunk_boundaries, marker_positions

from ionm_tui.engine import (
    AlertSpec,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    RejectSpec,
    StreamSpec,
    TestSpec,
)

FS = 1000.0
N = int(FS * 24)


def _record() -> tuple[np.ndarray, np.ndarray, list[Marker], np.ndarray]:
    """24 s, 3 channels: a response that halves after 12 s, noise, a NaN burst, a saturated
    stretch, and markers for two interleaved sites plus a few unknown ones."""
    rng = np.random.default_rng(7)
    ts = 50.0 + np.arange(N) / FS
    x = rng.normal(0.0, 1.0, (N, 3))
    t_ms = np.arange(int(0.06 * FS) + 1) / FS * 1000.0
    tmpl = -3.0 * np.exp(-0.5 * ((t_ms - 20.0) / 2.0) ** 2) + 2.0 * np.exp(
        -0.5 * ((t_ms - 30.0) / 3.0) ** 2
    )
    stim = np.arange(int(0.2 * FS), N - int(0.1 * FS), int(FS / 4.7))
    for k, s in enumerate(stim):
        gain = 1.0 if s < N // 2 else 0.3
        x[s : s + tmpl.size, k % 2] += gain * tmpl
    x[stim[20] + 40 : stim[20] + 70, 0] = np.nan  # inside a site-A sweep
    x[stim[31] + 20 : stim[31] + 60, 1] = 900.0  # saturates a site-B sweep
    markers = [
        Marker(float(ts[s]), "SITE_A" if k % 2 == 0 else "SITE_B 12mA") for k, s in enumerate(stim)
    ]
    markers[10:10] = [Marker(float(ts[stim[10]] + 0.01), "NOISE\x1b[2J")]
    return ts, x, markers, np.searchsorted(ts, [m.timestamp for m in markers])


def _spec(mode: str) -> EngineSpec:
    alert = AlertSpec(amplitude_drop_pct=40, latency_rise_pct=10, snr_floor=0.2, confirm=2)
    common = dict(
        window_ms=(-5.0, 60.0),
        blank_ms=(0.0, 1.0),
        baseline_ms=(-5.0, -0.5),
        reject=RejectSpec(saturation_uv=500.0, peak_to_peak_uv=80.0),
        averaging=AveragingSpec(mode, 8, update_every=4),
        peaks=(PeakSpec("N20", -1, (14.0, 26.0)), PeakSpec("P30", 1, (24.0, 40.0))),
        amplitude=("N20", "P30"),
        bandpass_hz=(10.0, 300.0),
        alert=alert,
    )
    tests = (
        TestSpec(id="a", marker="SITE_A", channels=("A-REF",), **common),
        TestSpec(id="b", marker="SITE_B", channels=("B-REF", "A"), **common),
    )
    return EngineSpec(StreamSpec(("A", "B", "REF"), FS), tests, buffer_s=6.0)


def _by_test(records: list[object]) -> dict[str | None, list[object]]:
    """Records grouped per test (None: stream-wide ones), each group in emission order."""
    groups: dict[str | None, list[object]] = {}
    for r in records:
        groups.setdefault(getattr(r, "test", None), []).append(canon(r))
    return groups


def _run(mode: str, cuts: list[int], lag: int) -> list[object]:
    ts, x, markers, at = _record()
    engine = Engine(_spec(mode))
    when = marker_positions(cuts, at, lag)
    pending = sorted(range(len(markers)), key=lambda i: (when[i], i))
    j = 0
    out: list[object] = []
    while j < len(pending) and when[pending[j]] < 0:
        engine.feed_markers([markers[pending[j]]])
        j += 1
    for c in range(len(cuts) - 1):
        engine.feed(Chunk(ts[cuts[c] : cuts[c + 1]], x[cuts[c] : cuts[c + 1]]))
        batch = []
        while j < len(pending) and when[pending[j]] == c:
            batch.append(markers[pending[j]])
            j += 1
        engine.feed_markers(batch)
        out.extend(engine.drain_records())
    snap = engine.snapshot()
    groups = _by_test(out)
    rejected = canon([v.rejected for v in snap.tests])
    return [groups.get("a"), groups.get("b"), groups.get(None), canon(snap.quality), rejected]


_REFERENCE: dict[str, list[object]] = {}


def _reference(mode: str) -> list[object]:
    if mode not in _REFERENCE:
        # All markers first, then the whole record in one chunk.
        _REFERENCE[mode] = _run(mode, [0, N], -(10**9))
    return _REFERENCE[mode]


@pytest.mark.parametrize("mode", ["block", "moving", "ewma"])
def test_reference_run_produces_updates_rejections_and_alerts(mode: str) -> None:
    """The whole-record run exercises updates, both rejection reasons and a confirmed alert."""
    ref = _reference(mode)
    records = [*ref[0], *ref[1]]
    kinds = [r[0] for r in records]
    assert kinds.count("TrendPoint") >= 8
    assert any(r[0] == "AlertEvent" and r[3] == "confirmed" for r in records)
    rejected = ref[-1]
    assert rejected == ((("non_finite", 1),), (("saturation", 1),))


@pytest.mark.parametrize("mode", ["block", "moving", "ewma"])
@settings(max_examples=15)
@given(cuts=chunk_boundaries(N), lag=st.integers(min_value=-3, max_value=2))
def test_records_identical_for_any_chunking(mode: str, cuts: list[int], lag: int) -> None:
    """Random chunk sizes, single samples, and markers leading their data by up to three chunks or
    lagging it by two (within the buffer) give bit-identical averages, trend points, alerts and
    counters for every test (each test's records in the same order)."""
    assert _run(mode, cuts, lag) == _reference(mode)


def test_one_sample_at_a_time_matches_whole_record() -> None:
    """Feeding one sample per chunk gives the same records as one chunk for the whole record."""
    assert _run("ewma", list(range(N + 1)), 0) == _reference("ewma")
