"""One ``[[test]]`` (merged over its ``[defaults]``) → the engine's spec for its modality."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ionm_tui.engine.engine_spec import AnyTestSpec
from ionm_tui.engine.modality_specs import EegSpec, FreeRunEmgSpec, SingleSweepSpec
from ionm_tui.engine.specs import AveragingSpec, PeakSpec, RejectSpec, TestSpec

from .check import INVALID, Sourced, check_fields, check_keys, check_pattern, merge, sourced
from .criteria import BuiltAlert, build_alert
from .fields import AVERAGED, EEG, EMG, FAMILY_WORDS, MODALITIES, SINGLE, by_key
from .problems import KeyPath, Problems, found
from .rules import check_test
from .schema import (
    AVERAGE_FIELDS,
    MARKER_CODE,
    PEAK_FIELDS,
    REJECT_FIELDS,
    SLUG,
    TEST_FIELDS,
)

NESTED = ("reject", "average", "alert")
"""Test keys whose tables merge key by key over ``[defaults]``; every other key replaces."""


@dataclass(frozen=True, slots=True)
class BuiltTest:
    """A test's engine spec and where each of its values was written.

    Attributes:
        spec: the engine spec.
        where: field → key path; fields are spec attribute names, ``channels[i]``,
            ``peaks.<name>.search_ms`` / ``.channel`` and ``alert.<criterion name>``; ``""`` is
            the test itself.
    """

    spec: AnyTestSpec
    where: dict[str, KeyPath]


def _elsewhere(family: str | None) -> dict[str, str]:
    out = {}
    for f in TEST_FIELDS:
        if family is not None and family not in f.families:
            out[f.key] = " and ".join(FAMILY_WORDS[x] + " tests" for x in f.families)
    return out


def _channels(merged: dict[str, Sourced], path: KeyPath, problems: Problems) -> Any:
    docs = by_key(TEST_FIELDS)
    one, many = merged.get("channel"), merged.get("channels")
    if one is not None and many is not None:
        problems.add(one.path, "give channel (one) or channels (a list), not both")
        return INVALID
    if one is not None:
        v = check_fields({"channel": one}, {"channel": docs["channel"]}, path, problems)
        return INVALID if v["channel"] is INVALID else (v["channel"],)
    return check_fields(
        {"channels": many} if many else {}, {"channels": docs["channels"]}, path, problems
    )["channels"]


def _nested(
    merged: dict[str, Sourced], key: str, docs: tuple, problems: Problems
) -> dict[str, Any] | None:
    s = merged.get(key)
    if s is None or not isinstance(s.value, dict):
        return None  # absent, or a wrong type already reported
    known = by_key(docs)
    check_keys(s.value, known, s.path, problems)
    return check_fields(s.value, known, s.path, problems)


def _peaks(s: Sourced | None, problems: Problems) -> list[tuple[dict[str, Any], KeyPath]]:
    if s is None or not isinstance(s.value, list):
        return []
    out = []
    known = by_key(PEAK_FIELDS)
    for j, raw in enumerate(s.value):
        p = (*s.path, j)
        if not isinstance(raw, dict):
            problems.add(
                p, f"expected a table {{ name = …, sign = …, search_ms = … }}, found {found(raw)}"
            )
            continue
        if isinstance(raw.get("name"), str) and raw["name"]:
            problems.name(p, raw["name"])
        check_keys(raw, known, p, problems)
        out.append((check_fields(sourced(raw, p), known, p, problems), p))
    return out


def build_test(
    i: int,
    raw: Any,
    defaults: dict[str, dict[str, Sourced]],
    context: dict[str, Any],
    problems: Problems,
) -> BuiltTest | None:
    """Check one ``[[test]]`` and build its spec; None after recording its problems.

    Args:
        i: its index among the ``[[test]]`` tables.
        raw: the parsed table.
        defaults: ``[defaults.<modality>]`` tables, wrapped with their paths.
        context: profile-wide values the rules need (``buffer_s``, ``mains_hz``; None if bad).
        problems: the collector.
    """
    path: KeyPath = ("test", i)
    if not isinstance(raw, dict):
        problems.add(path, f"each test must be a [[test]] table, found {found(raw)}")
        return None
    n0 = len(problems)
    if isinstance(raw.get("id"), str) and raw["id"]:
        problems.name(path, raw["id"])
    head = check_fields(
        sourced(raw, path), {"modality": by_key(TEST_FIELDS)["modality"]}, path, problems
    )
    modality = head["modality"]
    family = MODALITIES.get(modality) if modality is not INVALID else None
    docs = by_key(TEST_FIELDS, family)
    check_keys(raw, docs, path, problems, _elsewhere(family))
    if family is None:
        return None
    merged = merge(defaults.get(modality, {}), sourced(raw, path, NESTED), NESTED)
    plain = {k: d for k, d in docs.items() if k not in ("channel", "channels", "modality", "alert")}
    v = check_fields(merged, plain, path, problems, modality)
    v["modality"] = modality
    v["id"] = check_pattern(
        v["id"],
        (*path, "id"),
        problems,
        SLUG,
        "a test id is lower-case letters, digits, '.', '_' and '-'",
    )
    if "marker" in v:
        v["marker"] = check_pattern(
            v["marker"],
            (*path, "marker"),
            problems,
            MARKER_CODE,
            "a marker code is capitals, digits and '_' (the first word of "
            "the marker string, e.g. SSEP_LL_L)",
        )
    v["channels"] = _channels(merged, path, problems)
    v["reject"] = _nested(merged, "reject", REJECT_FIELDS, problems)
    v["average"] = _nested(merged, "average", AVERAGE_FIELDS, problems)
    peaks = _peaks(merged.get("peaks"), problems)
    unit = v.get("intensity_unit", "")
    alert = build_alert(
        merged.get("alert"),
        family,
        unit if isinstance(unit, str) else "",
        v.get("update_s") if family in (EMG, EEG) else None,
        problems,
    )
    check_test(family, v, merged, peaks, alert, context, path, problems)
    if len(problems) > n0 or alert is INVALID:
        return None
    where = {k: s.path for k, s in merged.items()}
    where[""] = path
    chans = merged["channels"] if "channels" in merged else merged["channel"]
    for j, _ in enumerate(v["channels"]):
        where[f"channels[{j}]"] = (*chans.path, j) if "channels" in merged else chans.path
    for pk, p in peaks:
        where[f"peaks.{pk['name']}.search_ms"] = (*p, "search_ms")
        where[f"peaks.{pk['name']}.channel"] = (*p, "channel")
    if isinstance(alert, BuiltAlert):
        where.update({f"alert.{n}": p for n, p in alert.where.items()})
    try:
        spec = _make(family, v, peaks, alert.spec if isinstance(alert, BuiltAlert) else None)
    except ValueError as err:  # a rule the checks above missed: still a problem, never a crash
        problems.add(path, f"the engine refused this test: {err}")
        return None
    return BuiltTest(spec, where)


def _make(family: str, v: dict[str, Any], peaks: list, alert: Any) -> AnyTestSpec:
    common = {
        "id": v["id"],
        "channels": v["channels"],
        "label": v["label"],
        "modality": v["modality"],
        "side": v["side"],
        "alert": alert,
    }
    if family in (AVERAGED, SINGLE):
        common.update(
            marker=v["marker"],
            window_ms=v["window_ms"],
            blank_ms=v["blank_ms"],
            baseline_ms=v["baseline_ms"],
            reject=RejectSpec(**(v["reject"] or {})),
            auto_baseline=v["auto_baseline"],
        )
    if family == AVERAGED:
        return TestSpec(
            **common,
            averaging=AveragingSpec(**(v["average"] or {})),
            peaks=tuple(
                PeakSpec(p["name"], 1 if p["sign"] == "+" else -1, p["search_ms"], p["channel"])
                for p, _ in peaks
            ),
            amplitude=v["amplitude"] or (),
            bandpass_hz=v["bandpass_hz"],
        )
    if family == SINGLE:
        keys = (
            "response_ms",
            "noise_ms",
            "present_uv",
            "present_sd",
            "onset_sd",
            "intensity_unit",
            "threshold_window",
        )
        return SingleSweepSpec(**common, **{k: v[k] for k in keys})
    if family == EMG:
        keys = (
            "highpass_hz",
            "event_uv",
            "train_uv",
            "train_band_hz",
            "min_train_ms",
            "frame_ms",
            "artifact_uv",
            "update_s",
            "burst_gap_ms",
            "train_crest_max",
        )
        return FreeRunEmgSpec(**common, **{k: v[k] for k in keys})
    keys = (
        "asymmetry_with",
        "window_s",
        "update_s",
        "analysis_hz",
        "suppression_uv",
        "suppression_min_s",
        "auto_baseline",
    )
    return EegSpec(**common, **{k: v[k] for k in keys})
