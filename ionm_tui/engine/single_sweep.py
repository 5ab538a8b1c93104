"""Single-sweep responses (TcMEP, facial MEP, triggered EMG, RLN/vagal): measured sweep by sweep."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from numpy.typing import NDArray

from .markers import parse_marker
from .modality_specs import SingleSweepSpec
from .records import AverageRecord
from .specs import StreamSpec
from .sweep_tracker import SweepTracker
from .tracking import Record, read_only
from .trends import TrendPoint, change_pct


def _slice(times_ms: NDArray[np.float64], rng: tuple[float, float]) -> slice:
    idx = np.flatnonzero((times_ms >= rng[0] - 1e-9) & (times_ms <= rng[1] + 1e-9))
    if idx.size == 0:
        raise ValueError(f"the interval {rng!r} ms holds no sample at this rate")
    return slice(int(idx[0]), int(idx[-1]) + 1)


class SingleSweepTracker(SweepTracker):
    """One single-sweep response (see ``SingleSweepSpec`` for what is measured and how).

    Every accepted sweep is one trend point (mode ``"single"``) with ``amplitude_uv`` the
    peak-to-peak, ``latency_ms`` the onset (NaN without a response) and ``values``:
    ``present`` (1/0), ``area_uvms``, ``intensity_v``/``intensity_ma`` and
    ``threshold_v``/``threshold_ma`` (NaN until a response was seen).

    Args:
        spec: the test.
        stream: the data stream.
        gap_tolerance_s: windows spanning a data gap larger than this are rejected (``gap``).
        history: trend points kept for snapshots.
        waterfall_depth: past sweeps kept for the stacked view.
    """

    def __init__(
        self,
        spec: SingleSweepSpec,
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
        times = self.processor.times_ms
        self._resp = _slice(times, spec.response_ms)
        self._noise = _slice(times, spec.noise_ms)
        self._dt_ms = 1000.0 / stream.sfreq_hz
        unit = spec.intensity_unit.lower()
        self._intensity_key = f"intensity_{unit}"
        self._threshold_key = f"threshold_{unit}"
        self._recent: dict[str, deque[tuple[float, bool]]] = {}
        self._nan_pm = read_only(
            np.full((self.processor.n_times, self.processor.n_channels), np.nan)
        )

    def _use(self, sweep: NDArray[np.float64], t_stim: float, marker: str) -> list[Record]:
        """Measure an accepted sweep (n_times, n_channels) µV; its trend point and alerts."""
        self.accepted += 1
        spec = self.test
        parsed = parse_marker(marker)
        intensity = parsed.intensity
        if parsed.malformed or (parsed.unit and parsed.unit != spec.intensity_unit):
            # The sweep is still a response; only its intensity is unknown.
            self.flags["malformed_intensity"] = self.flags.get("malformed_intensity", 0) + 1
            intensity = math.nan
        y = sweep[:, 0]
        sd = float(y[self._noise].std())
        seg = y[self._resp]
        ptp = float(seg.max() - seg.min())
        area = float(np.abs(seg).sum() * self._dt_ms)
        present = ptp >= max(spec.present_uv, spec.present_sd * sd)
        latency = math.nan
        if present:
            above = np.flatnonzero(np.abs(seg) > max(spec.onset_sd * sd, spec.present_uv / 2.0))
            if above.size:
                latency = float(self.times_ms[self._resp][above[0]])
        rms = float(np.sqrt(np.mean(seg * seg)))
        snr = rms / sd if sd > 0 else math.inf
        recent = self._recent.setdefault(
            parsed.param("site") or "", deque(maxlen=spec.threshold_window)
        )
        recent.append((intensity, present))
        evoked = [i for i, p in recent if p and math.isfinite(i)]
        threshold = min(evoked) if evoked else math.nan
        b = self.baseline
        seq = self.seq + 1
        point = TrendPoint(
            test=self.id,
            seq=seq,
            t=t_stim,
            amplitude_uv=ptp,
            latency_ms=latency,
            peaks=(),
            amplitude_change_pct=change_pct(ptp, b.amplitude_uv) if b else None,
            latency_change_pct=change_pct(latency, b.latency_ms) if b else None,
            baseline=b.name if b else None,
            sweeps=1.0,
            accepted=self.accepted,
            rejected=sum(self.rejected.values()),
            rejected_by_reason=tuple((k, v) for k, v in self.rejected.items() if v),
            snr=snr,
            noise_uv=sd,
            fsp=math.nan,
            mode="single",
            values=(
                ("present", 1.0 if present else 0.0),
                ("area_uvms", area),
                (self._intensity_key, intensity),
                (self._threshold_key, threshold),
            ),
        )
        wave = AverageRecord(
            test=self.id,
            seq=seq,
            t=t_stim,
            times_ms=self.times_ms,
            channels=spec.channels,
            values_uv=read_only(sweep),
            pm_uv=self._nan_pm,
            sweeps=1.0,
            mode="single",
        )
        # Only a real response can be the reference the next ones are compared with.
        return self._publish(point, wave, wave.values_uv, baseline_worthy=present)
