"""Evoked responses per stimulus: which waveform lands on which channel, and how big."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .effects import Effects
from .montage import Procedure, channel_class, muscle_of
from .physiology import (
    ARTEFACT,
    BAEP_I,
    BAEP_III,
    BAEP_V,
    D_CAUDAL,
    D_ROSTRAL,
    INTACT_SCREW_MA,
    MEP,
    N8,
    N8_FAR,
    N9,
    N9_FAR,
    N13,
    N30,
    N37_FRONTAL,
    NERVE,
    P37,
    TEMG_LATENCY_MS,
)
from .scenario import Signal
from .schedule import Stimulus
from .screws import myotome
from .waveforms import CmapShape, Waveform, artefact, damped_sine, gaussians, spharapy_sep


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a response on one channel.

    Attributes:
        test: contract test id whose scripted changes apply (None: no test watches it).
        name: component name (``cortical``, ``muscle``, ``V`` …; see events.COMPONENTS).
        column: channel index.
        klass: which global effects apply: ``cortical`` (anaesthesia, drift, cortical gain),
            ``mep`` (anaesthesia, blockade, threshold), ``muscle`` (blockade), ``plain``.
        wave: fixed template, or None for a CMAP.
        cmap: CMAP pattern for muscle responses.
        threshold_v: TcMEP threshold (V) for ``mep``.
        polarity_locked: flips sign with click polarity (cochlear microphonic).
    """

    test: str | None
    name: str
    column: int
    klass: str
    wave: Waveform | None = None
    cmap: CmapShape | None = None
    threshold_v: float = 0.0
    polarity_locked: bool = False


def _family(code: str) -> str | None:
    if code.startswith("SSEP_"):
        return "ssep"
    if code.startswith(("TCMEP_", "FMEP_")) or code == "DWAVE":
        return "transcranial"
    if code == "TEMG":
        return "temg"
    if code.startswith(("VAGUS_", "RLN_")):
        return "nerve"
    return None  # clicks: acoustic, no electrical artefact


class Responses:
    """Renders each stimulus's artefact and responses into an overlap-add buffer.

    Args:
        proc: the procedure; labels: channel labels; sfreq_hz: rate; signal: gains.
        screws: scripted screw tests (their ``site`` and ``thresholds``).
        rng: draws the fixed per-channel artefact gains and per-muscle CMAP patterns.
    """

    def __init__(
        self,
        proc: Procedure,
        labels: tuple[str, ...],
        sfreq_hz: float,
        signal: Signal,
        screws: list[dict[str, Any]],
        rng: np.random.Generator,
    ) -> None:
        self._fs = sfreq_hz
        self._labels = labels
        self._signal = signal
        self._screws = screws
        self._col = {label: i for i, label in enumerate(labels)}
        tests = set(proc.test_ids)
        self._by_code: dict[str, list[Component]] = {}
        for code in sorted({t.marker for t in proc.tests if t.marker}):
            self._by_code[code] = self._components(code, tests, rng)
        n = len(labels)
        self._artefact: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
        # Unit-gain renderings of fixed templates, kept while their timing is unchanged: the
        # slow drift moves latencies by < 1e-4 between most stimuli.
        self._cache: dict[int, tuple[tuple[float, float], NDArray[np.float64]]] = {}
        for fam, (tau, size) in ARTEFACT.items():
            sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
            gain = np.array([size[channel_class(x)] for x in labels]) * np.exp(
                rng.normal(0, 0.3, n)
            )
            self._artefact[fam] = (artefact(tau).render(sfreq_hz), sign * gain)

    def _add(
        self,
        out: list[Component],
        test: str | None,
        name: str,
        label: str,
        klass: str,
        *,
        wave: Waveform | None = None,
        cmap: CmapShape | None = None,
        threshold_v: float = 0.0,
        polarity_locked: bool = False,
    ) -> None:
        if label in self._col:
            col = self._col[label]
            out.append(Component(test, name, col, klass, wave, cmap, threshold_v, polarity_locked))

    def _components(self, code: str, tests: set[str], rng: np.random.Generator) -> list[Component]:
        out: list[Component] = []
        side = code[-1]
        other = "R" if side == "L" else "L"
        test = code.lower().replace("_", "-")  # SSEP_UL_L → ssep-ul-l, VAGUS_L → vagus-l
        if code.startswith("SSEP_UL_"):
            parietal, frontal = spharapy_sep()
            contra, ipsi = ("C4p", "C3p") if side == "L" else ("C3p", "C4p")
            for label, klass, name, w in (
                (f"Ep{side}", "plain", "peripheral", gaussians(N9)),
                (f"Ep{other}", "plain", "peripheral", gaussians(N9_FAR)),
                ("C5S", "plain", "cervical", gaussians(N13)),
                (contra, "cortical", "cortical", parietal),
                ("Fz", "cortical", "cortical", frontal),
                ("FPz", "cortical", "cortical", frontal.scaled(0.3)),
                (ipsi, "cortical", "cortical", frontal.scaled(0.25)),
                ("Cz", "cortical", "cortical", parietal.scaled(0.35)),
                ("CPz", "cortical", "cortical", parietal.scaled(0.3)),
            ):
                self._add(out, test, name, label, klass, wave=w)
        elif code.startswith("SSEP_LL_"):
            # Paradoxical lateralisation: the tibial P37 is larger over the ipsilateral hemisphere.
            ipsi, contra = ("C3p", "C4p") if side == "L" else ("C4p", "C3p")
            p37 = gaussians(P37, 80.0)
            for label, klass, name, w in (
                (f"PF{side}", "plain", "peripheral", gaussians(N8)),
                (f"PF{other}", "plain", "peripheral", gaussians(N8_FAR)),
                ("C5S", "plain", "cervical", gaussians(N30)),
                ("CPz", "cortical", "cortical", p37),
                ("Cz", "cortical", "cortical", p37.scaled(0.8)),
                (ipsi, "cortical", "cortical", p37.scaled(0.6)),
                (contra, "cortical", "cortical", p37.scaled(0.25)),
                ("FPz", "cortical", "cortical", gaussians(N37_FRONTAL, 80.0)),
                ("Fz", "cortical", "cortical", gaussians(N37_FRONTAL, 80.0).scaled(0.8)),
            ):
                self._add(out, test, name, label, klass, wave=w)
        elif code.startswith(("TCMEP_", "FMEP_")):
            facial = code.startswith("FMEP_")
            for label in self._labels:
                mp = muscle_of(label)
                if mp is None or mp[1] != side or (mp[0] in ("OOC", "OOR")) != facial:
                    continue
                if mp[0] not in MEP:
                    continue
                lat, amp, thr = MEP[mp[0]]
                prefix = "fmep" if facial else "mep"
                tid = f"{prefix}-{mp[0].lower()}-{side.lower()}"
                cm = CmapShape.random(rng, lat, amp, int(rng.integers(3, 6)))
                self._add(
                    out,
                    tid if tid in tests else None,
                    "muscle",
                    label,
                    "mep",
                    cmap=cm,
                    threshold_v=thr,
                )
        elif code == "DWAVE":
            self._add(out, "dwave", "rostral", "DW1", "plain", wave=gaussians(D_ROSTRAL))
            self._add(out, "dwave", "caudal", "DW2", "plain", wave=gaussians(D_CAUDAL))
        elif code.startswith("BAEP_"):
            ear, far = ("A1", "A2") if side == "L" else ("A2", "A1")
            self._add(out, test, "I", ear, "plain", wave=gaussians(BAEP_I[0], 4.0))
            self._add(out, test, "I", "Cz", "plain", wave=gaussians(BAEP_I[1], 4.0))
            self._add(out, test, "III", "Cz", "plain", wave=gaussians(BAEP_III))
            self._add(out, test, "V", "Cz", "plain", wave=gaussians(BAEP_V))
            self._add(out, test, "V", far, "plain", wave=gaussians([(5.7, 0.3, -0.05)]))
            cm = damped_sine(0.7, 2000.0, 0.5, 0.5)
            self._add(out, None, "CM", ear, "plain", wave=cm, polarity_locked=True)
        elif code in NERVE:
            lat, amp = NERVE[code]
            cm = CmapShape.random(rng, lat, amp, 2)
            self._add(out, test, "muscle", f"VC_{side}", "muscle", cmap=cm)
            # Tube electrodes pick up a little of the other side (volume conduction).
            self._add(
                out,
                test,
                "muscle",
                f"VC_{other}",
                "muscle",
                cmap=CmapShape(
                    lat + 0.5, cm.centres_ms, cm.widths_ms * 1.5, cm.weights, amp * 0.04
                ),
            )
        elif code == "TEMG":
            for label in self._labels:
                mp = muscle_of(label)
                if mp is not None and mp[0] in TEMG_LATENCY_MS:
                    tid = f"temg-{mp[0].lower()}-{mp[1].lower()}"
                    cm = CmapShape.random(rng, TEMG_LATENCY_MS[mp[0]], 400.0, 3)
                    self._add(
                        out, tid if tid in tests else None, "muscle", label, "muscle", cmap=cm
                    )
        return out

    def render(
        self,
        stim: Stimulus,
        acc: NDArray[np.float64],
        offset: int,
        rng: np.random.Generator,
        effects: Effects,
    ) -> None:
        """Add the stimulus's artefact and responses to ``acc`` from row ``offset`` on.

        Args:
            stim: the stimulus; acc: (n_rows, n_channels) overlap-add buffer, µV.
            offset: the stimulus sample's row in ``acc``; rng: this frame's randomness.
            effects: scripted and slow changes.
        """
        t = stim.sample / self._fs
        room = acc.shape[0] - offset
        fam = _family(stim.code)
        if fam is not None:
            pulse, gains = self._artefact[fam]
            for p in range(stim.pulses):
                o = offset + round(p * stim.isi_ms * self._fs / 1000.0)
                m = min(pulse.shape[0], acc.shape[0] - o)
                acc[o : o + m] += pulse[:m, None] * gains
        glob = effects.anaesthesia(t)
        jitter = math.exp(rng.normal(0.0, 0.08))  # single-sweep variability of averaged responses
        for c in self._by_code.get(stim.code, ()):
            amp, stretch, shift = effects.response(c.test, c.name, t)
            if c.klass == "cortical":
                amp *= glob[0] * self._signal.cortical_gain
                stretch *= glob[1]
            elif c.klass == "mep":
                amp *= glob[2] * glob[3]
            elif c.klass == "muscle":
                amp *= glob[3]
            if c.cmap is not None:
                y = self._cmap(c, stim, rng, amp, stretch, shift)
            else:
                gain = amp * jitter * (stim.polarity if c.polarity_locked else 1)
                y = gain * self._template(c, stretch, shift)
            m = min(y.shape[0], room)
            acc[offset : offset + m, c.column] += y[:m]

    def _template(self, c: Component, stretch: float, shift_ms: float) -> NDArray[np.float64]:
        """Unit-gain rendering of a fixed template; timing quantised to 1e-4 and 1 µs."""
        key = (round(stretch, 4), round(shift_ms, 3))
        hit = self._cache.get(id(c))
        if hit is None or hit[0] != key:
            assert c.wave is not None
            hit = (key, c.wave.render(self._fs, stretch=key[0], shift_ms=key[1]))
            self._cache[id(c)] = hit
        return hit[1]

    def _cmap(
        self,
        c: Component,
        stim: Stimulus,
        rng: np.random.Generator,
        amp: float,
        stretch: float,
        shift: float,
    ) -> NDArray[np.float64]:
        assert c.cmap is not None
        shift_ms = shift + c.cmap.latency_ms * (stretch - 1.0)
        if c.klass == "mep":
            # Threshold behaviour: the chance of a response and its size grow with intensity.
            p = 1.0 / (1.0 + math.exp(-(stim.intensity - c.threshold_v) / 15.0))
            present = rng.uniform() < p
            gain = amp * (0.3 + 0.7 * p) if present else 0.0
            return c.cmap.trial(rng, self._fs, gain=gain, jitter=0.45, latency_shift_ms=shift_ms)
        if stim.code == "TEMG":
            thr = self._screw_threshold(stim.screw, self._labels[c.column])
            over = stim.intensity - thr
            # A clear response at threshold, growing (and saturating) with more current.
            gain = amp * (0.35 + 0.65 * (1.0 - math.exp(-over / 3.0))) if over >= 0 else 0.0
            return c.cmap.trial(rng, self._fs, gain=gain, jitter=0.2, latency_sd_ms=0.2)
        return c.cmap.trial(
            rng, self._fs, gain=amp, jitter=0.08, latency_shift_ms=shift_ms, latency_sd_ms=0.1
        )

    def _screw_threshold(self, screw: int, label: str) -> float:
        p = self._screws[screw]
        given = dict(p.get("thresholds") or {})
        if label in given:
            return float(given[label])
        return INTACT_SCREW_MA if label in myotome(str(p["site"])) else math.inf
