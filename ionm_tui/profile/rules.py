"""Second pass: rules that span several keys of one test, or several tests of one profile."""

from __future__ import annotations

from typing import Any

from .check import INVALID, Sourced
from .fields import AVERAGED, EEG, EMG, SINGLE, num, show_value
from .problems import KeyPath, Problems

RULES: tuple[tuple[str, str], ...] = (
    (
        "Window after the stimulus",
        "`window_ms` must end after 0 ms: a response follows its stimulus.",
    ),
    (
        "Window inside the buffer",
        "the span from min(start, 0) to max(end, 0) must be shorter "
        "than `engine.buffer_s`, or no sweep could ever be cut.",
    ),
    (
        "Intervals inside the window",
        "`blank_ms`, `baseline_ms`, `response_ms`, `noise_ms` and "
        "every peak's `search_ms` lie inside `window_ms`.",
    ),
    (
        "Pre-stimulus intervals",
        "`baseline_ms` and `noise_ms` end at or before 0 ms: they "
        "measure the level and the noise BEFORE the response.",
    ),
    (
        "Peaks",
        "peak names are unique in a test; a peak's `channel` is one of the test's "
        "channels; `amplitude` names one or two distinct peaks of the test.",
    ),
    (
        "Latency needs a peak",
        "an averaged test judging latency (`latency_rise_pct`, "
        "`latency_shift_ms`) has at least one peak, or the criterion could never be judged.",
    ),
    (
        "Rejection limits",
        "`reject.flat_uv` is below `reject.peak_to_peak_uv`, or every sweep "
        "would be rejected; `average.update_every` is only for `moving` and `ewma`.",
    ),
    (
        "Free-run EMG levels",
        "`event_uv` and `train_uv` are below `artifact_uv`, or no event or train could ever count.",
    ),
    (
        "Mains and train detection",
        "`train_band_hz` must not include `profile.mains_hz`: hum "
        "picked up by a loose electrode is a sinusoid in the band and would count as a neurotonic "
        "train (the engine default 50–250 Hz includes both 50 and 60 Hz).",
    ),
    (
        "EEG",
        "`update_s` ≤ `window_s`; asymmetry criteria need `asymmetry_with`, which names "
        "another channel.",
    ),
    (
        "Channel expressions",
        "a label or `A-B`; no leading or trailing spaces or `-`, no `--`; "
        "no channel twice in one test.",
    ),
    ("Threshold units", "threshold criteria match the test's `intensity_unit`."),
    ("Unique test ids", "no two tests share an id."),
    (
        "Shared markers",
        "tests sharing a marker must agree on the family (averaged or single "
        "sweep), `window_ms`, `blank_ms` and, for single sweeps, `intensity_unit`: one stimulus "
        "has one sweep time base, one artefact and one intensity unit. A difference is almost "
        "always a copy-paste slip, such as a lower-limb window pasted onto an upper-limb marker.",
    ),
    (
        "Marker source",
        "tests with markers need `[streams.markers]`, or a "
        "`streams.data.stim_channel` (whose codes are whole numbers).",
    ),
    (
        "Nyquist (at the stream's actual rate)",
        "`bandpass_hz`, `highpass_hz` and "
        "`train_band_hz` upper edges are below half the sampling rate; `analysis_hz` is at most "
        "the rate; every window and interval holds at least one sample (`noise_ms` two).",
    ),
    (
        "Stream (when attached)",
        "every channel label exists in the stream (the message names "
        "the missing label and lists the stream's); the rate and channel count match "
        "`streams.data` when given; `stim_channel` exists; labels are unique.",
    ),
)
"""Every cross-field rule, in words (rendered into docs/profiles.md)."""


def _ok(*values: Any) -> bool:
    return all(v is not INVALID and v is not None for v in values)


def _p(merged: dict[str, Sourced], key: str, path: KeyPath) -> KeyPath:
    s = merged.get(key)
    return s.path if s is not None else (*path, key)


def _inside(name: str, rng: Any, win: Any, where: KeyPath, problems: Problems) -> None:
    if _ok(rng, win) and (rng[0] < win[0] or rng[1] > win[1]):
        problems.add(
            where,
            f"{name} {show_value(rng)} ms lies outside window_ms "
            f"{show_value(win)} ms: widen the window or move the interval",
        )


def _sweep_rules(
    v: dict[str, Any], merged: dict[str, Sourced], buffer_s: float, path: KeyPath, pr: Problems
) -> None:
    win = v["window_ms"]
    wpath = _p(merged, "window_ms", path)
    if _ok(win) and win[1] <= 0:
        pr.add(
            wpath,
            f"the window ends at {num(win[1])} ms, at or before the stimulus (0 ms): "
            "a response follows its stimulus, so window_ms must end after 0",
        )
    if _ok(win, buffer_s):
        span = max(win[1], 0.0) - min(win[0], 0.0)
        if span >= buffer_s * 1000.0:
            pr.add(
                wpath,
                f"the window spans {num(span)} ms around the stimulus but the engine "
                f"keeps only {num(buffer_s)} s of data (engine.buffer_s): shorten the window "
                "or raise buffer_s",
            )
    for key in ("blank_ms", "baseline_ms", "response_ms", "noise_ms"):
        if key in v:
            _inside(key, v[key], win, _p(merged, key, path), pr)
    for key in ("baseline_ms", "noise_ms"):
        rng = v.get(key)
        if _ok(rng) and rng[1] > 0:
            pr.add(
                _p(merged, key, path),
                f"{key} {show_value(rng)} ms must end at or before the "
                "stimulus (0 ms): it measures the pre-stimulus level",
            )
    rej = v.get("reject")
    if (
        rej
        and _ok(rej["flat_uv"], rej["peak_to_peak_uv"])
        and rej["flat_uv"] >= rej["peak_to_peak_uv"]
    ):
        pr.add(
            (*_p(merged, "reject", path), "flat_uv"),
            f"flat_uv ({num(rej['flat_uv'])} µV) "
            f"must be below peak_to_peak_uv ({num(rej['peak_to_peak_uv'])} µV), or every sweep "
            "is rejected",
        )


def _peak_rules(
    v: dict[str, Any],
    merged: dict[str, Sourced],
    peaks: list,
    alert: Any,
    path: KeyPath,
    pr: Problems,
) -> None:
    names: dict[str, KeyPath] = {}
    chans = v["channels"]
    for pk, p in peaks:
        if _ok(pk["name"]):
            if pk["name"] in names:
                pr.add((*p, "name"), f'a second peak named "{pk["name"]}": peak names are unique')
            names.setdefault(pk["name"], p)
        _inside("search_ms", pk["search_ms"], v["window_ms"], (*p, "search_ms"), pr)
        if _ok(pk["channel"], chans) and pk["channel"] not in chans:
            pr.add(
                (*p, "channel"),
                f'"{pk["channel"]}" is not one of this test\'s channels: '
                + ", ".join(show_value(c) for c in chans),
            )
    amp = v.get("amplitude")
    if _ok(amp):
        apath = _p(merged, "amplitude", path)
        for a in amp:
            if a not in names and all(_ok(pk["name"]) for pk, _ in peaks):
                pr.add(
                    apath,
                    f'"{a}" is not one of the peaks: '
                    + (", ".join(show_value(n) for n in names) or "the test has no peaks"),
                )
        if len(amp) == 2 and amp[0] == amp[1]:
            pr.add(apath, "peak-to-peak needs two different peaks")
    if hasattr(alert, "quantities") and not peaks:
        for name, q in alert.quantities.items():
            if q == "latency_ms":
                pr.add(
                    alert.where[name],
                    "a latency criterion needs at least one peak (the "
                    "trended latency is the first amplitude peak's): add peaks",
                )
    avg = v.get("average")
    if avg and avg["mode"] == "block" and _ok(avg["update_every"]):
        pr.add(
            (*_p(merged, "average", path), "update_every"),
            "update_every applies to moving "
            "and ewma averages; a block average updates when its block is complete",
        )


def _channel_rules(
    v: dict[str, Any], merged: dict[str, Sourced], path: KeyPath, pr: Problems
) -> None:
    chans = v["channels"]
    if not _ok(chans):
        return
    cpath = _p(merged, "channels" if "channels" in merged else "channel", path)
    seen = set()
    for expr in chans:
        if expr != expr.strip() or expr.startswith("-") or expr.endswith("-") or "--" in expr:
            pr.add(
                cpath,
                f"{show_value(expr)} is not a channel expression: write a label "
                '("CPz") or a difference of two labels ("CPz-FPz"), without extra spaces',
            )
        if expr in seen:
            pr.add(cpath, f"{show_value(expr)} is listed twice")
        seen.add(expr)


def _other_rules(
    family: str,
    v: dict[str, Any],
    merged: dict[str, Sourced],
    alert: Any,
    mains_hz: Any,
    path: KeyPath,
    pr: Problems,
) -> None:
    if family == EMG:
        band = v["train_band_hz"]
        if _ok(band, mains_hz) and band[0] <= mains_hz <= band[1]:
            pr.add(
                _p(merged, "train_band_hz", path),
                f"train_band_hz {show_value(band)} Hz "
                f"includes the mains frequency ({mains_hz} Hz, profile.mains_hz): hum from a "
                "loose electrode is a sinusoid in the band and would count as a neurotonic "
                f"train; start the band above it, e.g. [{mains_hz + 5}, {num(band[1])}]",
            )
        for key in ("event_uv", "train_uv"):
            if _ok(v[key], v["artifact_uv"]) and v[key] >= v["artifact_uv"]:
                pr.add(
                    _p(merged, key, path),
                    f"{key} ({num(v[key])} µV) must be below "
                    f"artifact_uv ({num(v['artifact_uv'])} µV), or it can never count",
                )
    if family == EEG:
        if _ok(v["update_s"], v["window_s"]) and v["update_s"] > v["window_s"]:
            pr.add(
                _p(merged, "update_s", path),
                f"update_s ({num(v['update_s'])} s) must not "
                f"exceed window_s ({num(v['window_s'])} s)",
            )
        other = v["asymmetry_with"]
        if _ok(other, v["channels"]) and other in v["channels"]:
            pr.add(
                _p(merged, "asymmetry_with", path),
                "asymmetry_with must name the homologous "
                "channel of the OTHER hemisphere, not this test's own",
            )
        if hasattr(alert, "quantities") and other is None:
            for name, q in alert.quantities.items():
                if q == "asymmetry_pct":
                    pr.add(
                        alert.where[name],
                        "an asymmetry criterion needs asymmetry_with (the homologous channel)",
                    )
    if family == SINGLE and hasattr(alert, "quantities") and _ok(v["intensity_unit"]):
        unit = v["intensity_unit"].lower()
        for name, q in alert.quantities.items():
            if q.startswith(("threshold_", "intensity_")) and not q.endswith("_" + unit):
                pr.add(
                    alert.where[name],
                    f'"{q}" is never measured: this test\'s intensities '
                    f"are in {v['intensity_unit']} (intensity_unit)",
                )


def check_test(
    family: str,
    v: dict[str, Any],
    merged: dict[str, Sourced],
    peaks: list,
    alert: Any,
    profile: dict[str, Any],
    path: KeyPath,
    problems: Problems,
) -> None:
    """Check the rules spanning several keys of one test (values already type-checked).

    Args:
        profile: profile-wide values the rules need: ``buffer_s`` and ``mains_hz``.
    """
    buffer_s = profile.get("buffer_s")
    _channel_rules(v, merged, path, problems)
    if family in (AVERAGED, SINGLE):
        _sweep_rules(v, merged, buffer_s, path, problems)
    if family == AVERAGED:
        _peak_rules(v, merged, peaks, alert, path, problems)
    _other_rules(family, v, merged, alert, profile.get("mains_hz"), path, problems)
