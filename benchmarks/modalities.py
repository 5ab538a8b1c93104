"""Cost of free-run EMG and EEG processing through the engine, per channel-second of data."""

from __future__ import annotations

import os
import sys

# The target is "on one core": BLAS/OpenMP pools must be single-threaded before numpy loads.
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from ionm_tui.engine import (  # noqa: E402
    AlertSpec,
    Chunk,
    CriterionSpec,
    EegSpec,
    Engine,
    EngineSpec,
    FreeRunEmgSpec,
    StreamSpec,
    TrendPoint,
)

FS = 5000.0
N_EMG = 8
N_EEG = 8
EMG_LABELS = tuple(f"EMG{i + 1}" for i in range(N_EMG))
EEG_LABELS = ("F3", "P3", "T3", "O1", "F4", "P4", "T4", "O2")
LABELS = EMG_LABELS + EEG_LABELS
BLOCK_S = 10  # the recording cycles one 10 s block: a multiple of every chunk size
T0 = 20_000.0
SHAPES = {"live": 50, "analysis": 5000}  # samples per chunk: 10 ms and 1 s
SEED = 7
NO_EP = {"amplitude_drop_pct": None, "latency_rise_pct": None}


def make_block() -> np.ndarray:
    """(BLOCK_S·fs, 16) µV: EMG noise with a neurotonic train, spikes and a cautery burst on each
    EMG channel; alpha/theta/delta EEG with a 1 s suppression on the EEG channels."""
    rng = np.random.default_rng(SEED)
    n = round(BLOCK_S * FS)
    t = np.arange(n) / FS
    x = rng.normal(0.0, 10.0, (n, len(LABELS)))
    for c in range(N_EMG):
        a = round((1.0 + 0.3 * c) * FS)
        x[a : a + round(1.5 * FS), c] += 300.0 * np.sin(2 * np.pi * 150.0 * t[: round(1.5 * FS)])
        for s in rng.uniform(4.0, 7.0, 6):
            x[round(s * FS) : round(s * FS) + 5, c] += 800.0
        b = round(8.0 * FS)
        x[b : b + round(0.5 * FS), c] += rng.normal(0.0, 2000.0, round(0.5 * FS))
    for j in range(N_EEG):
        c = N_EMG + j
        x[:, c] = (
            rng.normal(0.0, 3.0, n)
            + 20.0 * np.sin(2 * np.pi * 10.0 * t + j)
            + 10.0 * np.sin(2 * np.pi * 6.0 * t)
            + 15.0 * np.sin(2 * np.pi * 2.0 * t + 0.5 * j)
        )
        x[round(6.0 * FS) : round(7.0 * FS), c] *= 0.05
    return x


def make_spec(config: str) -> EngineSpec:
    """``emg`` (8 free-run EMG tests), ``eeg`` (8 EEG tests, 4 with asymmetry), ``both``, or
    ``none`` (the engine with no test: its own per-chunk cost)."""
    tests: list[FreeRunEmgSpec | EegSpec] = []
    if config in ("emg", "both"):
        crit = CriterionSpec("train_duration", "current_train_s", "above", 1.0, confirm=1)
        tests += [
            FreeRunEmgSpec(
                id=f"emg{i}", channels=(lab,), alert=AlertSpec(**NO_EP, criteria=(crit,))
            )
            for i, lab in enumerate(EMG_LABELS)
        ]
    if config in ("eeg", "both"):
        crit = CriterionSpec("relative_alpha_drop", "relative_alpha", "drop_pct", 14.0)
        for i, lab in enumerate(EEG_LABELS):
            other = EEG_LABELS[(i + 4) % 8] if i < 4 else None
            tests.append(
                EegSpec(
                    id=f"eeg{i}",
                    channels=(lab,),
                    asymmetry_with=other,
                    alert=AlertSpec(**NO_EP, criteria=(crit,)),
                )
            )
    return EngineSpec(StreamSpec(LABELS, FS), tuple(tests))


def run(config: str, chunk: int, minutes: float, block: np.ndarray) -> dict[str, float]:
    """Feed ``minutes`` of data in ``chunk``-sample chunks; time the engine calls (CPU)."""
    engine = Engine(make_spec(config))
    n_block = block.shape[0]
    block_ts = np.arange(n_block) / FS
    n_total = round(minutes * 60.0 * FS)
    snap_every = round(0.1 * FS)  # the worker takes a snapshot at 10 Hz
    cpu = 0.0
    wall = 0.0
    points = 0
    done = 0
    next_snap = snap_every
    while done < n_total:
        cycle, off = divmod(done, n_block)
        ts = T0 + cycle * BLOCK_S + block_ts[off : off + chunk]
        x = block[off : off + chunk]
        c0, w0 = time.process_time(), time.perf_counter()
        engine.feed(Chunk(ts, x))
        recs = engine.drain_records()
        if done + chunk >= next_snap:
            engine.snapshot()
            next_snap += snap_every
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        points += sum(isinstance(r, TrendPoint) for r in recs)
        done += chunk
    return {"cpu": cpu, "wall": wall, "chunks": n_total / chunk, "points": points}


def machine() -> list[str]:
    """Lines describing the machine and software."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load1, load5, _ = os.getloadavg()
    return [
        f"machine : {cpu}, {os.cpu_count()} CPUs; load avg {load1:.2f} (1 min) {load5:.2f} "
        "(5 min) at start",
        f"software: {platform.platform()}; Python {platform.python_version()}, numpy "
        f"{np.__version__}, scipy {importlib.metadata.version('scipy')}",
        f"threads : {'='.join(THREAD_VARS)}=1 (one core)",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run every configuration and chunk shape; print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10.0, help="recording length (default 10)")
    ap.add_argument("--shapes", default="live,analysis", help="live, analysis or both")
    ap.add_argument("--repeats", type=int, default=1, help="runs per row; the median is shown")
    args = ap.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    duration_s = args.minutes * 60.0
    block = make_block()
    for line in machine():
        print(line)
    print(
        f"workload: {args.minutes:g} min at {FS:g} Hz, 16 channels ({N_EMG} EMG, {N_EEG} EEG); "
        "EMG tests: defaults + a train-duration criterion; EEG tests: 4 s window every 2 s, "
        "decimated ×20 to 250 Hz, 4 with asymmetry, a relative-alpha criterion; a snapshot at "
        "10 Hz; CPU time of the engine calls, median of "
        f"{args.repeats} run(s)"
    )
    print()
    header = (
        f"{'tests':<22}{'chunk':>7}{'CPU s':>8}{'µs/chunk':>10}{'µs/ch·s':>9}"
        f"{'net µs/ch·s':>13}{'× real time':>13}{'points':>8}"
    )
    print(header)
    print("-" * len(header))
    configs = (("none", 0, "engine alone (no test)"), ("emg", N_EMG, "8 free-run EMG"))
    configs += (("eeg", N_EEG, "8 EEG"), ("both", N_EMG + N_EEG, "8 EMG + 8 EEG"))
    for shape in shapes:
        chunk = SHAPES[shape]
        base_cpu = 0.0
        for config, n_ch, label in configs:
            runs = [run(config, chunk, args.minutes, block) for _ in range(args.repeats)]
            cpu = statistics.median(r["cpu"] for r in runs)
            if config == "none":
                base_cpu = cpu
            per = cpu * 1e6 / (n_ch * duration_s) if n_ch else float("nan")
            net = (cpu - base_cpu) * 1e6 / (n_ch * duration_s) if n_ch else float("nan")
            print(
                f"{label:<22}{chunk:>7}{cpu:>8.2f}{cpu / runs[0]['chunks'] * 1e6:>10.1f}"
                f"{per:>9.1f}{net:>13.1f}{duration_s / cpu:>12,.0f}×{runs[0]['points']:>8.0f}"
            )
        print()
    print(
        "µs/ch·s: CPU µs per channel-second of data (all engine work divided among the tests' "
        "channels); net: after subtracting the engine alone. × real time: seconds of data per "
        "CPU second for the whole engine."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
