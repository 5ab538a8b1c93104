"""What every monitored test shares: baselines, trend history, alerts, commands and its view."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .alerts import AlertEvent, AlertTracker
from .records import AverageRecord, BaselineRecord
from .snapshot import TestView
from .specs import AlertSpec, AveragingSpec
from .trends import Baseline, TrendPoint, change_pct

Record = AverageRecord | BaselineRecord | TrendPoint | AlertEvent

Wave = NDArray[np.float64] | Callable[[], NDArray[np.float64]]
"""A waveform (n_times, n_channels), or a function computing it when first needed."""

_EMPTY = np.empty(0)
_EMPTY.setflags(write=False)


def read_only(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mark an array read-only (it may then cross threads) and return it."""
    a.setflags(write=False)
    return a


class Tracker:
    """State of one monitored test (owned by the engine; one thread only).

    Subclasses turn their input (sweeps, or continuous samples) into trend points and call
    :meth:`_publish`, which keeps the history, captures the automatic baseline and judges alerts.

    Args:
        spec: the test spec (any modality); needs ``id`` and ``alert``.
        alert: the alert criteria, or None.
        auto_baseline: capture the first trend point as baseline ``"auto"``.
        times_ms: (n_times,) sample times of the test's waveform ((0,) when it has none).
        history: trend points kept for snapshots.
        waterfall_depth: past waveforms kept for the stacked view.
    """

    averaging: AveragingSpec | None = None
    """The averaging in force (None for modalities that do not average)."""

    def __init__(
        self,
        spec: object,
        *,
        alert: AlertSpec | None,
        auto_baseline: bool,
        times_ms: NDArray[np.float64],
        history: int,
        waterfall_depth: int,
    ) -> None:
        self.spec = spec
        self.id: str = spec.id  # type: ignore[attr-defined]
        self.alerts = AlertTracker(self.id, alert) if alert else None
        self.auto_baseline = auto_baseline
        self.times_ms = times_ms
        self.rejected: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.flags: dict[str, int] = {}
        self.baselines: dict[str, Baseline] = {}
        self.baseline: Baseline | None = None
        self.paused = False
        self.seq = 0
        self.accepted = 0
        self._latest: TrendPoint | None = None
        self._latest_wave: Wave | None = None
        self._points: deque[TrendPoint] = deque(maxlen=history)
        # Built from _points when a view first needs them (None: stale).
        self._trend_arrays: tuple[NDArray[np.float64], ...] | None = (_EMPTY,) * 4
        self._waterfall: deque[AverageRecord] = deque(maxlen=waterfall_depth)
        self._view: TestView | None = None

    # --- hooks for subclasses -------------------------------------------------------------------

    @property
    def in_progress(self) -> int:
        """Inputs collected towards the next update."""
        return 0

    def reset_average(self, averaging: AveragingSpec | None = None) -> None:
        """Start the accumulation anew (only averaged tests have one)."""
        self._view = None

    def _publish(
        self,
        point: TrendPoint,
        wave: AverageRecord | None,
        wave_as_measured: Wave | None,
        *,
        baseline_worthy: bool = True,
    ) -> list[Record]:
        """Record a new trend point (and the waveform behind it); return the records.

        ``wave_as_measured`` may be a function: it is called only if a view or a baseline needs
        the waveform before the next point replaces it. ``baseline_worthy=False`` keeps this
        point from becoming the automatic baseline (e.g. a single sweep with no response).
        """
        records: list[Record] = []
        self._view = None
        self.seq = point.seq
        self._latest_wave = wave_as_measured
        if self.baseline is None and self.auto_baseline and baseline_worthy:
            b = Baseline.from_point("auto", point, self._measured_wave())
            self.baselines["auto"] = self.baseline = b
            records.append(
                BaselineRecord(self.id, "auto", "captured", point.t, b.amplitude_uv, b.latency_ms)
            )
            point = _rebase(point, b)
        self._latest = point
        self._points.append(point)
        self._trend_arrays = None
        if wave is not None:
            self._waterfall.append(wave)
            records.append(wave)
        records.append(point)
        if self.alerts is not None:
            records.extend(self.alerts.update(point, self.baseline))
        return records

    def _measured_wave(self) -> NDArray[np.float64] | None:
        """The latest waveform as measured (computed now if it was deferred)."""
        w = self._latest_wave
        if callable(w):
            w = self._latest_wave = w()
        return w

    # --- commands -------------------------------------------------------------------------------

    def drop(self, reason: str) -> bool:
        """Count an input dropped before it could be used; True the first time per reason."""
        self._view = None
        first = reason not in self.dropped
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        return first

    def capture_baseline(self, name: str, t: float) -> list[Record]:
        """Store the latest update as baseline ``name`` and compare with it from now on.

        Args:
            name: the baseline's name.
            t: LSL seconds of the capture (the data clock then): the records carry it, so a
                review shows the baseline from the moment the team took it (the baseline itself
                keeps the time of the update it was taken from).

        Raises:
            ValueError: the test has no update yet.
        """
        if self._latest is None:
            raise ValueError(f"test {self.id} has no average yet; wait for its first update")
        p = self._latest
        cleared = self.alerts.reset(t, f"new baseline {name}") if self.alerts else []
        b = Baseline.from_point(name, p, self._measured_wave())
        self.baselines[name] = self.baseline = b
        self._view = None
        return [
            BaselineRecord(self.id, name, "captured", t, b.amplitude_uv, b.latency_ms),
            *cleared,
        ]

    def select_baseline(self, name: str, t: float) -> list[Record]:
        """Compare with an earlier captured baseline.

        Raises:
            ValueError: no baseline of that name, listing the ones there are.
        """
        b = self.baselines.get(name)
        if b is None:
            have = ", ".join(self.baselines) or "none yet"
            raise ValueError(f"test {self.id} has no baseline {name!r} (captured: {have})")
        self.baseline = b
        self._view = None
        cleared = self.alerts.reset(t, f"baseline {name} selected") if self.alerts else []
        return [
            BaselineRecord(self.id, name, "selected", t, b.amplitude_uv, b.latency_ms),
            *cleared,
        ]

    def set_paused(self, paused: bool) -> None:
        """Ignore (or again accept) this test's input."""
        self.paused = paused
        self._view = None

    def acknowledge(self, criterion: str | None, t: float) -> list[Record]:
        """Acknowledge this test's active alerts."""
        self._view = None
        return list(self.alerts.acknowledge(criterion, t)) if self.alerts else []

    # --- views ----------------------------------------------------------------------------------

    def view(self) -> TestView:
        """The current read-only view (cached until the state changes)."""
        if self._view is None:
            if self._trend_arrays is None:
                pts = self._points
                self._trend_arrays = tuple(
                    read_only(np.fromiter(gen, float, len(pts)))
                    for gen in (
                        (p.t for p in pts),
                        (p.amplitude_uv for p in pts),
                        (p.latency_ms for p in pts),
                        (p.primary_value for p in pts),
                    )
                )
            t_arr, a_arr, l_arr, p_arr = self._trend_arrays
            b = self.baseline
            self._view = TestView(
                spec=self.spec,  # type: ignore[arg-type]
                averaging=self.averaging,  # type: ignore[arg-type]
                times_ms=self.times_ms,
                average_uv=self._measured_wave(),
                baseline_uv=b.average_uv if b else None,
                baseline=b.name if b else None,
                baselines=tuple(self.baselines),
                latest=self._latest,
                trend_t=t_arr,
                trend_amplitude_uv=a_arr,
                trend_latency_ms=l_arr,
                trend_primary=p_arr,
                waterfall=tuple(self._waterfall),
                accepted=self.accepted,
                in_progress=self.in_progress,
                rejected=tuple((k, v) for k, v in self.rejected.items() if v),
                dropped=tuple(sorted(self.dropped.items())),
                paused=self.paused,
                alerts=self.alerts.active() if self.alerts else (),
                flags=tuple(sorted(self.flags.items())),
            )
        return self._view


def _rebase(point: TrendPoint, b: Baseline) -> TrendPoint:
    """The point compared with a baseline captured from itself (every change is zero)."""
    return replace(
        point,
        baseline=b.name,
        amplitude_change_pct=change_pct(point.amplitude_uv, b.amplitude_uv),
        latency_change_pct=change_pct(point.latency_ms, b.latency_ms),
    )
