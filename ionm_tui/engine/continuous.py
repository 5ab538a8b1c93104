"""The input path of trackers fed every sample (free-run EMG, EEG): derive, count, split at NaN."""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray

from .channels import derivation_matrix
from .specs import AlertSpec, StreamSpec
from .tracking import Record, Tracker, read_only


class SampleTracker(Tracker):
    """A tracker fed every sample of the stream, in pieces of any size.

    Samples are numbered from 0 since the tracker started (``samples`` is the number of the next
    one); gaps hold no samples, so numbering is continuous across them, and subclasses place their
    frames, decimation and updates at fixed positions of this numbering — never at chunk edges.

    Non-finite samples are never filtered: a run of samples in which any derived channel is not
    finite is cut out and treated like a gap (the next finite piece restarts the processing) and
    counted in ``flags["non_finite_samples"]``. Input arriving while the test is paused is
    dropped the same way.

    Args:
        spec: the test spec.
        stream: the data stream.
        channels: channel expressions to derive (µV), one column each.
        alert: the alert criteria, or None.
        auto_baseline: capture the first trend point as baseline ``"auto"``.
        history: trend points kept for snapshots.
    """

    def __init__(
        self,
        spec: object,
        stream: StreamSpec,
        channels: tuple[str, ...],
        *,
        alert: AlertSpec | None,
        auto_baseline: bool,
        history: int,
    ) -> None:
        super().__init__(
            spec,
            alert=alert,
            auto_baseline=auto_baseline,
            times_ms=read_only(np.empty(0)),
            history=history,
            waterfall_depth=1,
        )
        self.fs = float(stream.sfreq_hz)
        cols, matrix = derivation_matrix(channels, stream.labels)
        scale = np.broadcast_to(
            np.asarray(stream.scale_to_uv, dtype=np.float64), (len(stream.labels),)
        )[cols]
        self._cols: NDArray[np.intp] | slice = cols
        if np.array_equal(cols, np.arange(cols[0], cols[0] + cols.shape[0])):
            self._cols = slice(int(cols[0]), int(cols[0]) + cols.shape[0])  # a view, not a copy
        # Scaling folded into the derivation: derived µV = inputs @ (scale · matrix).
        self._matrix = scale[:, np.newaxis] * matrix
        selection = matrix.shape[0] == matrix.shape[1] and np.array_equal(
            matrix, np.eye(matrix.shape[0])
        )
        self._scale = scale if selection else None
        self.samples = 0
        """Samples fed so far (the number of the next sample)."""
        self._pending: str | None = "start"

    def feed(
        self, ts: NDArray[np.float64], x: NDArray[np.floating], *, restart: bool
    ) -> list[Record]:
        """Process the next samples.

        Args:
            ts: (n,) LSL seconds.
            x: (n, n_stream_channels) samples in stream units.
            restart: the samples follow a gap or a clock reset (or nothing at all).

        Returns:
            The records produced (trend points, baselines, alert events).
        """
        n = ts.shape[0]
        if n == 0:
            return []
        i0 = self.samples
        self.samples += n
        if restart:
            self._pending = "gap" if i0 else "start"
        if self.paused:
            self._pending = "paused"
            return []
        raw = x[:, self._cols]
        # float64 either way: the scale and the matrix are float64 arrays.
        y = raw * self._scale if self._scale is not None else raw @ self._matrix
        if math.isfinite(y.sum()):  # one reduction for the common case; overflow falls through
            return self._piece(ts, y, i0)
        good = np.isfinite(y).all(axis=1)
        if good.all():
            return self._piece(ts, y, i0)
        out: list[Record] = []
        edges = np.flatnonzero(good[1:] != good[:-1]) + 1
        for a, b in itertools.pairwise([0, *edges.tolist(), n]):
            if good[a]:
                out.extend(self._piece(ts[a:b], y[a:b], i0 + a))
            else:
                self.flags["non_finite_samples"] = self.flags.get("non_finite_samples", 0) + b - a
                self._pending = "non_finite"
                self._view = None
        return out

    def _piece(self, ts: NDArray[np.float64], y: NDArray[np.float64], i0: int) -> list[Record]:
        restart, self._pending = self._pending, None
        self._view = None
        return self._process(ts, y, i0, restart)

    def _process(
        self, ts: NDArray[np.float64], y: NDArray[np.float64], i0: int, restart: str | None
    ) -> list[Record]:
        """Handle one finite, gap-free piece.

        Args:
            ts: (m,) LSL seconds.
            y: (m, n_channels) derived channels, µV, all finite.
            i0: the number of its first sample.
            restart: None when it continues the previous piece; otherwise why it does not
                (``"start"``, ``"gap"``, ``"non_finite"``, ``"paused"``).
        """
        raise NotImplementedError
