"""One test's whole path from accepted window to trend point: process, average, measure, judge."""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

from .alerts import AlertEvent, AlertTracker
from .averaging import AverageEstimate, Averager
from .measures import Measurer, Measures
from .records import AverageRecord, BaselineRecord
from .snapshot import TestView
from .specs import AveragingSpec, StreamSpec, TestSpec
from .sweep import REJECT_REASONS, SweepProcessor
from .trends import Baseline, TrendPoint, make_trend_point

Record = AverageRecord | BaselineRecord | TrendPoint | AlertEvent


def _ro(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.setflags(write=False)
    return a


class ResponseTracker:
    """State of one monitored response (owned by the engine; one thread only).

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
        self.spec = spec
        self.processor = SweepProcessor(spec, stream)
        self.measurer = Measurer(spec, self.processor.times_ms, stream.sfreq_hz)
        self.averaging = spec.averaging
        self._gap_tol = gap_tolerance_s
        self.averager = self._new_averager(spec.averaging)
        self.alerts = AlertTracker(spec.id, spec.alert) if spec.alert else None
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)
        self.dropped: dict[str, int] = {}
        self.baselines: dict[str, Baseline] = {}
        self.baseline: Baseline | None = None
        self.paused = False
        self.seq = 0
        self._latest: TrendPoint | None = None
        self._latest_avg: NDArray[np.float64] | None = None
        self._latest_measures: Measures | None = None
        self._points: deque[TrendPoint] = deque(maxlen=history)
        self._trend_arrays = (_ro(np.empty(0)),) * 4
        self._waterfall: deque[AverageRecord] = deque(maxlen=waterfall_depth)
        self._view: TestView | None = None

    def _new_averager(self, spec: AveragingSpec) -> Averager:
        return Averager(
            spec, self.processor.n_times, self.processor.n_channels, self.measurer.sp_weights
        )

    # --- sweeps -------------------------------------------------------------------------------

    def add_sweep(
        self, raw: NDArray[np.float64], ts: NDArray[np.float64], t_stim: float
    ) -> list[Record]:
        """Process one cut window (n_times, n_inputs) with its timestamps; return any records."""
        self._view = None
        if abs(float(ts[-1] - ts[0]) - self.processor.expected_span_s) > self._gap_tol:
            self.rejected["gap"] += 1
            return []
        sweep, reason = self.processor.process(raw)
        if sweep is None:
            self.rejected[reason or "non_finite"] += 1
            return []
        est = self.averager.add(sweep)
        return [] if est is None else self._update(est, t_stim)

    def drop(self, reason: str) -> bool:
        """Count a marker dropped before its sweep could be cut; True the first time per reason."""
        self._view = None
        first = reason not in self.dropped
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        return first

    def _update(self, est: AverageEstimate, t: float) -> list[Record]:
        m = self.measurer
        mean_f = m.filtered(est.mean_uv)
        pm_f = m.filtered(est.pm_uv)
        measures = m.measure(mean_f, pm_f, est.sweeps, est.sp_var_uv2)
        self.seq += 1
        self._latest_avg = _ro(mean_f) if mean_f is not est.mean_uv else est.mean_uv
        self._latest_measures = measures
        records: list[Record] = []
        if self.baseline is None and self.spec.auto_baseline:
            records.append(self._capture("auto", t, measures, self._latest_avg, est.sweeps))
        point = make_trend_point(
            test=self.spec.id,
            seq=self.seq,
            t=t,
            measures=measures,
            baseline=self.baseline,
            sweeps=est.sweeps,
            accepted=self.averager.accepted,
            rejected=self.rejected,
            mode=self.averaging.mode,
        )
        avg = AverageRecord(
            test=self.spec.id,
            seq=self.seq,
            t=t,
            times_ms=self.processor.times_ms,
            channels=self.spec.channels,
            values_uv=est.mean_uv,
            pm_uv=est.pm_uv,
            sweeps=est.sweeps,
            mode=self.averaging.mode,
        )
        self._latest = point
        self._points.append(point)
        pts = self._points
        self._trend_arrays = (
            _ro(np.fromiter((p.t for p in pts), float, len(pts))),
            _ro(np.fromiter((p.amplitude_uv for p in pts), float, len(pts))),
            _ro(np.fromiter((p.latency_ms for p in pts), float, len(pts))),
            _ro(np.fromiter((p.primary_value for p in pts), float, len(pts))),
        )
        self._waterfall.append(avg)
        records.append(avg)
        records.append(point)
        if self.alerts is not None:
            records.extend(self.alerts.update(point, self.baseline))
        return records

    # --- commands -----------------------------------------------------------------------------

    def _capture(
        self, name: str, t: float, measures: Measures, average: NDArray[np.float64], sweeps: float
    ) -> BaselineRecord:
        b = Baseline(
            self.spec.id,
            name,
            t,
            average,
            measures.amplitude_uv,
            measures.latency_ms,
            measures.snr,
            sweeps,
        )
        self.baselines[name] = b
        self.baseline = b
        self._view = None
        return BaselineRecord(self.spec.id, name, "captured", t, b.amplitude_uv, b.latency_ms)

    def capture_baseline(self, name: str) -> list[Record]:
        """Store the latest update as baseline ``name`` and compare with it from now on.

        Raises:
            ValueError: the test has no average yet.
        """
        if self._latest is None or self._latest_measures is None or self._latest_avg is None:
            raise ValueError(f"test {self.spec.id} has no average yet; wait for its first update")
        cleared = self.alerts.reset(self._latest.t, f"new baseline {name}") if self.alerts else []
        rec = self._capture(
            name, self._latest.t, self._latest_measures, self._latest_avg, self._latest.sweeps
        )
        return [rec, *cleared]

    def select_baseline(self, name: str, t: float) -> list[Record]:
        """Compare with an earlier captured baseline.

        Raises:
            ValueError: no baseline of that name, listing the ones there are.
        """
        b = self.baselines.get(name)
        if b is None:
            have = ", ".join(self.baselines) or "none yet"
            raise ValueError(f"test {self.spec.id} has no baseline {name!r} (captured: {have})")
        self.baseline = b
        self._view = None
        cleared = self.alerts.reset(t, f"baseline {name} selected") if self.alerts else []
        return [
            BaselineRecord(self.spec.id, name, "selected", t, b.amplitude_uv, b.latency_ms),
            *cleared,
        ]

    def reset_average(self, averaging: AveragingSpec | None = None) -> None:
        """Start the average anew (optionally with another averaging mode)."""
        if averaging is not None:
            self.averaging = averaging
        self.averager = self._new_averager(self.averaging)
        self.rejected = dict.fromkeys(REJECT_REASONS, 0)
        self._view = None

    def set_paused(self, paused: bool) -> None:
        """Ignore (or again accept) this test's stimuli."""
        self.paused = paused
        self._view = None

    def acknowledge(self, criterion: str | None, t: float) -> list[Record]:
        """Acknowledge this test's active alerts."""
        self._view = None
        return list(self.alerts.acknowledge(criterion, t)) if self.alerts else []

    # --- views --------------------------------------------------------------------------------

    def view(self) -> TestView:
        """The current read-only view (cached until the state changes)."""
        if self._view is None:
            t_arr, a_arr, l_arr, p_arr = self._trend_arrays
            self._view = TestView(
                spec=self.spec,
                averaging=self.averaging,
                times_ms=self.processor.times_ms,
                average_uv=self._latest_avg,
                baseline_uv=self.baseline.average_uv if self.baseline else None,
                baseline=self.baseline.name if self.baseline else None,
                baselines=tuple(self.baselines),
                latest=self._latest,
                trend_t=t_arr,
                trend_amplitude_uv=a_arr,
                trend_latency_ms=l_arr,
                trend_primary=p_arr,
                waterfall=tuple(self._waterfall),
                accepted=self.averager.accepted,
                in_progress=self.averager.in_progress,
                rejected=tuple((k, v) for k, v in self.rejected.items() if v),
                dropped=tuple(sorted(self.dropped.items())),
                paused=self.paused,
                alerts=self.alerts.active() if self.alerts else (),
            )
        return self._view
