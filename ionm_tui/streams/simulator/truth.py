"""Machine-readable ground truth of a scenario: what changes, when, where and by how much."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .events import AGENTS, COMPONENTS, Event
from .montage import LEFT_HEMISPHERE, RIGHT_HEMISPHERE, Procedure
from .physiology import INTACT_SCREW_MA
from .scenario import Scenario
from .screws import myotome, screw_currents


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """One scripted event as a grader sees it.

    Attributes:
        time_s: when it starts, scenario seconds.
        end_s: when a transient event is over (its duration), or when a lasting change has
            fully developed (its ramp); None for an instantaneous lasting step.
        kind: the event kind.
        channels: channel labels whose signal it changes.
        tests: contract test ids (docs/montages.md) it affects.
        effect: the expected effect, e.g. ``{"amplitude_factor": 0.4, "components": [...]}``.
        description: one line in words.
    """

    time_s: float
    end_s: float | None
    kind: str
    channels: list[str]
    tests: list[str]
    effect: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


# Which channels carry each component (mirrors responses.py; used to name affected channels).
_SSEP_CHANNELS = {
    ("ul", "L"): {
        "peripheral": ["EpL", "EpR"],
        "cervical": ["C5S"],
        "cortical": ["C4p", "Fz", "FPz", "C3p", "Cz", "CPz"],
    },
    ("ll", "L"): {
        "peripheral": ["PFL", "PFR"],
        "cervical": ["C5S"],
        "cortical": ["CPz", "Cz", "C3p", "C4p", "FPz", "Fz"],
    },
}


def _component_channels(proc: Procedure, test: str, comps: list[str]) -> list[str]:
    t = proc.test(test)
    if t.modality == "ssep":
        limb, side = test.split("-")[1], test[-1].upper()
        table = _SSEP_CHANNELS[(limb, "L")]
        swap = {"EpL": "EpR", "EpR": "EpL", "PFL": "PFR", "PFR": "PFL", "C3p": "C4p", "C4p": "C3p"}
        out = [ch if side == "L" else swap.get(ch, ch) for c in comps for ch in table[c]]
    elif t.modality == "baep":
        ear, far = ("A1", "A2") if test.endswith("-l") else ("A2", "A1")
        by = {"I": [ear, "Cz"], "III": ["Cz"], "V": ["Cz", far]}
        out = [ch for c in comps for ch in by[c]]
    elif t.modality == "dwave":
        out = [{"rostral": "DW1", "caudal": "DW2"}[c] for c in comps]
    elif t.modality == "nerve":
        out = [f"VC_{test[-1].upper()}", f"VC_{'R' if test.endswith('-l') else 'L'}"]
    else:
        out = list(t.labels())
    return [ch for ch in dict.fromkeys(out) if ch in proc.labels]


def _of(proc: Procedure, modalities: tuple[str, ...]) -> list[str]:
    return [t.id for t in proc.tests if t.modality in modalities]


def _truth(ev: Event, proc: Procedure) -> TruthEvent:
    p = dict(ev.params)
    every = list(proc.labels)
    end = ev.at_s + ev.duration_s if ev.duration_s is not None else None
    if ev.kind in ("response", "loss"):
        chans: list[str] = []
        comps_by_test = {}
        for test in ev.tests:
            comps = list(p.get("components") or COMPONENTS[proc.test(test).modality][1])
            comps_by_test[test] = comps
            chans += _component_channels(proc, test, comps)
        if ev.kind == "loss":
            effect = {"amplitude_factor": p["residual_pct"] / 100.0, "latency_factor": 1.0}
        else:
            effect = {
                "amplitude_factor": max(0.0, 1 + p["amplitude_pct"] / 100.0),
                "latency_factor": max(0.0, 1 + p["latency_pct"] / 100.0),
                "latency_shift_ms": p["latency_ms"],
            }
        effect |= {"components": comps_by_test, "ramp_s": ev.ramp_s}
        return TruthEvent(
            ev.at_s,
            ev.at_s + ev.ramp_s if ev.ramp_s else None,
            ev.kind,
            list(dict.fromkeys(chans)),
            list(ev.tests),
            effect,
        )
    if ev.kind == "anaesthesia":
        f = {k: max(0.0, 1 + p[k] / 100.0) for k in AGENTS["volatile"] if k.endswith("_pct")}
        effect = {
            "agent": p["agent"],
            "cortical_amplitude_factor": f["cortical_pct"],
            "cortical_latency_factor": f["latency_pct"],
            "mep_amplitude_factor": f["mep_pct"],
            "muscle_amplitude_factor": f["muscle_pct"],
            "eeg_delta_factor": f["eeg_delta_pct"],
            "ramp_s": ev.ramp_s,
            "wears_off_s": ev.duration_s,
        }
        tests = []
        if f["cortical_pct"] != 1 or f["latency_pct"] != 1:
            tests += _of(proc, ("ssep",))
        if f["mep_pct"] != 1 or f["muscle_pct"] != 1:
            tests += _of(proc, ("tcmep",))
        if f["muscle_pct"] != 1:
            tests += _of(proc, ("nerve", "temg", "emg"))
        if f["eeg_delta_pct"] != 1:
            tests += _of(proc, ("eeg",))
        chans = [c for c in every if any(c in proc.test(t).labels() for t in tests)]
        if end is None and ev.ramp_s:
            end = ev.at_s + ev.ramp_s
        return TruthEvent(ev.at_s, end, ev.kind, chans, tests, effect)
    if ev.kind == "eeg_change":
        hemi = LEFT_HEMISPHERE if p["side"] == "L" else RIGHT_HEMISPHERE
        chans = [c for c in proc.labels if c in hemi]
        tests = [t.id for t in proc.tests if t.modality == "eeg" and set(t.labels()) & set(hemi)]
        effect = {"side": p["side"], "ramp_s": ev.ramp_s} | {
            f"{b}_factor": max(0.0, 1 + p[f"{b}_pct"] / 100.0) for b in ("alpha", "beta", "delta")
        }
        return TruthEvent(
            ev.at_s, ev.at_s + ev.ramp_s if ev.ramp_s else None, ev.kind, chans, tests, effect
        )
    if ev.kind == "screw_test":
        currents, _ = screw_currents(p, p["site"])
        given = dict(p.get("thresholds") or {})
        muscles = [m for m in dict.fromkeys([*myotome(p["site"]), *given]) if m in proc.labels]
        thr = {m: given.get(m, INTACT_SCREW_MA) for m in muscles}
        tests = [f"temg-{m.lower().replace('_', '-')}" for m in muscles]
        effect = {
            "site": p["site"],
            "threshold_ma": thr,
            "currents_ma": currents,
            "expected_lowest_response_ma": min(
                [c for c in currents if any(c >= v for v in thr.values())], default=None
            ),
        }
        stop = ev.at_s + (len(currents) - 1) / p["rate_hz"]
        return TruthEvent(
            ev.at_s, stop, ev.kind, muscles, [t for t in tests if t in proc.test_ids], effect
        )
    if ev.kind == "rln_probe":
        s = p["side"]
        effect = {"current_ma": p["current_ma"], "stimuli": int(p["count"])}
        stop = ev.at_s + (p["count"] - 1) / p["rate_hz"]
        return TruthEvent(ev.at_s, stop, ev.kind, [f"VC_{s}"], [f"rln-{s.lower()}"], effect)
    if ev.kind == "stimulus":
        effect = {k: v for k, v in p.items() if v is not None}
        tests = _of(proc, ("tcmep",))
        chans = sorted({ch for t in tests for ch in proc.test(t).labels()}, key=every.index)
        return TruthEvent(ev.at_s, None, ev.kind, chans, tests, effect)
    # Interval events: dropout, cautery, electrode_off, neurotonic_train, emg_burst.
    chans = list(ev.channels) or every
    if ev.kind in ("neurotonic_train", "emg_burst"):
        tests = [t.id for t in proc.tests if t.modality == "emg" and set(t.labels()) & set(chans)]
    elif ev.kind == "electrode_off":
        tests = list(proc.tests_using(chans))
    else:
        tests = list(proc.test_ids)
    return TruthEvent(ev.at_s, end, ev.kind, chans, tests, {k: v for k, v in p.items()})


def _describe(t: TruthEvent, ev: Event) -> str:
    if ev.note:
        return ev.note
    what = ", ".join(t.tests) or ", ".join(t.channels)
    return f"{ev.kind.replace('_', ' ')} ({what})"


def ground_truth(scenario: Scenario) -> list[TruthEvent]:
    """Every scripted event of ``scenario``, in time order (file order for ties)."""
    proc = scenario.procedure
    out = []
    for ev in sorted(scenario.events, key=lambda e: (e.at_s, e.index)):
        t = _truth(ev, proc)
        out.append(
            TruthEvent(t.time_s, t.end_s, t.kind, t.channels, t.tests, t.effect, _describe(t, ev))
        )
    return out


def truth_document(scenario: Scenario, seed: int | None = None) -> dict[str, Any]:
    """The ``--truth`` JSON document: scenario header plus every event."""
    return {
        "scenario": scenario.name,
        "profile": scenario.profile,
        "description": scenario.description,
        "duration_s": scenario.duration_s,
        "seed": scenario.seed if seed is None else seed,
        "sfreq_hz": scenario.procedure.sfreq_hz,
        "labels": list(scenario.procedure.labels),
        "events": [t.as_dict() for t in ground_truth(scenario)],
    }
