"""Free-run EMG: spontaneous spikes, scripted bursts and neurotonic (A-) trains."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .effects import Effects
from .montage import channel_class
from .scenario import Signal
from .waveforms import MUAPS

BURST_RATE_HZ = 60.0  # motor-unit discharges per second within a scripted burst


class FreeRunEmg:
    """Adds free-running muscle activity to a frame.

    Args:
        labels: channel labels; sfreq_hz: rate; signal: spontaneous spike rate and size.
    """

    def __init__(self, labels: tuple[str, ...], sfreq_hz: float, signal: Signal) -> None:
        self._fs = sfreq_hz
        self._muscles = np.array([i for i, x in enumerate(labels) if channel_class(x) == "muscle"])
        self._rate = signal.emg_spike_rate_hz
        self._spike_uv = signal.emg_spike_uv
        self._muaps = [m.render(sfreq_hz) for m in MUAPS]

    def _muap(self, acc: NDArray[np.float64], row: int, col: int, kind: int, size: float) -> None:
        y = self._muaps[kind]
        m = min(y.shape[0], acc.shape[0] - row)
        acc[row : row + m, col] += size * y[:m]

    def spikes(
        self, acc: NDArray[np.float64], n: int, rng: np.random.Generator, scale: float
    ) -> None:
        """Spontaneous single spikes (Poisson, ``emg_spike_rate_hz`` per muscle) into ``acc``.

        Args:
            acc: overlap-add buffer whose first ``n`` rows are this frame, µV.
            n: frame length; rng: this frame's randomness; scale: blockade factor.
        """
        if not self._muscles.size or self._rate <= 0:
            return
        counts = rng.poisson(self._rate * n / self._fs, self._muscles.size)
        for col, k in zip(self._muscles, counts, strict=True):
            for _ in range(int(k)):
                row = int(rng.integers(0, n))
                size = self._spike_uv * scale * rng.uniform(0.6, 1.4) * rng.choice((-1.0, 1.0))
                self._muap(acc, row, int(col), int(rng.integers(len(self._muaps))), size)

    def bursts(
        self,
        acc: NDArray[np.float64],
        start: int,
        n: int,
        rng: np.random.Generator,
        effects: Effects,
        scale: float,
    ) -> None:
        """Scripted ``emg_burst`` events: irregular MUAP discharges of ``amplitude_uv``."""
        for iv in effects.active("emg_burst", start, start + n):
            lo, hi = max(iv.start, start) - start, min(iv.stop, start + n) - start
            amp = float(iv.event.params["amplitude_uv"]) * scale
            for col in iv.channels:
                for _ in range(int(rng.poisson(BURST_RATE_HZ * (hi - lo) / self._fs))):
                    row = int(rng.integers(lo, hi))
                    size = amp * rng.uniform(0.5, 1.5) * rng.choice((-1.0, 1.0))
                    self._muap(acc, row, col, int(rng.integers(len(self._muaps))), size)

    def trains(self, x: NDArray[np.float64], start: int, effects: Effects, scale: float) -> None:
        """Scripted neurotonic (A-) trains: sinusoidal high-frequency discharges, added to ``x``.

        A pure function of the sample index (no state), with a 30 ms rise, 50 ms fall, slow
        amplitude waxing and ±4 % frequency wander, as in Prell 2006's A-trains.
        """
        n = x.shape[0]
        for iv in effects.active("neurotonic_train", start, start + n):
            lo, hi = max(iv.start, start), min(iv.stop, start + n)
            t = (np.arange(lo, hi) - iv.start) / self._fs
            dur = (iv.stop - iv.start) / self._fs
            f0 = float(iv.event.params["frequency_hz"])
            fm = 0.8  # Hz, frequency wander rate
            phase = (
                2 * math.pi * f0 * (t - 0.04 / (2 * math.pi * fm) * np.cos(2 * math.pi * fm * t))
            )
            env = np.minimum(1.0, np.minimum(t / 0.03, (dur - t) / 0.05).clip(0.0))
            env *= 1.0 + 0.25 * np.sin(2 * math.pi * 1.3 * t)
            wave = (0.85 * np.sin(phase) + 0.15 * np.sin(2 * phase)) * env
            amp = float(iv.event.params["amplitude_uv"]) * scale
            for col in iv.channels:
                x[lo - start : hi - start, col] += amp * wave
