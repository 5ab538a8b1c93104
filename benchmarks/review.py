"""Review of a long case: opening its journal, and moving the cursor, timed; memory measured.

An 8-hour spine case journal is written (default: 4 SSEP tests of 3 channels updating every
10 s, 8 MEP tests every 5 min, 8 free-run EMG tests every second, alerts and notes), then
``ReviewCase.open`` indexes it and the cursor jumps to random moments, steps update by update
and event by event — what a reviewer does. Figures: journal size, open time (MB/s), the time to
rebuild a snapshot (median, p90, max), and the peak RSS beside the journal size (averages stay on
disk and are read back on demand, so memory must not follow the journal).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_common import machine, peak_rss_mb

from ionm_tui.engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    TrendPoint,
)
from ionm_tui.session.case import load_profile, profile_text
from ionm_tui.session.results import dumps, header
from ionm_tui.session.review import ReviewCase

PROFILE = "spine-deformity"
FS = 5000.0
T0 = 10_000.0


def _point(test: str, seq: int, t: float, amp: float, mode: str, primary: str) -> TrendPoint:
    return TrendPoint(
        test=test, seq=seq, t=t, amplitude_uv=amp, latency_ms=19.0, peaks=(),
        amplitude_change_pct=0.0, latency_change_pct=0.0, baseline="auto", sweeps=200.0,
        accepted=100 * seq, rejected=0, rejected_by_reason=(), snr=5.0, noise_uv=0.2, fsp=8.0,
        mode=mode, values=(("train_time_s", 0.0),), primary=primary,
    )  # fmt: skip


def write_journal(path: Path, hours: float) -> int:
    """An ``hours``-long journal of the spine profile's tests; returns records written."""
    profile = load_profile(PROFILE)
    rng = np.random.default_rng(7)
    head = header(profile=PROFILE, source="benchmark", extra=profile_text(profile))
    n = 0
    end = hours * 3600.0
    seqs: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(dumps(head) + "\n")
        fh.write(dumps({"type": "stream", "t": T0, "kind": "data", "name": "amp"}) + "\n")
        for s in np.arange(1.0, end, 1.0):
            t = T0 + float(s)
            lines = []
            for spec in profile.tests:
                modality = spec.modality
                every = 10.0 if modality == "ssep" else 300.0 if "mep" in modality else 1.0
                if s % every:
                    continue
                seq = seqs[spec.id] = seqs.get(spec.id, 0) + 1
                window = getattr(spec, "window_ms", None)
                if window is not None:
                    times = np.arange(round(window[0] * 5), round(window[1] * 5) + 1) / 5.0
                    values = rng.normal(0, 1, (times.size, len(spec.channels)))
                    mode = "ewma" if modality == "ssep" else "single"
                    avg = AverageRecord(
                        spec.id, seq, t, times, spec.channels, values, values * 0.1, 200.0, mode
                    )
                    lines.append(dumps(avg))
                    lines.append(dumps(_point(spec.id, seq, t, 5.0, mode, "amplitude_uv")))
                else:
                    lines.append(dumps(_point(spec.id, seq, t, 20.0, "continuous", "train_time_s")))
            if s % 1800 == 0:  # an alert episode and a note every half hour
                ev = AlertEvent(
                    "ssep-ll-l", "amplitude_drop", "raised", "low", t, t, 1.0, 5.0, -80.0, 60.0,
                    "auto", "Left tibial SSEP amplitude −80 %", "amplitude_uv",
                )  # fmt: skip
                lines.append(dumps(ev))
                lines.append(dumps(AnnotationRecord(t, "bolus of propofol", ("bolus",))))
            fh.write("".join(line + "\n" for line in lines))
            n += len(lines)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="case length (default 8)")
    ap.add_argument("--moves", type=int, default=200, help="cursor moves timed (default 200)")
    args = ap.parse_args()
    print("\n".join(machine()))
    with tempfile.TemporaryDirectory(prefix="ionm-review-bench-") as tmp:
        path = Path(tmp) / "journal.jsonl"
        start = time.perf_counter()
        records = write_journal(path, args.hours)
        size_mb = path.stat().st_size / 1e6
        print(f"\njournal: {args.hours:g} h, {records:,} records, {size_mb:,.0f} MB "
              f"(written in {time.perf_counter() - start:.1f} s)")  # fmt: skip
        rss_before = peak_rss_mb()
        start = time.perf_counter()
        case = ReviewCase.open(path)
        open_s = time.perf_counter() - start
        print(f"open (index every line):  {open_s:.2f} s = {size_mb / open_s:,.0f} MB/s")
        rng = np.random.default_rng(1)
        lo, hi = case.start_t, case.end_t
        timings: dict[str, list[float]] = {"jump": [], "update": [], "event": []}
        t = hi
        for i in range(args.moves):
            kind = ("jump", "update", "event")[i % 3]
            start = time.perf_counter()
            if kind == "jump":
                t = float(rng.uniform(lo, hi))
            elif kind == "update":
                t = case.step(t, "update", -1, "ssep-ll-l")
            else:
                t = case.step(t, "event", 1)
            snap = case.snapshot_at(t)
            timings[kind].append(time.perf_counter() - start)
        assert snap.tests
        print("\ncursor move + snapshot rebuild (ms): median / p90 / max")
        for kind, xs in timings.items():
            ms = sorted(1000.0 * x for x in xs)
            p90 = ms[min(len(ms) - 1, math.ceil(0.9 * len(ms)) - 1)]
            print(f"  {kind:<7} {statistics.median(ms):7.1f} {p90:7.1f} {ms[-1]:7.1f}")
        peak = peak_rss_mb()
        print(f"\npeak RSS: {peak:,.0f} MB (before opening: {rss_before:,.0f} MB); "
              f"journal {size_mb:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
