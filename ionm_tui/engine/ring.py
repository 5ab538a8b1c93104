"""A preallocated ring buffer of samples and timestamps, addressed by absolute sample index."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray


class SampleRing:
    """The last ``capacity`` samples of one stream, written in place (no ``np.roll``).

    Samples are addressed by their absolute index since the engine started (0, 1, 2, …), so
    a sweep's position never depends on how the stream was chunked.

    Samples of a float32 stream are kept as float32 and become float64 when they are cut: the
    same values (the conversion is exact either way) for half the memory and half the copying
    of every sample written. Any other dtype, once written, makes the ring float64 for good.

    Args:
        capacity: samples kept.
        n_channels: channels per sample.
    """

    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 2:
            raise ValueError(f"capacity must be ≥ 2 samples; got {capacity}")
        self.capacity = capacity
        self._data: NDArray[np.float32] | NDArray[np.float64] = np.zeros(
            (capacity, n_channels), dtype=np.float32
        )
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
        if samples.dtype != self._data.dtype and self._data.dtype == np.float32:
            self._data = self._data.astype(np.float64)  # exact; from now on float64
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

    def timestamps_at(self, indices: list[int]) -> NDArray[np.float64]:
        """Timestamps (n,) of the samples at absolute ``indices`` (all held), in one call."""
        return self._ts[np.asarray(indices, dtype=np.intp) % self.capacity]

    def cut(
        self,
        start: int,
        stop: int,
        columns: NDArray[np.intp] | slice,
        order: Literal["F", "C"] = "F",
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Copy samples ``start`` … ``stop`` inclusive (absolute indices, all held).

        Args:
            start, stop: absolute sample indices.
            columns: the channels: an index array, or (``order="C"`` only) a slice.
            order: memory layout of the samples: ``"F"`` (each channel contiguous) or ``"C"``.
                Values are the same either way; the layout matters to callers whose sums must
                add in a fixed order (see ``SweepProcessor.cut_order``).

        Returns:
            timestamps (n,) and samples (n, n_columns), both fresh arrays.
        """
        p0 = start % self.capacity
        p1 = stop % self.capacity
        pick = _pick_c if order == "C" else _pick_f
        if p0 <= p1:
            return self._ts[p0 : p1 + 1].copy(), pick(self._data[p0 : p1 + 1], columns)
        ts = np.concatenate((self._ts[p0:], self._ts[: p1 + 1]))
        data = np.concatenate((pick(self._data[p0:], columns), pick(self._data[: p1 + 1], columns)))
        return ts, data

    def cut_rows(
        self, starts: list[int], n: int, columns: NDArray[np.intp] | slice
    ) -> NDArray[np.float64]:
        """Copy several windows of ``n`` samples (absolute first indices ``starts``, all held).

        Returns:
            (len(starts), n, n_columns), row-major: window k is what
            ``cut(starts[k], starts[k] + n - 1, columns, "C")[1]`` returns.
        """
        ncol = (
            len(range(self._data.shape[1])[columns]) if isinstance(columns, slice) else len(columns)
        )
        out = np.empty((len(starts), n, ncol))
        cap = self.capacity
        for k, start in enumerate(starts):
            p0 = start % cap
            head = min(n, cap - p0)
            _put_c(out[k, :head], self._data[p0 : p0 + head], columns)
            if head < n:
                _put_c(out[k, head:], self._data[: n - head], columns)
        return out

    def first_at_or_after(self, t: float, lo: int) -> int:
        """Absolute index of the first held sample at or after ``lo`` whose timestamp ≥ t.

        Timestamps from ``lo`` on must be increasing. Returns ``total`` when there is none.
        """
        # Called once per stimulus: the ndarray method skips np.searchsorted's dispatch layer.
        total, cap = self.total, self.capacity
        lo = max(lo, total - cap, 0)
        if lo >= total:
            return total
        p0 = lo % cap
        p1 = (total - 1) % cap
        if p0 <= p1:
            return lo + int(self._ts[p0 : p1 + 1].searchsorted(t, side="left"))
        head = self._ts[p0:]
        k = int(head.searchsorted(t, side="left"))
        if k < head.shape[0]:
            return lo + k
        return lo + head.shape[0] + int(self._ts[: p1 + 1].searchsorted(t, side="left"))


def _pick_f(rows: NDArray[np.floating], columns: NDArray[np.intp] | slice) -> NDArray[np.float64]:
    """A float64 copy of ``rows[:, columns]``, column-major (what numpy's fancy indexing
    returns; for float64 rows that copy is returned as it is)."""
    return np.asfortranarray(rows[:, columns], dtype=np.float64)


def _put_c(
    out: NDArray[np.float64], rows: NDArray[np.floating], columns: NDArray[np.intp] | slice
) -> None:
    """Write ``rows[:, columns]`` into the row-major float64 ``out`` (converting float32)."""
    if isinstance(columns, slice):
        out[...] = rows[:, columns]
    elif rows.dtype == out.dtype:
        np.take(rows, columns, axis=1, out=out, mode="clip")  # indices are valid: no checks
    else:
        out[...] = np.take(rows, columns, axis=1)


def _pick_c(rows: NDArray[np.floating], columns: NDArray[np.intp] | slice) -> NDArray[np.float64]:
    """A row-major float64 copy of ``rows[:, columns]``; a slice of columns copies fastest."""
    if isinstance(columns, slice):
        return np.array(rows[:, columns], dtype=np.float64, order="C")
    return np.take(rows, columns, axis=1).astype(np.float64, copy=False)
