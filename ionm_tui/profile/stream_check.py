"""Rules that need the actual stream: its rate (Nyquist, samples per interval) and labels."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ionm_tui.engine.engine_spec import AnyTestSpec
from ionm_tui.engine.modality_specs import EegSpec, FreeRunEmgSpec, SingleSweepSpec
from ionm_tui.engine.specs import TestSpec

from .fields import num, show_value
from .problems import did_you_mean

Emit = Callable[[AnyTestSpec | None, str, str], None]
"""Report a problem: (test or None for the stream as a whole, field, message)."""


def samples_in(rng: tuple[float, float], sfreq_hz: float) -> int:
    """Sample instants (multiples of 1/fs after the stimulus) inside [a, b] ms, inclusive."""
    a, b = rng[0] * sfreq_hz / 1000.0, rng[1] * sfreq_hz / 1000.0
    return max(0, math.floor(b + 1e-9) - math.ceil(a - 1e-9) + 1)


def _nyquist(spec: AnyTestSpec, key: str, hz: float, fs: float, emit: Emit, what: str) -> None:
    nyq = fs / 2.0
    if hz >= nyq:
        emit(
            spec,
            key,
            f"{what} {num(hz)} Hz is not below Nyquist ({num(nyq)} Hz, half the "
            f"stream's {num(fs)} Hz): lower it below {num(nyq)} Hz or record faster",
        )


def check_rate(tests: Sequence[AnyTestSpec], fs: float, emit: Emit) -> None:
    """Filter edges below Nyquist and intervals holding samples, at sampling rate ``fs``."""
    for t in tests:
        if isinstance(t, TestSpec) and t.bandpass_hz is not None:
            _nyquist(t, "bandpass_hz", t.bandpass_hz[1], fs, emit, "the band-pass high edge")
        if isinstance(t, FreeRunEmgSpec):
            _nyquist(t, "highpass_hz", t.highpass_hz, fs, emit, "the high-pass corner")
            _nyquist(t, "train_band_hz", t.train_band_hz[1], fs, emit, "the train band's top")
        if isinstance(t, EegSpec) and t.analysis_hz > fs:
            emit(
                t,
                "analysis_hz",
                f"analysis_hz ({num(t.analysis_hz)} Hz) is above the "
                f"stream's rate ({num(fs)} Hz): the EEG cannot be decimated up",
            )
        if not isinstance(t, TestSpec | SingleSweepSpec):
            continue
        spans = [("window_ms", t.window_ms, 1), ("blank_ms", t.blank_ms, 1)]
        if isinstance(t, SingleSweepSpec):
            spans += [("response_ms", t.response_ms, 1), ("noise_ms", t.noise_ms, 2)]
        else:
            spans += [(f"peaks.{p.name}.search_ms", p.search_ms, 1) for p in t.peaks]
        for key, rng, need in spans:
            if rng is not None and samples_in(rng, fs) < need:
                emit(
                    t,
                    key,
                    f"{show_value(rng)} ms holds {samples_in(rng, fs)} sample(s) at "
                    f"{num(fs)} Hz (one every {num(1000.0 / fs)} ms); at least {need} needed: "
                    "widen it",
                )


def missing_labels(expr: str, labels: Sequence[str]) -> list[str]:
    """Labels an expression needs that the stream lacks (the engine's reading of ``A-B``)."""
    if expr in labels:
        return []
    parts = expr.split("-")
    best: list[str] | None = None
    for i in range(1, len(parts)):
        a, b = "-".join(parts[:i]).strip(), "-".join(parts[i:]).strip()
        miss = [x for x in (a, b) if x not in labels]
        if not miss:
            return []
        if best is None or len(miss) < len(best):
            best = miss
    return best if best is not None else [expr]


def _listing(labels: Sequence[str]) -> str:
    shown = ", ".join(labels[:60]) + (" …" if len(labels) > 60 else "")
    return f"the stream has: {shown}" if labels else "the stream has no labels"


def check_labels(tests: Sequence[AnyTestSpec], labels: Sequence[str], emit: Emit) -> None:
    """Every channel expression (and EEG homologue) resolves against the stream's labels."""
    for t in tests:
        exprs = [(f"channels[{j}]", e) for j, e in enumerate(t.channels)]
        if isinstance(t, EegSpec) and t.asymmetry_with:
            exprs.append(("asymmetry_with", t.asymmetry_with))
        for key, expr in exprs:
            for lab in missing_labels(expr, labels):
                whose = "" if lab == expr else f'channel "{expr}": '
                emit(
                    t,
                    key,
                    f'{whose}the stream has no channel "{lab}"'
                    f"{did_you_mean(lab, labels)}; {_listing(labels)}",
                )
