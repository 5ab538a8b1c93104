"""What averaged and single-sweep tests share: a sweep pipeline fed from the marker queue."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .modality_specs import SingleSweepSpec
from .ring import SampleRing
from .specs import StreamSpec, TestSpec
from .sweep import REJECT_REASONS, SweepProcessor
from .tracking import Record, Tracker


class SweepTracker(Tracker):
    """A test whose input is stimulus-locked sweeps (averaged or judged one by one).

    Args:
        spec: the test (its window, blanking, baseline, rejection and channels).
        stream: the data stream.
        gap_tolerance_s: a window whose timestamps span differs from the expected span by more
            than this is rejected as ``gap``.
        history: trend points kept for snapshots.
        waterfall_depth: past waveforms kept for the stacked view.
    """

    def __init__(
        self,
        spec: TestSpec | SingleSweepSpec,
        stream: StreamSpec,
        *,
        gap_tolerance_s: float,
        history: int,
        waterfall_depth: int,
    ) -> None:
        self.processor = SweepProcessor(spec, stream)  # type: ignore[arg-type]
        super().__init__(
            spec,
            alert=spec.alert,
            auto_baseline=spec.auto_baseline,
            times_ms=self.processor.times_ms,
            history=history,
            waterfall_depth=waterfall_depth,
        )
        self._gap_tol = gap_tolerance_s
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)

    def add_sweep(
        self,
        raw: NDArray[np.float64],
        ts: NDArray[np.float64],
        t_stim: float,
        marker: str,
        *,
        owned: bool = False,
    ) -> list[Record]:
        """Take one cut window (n_times, n_inputs) with its timestamps; return any records.

        ``owned``: ``raw`` is a fresh copy the tracker may keep or change (the engine's cuts).
        """
        if self.spans_gap(float(ts[0]), float(ts[-1])):
            return self.take(None, "gap", t_stim, marker)
        sweep, reason = self.processor.process(raw, owned=owned)
        return self.take(sweep, reason, t_stim, marker)

    def spans_gap(self, t_first: float, t_last: float) -> bool:
        """True when a window's first and last timestamps (s) are not one window apart: the
        window spans a hole in the data and is rejected as ``gap``."""
        return abs((t_last - t_first) - self.processor.expected_span_s) > self._gap_tol

    def judge_many(
        self, ring: SampleRing, starts: list[int], stims: list[int]
    ) -> list[tuple[NDArray[np.float64] | None, str | None, float]]:
        """Cut and judge several windows still held in ``ring``, as :meth:`add_sweep` would one
        by one (same sweeps, bit for bit, same reasons), but without counting anything.

        Args:
            ring: the engine's sample ring.
            starts: absolute index of each window's first sample.
            stims: absolute index of each window's stimulus sample.

        Returns:
            Per window: (sweep (n_times, n_channels) µV or None, rejection reason or None,
            stimulus time s). Hand them to :meth:`take` in stimulus order.
        """
        p = self.processor
        last = p.n_times - 1
        t_stim = ring.timestamps_at(stims).tolist()
        # spans_gap of every window at once: the same float64 arithmetic, elementwise.
        span = ring.timestamps_at([s + last for s in starts]) - ring.timestamps_at(starts)
        gaps = (np.abs(span - p.expected_span_s) > self._gap_tol).tolist()
        if p.batchable:
            judged = p.process_many(ring.cut_rows(starts, p.n_times, p.cut_columns))
        else:
            judged = [
                (None, "gap")
                if gap
                else p.process(ring.cut(s, s + last, p.cut_columns, p.cut_order)[1], owned=True)
                for s, gap in zip(starts, gaps, strict=True)
            ]
        return [
            (None, "gap", t) if gap else (sweep, reason, t)
            for (sweep, reason), gap, t in zip(judged, gaps, t_stim, strict=True)
        ]

    def take(
        self, sweep: NDArray[np.float64] | None, reason: str | None, t_stim: float, marker: str
    ) -> list[Record]:
        """Count one judged sweep (rejected by ``reason`` when ``sweep`` is None) and use it;
        return any records. Sweeps must come in stimulus order."""
        self._view = None
        if sweep is None:
            self.rejected[reason or "non_finite"] += 1
            return []
        return self._use(sweep, t_stim, marker)

    def _use(self, sweep: NDArray[np.float64], t_stim: float, marker: str) -> list[Record]:
        """Use an accepted sweep (n_times, n_channels) µV; return any records."""
        raise NotImplementedError
