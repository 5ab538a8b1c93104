"""What the script does to the signals over time: response factors, anaesthesia, artefacts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .events import COMPONENTS, Event
from .montage import LEFT_HEMISPHERE, RIGHT_HEMISPHERE
from .scenario import Scenario


class Timeline:
    """Values that start at a baseline and move linearly to each event's target over its ramp.

    Each step sets an absolute target (relative to baseline, not to the previous step), so a
    second event with the baseline values is a recovery.

    Args:
        base: (n_values,) values before any step.
        steps: (t_s, ramp_s, target (n_values,)) in any order.
    """

    def __init__(self, base: list[float], steps: list[tuple[float, float, list[float]]]) -> None:
        self._base = np.asarray(base, dtype=np.float64)
        steps = sorted(steps, key=lambda s: s[0])
        self._t = np.array([s[0] for s in steps], dtype=np.float64)
        self._ramp = np.array([s[1] for s in steps], dtype=np.float64)
        self._target = [np.asarray(s[2], dtype=np.float64) for s in steps]
        self._start: list[NDArray[np.float64]] = []
        for i in range(len(steps)):  # the value each step starts from (the previous may ramp)
            self._start.append(self._base if i == 0 else self._eval(i - 1, self._t[i]))

    def _eval(self, i: int, t: float) -> NDArray[np.float64]:
        frac = 1.0 if self._ramp[i] <= 0 else min(1.0, (t - self._t[i]) / self._ramp[i])
        return self._start[i] + (self._target[i] - self._start[i]) * frac

    def at(self, t: float) -> NDArray[np.float64]:
        """(n_values,) values at scenario time ``t`` s."""
        i = int(np.searchsorted(self._t, t, side="right")) - 1
        return self._base if i < 0 else self._eval(i, t)


@dataclass(frozen=True, slots=True)
class Interval:
    """A scripted stretch of samples [start, stop) with what happens there."""

    start: int
    stop: int
    channels: tuple[int, ...]
    event: Event


def _pct(v: float) -> float:
    return max(0.0, 1.0 + v / 100.0)


class Effects:
    """Every scripted and slow change, queried by time (s) or sample range.

    Args:
        scenario: the scenario.
        labels: channel labels in stream order.
        sfreq_hz: sampling rate.
        rng: draws the slow drift's periods and phases (seed-dependent).
    """

    def __init__(
        self, scenario: Scenario, labels: tuple[str, ...], sfreq_hz: float, rng: np.random.Generator
    ) -> None:
        proc = scenario.procedure
        col = {label: i for i, label in enumerate(labels)}
        resp: dict[tuple[str, str], list] = {}
        agents: dict[str, list] = {}
        eeg: dict[str, list] = {"L": [], "R": []}
        intensity: dict[str, list[tuple[float, float]]] = {}
        self.intervals: dict[str, list[Interval]] = {}
        for ev in scenario.events:
            p = ev.params
            if ev.kind in ("response", "loss"):
                for test in ev.tests:
                    mod = proc.test(test).modality
                    comps = p.get("components") or COMPONENTS[mod][1]
                    if ev.kind == "loss":
                        target = [p["residual_pct"] / 100.0, 1.0, 0.0]
                    else:
                        target = [_pct(p["amplitude_pct"]), _pct(p["latency_pct"]), p["latency_ms"]]
                    for c in comps:
                        resp.setdefault((test, c), []).append((ev.at_s, ev.ramp_s, target))
            elif ev.kind == "anaesthesia":
                keys = ("cortical_pct", "latency_pct", "mep_pct", "muscle_pct", "eeg_delta_pct")
                target = [_pct(p[k]) for k in keys]
                steps = agents.setdefault(p["agent"], [])
                steps.append((ev.at_s, ev.ramp_s, target))
                if ev.duration_s is not None:  # wears off with the same ramp
                    steps.append((ev.at_s + ev.duration_s, ev.ramp_s, [1.0] * 5))
            elif ev.kind == "eeg_change":
                target = [_pct(p["alpha_pct"]), _pct(p["beta_pct"]), _pct(p["delta_pct"])]
                eeg[p["side"]].append((ev.at_s, ev.ramp_s, target))
            elif ev.kind == "stimulus":
                for k in ("tcmep_v", "fmep_v"):
                    if p.get(k) is not None:
                        intensity.setdefault(k, []).append((ev.at_s, p[k]))
            else:
                start = round(ev.at_s * sfreq_hz)
                stop = (
                    start + round(ev.duration_s * sfreq_hz) if ev.duration_s is not None else 2**62
                )
                chans = tuple(col[c] for c in ev.channels) or tuple(range(len(labels)))
                self.intervals.setdefault(ev.kind, []).append(Interval(start, stop, chans, ev))
        self._resp = {k: Timeline([1.0, 1.0, 0.0], v) for k, v in resp.items()}
        self._agents = [Timeline([1.0] * 5, v) for v in agents.values()]
        self._eeg = {side: Timeline([1.0, 1.0, 1.0], v) for side, v in eeg.items()}
        self._intensity = {k: sorted(v) for k, v in intensity.items()}
        self._hemi = {
            "L": np.array([lab in LEFT_HEMISPHERE for lab in labels]),
            "R": np.array([lab in RIGHT_HEMISPHERE for lab in labels]),
        }
        # Slow drift: three incommensurate sinusoids with periods of 2–15 minutes.
        self._drift_pct = scenario.signal.drift_pct
        self._drift_w = 2 * math.pi / rng.uniform(120.0, 900.0, (2, 3))
        self._drift_ph = rng.uniform(0, 2 * math.pi, (2, 3))

    def response(self, test: str | None, component: str, t: float) -> NDArray[np.float64]:
        """(amplitude factor, latency stretch, latency shift ms) of a test's component."""
        tl = self._resp.get((test or "", component))
        return tl.at(t) if tl is not None else np.array([1.0, 1.0, 0.0])

    def anaesthesia(self, t: float) -> NDArray[np.float64]:
        """(cortical amplitude, cortical latency stretch, MEP amplitude, muscle amplitude,
        EEG delta) factors of all agents together, times the slow drift of the first two."""
        out = np.ones(5)
        for tl in self._agents:
            out *= tl.at(t)
        s = (np.sin(self._drift_w * t + self._drift_ph)).mean(axis=1)  # each within ±1
        out[0] *= 1.0 + self._drift_pct / 100.0 * s[0]
        out[1] *= 1.0 + self._drift_pct / 500.0 * s[1]
        return out

    def eeg_gains(self, t: float) -> NDArray[np.float64]:
        """(4, n_channels) multipliers of the EEG bands (background, delta, alpha, beta)."""
        g = np.ones((4, self._hemi["L"].shape[0]))
        g[1] *= self.anaesthesia(t)[4]
        for side, mask in self._hemi.items():
            alpha, beta, delta = self._eeg[side].at(t)
            g[1, mask] *= delta
            g[2, mask] *= alpha
            g[3, mask] *= beta
        return g

    def intensity(self, key: str, t: float, default: float) -> float:
        """A stimulation intensity (``tcmep_v``, ``fmep_v``) in force at ``t``."""
        value = default
        for at, v in self._intensity.get(key, ()):
            if at <= t:
                value = v
        return value

    def active(self, kind: str, start: int, stop: int) -> list[Interval]:
        """Intervals of ``kind`` overlapping samples [start, stop)."""
        return [iv for iv in self.intervals.get(kind, ()) if iv.start < stop and iv.stop > start]
