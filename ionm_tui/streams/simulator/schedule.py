"""The stimulation schedule: periodic and scripted stimuli on the sample grid, with markers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .effects import Effects
from .scenario import Scenario
from .screws import screw_currents

# Averaged stimuli (SSEP, BAEP) are skipped this close to a single-sweep stimulus (TcMEP, D-wave,
# tEMG, nerve): real systems pause them, and a sweep would be lost to the artefact anyway.
GUARD_S = 0.12


@dataclass(frozen=True, slots=True)
class Stimulus:
    """One stimulus.

    Attributes:
        sample: absolute sample index (the marker's timestamp is this sample's).
        code: marker code, e.g. ``"SSEP_LL_L"``.
        marker: the whole marker string (docs/montages.md grammar).
        averaged: True for stimuli whose responses are averaged (SSEP, BAEP).
        intensity: mA or V (NaN for clicks).
        pulses: pulses in the train (1 for a single pulse).
        isi_ms: inter-pulse interval of a train.
        polarity: +1 rarefaction, −1 condensation (clicks), 0 otherwise.
        screw: index of the scripted screw test (TEMG), −1 otherwise.
    """

    sample: int
    code: str
    marker: str
    averaged: bool
    intensity: float = math.nan
    pulses: int = 1
    isi_ms: float = 0.0
    polarity: int = 0
    screw: int = -1


@dataclass(frozen=True, slots=True)
class Periodic:
    """Stimuli at ``first_s + k·period_s``, codes cycling through ``codes``."""

    codes: tuple[str, ...]
    period_s: float
    first_s: float
    averaged: bool

    def indices(self, sfreq_hz: float, start: int, stop: int) -> range:
        """Values of k whose sample may fall in [start, stop) (checked by the caller)."""
        k0 = max(0, math.floor((start / sfreq_hz - self.first_s) / self.period_s) - 1)
        k1 = max(0, math.ceil((stop / sfreq_hz - self.first_s) / self.period_s) + 1)
        return range(k0, k1)


class Schedule:
    """Every stimulus of a scenario, queried by sample range.

    Args:
        scenario: the scenario (stimulation settings, scripted screw tests and RLN probes).
        sfreq_hz: sampling rate.
        effects: for intensities changed by ``stimulus`` events.
    """

    def __init__(self, scenario: Scenario, sfreq_hz: float, effects: Effects) -> None:
        self._fs = sfreq_hz
        self._st = scenario.stimulation
        self._effects = effects
        codes = {t.marker for t in scenario.procedure.tests if t.marker}
        st = self._st
        pair = 1.0 / st.ssep_rate_hz
        self._periodic: list[Periodic] = []
        if "SSEP_UL_L" in codes:
            self._periodic.append(Periodic(("SSEP_UL_L", "SSEP_UL_R"), pair, 0.1, True))
        if "SSEP_LL_L" in codes:  # interleaved half-way between the upper-limb stimuli
            self._periodic.append(Periodic(("SSEP_LL_L", "SSEP_LL_R"), pair, 0.1 + pair / 2, True))
        if "TCMEP_L" in codes:
            self._periodic.append(
                Periodic(("TCMEP_L", "TCMEP_R"), st.tcmep_interval_s, 20.0, False)
            )
        if "DWAVE" in codes:
            self._periodic.append(Periodic(("DWAVE",), st.dwave_interval_s, 2.5, False))
        if "BAEP_L" in codes:
            self._periodic.append(Periodic(("BAEP_L", "BAEP_R"), 0.5 / st.baep_rate_hz, 0.1, True))
        if "VAGUS_L" in codes:
            self._periodic.append(
                Periodic(("VAGUS_L", "VAGUS_R"), st.vagus_interval_s / 2, 0.25, False)
            )
        if "FMEP_L" in codes:
            self._periodic.append(Periodic(("FMEP_L",), st.fmep_interval_s, 30.0, False))
        self.screws: list[dict[str, Any]] = []
        scripted: list[Stimulus] = []
        for ev in scenario.events:
            p = ev.params
            if ev.kind == "screw_test":
                currents, _ = screw_currents(dict(p), p["site"])
                for j, ma in enumerate(currents):
                    s = round((ev.at_s + j / p["rate_hz"]) * sfreq_hz)
                    marker = f"TEMG {ma:g}mA site={p['site']}"
                    scripted.append(Stimulus(s, "TEMG", marker, False, ma, screw=len(self.screws)))
                self.screws.append(dict(p))
            elif ev.kind == "rln_probe":
                code = f"RLN_{p['side']}"
                for j in range(int(p["count"])):
                    s = round((ev.at_s + j / p["rate_hz"]) * sfreq_hz)
                    ma = p["current_ma"]
                    scripted.append(Stimulus(s, code, f"{code} {ma:g}mA", False, ma))
        self._scripted = sorted(scripted, key=lambda x: x.sample)
        self._scripted_at = np.array([x.sample for x in self._scripted], dtype=np.int64)

    def _make(self, code: str, k: int, sample: int) -> Stimulus:
        st, t = self._st, sample / self._fs
        if code.startswith("SSEP_"):
            ma = st.ssep_ul_ma if "_UL_" in code else st.ssep_ll_ma
            return Stimulus(sample, code, f"{code} {ma:g}mA", True, ma)
        if code.startswith("TCMEP_"):
            v = self._effects.intensity("tcmep_v", t, st.tcmep_v)
            marker = f"{code} {v:g}V train={st.tcmep_train}"
            return Stimulus(sample, code, marker, False, v, st.tcmep_train, st.tcmep_isi_ms)
        if code == "FMEP_L":
            v = self._effects.intensity("fmep_v", t, st.fmep_v)
            marker = f"{code} {v:g}V train={st.fmep_train}"
            return Stimulus(sample, code, marker, False, v, st.fmep_train, st.tcmep_isi_ms)
        if code == "DWAVE":
            return Stimulus(sample, code, f"DWAVE {st.dwave_v:g}V", False, st.dwave_v)
        if code.startswith("BAEP_"):
            # Ears alternate (k even: left); each ear's clicks alternate rarefaction/condensation.
            pol = 1 if (k // 2) % 2 == 0 else -1
            name = "rare" if pol > 0 else "cond"
            return Stimulus(sample, code, f"{code} polarity={name}", True, polarity=pol)
        return Stimulus(sample, code, f"{code} {st.vagus_ma:g}mA", False, st.vagus_ma)

    def _collect(self, start: int, stop: int, averaged: bool) -> list[Stimulus]:
        out: list[Stimulus] = []
        for per in self._periodic:
            if per.averaged != averaged:
                continue
            for k in per.indices(self._fs, start, stop):
                s = round((per.first_s + k * per.period_s) * self._fs)
                if start <= s < stop:
                    out.append(self._make(per.codes[k % len(per.codes)], k, s))
        if not averaged:
            lo, hi = np.searchsorted(self._scripted_at, [start, stop])
            out.extend(self._scripted[lo:hi])
        return out

    def stimuli(self, start: int, stop: int) -> list[Stimulus]:
        """Stimuli with samples in [start, stop), by sample (single-sweep before averaged)."""
        single = self._collect(start, stop, False)
        guard = round(GUARD_S * self._fs)
        near = [x.sample for x in self._collect(start - guard, stop + guard, False)]
        averaged = [
            x
            for x in self._collect(start, stop, True)
            if not any(abs(x.sample - s) <= guard for s in near)
        ]
        return sorted([*single, *averaged], key=lambda x: (x.sample, x.averaged, x.code))
