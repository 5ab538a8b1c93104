"""Quantitative EEG of one window: Welch band powers, spectral edge, burst suppression."""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .modality_specs import EEG_BANDS_HZ

TOTAL_BAND_HZ = (1.0, 30.0)
"""The band of ``total_uv2`` and of the spectral edge (the union of ``EEG_BANDS_HZ``)."""


@functools.lru_cache(maxsize=8)
def _hann(n: int) -> NDArray[np.float64]:
    """The periodic Hann window scipy's ``welch`` uses (read-only, cached)."""
    w = signal.get_window("hann", n)
    w.setflags(write=False)
    return w


def welch_psd(
    x: NDArray[np.float64], fs: float, nperseg: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Welch power spectral density: Hann segments of ``nperseg`` samples, 50 % overlap, each
    segment's mean removed, one-sided, density scaling — ``scipy.signal.welch`` with those
    settings (to rounding, tests/engine/test_eeg.py), written out because scipy's spends ~1 ms
    per call on its general machinery, most of an EEG update's cost.

    Args:
        x: (n_times, n_channels) µV, n_times ≥ nperseg.
        fs: sampling rate, Hz.
        nperseg: segment length.

    Returns:
        freqs (n_freqs,) Hz and psd (n_freqs, n_channels) µV²/Hz.
    """
    win = _hann(nperseg)
    step = nperseg - nperseg // 2
    segs = np.lib.stride_tricks.sliding_window_view(x, nperseg, axis=0)[::step]
    segs = segs - segs.mean(axis=-1, keepdims=True)  # (n_segments, n_channels, nperseg)
    spec = np.fft.rfft(segs * win, axis=-1)
    p = (spec.real**2 + spec.imag**2).mean(axis=0) / (fs * float(win @ win))
    # One-sided: every bin but DC (and Nyquist, for even lengths) holds both signs' power.
    p[:, 1 : None if nperseg % 2 else -1] *= 2.0
    return np.fft.rfftfreq(nperseg, 1.0 / fs), p.T


def band_power(
    freqs: NDArray[np.float64], psd: NDArray[np.float64], band: tuple[float, float]
) -> NDArray[np.float64]:
    """Power in ``[lo, hi)`` Hz: the sum of the PSD over the bins whose centre lies in the band,
    times the bin width. Returns (n_channels,) µV²."""
    df = float(freqs[1] - freqs[0])
    sel = (freqs >= band[0]) & (freqs < band[1])
    return psd[sel].sum(axis=0) * df


def spectral_edge(
    freqs: NDArray[np.float64],
    psd: NDArray[np.float64],
    band: tuple[float, float] = TOTAL_BAND_HZ,
    edge: float = 0.95,
) -> float:
    """The frequency below which ``edge`` of the power in ``band`` lies (SEF95 by default).

    Each bin's power is taken as spread evenly over ±df/2 around its centre and the cumulative
    power is interpolated linearly between bin edges, so the result is not tied to the bin grid.

    Args:
        freqs: (n_freqs,) bin centres, Hz.
        psd: (n_freqs,) one channel's PSD.
        band: [lo, hi) Hz, bins selected by centre.
        edge: the fraction (0–1).

    Returns:
        Hz, or NaN when the band holds no power.
    """
    df = float(freqs[1] - freqs[0])
    sel = (freqs >= band[0]) & (freqs < band[1])
    p = psd[sel]
    total = float(p.sum())
    if not total > 0:
        return math.nan
    cum = np.concatenate(([0.0], np.cumsum(p) / total))
    edges = np.concatenate(([freqs[sel][0] - df / 2], freqs[sel] + df / 2))
    return float(np.interp(edge, cum, edges))


def suppression_pct(x: NDArray[np.float64], fs: float, limit_uv: float, min_s: float) -> float:
    """Burst-suppression ratio: % of the window inside suppressions.

    A suppression is a run of at least ``min_s`` in which every |x| < ``limit_uv``.

    Args:
        x: (n_times,) one channel, µV, zero-mean (high-passed).
        fs: sampling rate, Hz.
        limit_uv: amplitude limit, µV.
        min_s: shortest suppression, s.
    """
    quiet = np.abs(x) < limit_uv
    d = np.diff(np.concatenate(([0], quiet.view(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    lengths = np.flatnonzero(d == -1) - starts
    min_n = max(1, math.ceil(min_s * fs - 1e-9))
    return 100.0 * float(lengths[lengths >= min_n].sum()) / x.shape[0]


def asymmetry_pct(p: float, p_other: float) -> float:
    """100·(P − P_other)/(P + P_other); NaN when both are zero."""
    s = p + p_other
    return 100.0 * (p - p_other) / s if s > 0 else math.nan


def eeg_measures(
    window_uv: NDArray[np.float64],
    fs: float,
    *,
    suppression_uv: float,
    suppression_min_s: float,
) -> tuple[tuple[str, float], ...]:
    """Every EEG measure of one window (the trend point's ``values``).

    Args:
        window_uv: (n_times, 1 or 2) the channel, and its homologue when asymmetry is wanted.
        fs: sampling rate of the window, Hz.
        suppression_uv, suppression_min_s: as in ``EegSpec``.

    Returns:
        (name, value) pairs: ``delta_uv2`` … ``beta_uv2``, ``total_uv2``, ``relative_alpha``,
        ``alpha_delta_ratio``, ``sef95_hz``, ``bsr_pct`` and, with two columns,
        ``asymmetry_pct`` (of total power).
    """
    n = window_uv.shape[0]
    nperseg = min(n, round(2.0 * fs))
    freqs, psd = welch_psd(window_uv, fs, nperseg)
    bands = {name: band_power(freqs, psd, rng) for name, rng in EEG_BANDS_HZ.items()}
    total = band_power(freqs, psd, TOTAL_BAND_HZ)
    t0 = float(total[0])
    alpha, delta = float(bands["alpha"][0]), float(bands["delta"][0])
    values = [(f"{name}_uv2", float(p[0])) for name, p in bands.items()]
    values += [
        ("total_uv2", t0),
        ("relative_alpha", alpha / t0 if t0 > 0 else math.nan),
        ("alpha_delta_ratio", alpha / delta if delta > 0 else math.nan),
        ("sef95_hz", spectral_edge(freqs, psd[:, 0])),
        (
            "bsr_pct",
            suppression_pct(window_uv[:, 0], fs, suppression_uv, suppression_min_s),
        ),
    ]
    if window_uv.shape[1] > 1:
        values.append(("asymmetry_pct", asymmetry_pct(t0, float(total[1]))))
    return tuple(values)
