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
from typing import Literal

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
        # The layout a cut window should come in. Every sum below adds in an order that follows
        # the array's layout, so the layout is part of the result: a plain selection that is
        # blanked has always been copied to row-major before anything else touched it, so its
        # window can be cut row-major straight away (and the copy skipped); every other window
        # stays column-major, as numpy's fancy indexing of the ring has always returned it.
        c_first = self._identity and self._unit_scale and test.blank_ms is not None
        self.cut_order: Literal["F", "C"] = "C" if c_first else "F"
        cols = self.columns
        consecutive = cols.size > 0 and bool(np.all(np.diff(cols) == 1))
        self.cut_columns: NDArray[np.intp] | slice = (
            slice(int(cols[0]), int(cols[-1]) + 1) if c_first and consecutive else cols
        )
        """The columns to cut: a slice when they are consecutive (row-major cuts copy faster)."""
        self.batchable = c_first
        """Whether :meth:`process_many` can judge several windows at once (row-major cuts)."""
        self._blank = _mask_slice(self.times_ms, test.blank_ms)
        # The blanking ramp's fractions (n_blank, 1), computed once instead of per sweep.
        self._ramp = None if self._blank is None else _ramp(self._blank, self.n_times)
        self._baseline = _mask_slice(self.times_ms, test.baseline_ms)
        self._n_baseline = (
            0 if self._baseline is None else self._baseline.stop - self._baseline.start
        )
        r = test.reject
        self._saturation = r.saturation_uv
        self._ptp = r.peak_to_peak_uv
        self._flat = r.flat_uv
        self.expected_span_s = (self.n_times - 1) / fs

    def process(
        self, raw: NDArray[np.float64], *, owned: bool = False
    ) -> tuple[NDArray[np.float64] | None, str | None]:
        """Run one sweep through the pipeline.

        Args:
            raw: shape (n_times, n_inputs), the cut window of the input columns in stream units.
            owned: ``raw`` is a fresh copy nobody else holds (the engine's cuts are), so it may
                become the returned sweep instead of being copied.

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
            # Blanking writes in place: never into the caller's array. The copy is row-major
            # (ndarray.copy's default), so an owned window is used as is only when it already
            # is (cut_order "C"): the layout decides the baseline sum's order below.
            if y is raw and not (owned and raw.flags.c_contiguous):
                y = raw.copy()
            _blank_linear(y, self._blank, self._ramp)
        if self._ptp is not None or self._flat is not None:
            # Reductions along contiguous rows are ~2× faster than along axis 0 of (T, C); a
            # sweep cut from the ring is already column-major, so its transpose needs no copy.
            yt = y.T if y.flags.f_contiguous else y.T.copy()
            ptp = yt.max(axis=1) - yt.min(axis=1)
            if self._ptp is not None and ptp.max() > self._ptp:
                return None, "peak_to_peak"
            if self._flat is not None and ptp.min() < self._flat:
                return None, "flat"
        if self._baseline is not None:
            # mean(axis=0) without its Python wrapper: the same sum, divided by the same count.
            mean = np.add.reduce(y[self._baseline], axis=0)
            mean /= self._n_baseline
            # In place unless y is still the caller's (not owned) array.
            y = y - mean if y is raw and not owned else np.subtract(y, mean, out=y)
        return y, None

    def process_many(
        self, windows: NDArray[np.float64]
    ) -> list[tuple[NDArray[np.float64] | None, str | None]]:
        """:meth:`process` of several windows at once, for a :attr:`batchable` processor.

        Every step is the one :meth:`process` takes, on the same numbers in the same memory
        layout, so each sweep comes out bit for bit as it would alone (``tests/engine``
        checks it); only the numpy calls are shared, which is most of the cost of a sweep.
        Windows that fail a check go through the later steps too, harmlessly (unused).

        Args:
            windows: (n_windows, n_times, n_inputs) row-major raw windows, owned: they are
                blanked and baseline-corrected in place.

        Returns:
            Per window, as :meth:`process`: (sweep, None) or (None, reason). Each sweep is a
            row-major (n_times, n_channels) view into ``windows``.
        """
        x = windows
        b = x.shape[0]
        if b == 0:
            return []
        flat = x.reshape(b, -1)
        # max |x| is max(max x, −min x), NaN in either; two reductions, no |x| temporary.
        peak = np.maximum(flat.max(axis=1), -flat.min(axis=1)).tolist()
        # Rejected windows may hold inf and NaN; what they turn into is never used.
        with np.errstate(invalid="ignore"):
            sl = self._blank
            assert sl is not None  # batchable implies blanking
            n = x.shape[1]
            if self._ramp is None:  # the blanked span is the whole window
                x[:] = 0.0
            else:
                left = x[:, sl.start - 1] if sl.start > 0 else x[:, sl.stop]
                right = x[:, sl.stop] if sl.stop < n else left
                x[:, sl] = left[:, np.newaxis] + (right - left)[:, np.newaxis] * self._ramp
            ptp_hi = ptp_lo = [0.0] * b
            if self._ptp is not None or self._flat is not None:
                ptp = _channel_ptp(x)
                ptp_hi, ptp_lo = ptp.max(axis=1).tolist(), ptp.min(axis=1).tolist()
            if self._baseline is not None:
                mean = np.add.reduce(x[:, self._baseline], axis=1)
                mean /= self._n_baseline
                # numpy subtracts a (n_windows, 1, n_channels) broadcast several times slower
                # than an array of the full shape; repeating the means first is ~1.5× faster in
                # all (the same subtractions, so the same values).
                np.subtract(x, np.repeat(mean, n, axis=0).reshape(x.shape), out=x)
        out: list[tuple[NDArray[np.float64] | None, str | None]] = []
        for k in range(b):
            if not math.isfinite(peak[k]):
                out.append((None, "non_finite"))
            elif self._saturation is not None and peak[k] >= self._saturation:
                out.append((None, "saturation"))
            elif self._ptp is not None and ptp_hi[k] > self._ptp:
                out.append((None, "peak_to_peak"))
            elif self._flat is not None and ptp_lo[k] < self._flat:
                out.append((None, "flat"))
            else:
                out.append((x[k], None))
        return out


def _channel_ptp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Peak-to-peak of every channel of every window: (n_windows, n_times, n_channels) row-major
    in, (n_windows, n_channels) out.

    Maxima and minima are exact in any order, so instead of reducing down the short strided
    columns (slow in numpy), rows are folded 16 at a time into long contiguous ones first.
    """
    b, t, c = x.shape
    fold = 16
    m = t // fold * fold
    if m == 0:  # shorter than one fold
        return x.max(axis=1) - x.min(axis=1)
    rows = x[:, :m].reshape(b, t // fold, fold * c)
    hi = rows.max(axis=1).reshape(b, fold, c).max(axis=1)
    lo = rows.min(axis=1).reshape(b, fold, c).min(axis=1)
    if m < t:
        np.maximum(hi, x[:, m:].max(axis=1), out=hi)
        np.minimum(lo, x[:, m:].min(axis=1), out=lo)
    return hi - lo


def _ramp(sl: slice, n: int) -> NDArray[np.float64] | None:
    """The fractions (n_blank, 1) of the way from the left to the right neighbour of a blanked
    slice (None when the slice covers the whole window, which is zeroed instead)."""
    i0, i1 = sl.start, sl.stop
    if i0 == 0 and i1 >= n:
        return None
    return np.arange(1, i1 - i0 + 1, dtype=np.float64)[:, np.newaxis] / (i1 - i0 + 1)


def _blank_linear(
    y: NDArray[np.float64], sl: slice, ramp: NDArray[np.float64] | None = None
) -> None:
    """Replace y[sl] (in place) by a straight line between the samples just outside it.

    Args:
        y: (n_times, n_channels) sweep.
        sl: the blanked samples.
        ramp: ``_ramp(sl, n_times)``, if already computed.
    """
    n = y.shape[0]
    i0, i1 = sl.start, sl.stop  # i1 exclusive
    if i0 == 0 and i1 >= n:
        y[:] = 0.0
        return
    left = y[i0 - 1] if i0 > 0 else y[i1]
    right = y[i1] if i1 < n else left
    k = _ramp(sl, n) if ramp is None else ramp
    y[i0:i1] = left + (right - left) * k
