"""Scenario event kinds: their keys, defaults and checks against the procedure's contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .montage import Procedure, channel_class, muscle_of
from .screws import SITE_RE

# Which part of a test's response a `response`/`loss` event changes, per modality, and the
# default: what lies beyond a lesion (everything rostral to a spinal cord injury, the
# retrocochlear waves of an acoustic neuroma, the caudal D-wave below an intramedullary lesion).
COMPONENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ssep": (("peripheral", "cervical", "cortical"), ("cervical", "cortical")),
    "tcmep": (("muscle",), ("muscle",)),
    "nerve": (("muscle",), ("muscle",)),
    "baep": (("I", "III", "V"), ("III", "V")),
    "dwave": (("rostral", "caudal"), ("caudal",)),
}

# Default effect of each anaesthetic event, as % change from baseline, and its ramp (s).
AGENTS: dict[str, dict[str, float]] = {
    # Volatile agents depress cortical SSEPs dose-dependently and TcMEPs strongly (DOMAIN.md).
    "volatile": {
        "cortical_pct": -40,
        "latency_pct": 6,
        "mep_pct": -60,
        "muscle_pct": 0,
        "eeg_delta_pct": 60,
        "ramp": 180,
    },
    # "A bolus drops everything", then wears off (give it a duration).
    "propofol_bolus": {
        "cortical_pct": -35,
        "latency_pct": 3,
        "mep_pct": -80,
        "muscle_pct": 0,
        "eeg_delta_pct": 120,
        "ramp": 20,
    },
    # Neuromuscular blockade: every muscle response (MEP, tEMG, RLN, free-run EMG) shrinks.
    "nmb": {
        "cortical_pct": 0,
        "latency_pct": 0,
        "mep_pct": 0,
        "muscle_pct": -90,
        "eeg_delta_pct": 0,
        "ramp": 60,
    },
}


class EventError(ValueError):
    """An event key is wrong; ``key`` names it, the message says what was expected."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class Event:
    """One scripted event of a scenario.

    Attributes:
        index: 1-based position among the file's ``[[event]]`` tables.
        kind: the event kind (see ``KINDS``).
        at_s: scenario time it starts, s.
        duration_s: how long it lasts (s), or None for a lasting change.
        ramp_s: how long a change takes to develop, s (0 = a step).
        tests: the contract test ids it names (``tests`` key), else ().
        channels: the channel labels it names (``channels`` key), else ().
        params: every other key, with defaults filled in (read-only).
        note: free text shown in the ground truth.
    """

    index: int
    kind: str
    at_s: float
    duration_s: float | None
    ramp_s: float
    tests: tuple[str, ...]
    channels: tuple[str, ...]
    params: MappingProxyType[str, Any]
    note: str

    @property
    def end_s(self) -> float:
        """When the event (its duration, or its ramp) is over, s."""
        return self.at_s + max(self.duration_s or 0.0, self.ramp_s)


Check = Callable[[Any, str], Any]


def number(lo: float | None = None, hi: float | None = None) -> Check:
    """A check for a number within [lo, hi]."""

    def check(v: Any, key: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise EventError(key, f"expected a number, got {v!r}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise EventError(key, f"expected a number in [{lo}, {hi}], got {v!r}")
        return float(v)

    return check


def choice(*options: str) -> Check:
    """A check for one of ``options``."""

    def check(v: Any, key: str) -> str:
        if v not in options:
            raise EventError(key, f"expected one of {', '.join(options)}; got {v!r}")
        return str(v)

    return check


def boolean(v: Any, key: str) -> bool:
    """A check for true/false."""
    if not isinstance(v, bool):
        raise EventError(key, f"expected true or false, got {v!r}")
    return v


def strings(v: Any, key: str) -> tuple[str, ...]:
    """A check for a non-empty list of strings (a single string is accepted as a list of one)."""
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise EventError(key, f"expected a non-empty list of strings, got {v!r}")
    return tuple(items)


def text(v: Any, key: str) -> str:
    """A check for a non-empty string."""
    if not isinstance(v, str) or not v:
        raise EventError(key, f"expected a non-empty string, got {v!r}")
    return v


def thresholds(v: Any, key: str) -> dict[str, float]:
    """A check for a table of muscle channel → threshold current in mA."""
    if not isinstance(v, dict) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) and x > 0 for x in v.values()
    ):
        raise EventError(key, f"expected a table like {{ TA_L = 3.5 }} (mA > 0), got {v!r}")
    return {str(k): float(x) for k, x in v.items()}


TIME = object()  # marker: parsed by the scenario reader as seconds or "mm:ss"

_PCT = number(-100, 1000)
KINDS: dict[str, dict[str, Any]] = {
    # key → check, or (check, default); TIME keys are "ramp" and "duration".
    # A key without a default is required.
    "response": {
        "tests": strings,
        "amplitude_pct": (_PCT, 0.0),
        "latency_pct": (number(-50, 200), 0.0),
        "latency_ms": (number(-20, 50), 0.0),
        "components": (strings, None),
        "ramp": (TIME, 0.0),
    },
    "loss": {
        "tests": strings,
        "residual_pct": (number(0, 100), 0.0),
        "components": (strings, None),
        "ramp": (TIME, 0.0),
    },
    "anaesthesia": {
        "agent": choice(*AGENTS),
        "cortical_pct": (_PCT, None),
        "latency_pct": (_PCT, None),
        "mep_pct": (_PCT, None),
        "muscle_pct": (_PCT, None),
        "eeg_delta_pct": (_PCT, None),
        "ramp": (TIME, None),
        "duration": (TIME, None),
    },
    "electrode_off": {
        "channels": strings,
        "mode": (choice("flat", "noise"), "flat"),
        "duration": (TIME, None),
    },
    "dropout": {"duration": TIME, "markers": (boolean, True)},
    "cautery": {"duration": TIME, "amplitude_uv": (number(1, 1e6), 4000.0)},
    "neurotonic_train": {
        "channels": strings,
        "duration": TIME,
        "frequency_hz": (number(60, 210), 120.0),
        "amplitude_uv": (number(1, 1e5), 300.0),
    },
    "emg_burst": {"channels": strings, "duration": TIME, "amplitude_uv": (number(1, 1e5), 150.0)},
    "screw_test": {
        "site": text,
        "thresholds": (thresholds, None),
        "start_ma": (number(0.1, 100), 2.0),
        "stop_ma": (number(0.1, 100), 20.0),
        "step_ma": (number(0.05, 20), 1.0),
        "repeat": (number(1, 10), 2.0),
        "rate_hz": (number(0.5, 10), 2.0),
    },
    "eeg_change": {
        "side": choice("L", "R"),
        "alpha_pct": (_PCT, 0.0),
        "beta_pct": (_PCT, 0.0),
        "delta_pct": (_PCT, 0.0),
        "ramp": (TIME, 0.0),
    },
    "rln_probe": {
        "side": choice("L", "R"),
        "current_ma": (number(0.1, 10), 1.0),
        "count": (number(1, 50), 4.0),
        "rate_hz": (number(0.5, 10), 4.0),
    },
    "stimulus": {"tcmep_v": (number(50, 1000), None), "fmep_v": (number(50, 1000), None)},
}
COMMON_KEYS = ("at", "kind", "note")
FREE_RUN_EMG_KINDS = ("neurotonic_train", "emg_burst")


def check_event(ev: Event, proc: Procedure, stim_codes: frozenset[str]) -> None:
    """Check an event against the procedure (tests, channels, components, kind-specific rules).

    Raises:
        EventError: naming the offending key.
    """
    for t in ev.tests:
        if t not in proc.test_ids:
            raise EventError(
                "tests", f"no test {t!r} in {proc.id}; its tests: {', '.join(proc.test_ids)}"
            )
    for c in ev.channels:
        if c not in proc.labels:
            raise EventError(
                "channels", f"no channel {c!r} in {proc.id}; its channels: {' '.join(proc.labels)}"
            )
    p = ev.params
    if ev.kind in ("response", "loss"):
        for t in ev.tests:
            mod = proc.test(t).modality
            if mod not in COMPONENTS:
                hint = {
                    "eeg": "eeg_change",
                    "emg": "neurotonic_train / emg_burst",
                    "temg": "screw_test",
                }
                raise EventError(
                    "tests", f"test {t!r} is {mod}; script it with kind = {hint.get(mod)!r}"
                )
            allowed = COMPONENTS[mod][0]
            for comp in p.get("components") or ():
                if comp not in allowed:
                    raise EventError(
                        "components",
                        f"{t} ({mod}) has components {', '.join(allowed)}; got {comp!r}",
                    )
    elif ev.kind in FREE_RUN_EMG_KINDS:
        for c in ev.channels:
            if channel_class(c) != "muscle":
                raise EventError("channels", f"{c!r} is not a muscle channel (free-run EMG)")
    elif ev.kind == "screw_test":
        if "TEMG" not in stim_codes:
            raise EventError("kind", f"{proc.id} has no triggered-EMG tests (TEMG)")
        if not SITE_RE.match(p["site"]):
            raise EventError(
                "site", f"expected one level and side like 'L4_L' or 'S1_R', got {p['site']!r}"
            )
        for ch in p.get("thresholds") or {}:
            if ch not in proc.labels or muscle_of(ch) is None:
                raise EventError("thresholds", f"{ch!r} is not a muscle channel of {proc.id}")
        if p["stop_ma"] < p["start_ma"]:
            raise EventError("stop_ma", f"expected stop_ma ≥ start_ma ({p['start_ma']:g})")
    elif ev.kind == "rln_probe" and "RLN_L" not in stim_codes:
        raise EventError("kind", f"{proc.id} has no RLN tests")
    elif ev.kind == "stimulus":
        given = [k for k in ("tcmep_v", "fmep_v") if p.get(k) is not None]
        if not given:
            raise EventError("tcmep_v", "expected at least one of tcmep_v, fmep_v")
        for k in given:
            code = {"tcmep_v": "TCMEP_L", "fmep_v": "FMEP_L"}[k]
            if code not in stim_codes:
                raise EventError(k, f"{proc.id} has no {code.split('_')[0]} stimulation")
