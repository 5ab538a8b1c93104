"""A small synthetic case as records (for review tests): updates, alerts, baselines, notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ionm_tui.engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    PeakMeasure,
    QualityEvent,
    TrendPoint,
)
from ionm_tui.session.results import dumps, header

PROFILE = "spine-deformity"
TEST = "ssep-ul-l"
OTHER = "ssep-ul-r"
T0 = 1000.0  # LSL seconds of the first data sample
FS = 5000.0
LAG_S = 0.06  # both tests' sweep windows end at 60 ms: an update shows that long after its stimulus
TIMES_MS = np.arange(-50, 301) * 1000.0 / FS  # -10 … 60 ms, the test's window
HOSTILE = "\x1b[2J\x1b]0;pwned\x07 [bold]markup[/bold] ok"


def wave(seq: int) -> np.ndarray:
    """(n_times, 3) µV: a response that shrinks with seq, plus a NaN on purpose in update 2."""
    rng = np.random.default_rng(seq)
    w = np.zeros((TIMES_MS.size, 3))
    w[:, 0] = -5.0 / seq * np.exp(-(((TIMES_MS - 19.0) / 1.5) ** 2))
    w += rng.normal(0, 0.2, w.shape)
    if seq == 2:
        w[10, 2] = np.nan
    return w


def point(test: str, seq: int, t: float, amp: float, chg: float | None, base: str) -> TrendPoint:
    return TrendPoint(
        test=test,
        seq=seq,
        t=t,
        amplitude_uv=amp,
        latency_ms=19.0 + 0.1 * seq,
        peaks=(PeakMeasure("N20", "C4p-Fz", 19.0 + 0.1 * seq, -amp / 2, False),),
        amplitude_change_pct=chg,
        latency_change_pct=0.5 * seq,
        baseline=base,
        sweeps=200.0,
        accepted=100 * seq,
        rejected=seq,
        rejected_by_reason=(("peak_to_peak", seq),),
        snr=5.0,
        noise_uv=0.2,
        fsp=8.0,
        mode="ewma",
    )


def _alert(state: str, t: float, priority: str, onset: float = T0 + 50) -> AlertEvent:
    return AlertEvent(
        test=TEST,
        criterion="amplitude_drop",
        state=state,
        priority=priority,
        t=t,
        onset_t=onset,
        measured=1.0,
        baseline_value=5.0,
        change_pct=-80.0,
        threshold=60.0,
        baseline="auto",
        message="Left median SSEP amplitude −80 %",
        quantity="amplitude_uv",
    )


def case_records() -> list[object]:
    """Updates every 10 s for 90 s; an alert raised at +50, confirmed +60, acknowledged +65,
    cleared +90; baselines auto (+10), post-exposure (captured at +35 from the +30 update), auto
    re-selected (+70); a hostile annotation at +40; a 4 s gap from +55 (known at +59, when the
    data resume).

    Records come in the order the engine makes them: an update (and what it raises) once its
    sweep window has passed (``LAG_S`` after its stimulus), a command at its own time.
    """
    out: list[tuple[float, object]] = []
    chans = ("C4p-Fz", "C5S-FPz", "EpL-EpR")
    for seq in range(1, 10):
        t = T0 + 10.0 * seq
        shown = t + LAG_S
        base = "post-exposure" if 35 <= 10 * seq < 70 else "auto"
        w = wave(seq)
        if seq == 1:
            out.append((shown, BaselineRecord(TEST, "auto", "captured", t, 5.0, 19.1)))
        out.append((shown, AverageRecord(TEST, seq, t, TIMES_MS, chans, w, w * 0.1, 200.0, "ewma")))
        out.append((shown, point(TEST, seq, t, 5.0 / seq, -10.0 * seq, base)))
        out.append((shown + 1.0, point(OTHER, seq, t + 1.0, 4.0, 0.0, "auto")))
        if seq == 3:
            out.append(
                (t + 5.0, BaselineRecord(TEST, "post-exposure", "captured", t + 5.0, 5 / 3, 19.3))
            )
        if seq == 4:
            out.append((t, AnnotationRecord(t, HOSTILE, ("bolus",))))
        if seq == 5:
            out.append((shown, _alert("raised", t, "high")))
            out.append((t + 9.0, QualityEvent("gap", t + 5.0, "4 s without data", duration_s=4.0)))
        if seq == 6:
            out.append((shown, _alert("confirmed", t, "high")))
            out.append((t + 5.0, _alert("acknowledged", t + 5.0, "high")))
        if seq == 7:
            out.append((t, BaselineRecord(TEST, "auto", "selected", t, 5.0, 19.1)))
        if seq == 9:
            out.append((shown, _alert("cleared", t, "high")))
    out.sort(key=lambda kv: kv[0])  # stable: same-time records keep the engine's order
    return [r for _, r in out]


def write_case(
    path: Path, records: list[object], *, profile: str = PROFILE, torn: str = ""
) -> Path:
    data = {"type": "stream", "t": T0, "name": "amp", "kind": "data", "sfreq_hz": FS}
    lines = [dumps(header(profile=profile, source="test")), dumps(data)]
    lines += [dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n" + torn, encoding="utf-8")
    return path
