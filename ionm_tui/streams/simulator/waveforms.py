"""Response shapes: the real SpharaPy SEP and synthetic peaks, CMAPs, MUAPs and artefacts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline

GRID_MS = 0.01  # fine grid every template is stored on; rendering interpolates from it

Peak = tuple[float, float, float]
"""One Gaussian peak: (latency_ms, sigma_ms, amplitude_uv); negative amplitude = negative peak."""


@dataclass(frozen=True, slots=True)
class Waveform:
    """A response template on a fine grid starting at the stimulus (t = 0).

    Attributes:
        values_uv: shape (n_grid,), µV every ``GRID_MS`` ms from 0 ms.
    """

    values_uv: NDArray[np.float64]

    @property
    def end_ms(self) -> float:
        """Where the template ends (it is zero afterwards), ms after the stimulus."""
        return (self.values_uv.shape[0] - 1) * GRID_MS

    def render(
        self,
        sfreq_hz: float,
        *,
        gain: float = 1.0,
        stretch: float = 1.0,
        shift_ms: float = 0.0,
        max_n: int | None = None,
    ) -> NDArray[np.float64]:
        """Sample the template at ``sfreq_hz`` from the stimulus sample on.

        The template is evaluated at ``(t - shift_ms) / stretch``: ``stretch`` > 1 delays every
        peak in proportion to its latency (conduction slowing), ``shift_ms`` delays all alike.

        Returns:
            shape (n,) µV, n covering the (stretched, shifted) template, at most ``max_n``.
        """
        dt_ms = 1000.0 / sfreq_hz
        n = int(np.ceil((self.end_ms * stretch + max(shift_ms, 0.0)) / dt_ms)) + 1
        if max_n is not None:
            n = min(n, max_n)
        pos = (np.arange(n) * dt_ms - shift_ms) / (stretch * GRID_MS)
        idx = np.clip(pos.astype(np.int64), 0, self.values_uv.shape[0] - 2)
        frac = pos - idx
        v = self.values_uv
        out = v[idx] + (v[idx + 1] - v[idx]) * frac
        out[(pos < 0) | (pos > v.shape[0] - 1)] = 0.0
        return gain * out

    def scaled(self, factor: float) -> Waveform:
        """The same shape times ``factor``."""
        return Waveform(self.values_uv * factor)


def gaussians(peaks: Sequence[Peak], end_ms: float | None = None) -> Waveform:
    """A sum of Gaussian peaks (the synthetic SSEP, BAEP, D-wave and nerve shapes).

    Args:
        peaks: (latency_ms, sigma_ms, amplitude_uv) per peak.
        end_ms: template length; default 4 σ past the last peak.
    """
    if end_ms is None:
        end_ms = max(lat + 4.0 * sig for lat, sig, _ in peaks)
    t = np.arange(round(end_ms / GRID_MS) + 1) * GRID_MS
    y = np.zeros_like(t)
    for lat, sig, amp in peaks:
        y += amp * np.exp(-0.5 * ((t - lat) / sig) ** 2)
    return Waveform(y)


def _fade(t_ms: NDArray[np.float64], start: float, stop: float) -> NDArray[np.float64]:
    """0 before ``start``, 1 after ``stop``, a half-cosine between (start > stop fades out)."""
    x = np.clip((t_ms - start) / (stop - start), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


@cache
def spharapy_sep() -> tuple[Waveform, Waveform]:
    """The real median-nerve SEP (SpharaPy, BSD-3; see ``data/PROVENANCE.md``).

    Returns:
        (parietal, frontal): the electrode over the contralateral hand area (N20 ≈ −1.0 µV at
        19.3 ms) and its frontal counterpart (P20 ≈ +1.1 µV); their difference is the C4′–Fz
        derivation (N20 ≈ −2.1 µV). Baseline-corrected, faded in over 0–6 ms and out over 80–110 ms.
    """
    ref = resources.files(__package__).joinpath("data/spharapy_sep.npz")
    with ref.open("rb") as fh, np.load(fh) as z:
        t = np.asarray(z["times_ms"], dtype=np.float64)
        waves = [np.asarray(z[k], dtype=np.float64) for k in ("parietal_uv", "frontal_uv")]
    grid = np.arange(round(110.0 / GRID_MS) + 1) * GRID_MS
    window = _fade(grid, 0.0, 6.0) * (1.0 - _fade(grid, 80.0, 110.0))
    out = []
    for w in waves:
        w = w - w[t < -5.0].mean()  # the average-referenced recording sits on an offset
        out.append(Waveform(CubicSpline(t, w)(grid) * window))
    return out[0], out[1]


def damped_sine(onset_ms: float, freq_hz: float, tau_ms: float, amp_uv: float) -> Waveform:
    """A damped oscillation (the cochlear microphonic ringing after a click)."""
    end_ms = onset_ms + 5.0 * tau_ms
    t = np.arange(round(end_ms / GRID_MS) + 1) * GRID_MS - onset_ms
    y = np.where(
        t >= 0, np.sin(2 * np.pi * freq_hz * t / 1000.0) * np.exp(-np.maximum(t, 0) / tau_ms), 0.0
    )
    return Waveform(amp_uv * y)


def artefact(tau_ms: float) -> Waveform:
    """A unit stimulus artefact: a one-sample-wide spike at t = 0, then an opposite-sign
    exponential recovery (amplifier and electrode polarisation) with time constant ``tau_ms``."""
    t = np.arange(round(6.0 * tau_ms / GRID_MS) + 1) * GRID_MS
    y = np.where(t < 0.15, 1.0, -0.35 * np.exp(-(t - 0.15) / tau_ms))
    return Waveform(y)


# Motor-unit action potentials for spontaneous free-run EMG: short tri- and biphasic shapes of
# unit peak-to-peak, 4–8 ms long.
MUAPS: tuple[Waveform, ...] = tuple(
    w.scaled(1.0 / float(np.ptp(w.values_uv)))
    for w in (
        gaussians([(1.0, 0.35, 0.35), (2.0, 0.4, -1.0), (3.2, 0.7, 0.45)]),
        gaussians([(1.2, 0.5, -0.8), (2.6, 0.6, 0.9)]),
        gaussians([(0.9, 0.3, 0.2), (1.8, 0.35, 1.0), (2.9, 0.5, -0.7), (4.4, 0.9, 0.2)]),
    )
)


@dataclass(frozen=True, slots=True)
class CmapShape:
    """A muscle's compound action potential pattern; each trial varies around it.

    Attributes:
        latency_ms: onset latency from the stimulus, ms.
        centres_ms: (n_phases,) phase centres relative to the onset, ms.
        widths_ms: (n_phases,) phase σ, ms.
        weights: (n_phases,) signed relative phase amplitudes.
        amplitude_uv: typical peak-to-peak, µV.
    """

    latency_ms: float
    centres_ms: NDArray[np.float64]
    widths_ms: NDArray[np.float64]
    weights: NDArray[np.float64]
    amplitude_uv: float

    @classmethod
    def random(
        cls, rng: np.random.Generator, latency_ms: float, amplitude_uv: float, phases: int
    ) -> CmapShape:
        """A polyphasic pattern: ``phases`` alternating lobes of 1–3 ms σ."""
        widths = rng.uniform(0.9, 2.2, phases)
        centres = np.cumsum(np.r_[2.0, 1.6 * (widths[:-1] + widths[1:]) / 2.0])
        signs = np.where(np.arange(phases) % 2 == 0, -1.0, 1.0)
        weights = signs * rng.uniform(0.5, 1.0, phases)
        return cls(latency_ms, centres, widths, weights, amplitude_uv)

    def trial(
        self,
        rng: np.random.Generator,
        sfreq_hz: float,
        *,
        gain: float,
        jitter: float,
        latency_shift_ms: float = 0.0,
        latency_sd_ms: float = 0.5,
    ) -> NDArray[np.float64]:
        """One response, sampled at ``sfreq_hz`` from the stimulus sample on.

        Args:
            rng: trial randomness (phase amplitudes and timing, overall size).
            gain: peak-to-peak scale relative to ``amplitude_uv`` (0 gives zeros).
            jitter: spread of trial-to-trial size (log-normal σ) and of phase weights.
            latency_shift_ms: added onset delay (scripted latency change).
            latency_sd_ms: trial-to-trial onset jitter.

        Returns:
            shape (n,) µV.
        """
        n_ph = self.weights.shape[0]
        onset = self.latency_ms + latency_shift_ms + rng.normal(0.0, latency_sd_ms)
        centres = onset + self.centres_ms + rng.normal(0.0, 0.3, n_ph)
        weights = self.weights * np.exp(rng.normal(0.0, jitter * 0.6, n_ph))
        size = self.amplitude_uv * gain * float(np.exp(rng.normal(0.0, jitter)))
        end_ms = float(centres[-1] + 4.0 * self.widths_ms[-1])
        t = np.arange(int(end_ms * sfreq_hz / 1000.0) + 1) * 1000.0 / sfreq_hz
        y = (weights * np.exp(-0.5 * ((t[:, None] - centres) / self.widths_ms) ** 2)).sum(axis=1)
        ptp = float(np.ptp(y))
        return y * (size / ptp) if ptp > 0 else y
