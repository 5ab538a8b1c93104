"""Baselines and trend points: each update of a test compared with its chosen baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .measures import Measures, PeakMeasure


@dataclass(frozen=True, slots=True)
class Baseline:
    """A captured average that later updates are compared with.

    Attributes:
        test: test id.
        name: e.g. ``"post-induction"``; ``"auto"`` for the automatic first one.
        t: LSL seconds of the update it was taken from.
        average_uv: (n_times, n_channels) µV as measured (read-only).
        amplitude_uv: the trended amplitude then.
        latency_ms: the trended latency then.
        snr: its SNR.
        sweeps: sweeps behind it.
        values: the modality's further measures then (see ``TrendPoint.values``).
    """

    test: str
    name: str
    t: float
    average_uv: NDArray[np.float64] | None
    amplitude_uv: float
    latency_ms: float
    snr: float
    sweeps: float
    values: tuple[tuple[str, float], ...] = ()

    def value(self, name: str) -> float:
        """A measure by name, as ``TrendPoint.value``."""
        if name in ("amplitude_uv", "latency_ms", "snr", "sweeps"):
            return float(getattr(self, name))
        return dict(self.values).get(name, math.nan)

    @classmethod
    def from_point(
        cls, name: str, point: TrendPoint, average: NDArray[np.float64] | None
    ) -> Baseline:
        """A baseline made of a trend point (and the average behind it, if any)."""
        return cls(
            point.test,
            name,
            point.t,
            average,
            point.amplitude_uv,
            point.latency_ms,
            point.snr,
            point.sweeps,
            point.values,
        )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One update of one test, with the provenance of every number.

    Attributes:
        test: test id.
        seq: update number of this test (1, 2, …).
        t: LSL seconds of the stimulus of the newest sweep in the average.
        amplitude_uv: the trended amplitude, µV.
        latency_ms: the trended latency, ms (NaN when the test has no peaks).
        peaks: every named peak measured.
        amplitude_change_pct: 100·(amplitude − baseline)/baseline; None without a baseline.
        latency_change_pct: 100·(latency − baseline)/baseline; None without a baseline.
        baseline: the name of the baseline compared with, or None.
        sweeps: sweeps in this average (effective number for EWMA).
        accepted: sweeps accepted since the test's average was last reset.
        rejected: sweeps rejected since then, total.
        rejected_by_reason: (reason, count) pairs, non-zero only.
        snr: signal/noise amplitude ratio of the measured channel.
        noise_uv: RMS of the ± average, µV.
        fsp: Elberling & Don's Fsp.
        mode: averaging mode (``"block"``, ``"moving"``, ``"ewma"``; ``"single"`` for single-sweep
            responses, ``"continuous"`` for free-run EMG and EEG).
        values: further named measures of the modality, with the unit in the name, e.g.
            ``("threshold_v", 300.0)``, ``("train_time_s", 3.2)``, ``("relative_alpha", 0.31)``.
        primary: the name of the quantity views trend first (``"amplitude_uv"`` or one of
            ``values``).
    """

    test: str
    seq: int
    t: float
    amplitude_uv: float
    latency_ms: float
    peaks: tuple[PeakMeasure, ...]
    amplitude_change_pct: float | None
    latency_change_pct: float | None
    baseline: str | None
    sweeps: float
    accepted: int
    rejected: int
    rejected_by_reason: tuple[tuple[str, int], ...]
    snr: float
    noise_uv: float
    fsp: float
    mode: str
    values: tuple[tuple[str, float], ...] = ()
    primary: str = "amplitude_uv"

    def value(self, name: str) -> float:
        """A measure by name: ``amplitude_uv``, ``latency_ms``, ``snr`` or one of ``values``."""
        if name in ("amplitude_uv", "latency_ms", "snr", "noise_uv", "fsp", "sweeps"):
            return float(getattr(self, name))
        for key, v in self.values:
            if key == name:
                return v
        return math.nan

    @property
    def primary_value(self) -> float:
        """The value of the primary quantity."""
        return self.value(self.primary)


def change_pct(value: float, reference: float) -> float | None:
    """100·(value − reference)/reference, or None when undefined (zero or non-finite)."""
    if not (math.isfinite(value) and math.isfinite(reference)) or reference == 0:
        return None
    return 100.0 * (value - reference) / reference


def make_trend_point(
    *,
    test: str,
    seq: int,
    t: float,
    measures: Measures,
    baseline: Baseline | None,
    sweeps: float,
    accepted: int,
    rejected: dict[str, int],
    mode: str,
) -> TrendPoint:
    """Build the trend point of one update."""
    amp_chg = change_pct(measures.amplitude_uv, baseline.amplitude_uv) if baseline else None
    lat_chg = change_pct(measures.latency_ms, baseline.latency_ms) if baseline else None
    return TrendPoint(
        test=test,
        seq=seq,
        t=t,
        amplitude_uv=measures.amplitude_uv,
        latency_ms=measures.latency_ms,
        peaks=measures.peaks,
        amplitude_change_pct=amp_chg,
        latency_change_pct=lat_chg,
        baseline=baseline.name if baseline else None,
        sweeps=sweeps,
        accepted=accepted,
        rejected=sum(rejected.values()),
        rejected_by_reason=tuple((k, v) for k, v in rejected.items() if v),
        snr=measures.snr,
        noise_uv=measures.noise_uv,
        fsp=measures.fsp,
        mode=mode,
    )
