"""Streaming clock synchronisation and dejitter of XDF timestamps, matching pyxdf 1.17."""

# The clock-offset maths (robust Huber fit, clock-reset detection, the pylsl#67 check) copies
# pyxdf's numpy operations one for one, so synchronised timestamps come out bit-identical;
# pyxdf is BSD-2-Clause (Christian Kothe, Chadwick Boulay, Tristan Stenner, Clemens Brunner).
# What differs is only *when* the work happens: here one block of samples at a time.

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

WINSOR_THRESHOLD = 0.0001  # s; pyxdf's default: offsets further than this are fitted robustly.
RESET_THRESHOLD_STDS = 5.0
RESET_THRESHOLD_SECONDS = 5.0
RESET_THRESHOLD_OFFSET_STDS = 10.0
RESET_THRESHOLD_OFFSET_SECONDS = 1.0
JITTER_BREAK_SECONDS = 1.0
JITTER_BREAK_SAMPLES = 500


def robust_fit(a: NDArray[np.float64], y: NDArray[np.float64], iters: int = 1000) -> NDArray:
    """Huber-loss linear regression by ADMM (pyxdf's ``_robust_fit``, rho = 1).

    Args:
        a: design matrix, shape (n, 2): a column of ones and the regressor.
        y: targets, shape (n,).
        iters: ADMM iterations.

    Returns:
        Coefficients, shape (2,): intercept, slope.
    """
    a = np.copy(a)
    offset = np.min(a[:, 1])
    a[:, 1] -= offset
    aty = np.dot(a.T, y)
    lower = np.linalg.cholesky(np.dot(a.T, a))
    upper = lower.T
    z = np.zeros_like(y)
    u = z
    x = z
    for _ in range(iters):
        x = np.linalg.solve(upper, np.linalg.solve(lower, aty + np.dot(a.T, z - u)))
        d = np.dot(a, x) - y + u
        d_inv = np.zeros_like(d)
        np.divide(1, d, out=d_inv, where=d != 0)
        tmp = np.maximum(0, (1 - 2 * np.abs(d_inv)))
        z = 0.5 * d + 0.5 * tmp * d
        u = d - z
    x[0] -= x[1] * offset
    return x


def _glitches(diff: NDArray[np.float64], thresh_stds: float, thresh_secs: float) -> NDArray:
    shifted = diff - np.median(diff)
    mad = np.median(np.abs(shifted)) + np.finfo(float).eps
    return (np.abs(shifted / mad) > thresh_stds) & (np.abs(shifted) > thresh_secs)


def _segments(breaks: NDArray[np.bool_]) -> list[tuple[int, int]]:
    at = np.where(breaks)[0]
    starts = np.hstack(([0], at + 1))
    ends = np.hstack((at, len(breaks)))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def clock_ranges(times: Sequence[float], values: Sequence[float]) -> list[tuple[int, int]]:
    """Split clock offsets at detected clock resets (inclusive index ranges), as pyxdf does."""
    time_diff = np.diff(times)
    value_diff = np.diff(values)
    resets = (time_diff < 0) | (
        _glitches(time_diff, RESET_THRESHOLD_STDS, RESET_THRESHOLD_SECONDS)
        & _glitches(value_diff, RESET_THRESHOLD_OFFSET_STDS, RESET_THRESHOLD_OFFSET_SECONDS)
    )
    return _segments(resets)


def last_offset_anomalous(times: Sequence[float], values: Sequence[float]) -> bool:
    """True if the last clock offset looks like the pylsl#67 garbage entry (pyxdf's test)."""
    t = np.asarray(times)
    v = np.asarray(values)
    if len(t) < 3:
        return False
    intervals = np.diff(t)
    median_interval = np.median(intervals[:-1])
    last = np.abs(intervals[-1])
    ratio = last / median_interval if median_interval > 0 else (np.inf if last > 0 else 1.0)
    median_val = np.median(v[:-1])
    mad = np.median(np.abs(v[:-1] - median_val))
    z = np.abs(v[-1] - median_val) / (1.4826 * mad) if mad > np.finfo(float).eps else 0.0
    return bool(ratio > 10.0 or z > 10.0)


class ClockCorrector:
    """Adds the fitted clock offset to raw timestamps, one block at a time, in stream order.

    Args:
        times: clock-offset collection times (s, the recorder's clock), in file order.
        values: the measured offsets (s), same length, at least one.
        handle_resets: split the offsets at detected clock resets, as pyxdf does by default.
    """

    def __init__(self, times: Sequence[float], values: Sequence[float], handle_resets: bool):
        ranges = clock_ranges(times, values) if handle_resets and len(times) > 1 else None
        ranges = ranges or [(0, len(times) - 1)]
        self._coefs: list[tuple[float, float]] = []
        for lo, hi in ranges:
            if lo == hi:
                self._coefs.append((values[lo], 0.0))
                continue
            a = np.column_stack(
                [np.ones(hi + 1 - lo), np.array(times[lo : hi + 1]) / WINSOR_THRESHOLD]
            )
            y = np.array(values[lo : hi + 1]) / WINSOR_THRESHOLD
            try:
                coefs = robust_fit(a, y)
                coefs[0] *= WINSOR_THRESHOLD
                self._coefs.append((coefs[0], coefs[1]))
            except np.linalg.LinAlgError:
                self._coefs.append((0.0, 0.0))
        # A sample belongs to range r until it is closer to range r+1's first offset time.
        self._bounds = [
            (times[hi], times[hi + 1] if hi + 1 < len(times) else None) for _, hi in ranges
        ]
        self._r = 0

    @property
    def n_ranges(self) -> int:
        """Clock ranges (1 + the clock resets detected)."""
        return len(self._coefs)

    def __call__(self, ts: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return synchronised copies of the next raw timestamps of the stream (s, shape (n,))."""
        out = ts.copy()
        pos = 0
        while pos < len(ts):
            end_t, next_t = self._bounds[self._r]
            stop = len(ts)
            if next_t is not None:
                rest = ts[pos:]
                cond = np.abs(rest - end_t) < np.abs(rest - next_t)
                if not cond.all():
                    stop = pos + int(np.argmin(cond))
            c0, c1 = self._coefs[self._r]
            out[pos:stop] += c0 + c1 * ts[pos:stop]
            if stop < len(ts):
                self._r += 1
            pos = stop
        return out


@dataclass(frozen=True, slots=True)
class JitterModel:
    """Per-segment straight lines mapping sample index to dejittered time.

    Attributes:
        starts: first sample index of each segment, shape (n_segments,), ascending.
        x_ref: mean sample index of each segment, shape (n_segments,).
        y_ref: mean timestamp (s) of each segment, shape (n_segments,).
        slopes: seconds per sample of each segment, shape (n_segments,).
        effective_srate: samples per second over all segments (pyxdf's weighting), 0 if unknown.
    """

    starts: NDArray[np.int64]
    x_ref: NDArray[np.float64]
    y_ref: NDArray[np.float64]
    slopes: NDArray[np.float64]
    effective_srate: float

    def __call__(self, first_index: int, n: int) -> NDArray[np.float64]:
        """Dejittered timestamps (s, shape (n,)) of the n samples from ``first_index`` on."""
        idx = np.arange(first_index, first_index + n)
        seg = int(self.starts.searchsorted(first_index, side="right")) - 1
        if seg + 1 == len(self.starts) or self.starts[seg + 1] >= first_index + n:
            return self.y_ref[seg] + self.slopes[seg] * (idx - self.x_ref[seg])  # one segment
        segs = self.starts.searchsorted(idx, side="right") - 1
        return self.y_ref[segs] + self.slopes[segs] * (idx - self.x_ref[segs])


def _combine(seg: list[float], nb: float, mx: float, my: float, sxx: float, sxy: float) -> None:
    """Fold a run of ``nb`` samples (means ``mx``, ``my`` in the segment's origin; centred sums
    ``sxx``, ``sxy``) into ``seg`` = [start, x0, y0, n, mean_x, mean_y, sxx, sxy], in place:
    Chan et al.'s pairwise update."""
    na = seg[3]
    n = na + nb
    dx, dy = mx - seg[4], my - seg[5]
    seg[3] = n
    seg[4] += dx * nb / n
    seg[5] += dy * nb / n
    seg[6] += sxx + dx * dx * na * nb / n
    seg[7] += sxy + dx * dy * na * nb / n


class JitterFitter:
    """Least-squares line per break-free segment, fed block by block with synced timestamps.

    Uses centred running sums (Chan et al.'s pairwise update), so memory is constant and the
    fit stays exact to rounding over hours of samples, where plain normal equations would not.

    A file may be fitted in spans (see ``XdfReader.fit_spans``): one fitter per span, each
    started at the span's first sample index, then joined in file order with :meth:`extend`.

    Args:
        tdiff: 1 / nominal rate (s).
        first_index: index in the stream of the first sample this fitter will be given.
    """

    def __init__(self, tdiff: float, first_index: int = 0) -> None:
        self._threshold = max(JITTER_BREAK_SECONDS, JITTER_BREAK_SAMPLES * tdiff)
        self._segs: list[list[float]] = []  # [start, x0, y0, n, mean_x, mean_y, sxx, sxy]
        self._start = first_index
        self._n = first_index
        self._last: float | None = None
        self._centred: NDArray[np.float64] = np.empty(0)  # arange(nb) − (nb − 1)/2, last nb

    def __getstate__(self) -> dict[str, object]:
        # Sent between processes: the cached index vector is rebuilt on demand, not shipped.
        return {**self.__dict__, "_centred": np.empty(0)}

    def add(self, ts: NDArray[np.float64]) -> None:
        """Add the stream's next synchronised timestamps (s, shape (n,))."""
        n = len(ts)
        if n == 0:
            return
        # Gaps: steps larger than the threshold (the same differences np.diff takes), including
        # the step from the previous block's last sample.
        inner = np.abs(ts[1:] - ts[:-1]) > self._threshold
        if self._last is None:
            new = [0]
        else:
            new = [0] if abs(float(ts[0]) - self._last) > self._threshold else []
        if inner.any():
            new += (np.flatnonzero(inner) + 1).tolist()
        bounds = sorted({0, *new, n})
        starts = set(new)
        for lo, hi in itertools.pairwise(bounds):
            if lo in starts:
                self._segs.append([self._n + lo, self._n + lo, float(ts[lo]), 0, 0, 0, 0, 0])
            self._merge(self._segs[-1], self._n + lo, ts[lo:hi])
        self._n += n
        self._last = float(ts[-1])

    def _merge(self, seg: list[float], first: int, ts: NDArray[np.float64]) -> None:
        # Indices are consecutive, so their mean and centred sum of squares are closed-form.
        nb = len(ts)
        mx = first - seg[1] + (nb - 1) / 2
        sxx = nb * (nb * nb - 1) / 12
        y = ts - seg[2]
        my = float(np.add.reduce(y)) / nb  # y.mean() without its wrapper: same sum, same division
        if self._centred.shape[0] != nb:  # blocks mostly have the same length: build it once
            self._centred = np.arange(nb) - (nb - 1) / 2
        sxy = float(np.dot(self._centred, y - my))
        _combine(seg, nb, mx, my, sxx, sxy)

    def extend(self, later: JitterFitter) -> None:
        """Append the fit of the span that follows this one in the stream (``later`` must start
        at the sample after this fitter's last one). Its first segment continues this fitter's
        last one unless a break separates them, exactly as :meth:`add` decides; the two are then
        combined with the same pairwise update, re-centred on this segment's origin."""
        if later._start != self._n:
            raise ValueError(
                f"JitterFitter.extend: the later span starts at sample {later._start}, "
                f"not at {self._n} where this one ends"
            )
        if later._last is None:
            return  # it was given no samples
        if self._last is None:  # this one was given none
            self._segs, self._n, self._last = [list(s) for s in later._segs], later._n, later._last
            return
        segs = [list(s) for s in later._segs]
        head = segs[0]
        if not abs(head[2] - self._last) > self._threshold:  # no break: one segment
            seg = self._segs[-1]
            # later's means re-expressed in this segment's origin
            mx_b, my_b = head[4] + (head[1] - seg[1]), head[5] + (head[2] - seg[2])
            _combine(seg, head[3], mx_b, my_b, head[6], head[7])
            segs = segs[1:]
        self._segs.extend(segs)
        self._n, self._last = later._n, later._last

    def finish(self) -> JitterModel:
        """The fitted segments; call once all of the stream's timestamps were added."""
        s = np.array(self._segs, dtype=np.float64).reshape(-1, 8)
        slopes = np.divide(s[:, 7], s[:, 6], out=np.zeros(len(s)), where=s[:, 6] > 0)
        counts = s[:, 3] - 1
        durations = slopes * counts
        total = float(np.sum(durations))
        rate = float(np.sum(counts)) / total if np.any(counts > 0) and total > 0 else 0.0
        return JitterModel(
            starts=s[:, 0].astype(np.int64),
            x_ref=s[:, 1] + s[:, 4],
            y_ref=s[:, 2] + s[:, 5],
            slopes=slopes,
            effective_srate=rate,
        )
