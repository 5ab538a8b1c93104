"""Averaged evoked potentials (SSEP, BAEP, VEP, D-wave): process, average, measure, trend."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .averaging import AverageEstimate, Averager
from .measures import Measurer
from .records import AverageRecord
from .specs import AveragingSpec, StreamSpec, TestSpec
from .sweep import REJECT_REASONS
from .sweep_tracker import SweepTracker
from .tracking import Record, read_only
from .trends import make_trend_point


class AveragedTracker(SweepTracker):
    """One averaged evoked response.

    Args:
        spec: the test.
        stream: the data stream.
        gap_tolerance_s: a window whose timestamps span differs from the expected span by more
            than this is rejected as ``gap``.
        history: trend points kept for snapshots.
        waterfall_depth: past averages kept for the stacked view.
    """

    def __init__(
        self,
        spec: TestSpec,
        stream: StreamSpec,
        *,
        gap_tolerance_s: float,
        history: int,
        waterfall_depth: int,
    ) -> None:
        super().__init__(
            spec,
            stream,
            gap_tolerance_s=gap_tolerance_s,
            history=history,
            waterfall_depth=waterfall_depth,
        )
        self.test = spec
        self.measurer = Measurer(spec, self.processor.times_ms, stream.sfreq_hz)
        self.averaging = spec.averaging
        self.averager = self._new_averager(spec.averaging)

    def _new_averager(self, spec: AveragingSpec) -> Averager:
        p = self.processor
        return Averager(spec, p.n_times, p.n_channels, self.measurer.sp_weights)

    @property
    def in_progress(self) -> int:
        """Sweeps accepted towards the next update."""
        return self.averager.in_progress

    def _use(self, sweep: NDArray[np.float64], t_stim: float, marker: str) -> list[Record]:
        """Average an accepted sweep (n_times, n_channels) µV; an update when one is due."""
        est = self.averager.add(sweep)
        self.accepted = self.averager.accepted
        return [] if est is None else self._update(est, t_stim)

    def _update(self, est: AverageEstimate, t: float) -> list[Record]:
        m = self.measurer
        measures = m.measure_average(est.mean_uv, est.pm_uv, est.sweeps, est.sp_var_uv2)
        seq = self.seq + 1
        point = make_trend_point(
            test=self.id,
            seq=seq,
            t=t,
            measures=measures,
            baseline=self.baseline,
            sweeps=est.sweeps,
            accepted=self.averager.accepted,
            rejected=self.rejected,
            mode=self.averaging.mode,
        )
        avg = AverageRecord(
            test=self.id,
            seq=seq,
            t=t,
            times_ms=self.processor.times_ms,
            channels=self.test.channels,
            values_uv=est.mean_uv,
            pm_uv=est.pm_uv,
            sweeps=est.sweeps,
            mode=self.averaging.mode,
        )
        # The whole average as measured is only looked at by views and baselines, far less often
        # than updates come flat out: it is band-passed when first asked for.
        mean = est.mean_uv
        measured = mean if m.sos is None else lambda: read_only(m.filtered(mean))
        return self._publish(point, avg, measured)

    def reset_average(self, averaging: AveragingSpec | None = None) -> None:
        """Start the average anew (optionally with another averaging mode)."""
        if averaging is not None:
            self.averaging = averaging
        self.averager = self._new_averager(self.averaging)
        self.accepted = 0
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)
        self._view = None
