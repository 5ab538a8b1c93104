"""Per-sweep processing of one test, in one documented order.

The order, for each sweep cut around a stimulus at sample ``s``:

1. **Cut** samples ``s + round(t0·fs)`` … ``s + round(t1·fs)`` **inclusive** (MNE-C's convention:
   a [-200, 500] ms window at 600.615 Hz is 421 samples), raw input channels only, in stream units.
2. **Check the raw inputs**: any non-finite sample → ``non_finite``; any |x| ≥ ``saturation_uv``
   (after scaling to µV) → ``saturation``. Saturation is a property of one electrode's amplifier,
   so it is judged before derivations can cancel it.
3. **Derive** the test's channels (label, or difference ``A-B``), in µV.
4. **Blank** the stimulus artefact: samples within ``blank_ms`` (inclusive) become a straight line
   between their neighbours, so the artefact neither triggers rejection nor enters the average.
5. **Reject** on the derived channels: peak-to-peak > ``peak_to_peak_uv`` → ``peak_to_peak``;
   peak-to-peak < ``flat_uv`` → ``flat``.
6. **Baseline**: subtract each channel's mean over ``baseline_ms`` (inclusive); none if unset.

A sweep is rejected as a whole when any of its channels fails, and the first failing check names
the reason. Derivation and baseline are linear and commute; doing rejection on derived channels
matches what the reader sees, and blanking first keeps the artefact out of the peak-to-peak test.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .channels import derivation_matrix
from .specs import StreamSpec, TestSpec

REJECT_REASONS: tuple[str, ...] = ("non_finite", "saturation", "peak_to_peak", "flat", "gap")
"""Why an accepted-window sweep was rejected; ``gap`` = the window spans a hole in the data."""


def ms_to_offset(t_ms: float, sfreq_hz: float) -> int:
    """Sample offset of a time in ms, rounded as MNE rounds window edges."""
    return round(t_ms * sfreq_hz / 1000.0)


def _mask_slice(times_ms: NDArray[np.float64], rng: tuple[float, float] | None) -> slice | None:
    if rng is None:
        return None
    eps = 1e-9
    idx = np.flatnonzero((times_ms >= rng[0] - eps) & (times_ms <= rng[1] + eps))
    if idx.size == 0:
        return None
    return slice(int(idx[0]), int(idx[-1]) + 1)


class SweepProcessor:
    """One test's compiled sweep pipeline (see the module docstring for the order).

    Args:
        test: the test spec.
        stream: the data stream it reads; channel expressions must resolve against it.

    Raises:
        ValueError: a channel is missing from the stream.
    """

    def __init__(self, test: TestSpec, stream: StreamSpec) -> None:
        fs = stream.sfreq_hz
        self.start_offset = ms_to_offset(test.window_ms[0], fs)
        self.stop_offset = ms_to_offset(test.window_ms[1], fs)
        self.n_times = self.stop_offset - self.start_offset + 1
        self.times_ms: NDArray[np.float64] = (
            np.arange(self.start_offset, self.stop_offset + 1, dtype=np.float64) * 1000.0 / fs
        )
        self.times_ms.setflags(write=False)
        self.columns, matrix = derivation_matrix(test.channels, stream.labels)
        scale = np.broadcast_to(
            np.asarray(stream.scale_to_uv, dtype=np.float64), (len(stream.labels),)
        )
        self._scale = scale[self.columns]
        self._unit_scale = bool(np.all(self._scale == 1.0))
        self._matrix = matrix
        # A pure selection (every channel a plain label) skips the matrix product.
        self._identity = matrix.shape[0] == matrix.shape[1] and np.array_equal(
            matrix, np.eye(matrix.shape[0])
        )
        self.n_channels = matrix.shape[1]
        self._blank = _mask_slice(self.times_ms, test.blank_ms)
        self._baseline = _mask_slice(self.times_ms, test.baseline_ms)
        r = test.reject
        self._saturation = r.saturation_uv
        self._ptp = r.peak_to_peak_uv
        self._flat = r.flat_uv
        self.expected_span_s = (self.n_times - 1) / fs

    def process(self, raw: NDArray[np.float64]) -> tuple[NDArray[np.float64] | None, str | None]:
        """Run one sweep through the pipeline.

        Args:
            raw: shape (n_times, n_inputs), the cut window of the input columns in stream units.

        Returns:
            (sweep (n_times, n_channels) in µV, None) when accepted, or (None, reason).
        """
        x = raw if self._unit_scale else raw * self._scale
        peak = np.abs(x).max()  # one pass for both checks; NaN/inf make it non-finite
        if not math.isfinite(peak):
            return None, "non_finite"
        if self._saturation is not None and peak >= self._saturation:
            return None, "saturation"
        y = x if self._identity else x @ self._matrix
        if self._blank is not None:
            if y is raw:
                y = raw.copy()  # blanking writes in place; never into the caller's array
            _blank_linear(y, self._blank)
        if self._ptp is not None or self._flat is not None:
            # Reductions along contiguous rows are ~2× faster than along axis 0 of (T, C).
            yt = y.T.copy()
            ptp = yt.max(axis=1) - yt.min(axis=1)
            if self._ptp is not None and ptp.max() > self._ptp:
                return None, "peak_to_peak"
            if self._flat is not None and ptp.min() < self._flat:
                return None, "flat"
        if self._baseline is not None:
            y = y - y[self._baseline].mean(axis=0)
        return y, None


def _blank_linear(y: NDArray[np.float64], sl: slice) -> None:
    """Replace y[sl] (in place) by a straight line between the samples just outside it."""
    n = y.shape[0]
    i0, i1 = sl.start, sl.stop  # i1 exclusive
    if i0 == 0 and i1 >= n:
        y[:] = 0.0
        return
    left = y[i0 - 1] if i0 > 0 else y[i1]
    right = y[i1] if i1 < n else left
    k = np.arange(1, i1 - i0 + 1, dtype=np.float64)[:, np.newaxis] / (i1 - i0 + 1)
    y[i0:i1] = left + (right - left) * k
