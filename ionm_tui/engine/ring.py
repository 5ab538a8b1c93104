"""A preallocated ring buffer of samples and timestamps, addressed by absolute sample index."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class SampleRing:
    """The last ``capacity`` samples of one stream, written in place (no ``np.roll``).

    Samples are addressed by their absolute index since the engine started (0, 1, 2, …), so
    a sweep's position never depends on how the stream was chunked.

    Args:
        capacity: samples kept.
        n_channels: channels per sample.
    """

    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 2:
            raise ValueError(f"capacity must be ≥ 2 samples; got {capacity}")
        self.capacity = capacity
        self._data = np.zeros((capacity, n_channels), dtype=np.float64)
        self._ts = np.zeros(capacity, dtype=np.float64)
        self.total = 0
        """Samples written so far (the absolute index of the next sample)."""

    @property
    def oldest(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(0, self.total - self.capacity)

    @property
    def newest_timestamp(self) -> float:
        """Timestamp of the newest sample, or -inf before any was written."""
        if self.total == 0:
            return -np.inf
        return float(self._ts[(self.total - 1) % self.capacity])

    def write(self, timestamps: NDArray[np.float64], samples: NDArray[np.floating]) -> None:
        """Append samples: timestamps (n,), samples (n, n_channels), n ≤ capacity."""
        n = timestamps.shape[0]
        if n > self.capacity:
            raise ValueError(f"a write of {n} samples exceeds the ring capacity {self.capacity}")
        pos = self.total % self.capacity
        first = min(n, self.capacity - pos)
        self._data[pos : pos + first] = samples[:first]
        self._ts[pos : pos + first] = timestamps[:first]
        if first < n:
            self._data[: n - first] = samples[first:]
            self._ts[: n - first] = timestamps[first:]
        self.total += n

    def timestamp(self, index: int) -> float:
        """Timestamp of the sample at absolute ``index`` (must be held)."""
        return float(self._ts[index % self.capacity])

    def cut(
        self, start: int, stop: int, columns: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Copy samples ``start`` … ``stop`` inclusive (absolute indices, all held).

        Returns:
            timestamps (n,) and samples (n, len(columns)), both fresh arrays.
        """
        p0 = start % self.capacity
        p1 = stop % self.capacity
        if p0 <= p1:
            return self._ts[p0 : p1 + 1].copy(), self._data[p0 : p1 + 1][:, columns]
        ts = np.concatenate((self._ts[p0:], self._ts[: p1 + 1]))
        data = np.concatenate((self._data[p0:, columns], self._data[: p1 + 1, columns]))
        return ts, data

    def first_at_or_after(self, t: float, lo: int) -> int:
        """Absolute index of the first held sample at or after ``lo`` whose timestamp ≥ t.

        Timestamps from ``lo`` on must be increasing. Returns ``total`` when there is none.
        """
        lo = max(lo, self.oldest)
        if lo >= self.total:
            return self.total
        p0 = lo % self.capacity
        p1 = (self.total - 1) % self.capacity
        if p0 <= p1:
            return lo + int(np.searchsorted(self._ts[p0 : p1 + 1], t, side="left"))
        head = self._ts[p0:]
        k = int(np.searchsorted(head, t, side="left"))
        if k < head.shape[0]:
            return lo + k
        return lo + head.shape[0] + int(np.searchsorted(self._ts[: p1 + 1], t, side="left"))
