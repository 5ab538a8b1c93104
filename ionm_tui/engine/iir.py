"""Causal IIR filtering of a continuous stream in pieces, state carried between them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import signal

try:
    # The compiled kernel behind ``scipy.signal.sosfilt``. The public function spends ~50 µs per
    # call on argument handling (array-API dispatch, moveaxis, copies) — more than the whole
    # per-chunk budget of a continuous tracker fed 10 ms chunks — while the kernel takes ~2 µs.
    # Both give bit-identical output (tests/engine/test_iir.py); without it we fall back.
    from scipy.signal._sosfilt import _sosfilt as _kernel
except ImportError:  # pragma: no cover - a SciPy that moved its private kernel
    _kernel = None


class SosFilter:
    """A second-order-sections filter over several channels, fed piece by piece.

    Feeding a signal in any split gives bit-identical output to feeding it whole. ``restart``
    starts the state anew as if the signal had been at its first value forever (the steady
    state for a constant input, ``sosfilt_zi × x0``), so a DC offset causes no transient.

    Args:
        sos: (n_sections, 6) second-order sections.
        n_channels: channels filtered side by side.
    """

    def __init__(self, sos: NDArray[np.float64], n_channels: int) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=np.float64)
        self._zi_unit = signal.sosfilt_zi(self.sos)  # (n_sections, 2)
        # Kernel layout: one row per channel, (n_channels, n_sections, 2).
        self._zi = np.zeros((n_channels, self.sos.shape[0], 2))

    def restart(self, x0: NDArray[np.float64]) -> None:
        """Set the state to the steady state for a constant input ``x0`` (n_channels,)."""
        self._zi = np.ascontiguousarray(x0[:, np.newaxis, np.newaxis] * self._zi_unit)

    def __call__(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Filter the next piece.

        Args:
            x: (n_times, n_channels) finite samples.

        Returns:
            (n_times, n_channels) filtered samples (a new array).
        """
        if _kernel is not None:
            y = np.array(x.T, dtype=np.float64, order="C")  # a copy: the kernel works in place
            _kernel(self.sos, y, self._zi)
            return y.T
        y, zf = signal.sosfilt(self.sos, x, axis=0, zi=self._zi.transpose(1, 2, 0))
        self._zi = np.ascontiguousarray(zf.transpose(2, 0, 1))
        return y
