"""Technical artefacts: electrocautery, disconnected electrodes and amplifier saturation."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .effects import Effects


class Artefacts:
    """Applies the scripted technical events to a finished frame.

    Args:
        n_channels: channels; sfreq_hz: rate; mains_hz: hum a loose electrode picks up.
        range_uv: amplifier range (saturation); rng: per-channel cautery coupling.
    """

    def __init__(
        self,
        n_channels: int,
        sfreq_hz: float,
        mains_hz: float,
        range_uv: float,
        rng: np.random.Generator,
    ) -> None:
        self._fs = sfreq_hz
        self._mains = mains_hz
        self._range = range_uv
        self._coupling = np.exp(rng.normal(0.0, 0.4, n_channels))

    def apply(
        self, x: NDArray[np.float64], start: int, rng: np.random.Generator, effects: Effects
    ) -> None:
        """Cautery, electrode-off and clipping, in place on (n, n_channels) µV from ``start``."""
        n = x.shape[0]
        for iv in effects.active("cautery", start, start + n):
            lo, hi = max(iv.start, start), min(iv.stop, start + n)
            t = (np.arange(lo, hi) - iv.start) / self._fs
            dur = (iv.stop - iv.start) / self._fs
            # Pedal on and off: 50 ms edges, with the coagulation current's irregular waxing.
            env = np.minimum(1.0, np.minimum(t / 0.05, (dur - t) / 0.05).clip(0.0))
            env *= 0.65 + 0.35 * np.abs(np.sin(2 * math.pi * 2.7 * t))
            amp = float(iv.event.params["amplitude_uv"])
            noise = rng.standard_normal((hi - lo, x.shape[1])) * self._coupling
            x[lo - start : hi - start] += (amp * env)[:, None] * noise
        for iv in effects.active("electrode_off", start, start + n):
            lo, hi = max(iv.start, start) - start, min(iv.stop, start + n) - start
            cols = list(iv.channels)
            if iv.event.params["mode"] == "flat":
                # A shorted or unplugged input: only a trace of amplifier noise remains.
                x[lo:hi, cols] = rng.standard_normal((hi - lo, len(cols))) * 0.1
            else:
                # A dangling high-impedance lead: big hum and noise, no physiology.
                k = np.arange(start + lo, start + hi, dtype=np.float64)
                hum = 400.0 * np.sin((k * 2 * math.pi * self._mains / self._fs) % (2 * math.pi))
                x[lo:hi, cols] = hum[:, None] + rng.standard_normal((hi - lo, len(cols))) * 30.0
        np.clip(x, -self._range, self._range, out=x)
