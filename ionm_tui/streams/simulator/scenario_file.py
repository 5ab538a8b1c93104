"""Scenario files (TOML): reading and validating them, listing and loading the shipped ones."""

from __future__ import annotations

import difflib
import math
import sys
from dataclasses import fields
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ionm_tui.errors import StreamError

from .events import AGENTS, COMMON_KEYS, KINDS, TIME, Event, EventError, check_event
from .montage import PROCEDURES
from .scenario import Scenario, ScenarioInfo, Signal, Stimulation, parse_time
from .screws import screw_currents

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class UnknownScenarioError(StreamError):
    """The name is neither a shipped scenario nor a scenario file."""


def _fail(path: str, key: str, message: str) -> StreamError:
    return StreamError(f"Scenario file {path}: key '{key}': {message}", title="Scenario error")


def _unknown_keys(path: str, where: str, table: dict, known: list[str] | tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(
                path, f"{where}{key}", f"unknown key{hint}; expected one of {', '.join(known)}"
            )


def _settings(path: str, name: str, table: Any, cls: type) -> Any:
    """Fill a Signal/Stimulation dataclass from a TOML table, checking names and types."""
    if table is None:
        return cls()
    if not isinstance(table, dict):
        raise _fail(path, name, "expected a table")
    names = [f.name for f in fields(cls)]
    _unknown_keys(path, f"{name}.", table, names)
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in table:
            continue
        v = table[f.name]
        is_int = f.type == "int"
        ok = isinstance(v, int) if is_int else isinstance(v, int | float)
        # Levels may be 0 (a noiseless channel class); rates, intensities and the range may not.
        floor_ok = v >= 0 if f.name.endswith("_uv") and f.name != "range_uv" else v > 0
        if isinstance(v, bool) or not ok or not math.isfinite(v) or not floor_ok:
            kind = "an integer" if is_int else "a number"
            kind += " ≥ 0" if f.name.endswith("_uv") and f.name != "range_uv" else " > 0"
            raise _fail(path, f"{name}.{f.name}", f"expected {kind}, got {v!r}")
        out[f.name] = int(v) if is_int else float(v)
    return cls(**out)


def _event(path: str, i: int, raw: Any, duration_s: float) -> Event:
    where = f"event[{i}]."
    if not isinstance(raw, dict):
        raise _fail(path, f"event[{i}]", "expected a table ([[event]])")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(path, f"{where}kind", f"expected one of {', '.join(KINDS)}; got {kind!r}")
    schema = KINDS[kind]
    _unknown_keys(path, where, raw, [*COMMON_KEYS, *schema])
    if "at" not in raw:
        raise _fail(path, f"{where}at", 'missing; expected the event time (seconds or "mm:ss")')
    try:
        at_s = parse_time(raw["at"])
    except ValueError as exc:
        raise _fail(path, f"{where}at", str(exc)) from None
    if at_s >= duration_s:
        raise _fail(
            path, f"{where}at", f"{at_s:g} s is beyond the scenario duration ({duration_s:g} s)"
        )
    params: dict[str, Any] = {}
    for key, spec in schema.items():
        check, default, required = (
            (spec, None, True) if not isinstance(spec, tuple) else (*spec, False)
        )
        if key not in raw:
            if required:
                raise _fail(path, f"{where}{key}", f"missing; required for kind = '{kind}'")
            params[key] = default
            continue
        try:
            params[key] = parse_time(raw[key]) if check is TIME else check(raw[key], key)
        except (EventError, ValueError) as exc:
            raise _fail(path, f"{where}{key}", str(exc)) from None
    if kind == "anaesthesia":  # unspecified effects take the agent's defaults
        for k, v in AGENTS[params["agent"]].items():
            if params.get(k) is None:
                params[k] = v
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _fail(path, f"{where}note", f"expected a string, got {note!r}")
    ev = Event(
        index=i,
        kind=kind,
        at_s=at_s,
        duration_s=params.pop("duration", None),
        ramp_s=params.pop("ramp", None) or 0.0,
        tests=params.pop("tests", None) or (),
        channels=params.pop("channels", None) or (),
        params=MappingProxyType(params),
        note=note,
    )
    end = ev.end_s
    if kind == "screw_test":
        end = at_s + len(screw_currents(params, params["site"])[0]) / params["rate_hz"]
    elif kind == "rln_probe":
        end = at_s + params["count"] / params["rate_hz"]
    if end > duration_s + 1e-9:
        raise _fail(
            path,
            f"{where}at",
            f"the event runs to {end:g} s, beyond the scenario duration ({duration_s:g} s)",
        )
    return ev


def read_scenario(path: str | Path, text: str | None = None) -> Scenario:
    """Read and validate one scenario file.

    Raises:
        StreamError: the file cannot be read, is not TOML, or breaks a rule; the message names
            the file, the key and what was expected.
    """
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8") if text is None else text
        doc = tomllib.loads(text)
    except OSError as exc:
        raise StreamError(f"Scenario file {path} cannot be read: {exc.strerror or exc}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StreamError(f"Scenario file {path} is not valid TOML: {exc}.") from None
    _unknown_keys(path, "", doc, ["scenario", "signal", "stimulation", "event"])
    head = doc.get("scenario")
    if not isinstance(head, dict):
        raise _fail(
            path, "scenario", "missing; expected a [scenario] table with profile and duration"
        )
    _unknown_keys(
        path, "scenario.", head, ["name", "profile", "description", "duration", "seed", "mains_hz"]
    )
    profile = head.get("profile")
    if profile not in PROCEDURES:
        raise _fail(
            path, "scenario.profile", f"expected one of {', '.join(PROCEDURES)}; got {profile!r}"
        )
    try:
        duration_s = parse_time(head.get("duration"))
    except ValueError as exc:
        raise _fail(path, "scenario.duration", str(exc)) from None
    if duration_s <= 0:
        raise _fail(path, "scenario.duration", "expected a duration > 0")
    name = head.get("name", Path(path).stem)
    description = head.get("description", "")
    for key, v in (("name", name), ("description", description)):
        if not isinstance(v, str) or "\n" in v:
            raise _fail(path, f"scenario.{key}", f"expected a one-line string, got {v!r}")
    seed, mains = head.get("seed", 0), head.get("mains_hz", 60)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _fail(path, "scenario.seed", f"expected an integer ≥ 0, got {seed!r}")
    if mains not in (50, 60) or isinstance(mains, bool):
        raise _fail(path, "scenario.mains_hz", f"expected 50 or 60, got {mains!r}")
    signal = _settings(path, "signal", doc.get("signal"), Signal)
    stim = _settings(path, "stimulation", doc.get("stimulation"), Stimulation)
    for key, rate in (("ssep_rate_hz", stim.ssep_rate_hz), ("baep_rate_hz", stim.baep_rate_hz)):
        for r in (rate, rate / 2.0):
            ratio = mains / r
            if abs(ratio - round(ratio)) < 1e-6:
                raise _fail(
                    path,
                    f"stimulation.{key}",
                    f"{r:g} Hz is a sub-harmonic of the {mains} Hz mains, so hum would "
                    "average in; use e.g. 4.7 or 5.1 Hz",
                )
    raw_events = doc.get("event", [])
    if not isinstance(raw_events, list):
        raise _fail(path, "event", "expected a list of [[event]] tables")
    proc = PROCEDURES[profile]
    codes = frozenset(t.marker for t in proc.tests if t.marker)
    events = []
    for i, raw in enumerate(raw_events, start=1):
        ev = _event(path, i, raw, duration_s)
        try:
            check_event(ev, proc, codes)
        except EventError as exc:
            raise _fail(path, f"event[{i}].{exc.key}", str(exc)) from None
        events.append(ev)
    return Scenario(
        name,
        profile,
        description,
        duration_s,
        seed,
        float(mains),
        signal,
        stim,
        tuple(events),
        path,
    )


def _shipped() -> dict[str, Any]:
    folder = resources.files(__package__).joinpath("scenarios")
    return {p.name[: -len(".toml")]: p for p in folder.iterdir() if p.name.endswith(".toml")}


def list_scenarios() -> list[ScenarioInfo]:
    """The shipped scenarios, sorted by name."""
    return [load_scenario(name).info for name in sorted(_shipped())]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario file by path.

    Raises:
        UnknownScenarioError: neither a shipped name nor an existing file (lists the names).
        StreamError: the file is invalid.
    """
    shipped = _shipped()
    key = str(name_or_path)
    if key in shipped:
        res = shipped[key]
        return read_scenario(str(res), res.read_text(encoding="utf-8"))
    p = Path(name_or_path)
    if p.is_file():
        return read_scenario(p)
    raise UnknownScenarioError(
        f"No scenario named {key!r} and no such file. "
        f"Shipped scenarios: {', '.join(sorted(shipped))}.",
        title="Unknown scenario",
    )
