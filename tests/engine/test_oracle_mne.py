"""Our averages against MNE-C's on a real recording (MNE-Python's test data, BSD-3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ionm_tui.engine import (
    AverageRecord,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    StreamSpec,
    TestSpec,
    find_rising_edges,
)

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "mne_sample" / "mne_eeg_oracle.npz"
TOL_V = 1e-10  # MNE's own test tolerance on EEG; the fixture stores the oracle in float64 volts


@pytest.fixture(scope="module")
def mne() -> dict[str, np.ndarray]:
    """The converted fixture (see tests/data/mne_sample/PROVENANCE.md)."""
    with np.load(FIXTURE) as z:
        return {k: z[k] for k in z.files}


def _spec(mne: dict[str, np.ndarray], *, stim: bool) -> EngineSpec:
    names = tuple(str(n) for n in mne["eeg_names"])
    labels = (*names, "STI 014") if stim else names
    scale = tuple([1e6] * len(names) + ([1.0] if stim else []))  # volts → µV; stim codes as is
    tests = tuple(
        TestSpec(
            id=f"code{code}",
            marker=str(code),
            channels=names,
            # -200 … 500 ms at 600.615 Hz rounds to samples -120 … +300, inclusive: 421 samples.
            window_ms=(-200.0, 500.0),
            averaging=AveragingSpec("block", int(nave)),
        )
        for code, nave in zip(mne["oracle_codes"], mne["oracle_nave"], strict=True)
    )
    return EngineSpec(
        StreamSpec(labels, float(mne["sfreq_hz"]), scale, "STI 014" if stim else None), tests
    )


def _data(mne: dict[str, np.ndarray], *, stim: bool) -> tuple[np.ndarray, np.ndarray]:
    volts = mne["eeg_int"].astype(np.float64) * mne["eeg_scale_v"]
    n = volts.shape[0]
    ts = (int(mne["first_samp"]) + np.arange(n)) / float(mne["sfreq_hz"])
    if stim:
        volts = np.column_stack((volts, mne["stim"].astype(np.float64)))
    return ts, volts


def _averages(engine: Engine) -> dict[str, np.ndarray]:
    return {
        r.test: r.values_uv * 1e-6 for r in engine.drain_records() if isinstance(r, AverageRecord)
    }


def _assert_matches_oracle(mne: dict[str, np.ndarray], avgs: dict[str, np.ndarray]) -> None:
    assert sorted(avgs) == ["code1", "code2", "code3", "code4"]
    for k, code in enumerate(mne["oracle_codes"]):
        ours = avgs[f"code{code}"]
        oracle = mne["oracle_eeg_v"][k]
        assert ours.shape == oracle.shape == (421, 60)
        # The oracle has an average EEG reference applied; bipolar differences cancel it.
        diff_ours = ours[:, 1:] - ours[:, :1]
        diff_oracle = oracle[:, 1:] - oracle[:, :1]
        np.testing.assert_allclose(diff_ours, diff_oracle, rtol=0, atol=TOL_V)


def test_fixture_events_match_mne_event_list(mne: dict[str, np.ndarray]) -> None:
    """Rising edges of STI 014 are exactly the events MNE-C listed in test-eve.fif."""
    edges = find_rising_edges(mne["stim"])
    np.testing.assert_array_equal(edges[:, 0] + int(mne["first_samp"]), mne["events"][:, 0])
    np.testing.assert_array_equal(edges[:, 1], mne["events"][:, 2])


@pytest.mark.parametrize("chunk", [14400, 1000, 37, 1])
def test_stim_channel_averages_equal_mne_c(mne: dict[str, np.ndarray], chunk: int) -> None:
    """Stim-channel triggers give codes 1–4 averages of 7/8/7/6 sweeps, MNE-C's within 1e-10 V."""
    engine = Engine(_spec(mne, stim=True))
    ts, x = _data(mne, stim=True)
    for i in range(0, ts.shape[0], chunk):
        engine.feed(Chunk(ts[i : i + chunk], x[i : i + chunk]))
    views = {v.spec.id: v for v in engine.snapshot().tests}
    assert [views[f"code{c}"].accepted for c in (1, 2, 3, 4)] == [7, 8, 7, 6]
    # Codes 5 and 32 select no test: counted, never an error.
    assert engine.snapshot().quality.unknown_markers == 2
    _assert_matches_oracle(mne, _averages(engine))


@pytest.mark.parametrize("lead", [True, False], ids=["markers-first", "markers-late"])
def test_marker_averages_equal_mne_c(mne: dict[str, np.ndarray], lead: bool) -> None:
    """Markers at the events' times give the same averages, arriving before or after the data."""
    engine = Engine(_spec(mne, stim=False))
    ts, x = _data(mne, stim=False)
    events = mne["events"]
    t_events = events[:, 0] / float(mne["sfreq_hz"])
    markers = [Marker(float(t), str(code)) for t, code in zip(t_events, events[:, 2], strict=True)]
    if lead:
        engine.feed_markers(markers)
    chunk = 500
    starts = list(range(0, ts.shape[0], chunk))
    # Index of the chunk holding each marker's sample; late markers come one chunk after it.
    holder = (
        np.searchsorted(np.asarray(starts), events[:, 0] - int(mne["first_samp"]), side="right") - 1
    )
    for k, i in enumerate(starts):
        engine.feed(Chunk(ts[i : i + chunk], x[i : i + chunk]))
        if not lead:
            engine.feed_markers([m for m, h in zip(markers, holder, strict=True) if h == k - 1])
    if not lead:
        engine.feed_markers(
            [m for m, h in zip(markers, holder, strict=True) if h == len(starts) - 1]
        )
    _assert_matches_oracle(mne, _averages(engine))
