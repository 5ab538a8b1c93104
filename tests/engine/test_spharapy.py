"""A real median-nerve SEP (SpharaPy, BSD-3) buried in realistic noise, recovered by averaging."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import SHARED_DATA

from ionm_tui.engine import (
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    RejectSpec,
    StreamSpec,
    TestSpec,
    design_bandpass,
    find_peak,
    zero_phase,
)

SEP_DIR = SHARED_DATA / "sep_spharapy"
FS = 2048.0  # the SpharaPy recording's rate
N20_MS = 19.3  # global field power peak of the SEP (shared/data/README.md)
BAND_HZ = (30.0, 500.0)  # a usual intraoperative cortical SSEP filter
N20 = PeakSpec("N20", -1, (16.0, 23.0))


@pytest.fixture(scope="module")
def sep() -> dict[str, np.ndarray]:
    """The two electrodes of the classic bipolar montage: the most negative at the N20 (parietal,
    over the hand area) and the most positive (its frontal P20 counterpart), -50 … 130 ms, µV."""
    if not (SEP_DIR / "eeg_256_channels_sep_data.csv").exists():
        pytest.skip(f"shared recording missing: {SEP_DIR}")
    data = np.loadtxt(SEP_DIR / "eeg_256_channels_sep_data.csv", delimiter=",").T  # (369, 256)
    labels = [s.strip() for s in (SEP_DIR / "eeg_256_channels_label.csv").read_text().split()]
    times_ms = -50.0 + np.arange(data.shape[0]) * 1000.0 / FS
    i20 = int(np.argmin(np.abs(times_ms - N20_MS)))
    neg, pos = int(np.argmin(data[i20])), int(np.argmax(data[i20]))
    return {
        "times_ms": times_ms,
        "labels": np.array([labels[neg], labels[pos]]),
        "waves": data[:, [neg, pos]],
    }


def _background(rng: np.random.Generator, n: int) -> np.ndarray:
    """One electrode's noise: EEG of 20 µV RMS with a 1/f² power spectrum above 1 Hz, a 1 µV
    white amplifier/EMG floor, and 4 µV of 50 Hz hum. With the SEP this makes a single-sweep
    SNR of about −21 dB (the pessimistic end of the −20 … 0 dB in DOMAIN.md)."""
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec[1:] /= np.maximum(f[1:], 1.0)
    spec[0] = 0.0
    eeg = np.fft.irfft(spec, n)
    eeg *= 20.0 / eeg.std()
    t = np.arange(n) / FS
    return eeg + rng.normal(0.0, 1.0, n) + 4.0 * np.sin(2 * np.pi * 50.0 * t + 0.3)


def test_n20_recovered_within_half_a_millisecond(sep: dict[str, np.ndarray]) -> None:
    """1000 sweeps at 4.7 Hz of the SEP in −21 dB noise, derived A−B, band-passed and averaged,
    give an N20 within ±0.5 ms of 19.3 ms and within 20 % of the clean waveform's amplitude.

    Across 24 noise seeds this set-up gave a worst latency error of 0.34 ms (RMS 0.15 ms).
    """
    times_ms, waves = sep["times_ms"], sep["waves"]
    a, b = (str(x) for x in sep["labels"])
    rng = np.random.default_rng(20)
    n_sweeps = 1000
    period = int(FS / 4.7)  # 435 samples: 4.708 Hz, not a sub-harmonic of 50 Hz
    n = period * (n_sweeps + 2)
    x = np.column_stack((_background(rng, n), _background(rng, n)))
    # Put the waveform on our sample grid with t = 0 exactly on the stimulus sample.
    k = np.arange(int(-50 * FS / 1000), int(130 * FS / 1000))
    tmpl = np.column_stack([np.interp(k * 1000.0 / FS, times_ms, waves[:, c]) for c in (0, 1)])
    stim = period + np.arange(n_sweeps) * period
    for s in stim:
        x[s + k] += tmpl
    ts = 1000.0 + np.arange(n) / FS
    test = TestSpec(
        id="median-l",
        marker="SSEP_UL_L",
        channels=(f"{a}-{b}",),
        window_ms=(-20.0, 80.0),
        baseline_ms=(-20.0, -2.0),
        reject=RejectSpec(peak_to_peak_uv=250.0),
        averaging=AveragingSpec("block", n_sweeps),
        peaks=(PeakSpec("P14", 1, (11.0, 16.0)), N20),
        amplitude=("N20",),
        bandpass_hz=BAND_HZ,
    )
    engine = Engine(EngineSpec(StreamSpec((a, b), FS), (test,)))
    engine.feed_markers([Marker(float(ts[s]), "SSEP_UL_L 25mA") for s in stim])
    for i in range(0, n, 64):
        engine.feed(Chunk(ts[i : i + 64], x[i : i + 64]))
    view = engine.snapshot().tests[0]
    assert view.latest is not None
    assert view.latest.sweeps == n_sweeps
    n20 = {p.name: p for p in view.latest.peaks}["N20"]
    assert abs(n20.latency_ms - N20_MS) <= 0.5
    assert not n20.at_edge
    # The clean derivation through the same filter sets the amplitude to recover.
    t_ms = k * 1000.0 / FS
    clean = zero_phase(design_bandpass(BAND_HZ, FS), (tmpl[:, 0] - tmpl[:, 1])[:, np.newaxis])[:, 0]
    clean_n20 = find_peak(clean, t_ms, N20, "clean")
    assert abs(clean_n20.latency_ms - N20_MS) <= 0.2
    np.testing.assert_allclose(n20.amplitude_uv, clean_n20.amplitude_uv, rtol=0.2)
    assert view.latest.snr > 1.0
    assert view.latest.fsp > 3.1  # response present with 99 % confidence (Elberling & Don)
