"""Block, moving-window and exponentially weighted averages, each with a ± (alternating) average.

The ± average gives half the sweeps a negative sign, cancelling the time-locked response and
keeping the noise; its RMS is the noise level of the average. Signs come in pairs, (+, −) or (−,
+), the orientation of each pair taken from a fixed pseudo-random sequence (:func:`pm_signs`):
plain alternation would add up any interference whose phase advances half a cycle between a test's
sweeps — 60 Hz mains at 2.35 Hz per interleaved limb does exactly that — and read it as noise the
average does not contain. Pairs still cancel the response exactly. For block and moving averages of
an odd count the newest sweep is left out of the ± sum (so the response cannot leak in) and the
result is scaled by √(n_even/n) so it carries the noise of an n-sweep average. In EWMA mode the
signed sweeps keep their weights; the response leaks by at most 1/N of itself.

Each average also keeps the single-point variance across sweeps at one point per channel (Elberling
& Don's Fsp): ``fsp = var_t(mean) / (var_sp / n)``. The "point" is a weighted sum of the sweep's
samples: one sample, or that sample of the sweep as the measurement filter would see it (a zero-
phase filter is linear, so its output at one index is a fixed weighted sum), which keeps both
halves of the ratio in the same frequency band.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .specs import AveragingSpec

_PAIR_FLIPS = np.random.default_rng(0x5EED).integers(0, 2, 4096).astype(bool)


def pm_signs(n: int) -> NDArray[np.float64]:
    """Signs of sweeps 0 … n−1 in the ± average: pairs (+1, −1) or (−1, +1), fixed for ever."""
    pairs = np.resize(_PAIR_FLIPS, (n + 1) // 2)
    first = np.where(pairs, -1.0, 1.0)
    return np.column_stack((first, -first)).ravel()[:n]


# The sequence repeats every 2·len(_PAIR_FLIPS) sweeps (np.resize cycles the flips), so one
# period answers for every k: an EWMA test counts its sweeps for the whole case, and
# recomputing the signs up to k (as before) made each sweep cost O(k) after the first 8192.
_SIGNS = pm_signs(2 * _PAIR_FLIPS.shape[0])


def pm_sign(k: int) -> float:
    """The ± sign of sweep ``k`` (0-based), as :func:`pm_signs`."""
    return float(_SIGNS[k % _SIGNS.shape[0]])


@dataclass(frozen=True, slots=True)
class AverageEstimate:
    """An average at one moment.

    Attributes:
        mean_uv: shape (n_times, n_channels), the average in µV (read-only).
        pm_uv: shape (n_times, n_channels), the ± average in µV (read-only).
        sweeps: sweeps behind it (Kish effective number for EWMA).
        sp_var_uv2: shape (n_channels,), variance across sweeps at the single point, µV².
    """

    mean_uv: NDArray[np.float64]
    pm_uv: NDArray[np.float64]
    sweeps: float
    sp_var_uv2: NDArray[np.float64]


def _frozen(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.setflags(write=False)
    return a


class _BlockSums:
    """Running sums over the current block."""

    def __init__(self, shape: tuple[int, int], sp_weights: NDArray[np.float64]) -> None:
        self.sp = sp_weights
        self.s = np.zeros(shape)
        self.s_pm = np.zeros(shape)
        self.sp1 = np.zeros(shape[1])
        self.sp2 = np.zeros(shape[1])
        self.n = 0
        self.last = np.zeros(shape)

    def add(self, x: NDArray[np.float64]) -> None:
        self.s += x
        if pm_sign(self.n) > 0:
            self.s_pm += x
        else:
            self.s_pm -= x
        v = self.sp @ x
        self.sp1 += v
        self.sp2 += v * v
        self.last = x  # sweeps are never modified after they are accepted: keep a reference
        self.n += 1

    def estimate(self) -> AverageEstimate:
        n = self.n
        mean = self.s / n
        pm_sum = self.s_pm - pm_sign(n - 1) * self.last if n % 2 else self.s_pm
        n_even = n - (n % 2)
        # One sweep has no noise estimate: NaN, never a fake zero (it would read as infinite SNR).
        pm = pm_sum / n_even * np.sqrt(n_even / n) if n_even else np.full_like(mean, np.nan)
        var = (
            (self.sp2 - self.sp1 * self.sp1 / n) / (n - 1)
            if n > 1
            else np.full_like(self.sp1, np.nan)
        )
        return AverageEstimate(_frozen(mean), _frozen(pm), float(n), _frozen(np.maximum(var, 0.0)))


class Averager:
    """Accumulates accepted sweeps of one test and says when an update (trend point) is due.

    Updates start once ``sweeps`` (N) sweeps have been accepted, so every update is a full
    average; after that block mode updates every N sweeps (starting anew), moving and EWMA
    every ``sweeps_per_update``.

    Args:
        spec: the averaging mode and size.
        n_times: samples per sweep.
        n_channels: channels per sweep.
        sp: the single point for Fsp: a sample index, or weights of shape (n_times,) whose dot
            product with a sweep's channel is that channel's single-point value.
    """

    def __init__(
        self, spec: AveragingSpec, n_times: int, n_channels: int, sp: int | NDArray[np.float64]
    ) -> None:
        self.spec = spec
        self._shape = (n_times, n_channels)
        if isinstance(sp, int | np.integer):
            weights = np.zeros(n_times)
            weights[int(sp)] = 1.0
        else:
            weights = np.asarray(sp, dtype=np.float64)
            if weights.shape != (n_times,):
                raise ValueError(f"sp weights must have shape ({n_times},); got {weights.shape}")
        self._sp = weights
        self.accepted = 0
        """Sweeps accepted since the last reset."""
        self.reset()

    def reset(self) -> None:
        """Forget every sweep."""
        self.accepted = 0
        mode = self.spec.mode
        if mode == "block":
            self._block = _BlockSums(self._shape, self._sp)
        elif mode == "moving":
            self._window: deque[NDArray[np.float64]] = deque(maxlen=self.spec.sweeps)
        else:
            alpha = 2.0 / (self.spec.sweeps + 1.0)
            self._lam = 1.0 - alpha
            self._s = np.zeros(self._shape)
            self._s_pm = np.zeros(self._shape)
            self._w = 0.0
            self._w2 = 0.0
            self._sp1 = np.zeros(self._shape[1])
            self._sp2 = np.zeros(self._shape[1])

    def add(self, sweep: NDArray[np.float64]) -> AverageEstimate | None:
        """Add one accepted sweep (n_times, n_channels) µV; return the update when one is due."""
        mode = self.spec.mode
        n = self.spec.sweeps
        k = self.accepted
        self.accepted += 1
        if mode == "block":
            self._block.add(sweep)
            if self._block.n == n:
                est = self._block.estimate()
                self._block = _BlockSums(self._shape, self._sp)
                return est
            return None
        if mode == "moving":
            self._window.append(sweep)
        else:
            lam = self._lam
            sign = pm_sign(k)
            self._s *= lam
            self._s += sweep
            self._s_pm *= lam
            # ± sweep with no temporary: adding −x is subtracting x, exactly.
            if sign > 0:
                self._s_pm += sweep
            else:
                self._s_pm -= sweep
            self._w = lam * self._w + 1.0
            self._w2 = lam * lam * self._w2 + 1.0
            v = self._sp @ sweep
            self._sp1 *= lam
            self._sp1 += v
            self._sp2 *= lam
            self._sp2 += v * v
        if self.accepted >= n and (self.accepted - n) % self.spec.sweeps_per_update == 0:
            return self.estimate()
        return None

    @property
    def in_progress(self) -> int:
        """Sweeps accepted towards the next update."""
        n = self.spec.sweeps
        if self.spec.mode == "block":
            return self._block.n
        if self.accepted < n:
            return self.accepted
        return (self.accepted - n) % self.spec.sweeps_per_update

    def estimate(self) -> AverageEstimate | None:
        """The current average (for block mode: of the sweeps in the block so far)."""
        mode = self.spec.mode
        if mode == "block":
            return self._block.estimate() if self._block.n else None
        if mode == "moving":
            if not self._window:
                return None
            stack = np.stack(self._window)
            m = stack.shape[0]
            mean = stack.mean(axis=0)
            m_even = m - (m % 2)
            if m_even:
                signs = _SIGNS[:m_even] if m_even <= _SIGNS.shape[0] else pm_signs(m_even)
                pm = np.tensordot(signs, stack[:m_even], axes=1) / m_even * np.sqrt(m_even / m)
            else:
                pm = np.full_like(mean, np.nan)
            var = (
                (stack.transpose(0, 2, 1) @ self._sp).var(axis=0, ddof=1)
                if m > 1
                else np.full(self._shape[1], np.nan)
            )
            return AverageEstimate(_frozen(mean), _frozen(pm), float(m), _frozen(var))
        if self._w == 0.0:
            return None
        w, w2 = self._w, self._w2
        mean = self._s / w
        pm = self._s_pm / w
        n_eff = w * w / w2
        mu = self._sp1 / w
        var = np.maximum(self._sp2 / w - mu * mu, 0.0)
        # Unbiased with the effective count; undefined for a single (effective) sweep.
        var = var * n_eff / (n_eff - 1.0) if n_eff > 1.0 else np.full_like(var, np.nan)
        return AverageEstimate(_frozen(mean), _frozen(pm), float(n_eff), _frozen(var))
