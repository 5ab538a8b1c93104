"""Free-run EMG: trains, events, artefacts, gaps and NaN, alerts, real bursts, chunk invariance."""

from __future__ import annotations

import itertools

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
    Engine,
    EngineSpec,
    FreeRunEmgSpec,
    StreamSpec,
    TrendPoint,
)
from ionm_tui.engine.emg_frames import zero_crossing_hz
from ionm_tui.engine.free_run_emg import EmgTracker

FS = 5000.0
T0 = 1000.0  # LSL seconds of the first sample
EMG_DIR = SHARED_DATA / "emg_biosppy"
BITALINO_EMG_UV = 3.3e6 / 4096 / 1000
"""µV per ADC count of the BioSPPy recordings, assuming a BITalino EMG sensor (3.3 V over 12 bits,
gain 1000): counts are offset-binary, so only the scale matters once the signal is high-passed."""
NO_EP_ALERTS = {"amplitude_drop_pct": None, "latency_rise_pct": None}


def _spec(**kw: object) -> FreeRunEmgSpec:
    return FreeRunEmgSpec(id="emg", channels=("EMG",), **kw)  # type: ignore[arg-type]


def _noise(seconds: float, seed: int = 0, fs: float = FS) -> np.ndarray:
    """(n,) 10 µV RMS white noise."""
    return np.random.default_rng(seed).normal(0.0, 10.0, round(seconds * fs))


def _add_train(x: np.ndarray, t0_s: float, t1_s: float, fs: float = FS, hz: float = 150.0) -> None:
    """Add a 300 µV sinusoidal discharge between t0_s and t1_s (in place)."""
    a, b = round(t0_s * fs), round(t1_s * fs)
    x[a:b] += 300.0 * np.sin(2 * np.pi * hz * np.arange(b - a) / fs)


def _feed(spec: FreeRunEmgSpec, x: np.ndarray, ts: np.ndarray | None = None) -> list[object]:
    """Records of an engine fed (n,) µV in 0.1 s chunks (``ts`` may carry gaps)."""
    if ts is None:
        ts = T0 + np.arange(x.shape[0]) / FS
    engine = Engine(EngineSpec(StreamSpec(("EMG",), FS), (spec,)))
    out: list[object] = []
    for i in range(0, x.shape[0], 500):
        engine.feed(Chunk(ts[i : i + 500], x[i : i + 500, np.newaxis]))
        out.extend(engine.drain_records())
    return out


def _points(records: list[object]) -> list[TrendPoint]:
    return [r for r in records if isinstance(r, TrendPoint)]


def _last(records: list[object]) -> dict[str, float]:
    """The values of the last trend point."""
    return dict(_points(records)[-1].values)


def test_sinusoidal_train_is_detected_with_its_duration() -> None:
    """A 2.0 s, 300 µV, 150 Hz discharge in 10 µV noise is one train of 2.0 ± 0.1 s, placed
    within 50 ms, and one event; the points are continuous-mode and trend train time."""
    x = _noise(8.0)
    _add_train(x, 3.0, 5.0)
    records = _feed(_spec(), x)
    v = _last(records)
    assert v["trains"] == 1.0
    assert v["longest_train_s"] == pytest.approx(2.0, abs=0.1)
    assert v["train_time_s"] == pytest.approx(2.0, abs=0.1)
    assert v["train_start_t"] == pytest.approx(T0 + 3.0, abs=0.05)
    assert v["train_stop_t"] == pytest.approx(T0 + 5.0, abs=0.05)
    assert (v["events"], v["current_train_s"]) == (1.0, 0.0)
    p = _points(records)[-1]
    assert (p.mode, p.primary, p.sweeps) == ("continuous", "train_time_s", 50.0)
    assert p.amplitude_uv == pytest.approx(10.0, rel=0.1)  # the last second is noise only


@pytest.mark.parametrize("fs", [1000.0, 2000.0, 5000.0])
@pytest.mark.parametrize("hz", [60.0, 100.0, 210.0])
def test_trains_across_the_band_and_sampling_rates(fs: float, hz: float) -> None:
    """Discharges at 60, 100 and 210 Hz are found as one 1.5 ± 0.1 s train at 1, 2 and 5 kHz,
    and the zero-crossing frequency of their frames is within 10 % of the discharge rate (at
    60 Hz and 1 kHz a frame holds 2–3 crossings, each placed to ±1 sample)."""
    x = np.random.default_rng(3).normal(0.0, 10.0, round(4.0 * fs))
    _add_train(x, 1.0, 2.5, fs=fs, hz=hz)
    tracker = EmgTracker(_spec(), StreamSpec(("EMG",), fs), history=5)
    records = tracker.feed(T0 + np.arange(x.shape[0]) / fs, x[:, np.newaxis], restart=True)
    v = _last(records)
    assert v["trains"] == 1.0
    assert v["longest_train_s"] == pytest.approx(1.5, abs=0.1)
    length = round(0.02 * fs)
    frames = x[round(1.2 * fs) : round(1.2 * fs) + 10 * length].reshape(10, length)
    rms = np.sqrt((frames**2).mean(axis=1))
    assert zero_crossing_hz(frames, rms, fs) == pytest.approx(np.full(10, hz), rel=0.1)


def test_ongoing_train_is_reported_while_it_lasts() -> None:
    """During a train, ``current_train_s`` grows by the update interval and ``train_stop_t`` is
    NaN; afterwards it returns to 0 and the stop time is set."""
    x = _noise(6.0)
    _add_train(x, 1.0, 4.0)
    pts = _points(_feed(_spec(update_s=0.5), x))
    during = [dict(p.values) for p in pts if T0 + 1.9 < p.t < T0 + 3.9]
    assert [round(v["current_train_s"], 1) for v in during] == pytest.approx(
        [1.0, 1.5, 2.0, 2.5], abs=0.1
    )
    assert all(np.isnan(v["train_stop_t"]) for v in during)
    after = dict(pts[-1].values)
    assert after["current_train_s"] == 0.0
    assert np.isfinite(after["train_stop_t"])


def test_isolated_spikes_are_events_not_trains() -> None:
    """1 ms, 800 µV spikes at 1–3 Hz are each one event (counted exactly) and never a train;
    with 30 s seen, events_per_min is the count scaled by 60/30."""
    rng = np.random.default_rng(5)
    x = _noise(30.0, seed=1)
    t, n_spikes = 0.5, 0
    while t < 29.0:
        s = round(t * FS)
        x[s : s + 5] += 800.0
        n_spikes += 1
        t += rng.uniform(1 / 3, 1.0)
    v = _last(_feed(_spec(), x))
    assert v["events"] == n_spikes
    assert v["events_per_min"] == pytest.approx(n_spikes * 60.0 / 30.0, rel=1e-9)
    assert (v["trains"], v["train_time_s"], v["artifact_s"]) == (0.0, 0.0, 0.0)


def test_event_rate_covers_the_last_minute_of_data() -> None:
    """Spikes at 2 Hz for 30 s, then quiet: the rate is 120/min after 30 s (scaled from 30 s of
    data), 60/min after 60 s (all in the last minute), and 0 once they are older than 60 s."""
    fs = 1000.0
    x = _noise(100.0, seed=6, fs=fs)
    for k in range(60):
        s = round((0.25 + 0.5 * k) * fs)
        x[s : s + 2] += 800.0
    tracker = EmgTracker(_spec(), StreamSpec(("EMG",), fs), history=200)
    pts = _points(tracker.feed(np.arange(x.shape[0]) / fs, x[:, np.newaxis], restart=True))
    rate = {round(p.t): p.value("events_per_min") for p in pts}
    assert (rate[30], rate[60], rate[95]) == (120.0, 60.0, 0.0)


def test_electrocautery_bursts_are_neither_events_nor_trains() -> None:
    """Three 1.5 s broadband bursts (2 mV RMS) are artefact: no event, no train, and their
    duration is counted in artifact_s (4.5 s within one frame per edge)."""
    rng = np.random.default_rng(2)
    x = _noise(12.0, seed=2)
    for start in (1.0, 5.0, 9.0):
        a = round(start * FS)
        x[a : a + round(1.5 * FS)] += rng.normal(0.0, 2000.0, round(1.5 * FS))
    v = _last(_feed(_spec(), x))
    assert (v["events"], v["trains"]) == (0.0, 0.0)
    assert v["artifact_s"] == pytest.approx(4.5, abs=6 * 0.02)


def test_a_data_gap_splits_a_train() -> None:
    """A 3 s train whose data has a 1 s hole in the middle is two trains of ~1.5 s, never one
    bridged over the gap."""
    x = _noise(8.0)
    _add_train(x, 2.0, 5.0)
    ts = T0 + np.arange(x.shape[0]) / FS
    ts[round(3.5 * FS) :] += 1.0
    records = _feed(_spec(), x, ts)
    v = _last(records)
    assert v["trains"] == 2.0
    assert v["longest_train_s"] == pytest.approx(1.5, abs=0.06)
    assert v["train_time_s"] == pytest.approx(3.0, abs=0.1)
    assert any(getattr(r, "kind", "") == "gap" for r in records)


def test_non_finite_runs_neither_crash_nor_count() -> None:
    """A NaN run inside a train splits it; NaN runs in quiet EMG make no event; the lost samples
    are counted in flags and every trend amplitude stays finite."""
    x = _noise(10.0)
    _add_train(x, 2.0, 5.0)
    x[round(3.4 * FS) : round(3.6 * FS)] = np.nan
    x[round(7.0 * FS) : round(7.3 * FS)] = np.nan
    x[round(8.0 * FS)] = np.inf
    tracker = EmgTracker(_spec(), StreamSpec(("EMG",), FS), history=50)
    ts = T0 + np.arange(x.shape[0]) / FS
    records = tracker.feed(ts, x[:, np.newaxis], restart=True)
    v = _last(records)
    assert (v["trains"], v["events"]) == (2.0, 2.0)  # the two halves; nothing from the NaN
    assert v["longest_train_s"] == pytest.approx(1.4, abs=0.06)  # 2.0–3.4 s and 3.6–5.0 s
    assert tracker.flags == {"non_finite_samples": 1000 + 1500 + 1}
    assert all(np.isfinite(p.amplitude_uv) for p in _points(records))
    assert dict(tracker.view().flags) == {"non_finite_samples": 2501}


def test_train_longer_than_limit_confirms_an_alert() -> None:
    """A 3 s train confirms ``current_train_s`` above 1 s at the first update after 1 s of train
    (none before), and the alert clears once the train is over."""
    crit = CriterionSpec("train_duration", "current_train_s", "above", 1.0, confirm=1)
    spec = _spec(update_s=0.2, alert=AlertSpec(**NO_EP_ALERTS, criteria=(crit,)))
    x = _noise(8.0)
    _add_train(x, 2.0, 5.0)
    alerts = [r for r in _feed(spec, x) if isinstance(r, AlertEvent)]
    states = [(a.state, round(a.t - T0, 2)) for a in alerts]
    assert [s for s, _ in states] == ["raised", "confirmed", "cleared"]
    assert 3.0 < states[1][1] <= 3.0 + 0.2 + 0.02
    assert states[2][1] > 5.0


def test_cumulative_train_time_alert_fires_on_the_third_train() -> None:
    """Three 1.5 s trains: cumulative train time above 4 s confirms during the third train only."""
    crit = CriterionSpec("train_time", "train_time_s", "above", 4.0, confirm=1)
    spec = _spec(update_s=0.2, alert=AlertSpec(**NO_EP_ALERTS, criteria=(crit,)))
    x = _noise(12.0)
    for start in (1.0, 4.5, 8.0):
        _add_train(x, start, start + 1.5)
    alerts = [r for r in _feed(spec, x) if isinstance(r, AlertEvent)]
    confirmed = [round(a.t - T0, 2) for a in alerts if a.state == "confirmed"]
    assert len(confirmed) == 1
    assert 8.0 + 1.0 < confirmed[0] <= 8.0 + 1.0 + 0.2 + 0.06
    assert all(a.t > T0 + 8.0 for a in alerts)


def test_bad_settings_are_refused() -> None:
    """A high-pass at or above Nyquist and out-of-range burst gap or crest limit raise."""
    with pytest.raises(ValueError, match="Nyquist"):
        EmgTracker(_spec(highpass_hz=600.0), StreamSpec(("EMG",), 1000.0), history=5)
    with pytest.raises(ValueError, match="burst_gap_ms"):
        _spec(burst_gap_ms=-1.0)
    with pytest.raises(ValueError, match="train_crest_max"):
        _spec(train_crest_max=0.5)
    with pytest.raises(ValueError, match="neither a stream label"):
        EmgTracker(_spec(), StreamSpec(("OTHER",), FS), history=5)


# --- real recordings ---------------------------------------------------------------------------


def _runs(mask: np.ndarray, fs: float, merge_s: float, min_s: float) -> list[tuple[float, float]]:
    """(start, stop) s of True runs, merged across gaps < merge_s, runs < min_s dropped."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    out: list[list[int]] = []
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
        if out and (a - out[-1][1]) / fs < merge_s:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a / fs, b / fs) for a, b in out if (b - a) / fs >= min_s]


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Total time (s) shared by two lists of intervals (each list non-overlapping)."""
    return sum(max(0.0, min(e, e2) - max(s, s2)) for s, e in a for s2, e2 in b)


@pytest.mark.parametrize(
    ("name", "onset_tol_s"),
    [
        # Clear contractions, rising within a frame or two.
        ("emg_1.txt", 0.1),
        # A faint recording: its contractions reach only ~2× the resting RMS and creep up from
        # 1.5× over ~0.4 s, so the 1.5× envelope crossing leads the first frame above 5×.
        ("emg.txt", 0.5),
    ],
)
def test_bursts_match_the_contraction_periods_of_real_emg(name: str, onset_tol_s: float) -> None:
    """On real surface EMG (BioSPPy, 1 kHz) the bursts found, with the event threshold at 5× the
    resting level and a 500 ms burst gap, match an independent envelope detector: every
    contraction found, ≥ 90 % of its time covered (within the reference's 100 ms smoothing),
    ≤ 5 % of the resting time falsely active, onsets within the stated tolerance; and voluntary
    contraction is never taken for a neurotonic train."""
    path = EMG_DIR / name
    if not path.exists():
        pytest.skip(f"shared recording missing: {path}")
    fs = 1000.0
    counts = np.loadtxt(path, comments="#")
    uv = counts * BITALINO_EMG_UV
    # Reference: zero-phase 20–450 Hz band-pass, centred 100 ms moving RMS, threshold 1.5× its
    # median (the resting level: contractions fill < 25 % of either recording), runs merged
    # across < 0.5 s and runs < 0.2 s dropped.
    sos = signal.butter(4, (20.0, 450.0), "bandpass", fs=fs, output="sos")
    y = signal.sosfiltfilt(sos, uv - np.median(uv))
    env = np.sqrt(np.convolve(y * y, np.ones(100) / 100, "same"))
    rest_uv = float(np.median(env))
    ref = _runs(env > 1.5 * rest_uv, fs, 0.5, 0.2)
    assert len(ref) >= 2

    spec = _spec(event_uv=5.0 * rest_uv, burst_gap_ms=500.0, update_s=0.02)
    tracker = EmgTracker(spec, StreamSpec(("EMG",), fs, BITALINO_EMG_UV), history=4)
    records = tracker.feed(np.arange(counts.shape[0]) / fs, counts[:, np.newaxis], restart=True)
    found = sorted(
        {
            (v["event_start_t"], v["event_stop_t"])
            for v in (dict(p.values) for p in _points(records))
            if np.isfinite(v["event_start_t"])
        }
    )
    assert len(found) == tracker.events

    ref_s = sum(b - a for a, b in ref)
    widened = [(a - 0.1, b + 0.1) for a, b in found]
    coverage = _overlap(ref, widened) / ref_s
    ref_widened = [(a - 0.1, b + 0.1) for a, b in ref]
    false_s = sum(b - a for a, b in found) - _overlap(ref_widened, found)
    rest_s = counts.shape[0] / fs - ref_s
    assert coverage >= 0.90, coverage
    assert false_s <= 0.05 * rest_s, (false_s, rest_s)
    assert tracker.trains == 0
    for a, b in ref:
        starts = [s for s, e in found if e > a - 0.5 and s < b]
        assert starts, f"contraction {a:.2f}–{b:.2f} s not found"
        assert abs(min(starts) - a) <= onset_tol_s, (a, min(starts))


# --- chunk invariance --------------------------------------------------------------------------


def _by_test(records: list[object]) -> dict[str | None, list[object]]:
    """Canonical records grouped per test (None: stream-wide ones), each in emission order."""
    groups: dict[str | None, list[object]] = {}
    for r in records:
        groups.setdefault(getattr(r, "test", None), []).append(canon(r))
    return groups


FS_INV = 2000.0
N_INV = round(8 * FS_INV)


def _invariance_record() -> tuple[np.ndarray, np.ndarray]:
    """8 s, 2 channels (EMG, REF) at 2 kHz: trains, spikes, a cautery burst, NaN, a data gap."""
    rng = np.random.default_rng(11)
    x = rng.normal(0.0, 5.0, (N_INV, 2))
    _add_train(x[:, 0], 1.0, 2.5, fs=FS_INV)
    _add_train(x[:, 0], 6.2, 7.4, fs=FS_INV, hz=90.0)
    for t in (3.1, 3.5, 3.8):
        x[round(t * FS_INV) : round(t * FS_INV) + 2, 0] += 900.0
    a = round(4.0 * FS_INV)
    x[a : a + round(0.4 * FS_INV), 0] += rng.normal(0.0, 2500.0, round(0.4 * FS_INV))
    x[round(5.0 * FS_INV) : round(5.1 * FS_INV), 1] = np.nan
    ts = T0 + np.arange(N_INV) / FS_INV
    ts[round(6.8 * FS_INV) :] += 0.5
    return ts, x


def _invariance_run(cuts: list[int]) -> dict[str | None, list[object]]:
    crit = CriterionSpec("train_duration", "current_train_s", "above", 0.5, confirm=1)
    spec = FreeRunEmgSpec(
        id="emg",
        channels=("EMG-REF",),
        update_s=0.5,
        alert=AlertSpec(**NO_EP_ALERTS, criteria=(crit,)),
    )
    ts, x = _invariance_record()
    engine = Engine(EngineSpec(StreamSpec(("EMG", "REF"), FS_INV), (spec,)))
    out: list[object] = []
    for a, b in itertools.pairwise(cuts):
        engine.feed(Chunk(ts[a:b], x[a:b]))
        out.extend(engine.drain_records())
    return _by_test(out)


_WHOLE: list[dict[str | None, list[object]]] = []


def _whole() -> dict[str | None, list[object]]:
    if not _WHOLE:
        _WHOLE.append(_invariance_run([0, N_INV]))
    return _WHOLE[0]


def test_invariance_record_exercises_every_path() -> None:
    """The reference run has trains, events, artefact, lost samples, a gap and a confirmed alert."""
    recs = _whole()["emg"]
    last = [r for r in recs if r[0] == "TrendPoint"][-1]
    v = dict(last[-2])
    assert v["trains"] == 3.0  # the second train is split by the gap
    assert v["events"] >= 5.0
    assert v["artifact_s"] > 0.3
    assert any(r[0] == "AlertEvent" and r[3] == "confirmed" for r in recs)
    assert any(r[0] == "QualityEvent" and r[1] == "gap" for r in _whole()[None])


@settings(max_examples=12)
@given(cuts=chunk_boundaries(N_INV))
def test_records_identical_for_any_chunking(cuts: list[int]) -> None:
    """Random chunkings (single samples to 1600-sample chunks) of a record with trains, spikes,
    cautery, NaN and a gap give bit-identical EMG records to feeding it whole."""
    assert _invariance_run(cuts) == _whole()
