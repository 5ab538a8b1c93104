"""Background signals: EEG rhythms on a 1/f² floor, amplifier noise and mains hum."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

from .montage import channel_class
from .scenario import Signal

SLOW_HZ = 500.0  # EEG is synthesised at this rate and interpolated up (it has nothing above ~40 Hz)
BANDS = ("background", "delta", "alpha", "beta")
# Share of the scalp EEG variance per band at baseline (an anaesthetised, frontal-alpha pattern).
BAND_VARIANCE = (0.55, 0.08, 0.28, 0.09)
# Relative size of the slow background on non-scalp electrodes (ECG/EEG pick-up).
CLASS_BACKGROUND = {
    "scalp": 1.0,
    "spinal": 0.2,
    "peripheral": 0.08,
    "epidural": 0.1,
    "muscle": 0.05,
}
FRONTAL = ("Fz", "FPz", "F3", "F4")
POSTERIOR = ("P3", "P4", "O1", "O2")
COMMON_SHARE = 0.4  # variance every scalp channel shares (so bipolar derivations are smaller)
BLOCK_FRAMES = 10  # frames of EEG filtered per call: scipy's per-call overhead dominates otherwise


def _band_sos() -> list[NDArray[np.float64]]:
    """Shaping filters at SLOW_HZ, one per band, normalised to unit output variance."""
    a = math.exp(-2 * math.pi * 1.0 / SLOW_HZ)  # leaky integrator: 1/f² above 1 Hz
    out = [np.array([[1.0, 0.0, 0.0, 1.0, -a, 0.0]])]
    for lo, hi in ((1.0, 4.0), (8.0, 12.0), (13.0, 30.0)):
        # Order 4: rhythms stay in their band (little beta leaks into the 30+ Hz SSEP band).
        out.append(np.asarray(sps.butter(4, (lo, hi), btype="bandpass", fs=SLOW_HZ, output="sos")))
    impulse = np.zeros(int(60 * SLOW_HZ))
    impulse[0] = 1.0
    for sos in out:
        sos[0, :3] /= math.sqrt(float(np.sum(sps.sosfilt(sos, impulse) ** 2)))
    return out


class Background:
    """Per-channel EEG/biological background plus white noise, frame by frame.

    Args:
        labels: channel labels; sfreq_hz: output rate (a multiple of SLOW_HZ).
        frame_n: samples per frame (a multiple of sfreq_hz / SLOW_HZ); signal: levels.
        rng: draws fixed per-channel gains.
        seed: seeds the EEG of each block of ``BLOCK_FRAMES`` frames (with the block index).
    """

    def __init__(
        self,
        labels: tuple[str, ...],
        sfreq_hz: float,
        frame_n: int,
        signal: Signal,
        rng: np.random.Generator,
        seed: int,
    ) -> None:
        self._ratio = round(sfreq_hz / SLOW_HZ)
        self._seed = seed
        self._block = -1
        self._bands = np.zeros((4, 0, len(labels) + 1))
        if self._ratio * SLOW_HZ != sfreq_hz or frame_n % self._ratio:
            raise ValueError(f"sfreq_hz must be a multiple of {SLOW_HZ:g} Hz; got {sfreq_hz}")
        n = len(labels)
        self._m = frame_n // self._ratio
        self._sos = _band_sos()
        self._zi = [np.zeros((s.shape[0], 2, n + 1)) for s in self._sos]
        classes = [channel_class(x) for x in labels]
        scalp = np.array([c == "scalp" for c in classes])
        base = np.zeros((4, n))
        base[0] = [CLASS_BACKGROUND[c] for c in classes]
        base[1:, scalp] = 1.0
        alpha = np.array([1.0 if x in FRONTAL else 0.5 if x in POSTERIOR else 0.75 for x in labels])
        base[2] *= alpha
        base *= np.sqrt(np.asarray(BAND_VARIANCE))[:, None] * signal.eeg_uv
        self._gain = base * np.exp(rng.normal(0.0, 0.15, n))  # electrodes differ a little
        hf = np.where(scalp, signal.scalp_hf_uv, 0.0)
        hf += np.where(np.array(classes) == "muscle", signal.emg_floor_uv, 0.0)
        hf += np.where(np.isin(classes, ("spinal", "peripheral")), 1.5, 0.0)
        self.white_sd = np.sqrt(hf**2 + signal.white_uv**2)
        self._prev = np.zeros(n)
        r = self._ratio
        self._frac = (np.arange(r) / r)[None, :, None]

    def _filtered(self, frame: int) -> NDArray[np.float64]:
        """(4, m, n_channels + 1) unit-variance band signals of one frame (its block's slice)."""
        block, k = divmod(frame, BLOCK_FRAMES)
        if block != self._block:
            # Blocks follow one another (the simulator renders frames in order); a first block
            # entered mid-way simply starts from rest, which the simulator's warm-up absorbs.
            rng = np.random.default_rng([self._seed, block, 1])
            w = rng.standard_normal((4, self._m * BLOCK_FRAMES, self._prev.shape[0] + 1))
            for b, sos in enumerate(self._sos):
                w[b], self._zi[b] = sps.sosfilt(sos, w[b], axis=0, zi=self._zi[b])
            self._bands, self._block = w, block
        return self._bands[:, k * self._m : (k + 1) * self._m]

    def frame(
        self, frame: int, rng: np.random.Generator, band_gain: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Background of frame number ``frame`` (frames must come in order), µV.

        Args:
            frame: frame index; rng: this frame's randomness (the white noise).
            band_gain: (4, n_channels) scripted multipliers of the bands.

        Returns:
            shape (frame_n, n_channels).
        """
        n = self._prev.shape[0]
        y = self._filtered(frame)
        g = self._gain * band_gain
        local, common = math.sqrt(1 - COMMON_SHARE), math.sqrt(COMMON_SHARE)
        slow = np.einsum("bmc,bc->mc", local * y[:, :, :n] + common * y[:, :, n:], g)
        # Linear interpolation up to the output rate, one slow sample late (no look-ahead).
        buf = np.vstack((self._prev[None, :], slow))
        up = buf[:-1, None, :] + (buf[1:] - buf[:-1])[:, None, :] * self._frac
        self._prev = slow[-1]
        out = up.reshape(self._m * self._ratio, n)
        out += rng.standard_normal(out.shape) * self.white_sd
        return out


class Mains:
    """Mains hum (fundamental and 3rd harmonic) with a fixed amplitude and phase per channel.

    Args:
        n_channels: channels; sfreq_hz: rate; mains_hz: 50 or 60; amplitude_uv: typical peak.
        rng: draws the per-channel amplitudes (×0.5–2) and phases.
    """

    def __init__(
        self,
        n_channels: int,
        sfreq_hz: float,
        mains_hz: float,
        amplitude_uv: float,
        rng: np.random.Generator,
    ) -> None:
        amp = amplitude_uv * np.exp(rng.uniform(np.log(0.5), np.log(2.0), n_channels))
        phase = rng.uniform(0, 2 * np.pi, (2, n_channels))
        # sin(ωn + φ) = sin(ωn)·cos φ + cos(ωn)·sin φ: two vectors per harmonic, then one matmul.
        self._coef = np.vstack(
            [
                amp * np.cos(phase[0]),
                amp * np.sin(phase[0]),
                0.2 * amp * np.cos(phase[1]),
                0.2 * amp * np.sin(phase[1]),
            ]
        )
        self._w = 2 * np.pi * mains_hz / sfreq_hz

    def frame(self, start: int, n: int) -> NDArray[np.float64]:
        """(n, n_channels) hum for absolute samples [start, start + n)."""
        k = np.arange(start, start + n, dtype=np.float64)
        # Reduce the phase modulo 2π exactly per sample index so long runs stay precise.
        a1 = (k * self._w) % (2 * np.pi)
        a3 = (3.0 * a1) % (2 * np.pi)
        basis = np.column_stack((np.sin(a1), np.cos(a1), np.sin(a3), np.cos(a3)))
        return basis @ self._coef
