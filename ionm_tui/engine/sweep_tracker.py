"""What averaged and single-sweep tests share: a sweep pipeline fed from the marker queue."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .modality_specs import SingleSweepSpec
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
        self, raw: NDArray[np.float64], ts: NDArray[np.float64], t_stim: float, marker: str
    ) -> list[Record]:
        """Take one cut window (n_times, n_inputs) with its timestamps; return any records."""
        raise NotImplementedError

    def _accept(
        self, raw: NDArray[np.float64], ts: NDArray[np.float64]
    ) -> NDArray[np.float64] | None:
        """Reject a window that spans a data gap, then run the documented per-sweep pipeline;
        count what is rejected, by reason.

        Returns:
            The processed sweep (n_times, n_channels) µV, or None when rejected.
        """
        self._view = None
        if abs(float(ts[-1] - ts[0]) - self.processor.expected_span_s) > self._gap_tol:
            self.rejected["gap"] += 1
            return None
        sweep, reason = self.processor.process(raw)
        if sweep is None:
            self.rejected[reason or "non_finite"] += 1
        return sweep
