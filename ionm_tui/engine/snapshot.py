"""Immutable views of the engine's state, safe to hand to another thread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .alerts import AlertStatus
from .records import AverageRecord
from .specs import AveragingSpec, TestSpec
from .trends import TrendPoint


@dataclass(frozen=True, slots=True)
class TestView:
    """One test as the views see it. Every array is read-only.

    Attributes:
        spec: the test's spec (id, label, modality, side, peaks, criteria).
        averaging: the averaging now in force (may differ from the spec after a change).
        times_ms: (n_times,) sample times of the sweep window.
        average_uv: (n_times, n_channels) the latest update's average as measured (band-passed
            when the test filters), or None before the first update.
        baseline_uv: the selected baseline's average, same shape, or None.
        baseline: name of the selected baseline.
        baselines: names of every captured baseline.
        latest: the latest trend point.
        trend_t: (n_points,) LSL seconds of the last trend points.
        trend_amplitude_uv: (n_points,) their amplitudes (for sparklines).
        trend_latency_ms: (n_points,) their latencies.
        trend_primary: (n_points,) their primary quantity (``latest.primary``; the amplitude for
            evoked potentials) for the sparkline.
        waterfall: the last few averages, oldest first (for the stacked view).
        accepted: sweeps accepted since the average was last reset.
        in_progress: sweeps accepted towards the next update (-1: not known, e.g. in a review,
            whose records hold updates only).
        rejected: (reason, count) sweeps rejected since the last reset.
        dropped: (reason, count) markers dropped before a sweep could be cut (whole run).
        paused: True while the test ignores its stimuli.
        alerts: this test's active alerts.
        flags: (what, count) noted about the input that did not stop it being used, e.g.
            ``("malformed_intensity", 3)``.
    """

    __test__ = False  # not a pytest class

    spec: TestSpec
    averaging: AveragingSpec
    times_ms: NDArray[np.float64]
    average_uv: NDArray[np.float64] | None
    baseline_uv: NDArray[np.float64] | None
    baseline: str | None
    baselines: tuple[str, ...]
    latest: TrendPoint | None
    trend_t: NDArray[np.float64]
    trend_amplitude_uv: NDArray[np.float64]
    trend_latency_ms: NDArray[np.float64]
    trend_primary: NDArray[np.float64]
    waterfall: tuple[AverageRecord, ...]
    accepted: int
    in_progress: int
    rejected: tuple[tuple[str, int], ...]
    dropped: tuple[tuple[str, int], ...]
    paused: bool
    alerts: tuple[AlertStatus, ...]
    flags: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class DataQuality:
    """Counters about the incoming data over the whole run.

    Attributes:
        samples: data samples received.
        markers: markers received.
        unknown_markers: markers whose code selects no test (ignored).
        gaps: holes detected in the data timestamps.
        clock_resets: backward jumps of the data timestamps.
        bad_chunks: chunks refused whole (wrong channel count, non-finite timestamps).
        pending: markers waiting for their data now.
    """

    samples: int
    markers: int
    unknown_markers: int
    gaps: int
    clock_resets: int
    bad_chunks: int
    pending: int


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """The whole engine at one moment.

    Attributes:
        seq: rises by one with every snapshot.
        t: LSL seconds of the newest data sample (-inf before any).
        tests: one view per test, in profile order.
        alerts: every active alert, highest priority first, then newest onset first.
        quality: data-quality counters.
        streams: health of each input stream (``ionm_tui.streams.health.StreamHealth``),
            attached by the worker loop; empty when the engine is used on its own.
    """

    seq: int
    t: float
    tests: tuple[TestView, ...]
    alerts: tuple[AlertStatus, ...]
    quality: DataQuality
    streams: tuple[object, ...] = ()
