"""EEG: band powers, ratios, spectral edge, suppression, asymmetry, gaps, alerts, invariance."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import signal
from shared_data import SHARED_DATA
from strategies import canon, chunk_boundaries

from ionm_tui.engine import (
    AlertEvent,
    AlertSpec,
    Chunk,
    CriterionSpec,
    EegSpec,
    Engine,
    EngineSpec,
    StreamSpec,
    TrendPoint,
)
from ionm_tui.engine.eeg import EegTracker
from ionm_tui.engine.spectra import welch_psd

T0 = 500.0  # LSL seconds of the first sample
EEG_DIR = SHARED_DATA / "emg_biosppy"
BITALINO_EEG_UV = 3.3e6 / 1024 / 41782
"""µV per ADC count of the BioSPPy EEG, assuming a BITalino EEG sensor (3.3 V over 10 bits, gain
41 782); relative measures do not depend on it."""
NO_EP_ALERTS = {"amplitude_drop_pct": None, "latency_rise_pct": None}


def _sine(fs: float, seconds: float, hz: float, amp_uv: float, phase: float = 0.3) -> np.ndarray:
    return amp_uv * np.sin(2 * np.pi * hz * np.arange(round(fs * seconds)) / fs + phase)


def _noise(fs: float, seconds: float, sd_uv: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sd_uv, round(fs * seconds))


def _run(
    x: np.ndarray,
    fs: float,
    ts: np.ndarray | None = None,
    chunk: int = 250,
    **kw: object,
) -> tuple[list[object], Engine]:
    """Records of an engine fed x (n,) or (n, 2) µV (columns L, R) with one EEG test on L."""
    x = x.reshape(x.shape[0], -1)
    labels = ("L", "R")[: x.shape[1]]
    if ts is None:
        ts = T0 + np.arange(x.shape[0]) / fs
    spec = EegSpec(id="eeg", channels=("L",), **kw)  # type: ignore[arg-type]
    engine = Engine(EngineSpec(StreamSpec(labels, fs), (spec,)))
    out: list[object] = []
    for i in range(0, x.shape[0], chunk):
        engine.feed(Chunk(ts[i : i + chunk], x[i : i + chunk]))
        out.extend(engine.drain_records())
    return out, engine


def _points(records: list[object]) -> list[TrendPoint]:
    return [r for r in records if isinstance(r, TrendPoint)]


def _series(records: list[object], name: str) -> np.ndarray:
    return np.array([p.value(name) for p in _points(records)])


@pytest.mark.parametrize(("n", "nperseg"), [(1000, 500), (999, 250), (1000, 1000), (1001, 333)])
def test_welch_matches_scipy(n: int, nperseg: int) -> None:
    """Our Welch PSD equals ``scipy.signal.welch`` (Hann, 50 % overlap, constant detrend,
    density) to 1e-12 of its peak, for even and odd segment lengths, on two channels."""
    x = np.random.default_rng(n).normal(0.0, 10.0, (n, 2)) + 5.0
    f, p = welch_psd(x, 250.0, nperseg)
    f2, p2 = signal.welch(
        x, fs=250.0, window="hann", nperseg=nperseg, noverlap=nperseg // 2, axis=0
    )
    assert np.array_equal(f, f2)
    assert np.abs(p - p2).max() <= 1e-12 * p2.max()


def test_alpha_sine_power_edge_and_amplitude() -> None:
    """A 20 µV, 10 Hz sine has alpha power A²/2 = 200 µV² (±2 %), relative alpha ≈ 1, SEF95 at
    10.5 ± 0.5 Hz and amplitude √total; points are continuous-mode with primary relative alpha."""
    fs = 500.0
    x = _sine(fs, 20.0, 10.0, 20.0) + _noise(fs, 20.0, 0.2)
    records, _ = _run(x, fs)
    pts = _points(records)
    assert len(pts) == 9  # every 2 s once the first 4 s window is full: t = 4, 6, …, 20
    p = pts[-1]
    v = dict(p.values)
    assert v["alpha_uv2"] == pytest.approx(200.0, rel=0.02)
    assert v["relative_alpha"] > 0.99
    assert v["sef95_hz"] == pytest.approx(10.5, abs=0.5)
    assert v["bsr_pct"] == 0.0
    assert p.amplitude_uv == pytest.approx(math.sqrt(v["total_uv2"]), rel=1e-12)
    assert (p.mode, p.primary, p.sweeps, p.accepted) == ("continuous", "relative_alpha", 1.0, 9)
    assert math.isnan(p.latency_ms)
    assert p.t == pytest.approx(T0 + 20.0 - 1 / fs, abs=1e-9)


def test_two_band_ratios() -> None:
    """Equal 2 Hz and 10 Hz sines give relative alpha 0.5 (±0.02) and alpha/delta 1 (±0.05)."""
    fs = 250.0
    x = _sine(fs, 16.0, 2.0, 20.0) + _sine(fs, 16.0, 10.0, 20.0) + _noise(fs, 16.0, 0.2)
    records, _ = _run(x, fs)
    assert _series(records, "relative_alpha")[-1] == pytest.approx(0.5, abs=0.02)
    assert _series(records, "alpha_delta_ratio")[-1] == pytest.approx(1.0, abs=0.05)


def test_white_noise_spectral_edge() -> None:
    """For white noise the power is flat from 0.75 to 29.75 Hz (bins 1.0 … 29.5 ± 0.25), so the
    95 % edge is 0.75 + 0.95 × 29 = 28.3 Hz (median over updates, ±0.5 Hz)."""
    fs = 250.0
    records, _ = _run(_noise(fs, 60.0, 10.0, seed=3), fs)
    assert float(np.median(_series(records, "sef95_hz"))) == pytest.approx(28.3, abs=0.5)


def test_burst_suppression_ratio() -> None:
    """2 s bursts (40 µV alpha) alternating with 2 s suppressions (0.5 µV) give a burst-
    suppression ratio of 50 % (±3 %) in every 4 s window; continuous alpha gives 0 %."""
    fs = 500.0
    x = _sine(fs, 20.0, 10.0, 40.0)
    t = np.arange(x.shape[0]) / fs
    quiet = (t // 2.0) % 2 == 1
    x[quiet] = _noise(fs, 20.0, 0.5, seed=4)[quiet]
    bsr = _series(_run(x, fs)[0], "bsr_pct")
    assert bsr == pytest.approx(np.full(bsr.shape, 50.0), abs=3.0)
    assert _series(_run(_sine(fs, 8.0, 10.0, 40.0), fs)[0], "bsr_pct").max() == 0.0


@pytest.mark.parametrize(("left_uv", "right_uv", "expected_pct"), [(20, 10, 60.0), (10, 20, -60.0)])
def test_asymmetry_sign_and_value(left_uv: float, right_uv: float, expected_pct: float) -> None:
    """Left power 4× right gives +60 % (100·(4 − 1)/(4 + 1)); the mirror case gives −60 %."""
    fs = 500.0
    x = np.column_stack(
        [
            _sine(fs, 10.0, 10.0, left_uv) + _noise(fs, 10.0, 0.1, seed=1),
            _sine(fs, 10.0, 10.0, right_uv, phase=1.0) + _noise(fs, 10.0, 0.1, seed=2),
        ]
    )
    records, _ = _run(x, fs, asymmetry_with="R")
    assert _series(records, "asymmetry_pct")[-1] == pytest.approx(expected_pct, abs=1.0)


def test_decimation_rejects_what_would_alias_into_the_bands() -> None:
    """At 5 kHz the stream is decimated by 20 to 250 Hz; a 100 µV tone at 260 Hz, which would
    fold onto 10 Hz, changes the alpha power of a 20 µV 10 Hz sine by < 0.5 %."""
    fs = 5000.0
    clean = _sine(fs, 8.0, 10.0, 20.0)
    tone = _sine(fs, 8.0, 260.0, 100.0)
    a0 = _series(_run(clean, fs, chunk=1000)[0], "alpha_uv2")[-1]
    a1 = _series(_run(clean + tone, fs, chunk=1000)[0], "alpha_uv2")[-1]
    assert a1 == pytest.approx(a0, rel=0.005)
    tracker = EegTracker(EegSpec("e", ("L",)), StreamSpec(("L",), fs), history=2)
    assert (tracker.q, tracker.fs_dec, tracker.window_n) == (20, 250.0, 1000)


def test_gap_inside_the_window_waits_for_a_full_clean_window() -> None:
    """After a 1 s data gap no update comes until 4 s (window_s) of clean data have arrived; the
    skipped updates are counted as ``rejected["gap"]`` and updates then resume every 2 s."""
    fs = 250.0
    x = _sine(fs, 30.0, 10.0, 20.0) + _noise(fs, 30.0, 1.0)
    ts = T0 + np.arange(x.shape[0]) / fs
    cut = round(11.3 * fs)
    ts[cut:] += 1.0
    records, engine = _run(x, fs, ts)
    t = np.array([p.t for p in _points(records)])
    resume = ts[cut]
    before, after = t[t < resume], t[t >= resume]
    assert before[-1] <= ts[cut - 1]
    assert after[0] - resume >= 4.0 - 1 / fs - 1e-9
    assert after[0] - resume <= 4.0 + 2.0
    assert np.diff(after) == pytest.approx(np.full(after.size - 1, 2.0), abs=1e-6)
    view = engine.snapshot().tests[0]
    assert dict(view.rejected)["gap"] >= 1


def test_non_finite_run_is_a_gap_not_signal() -> None:
    """A NaN run empties the window like a gap: counted in flags, skipped updates counted as
    ``non_finite``, and every value stays finite."""
    fs = 250.0
    x = _sine(fs, 24.0, 10.0, 20.0) + _noise(fs, 24.0, 1.0)
    x[round(9.0 * fs) : round(9.5 * fs)] = np.nan
    records, engine = _run(x, fs)
    view = engine.snapshot().tests[0]
    assert dict(view.flags) == {"non_finite_samples": round(0.5 * fs)}
    assert dict(view.rejected)["non_finite"] >= 1
    t = np.array([p.t for p in _points(records)])
    assert not np.any((t > T0 + 9.0) & (t < T0 + 9.5 + 4.0 - 1 / fs))
    assert np.isfinite(_series(records, "relative_alpha")).all()


def test_eyes_closed_has_more_relative_alpha_than_eyes_open() -> None:
    """Real EEG (BioSPPy, 125 Hz): median relative alpha with eyes closed is ≥ 2× that with eyes
    open, and its lower quartile lies above the eyes-open upper quartile."""
    ra = {}
    for name in ("eeg_ec.txt", "eeg_eo.txt"):
        path = EEG_DIR / name
        if not path.exists():
            pytest.skip(f"shared recording missing: {path}")
        counts = np.loadtxt(path, comments="#")
        tracker = EegTracker(
            EegSpec("eeg", ("EEG",)), StreamSpec(("EEG",), 125.0, BITALINO_EEG_UV), history=400
        )
        records = tracker.feed(np.arange(counts.shape[0]) / 125.0, counts[:, None], restart=True)
        ra[name] = _series(records, "relative_alpha")
        assert ra[name].size >= 100
    ec, eo = ra["eeg_ec.txt"], ra["eeg_eo.txt"]
    assert np.median(ec) >= 2.0 * np.median(eo), (np.median(ec), np.median(eo))
    assert np.percentile(ec, 25) > np.percentile(eo, 75)


def test_alpha_to_delta_shift_alerts_after_the_change_only() -> None:
    """Alpha giving way to delta at 40 s confirms relative-alpha (−14 %) and alpha/delta (−21 %)
    drop alerts within window + 2 updates of the change, and raises nothing before it."""
    fs = 250.0
    n1 = round(40.0 * fs)
    x = np.concatenate(
        [
            _sine(fs, 40.0, 10.0, 20.0) + _sine(fs, 40.0, 2.0, 10.0),
            _sine(fs, 30.0, 10.0, 8.0) + _sine(fs, 30.0, 2.0, 30.0),
        ]
    ) + _noise(fs, 70.0, 2.0)
    criteria = (
        CriterionSpec("relative_alpha_drop", "relative_alpha", "drop_pct", 14.0, confirm=2),
        CriterionSpec("alpha_delta_drop", "alpha_delta_ratio", "drop_pct", 21.0, confirm=2),
    )
    records, _ = _run(x, fs, alert=AlertSpec(**NO_EP_ALERTS, criteria=criteria))
    alerts = [r for r in records if isinstance(r, AlertEvent)]
    change_t = T0 + n1 / fs
    assert alerts
    assert all(a.t > change_t for a in alerts)
    for name in ("relative_alpha_drop", "alpha_delta_drop"):
        confirmed = [a.t for a in alerts if a.criterion == name and a.state == "confirmed"]
        assert confirmed, name
        assert confirmed[0] <= change_t + 4.0 + 2 * 2.0, name


# --- chunk invariance --------------------------------------------------------------------------

FS_INV = 500.0
N_INV = round(24 * FS_INV)


def _invariance_run(cuts: list[int]) -> list[object]:
    """Canonical records of 24 s of (L, R, REF) at 500 Hz: alpha → delta at 12 s on the left, a
    NaN run at 6 s, a suppression at 8 s and a 0.7 s gap at 16 s, with a bipolar derivation and
    asymmetry; all in the given chunking."""
    rng = np.random.default_rng(8)
    t = np.arange(N_INV) / FS_INV
    x = rng.normal(0.0, 2.0, (N_INV, 3))
    left = np.where(t < 12.0, 20.0, 5.0)
    x[:, 0] += left * np.sin(2 * np.pi * 10 * t) + 25.0 * (t >= 12.0) * np.sin(2 * np.pi * 2 * t)
    x[:, 1] += 15.0 * np.sin(2 * np.pi * 9 * t + 0.4)
    x[(t >= 8.0) & (t < 9.0), 0:2] = 0.1
    x[(t >= 6.0) & (t < 6.2), 2] = np.nan
    ts = T0 + t
    ts[t >= 16.0] += 0.7
    crit = CriterionSpec("relative_alpha_drop", "relative_alpha", "drop_pct", 14.0, confirm=2)
    spec = EegSpec(
        id="eeg",
        channels=("L-REF",),
        asymmetry_with="R-REF",
        update_s=1.0,
        alert=AlertSpec(**NO_EP_ALERTS, criteria=(crit,)),
    )
    engine = Engine(EngineSpec(StreamSpec(("L", "R", "REF"), FS_INV), (spec,)))
    out: list[object] = []
    for a, b in itertools.pairwise(cuts):
        engine.feed(Chunk(ts[a:b], x[a:b]))
        out.extend(r for r in engine.drain_records() if getattr(r, "test", None) == "eeg")
    return [canon(r) for r in out] + [canon(engine.snapshot().tests[0].rejected)]


_WHOLE: list[list[object]] = []


def _whole() -> list[object]:
    if not _WHOLE:
        _WHOLE.append(_invariance_run([0, N_INV]))
    return _WHOLE[0]


def test_invariance_record_exercises_every_path() -> None:
    """The reference run has updates, suppression, a confirmed alert and skipped windows."""
    recs = _whole()
    kinds = [r[0] for r in recs[:-1]]
    assert kinds.count("TrendPoint") >= 10
    assert any(r[0] == "AlertEvent" and r[3] == "confirmed" for r in recs[:-1])
    assert max(dict(r[-2]).get("bsr_pct", 0.0) for r in recs[:-1] if r[0] == "TrendPoint") > 10
    assert dict(recs[-1]).keys() == {"gap", "non_finite"}


@settings(max_examples=12)
@given(cuts=chunk_boundaries(N_INV))
def test_records_identical_for_any_chunking(cuts: list[int]) -> None:
    """Random chunkings (single samples to 1600-sample chunks) give bit-identical EEG records
    (trend points, baseline, alerts) and skip counts to feeding the record whole."""
    assert _invariance_run(cuts) == _whole()
