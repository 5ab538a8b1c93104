"""Throughput and memory of the averaging engine on a long SSEP case, beside MNE and numpy."""

from __future__ import annotations

import os
import sys

# The target is "on one core": BLAS/OpenMP pools must be single-threaded before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench_common import THREAD_VARS, machine, mne_epochs_average, peak_rss_mb  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from ionm_tui.engine import (  # noqa: E402
    AlertEvent,
    AlertSpec,
    AverageRecord,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    QualityEvent,
    RejectSpec,
    StreamSpec,
    TestSpec,
)

# --- the workload ------------------------------------------------------------------------------

FS = 5000.0
LABELS = (
    "CP3", "C3", "P3", "F3", "Fp1", "T7", "O1", "Fz",
    "Cz", "Pz", "O2", "T8", "Fp2", "F4", "P4", "CP4",
)  # fmt: skip
N_CH = len(LABELS)
STIM_HZ = 4.7
BLOCK_STIMULI = 94  # stimuli per cycled block: 94 / 4.7 Hz = 20 s, an even count so sites stay put
BLOCK_LEN = round(BLOCK_STIMULI / STIM_HZ * FS)  # 100 000 samples, a multiple of every chunk size
T0 = 12_345.0  # LSL seconds of the first sample
SITES = (("mn-l", "MN_L"), ("mn-r", "MN_R"))  # (test id, marker code); stimuli alternate L, R, L…
WINDOW_MS = (-10.0, 90.0)
BASELINE_MS = (-10.0, -1.0)
BLANK_MS = (-0.5, 3.0)
PTP_UV = 100.0
SATURATION_UV = 4000.0
FLAT_UV = 0.5
SWEEPS = 200
START = round(WINDOW_MS[0] * FS / 1000.0)  # -50
STOP = round(WINDOW_MS[1] * FS / 1000.0)  # 450, inclusive: 501 samples
SHAPES = {"live": 50, "analysis": 5000}  # chunk sizes in samples: 10 ms and 1 s
SEED = 20_240_611

TARGET_LIVE_X = 200.0


def make_spec() -> EngineSpec:
    """Two SSEP tests (left and right median nerve), each over all 16 channels."""
    tests = []
    for i, (tid, code) in enumerate(SITES):
        ch = LABELS[-1] if i == 0 else LABELS[0]  # the contralateral parietal channel
        tests.append(
            TestSpec(
                id=tid,
                marker=code,
                channels=LABELS,
                window_ms=WINDOW_MS,
                label=f"Median nerve {'L' if i == 0 else 'R'}",
                modality="ssep",
                side="L" if i == 0 else "R",
                blank_ms=BLANK_MS,
                baseline_ms=BASELINE_MS,
                reject=RejectSpec(
                    saturation_uv=SATURATION_UV, peak_to_peak_uv=PTP_UV, flat_uv=FLAT_UV
                ),
                averaging=AveragingSpec(mode="block", sweeps=SWEEPS),
                peaks=(
                    PeakSpec("N20", -1, (15.0, 25.0), ch),
                    PeakSpec("P25", 1, (21.0, 32.0), ch),
                ),
                amplitude=("N20", "P25"),
                bandpass_hz=(30.0, 1000.0),
                alert=AlertSpec(
                    amplitude_drop_pct=50.0, latency_rise_pct=10.0, snr_floor=1.0, confirm=2
                ),
            )
        )
    return EngineSpec(stream=StreamSpec(labels=LABELS, sfreq_hz=FS), tests=tuple(tests))


class Workload:
    """A deterministic recording made by cycling one 20 s block (noise, line, responses, artefacts).

    Stimulus ``k`` (global count) falls at sample ``(k // 94)·B + pos[k % 94]`` and belongs to
    site ``k % 2``. Only stimuli whose whole window lies inside the recording are emitted.
    """

    def __init__(self, minutes: float) -> None:
        self.n_total = round(minutes * 60.0 * FS)
        rng = np.random.default_rng(SEED)
        b = BLOCK_LEN
        t = np.arange(b) / FS
        block = rng.normal(0.0, 5.0, size=(b, N_CH))  # background, µV
        phase = rng.uniform(0.0, 2.0 * np.pi, N_CH)
        block += 4.0 * np.sin(2.0 * np.pi * 50.0 * t[:, None] + phase)  # 1000 whole cycles
        burst = slice(round(7.30 * FS), round(7.95 * FS))  # electrocautery: rejected sweeps
        block[burst] += rng.normal(0.0, 150.0, size=(burst.stop - burst.start, N_CH))
        self.pos = np.round((np.arange(BLOCK_STIMULI) + 0.5) * b / BLOCK_STIMULI).astype(np.int64)
        tw = np.arange(START, STOP + 1) / FS * 1000.0  # ms
        wave = -2.5 * np.exp(-0.5 * ((tw - 20.0) / 1.2) ** 2) + 2.0 * np.exp(
            -0.5 * ((tw - 25.0) / 2.0) ** 2
        )
        gains = np.linspace(0.2, 1.0, N_CH)
        responses = (wave[:, None] * gains, wave[:, None] * gains[::-1])
        art = np.zeros(tw.shape[0])
        art[-START : -START + 10] = 800.0 * np.exp(-np.arange(10) / 2.0)  # 2 ms stimulus artefact
        art_sign = np.where(np.arange(N_CH) % 2 == 0, 1.0, -1.0)
        for k, p in enumerate(self.pos):
            block[p + START : p + STOP + 1] += responses[k % 2] + art[:, None] * art_sign
        self.block = block
        self.block_ts = np.arange(b) / FS

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds."""
        return self.n_total / FS

    def cycle_t0(self, cycle: int) -> float:
        """LSL time of the first sample of a block cycle."""
        return T0 + cycle * BLOCK_LEN / FS

    def stimulus(self, k: int) -> int:
        """Absolute sample index of stimulus ``k``."""
        c, j = divmod(k, BLOCK_STIMULI)
        return c * BLOCK_LEN + int(self.pos[j])

    def events(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Every emitted stimulus: (sample index, site index), in time order."""
        n_cycles = -(-self.n_total // BLOCK_LEN)
        k = np.arange(n_cycles * BLOCK_STIMULI)
        s = (k // BLOCK_STIMULI) * BLOCK_LEN + self.pos[k % BLOCK_STIMULI]
        keep = s + STOP < self.n_total
        return s[keep], (k % 2)[keep]

    def chunks(
        self, size: int
    ) -> Iterator[tuple[NDArray[np.float64], NDArray[np.float64], list[tuple[float, str]]]]:
        """(timestamps, samples, markers inside the chunk) in time order, by cheap block slicing."""
        b, block, bts = BLOCK_LEN, self.block, self.block_ts
        codes = [code for _, code in SITES]
        k = 0
        s_next = self.stimulus(0)
        for i0 in range(0, self.n_total, size):
            i1 = min(i0 + size, self.n_total)
            c, p = divmod(i0, b)
            if p + (i1 - i0) <= b:
                x = block[p : p + i1 - i0]
                ts = bts[p : p + i1 - i0] + self.cycle_t0(c)
            else:  # only when the chunk size does not divide the block
                idx = np.arange(i0, i1)
                x = block[idx % b]
                ts = bts[idx % b] + (T0 + (idx // b) * b / FS)
            markers: list[tuple[float, str]] = []
            while s_next < i1:
                if s_next + STOP < self.n_total:
                    c_s, p_s = divmod(s_next, b)
                    markers.append((float(bts[p_s]) + self.cycle_t0(c_s), codes[k % 2]))
                k += 1
                s_next = self.stimulus(k)
            yield ts, x, markers

    def full_array(
        self, *, channels_first: bool = False, scale: float = 1.0
    ) -> NDArray[np.float64]:
        """The whole recording in memory: (n_times, n_ch), or (n_ch, n_times) if channels_first."""
        n, b = self.n_total, BLOCK_LEN
        src = self.block * scale
        if channels_first:
            src = np.ascontiguousarray(src.T)
            out = np.empty((N_CH, n))
            for i0 in range(0, n, b):
                m = min(b, n - i0)
                out[:, i0 : i0 + m] = src[:, :m]
        else:
            out = np.empty((n, N_CH))
            for i0 in range(0, n, b):
                m = min(b, n - i0)
                out[i0 : i0 + m] = src[:m]
        return out


# --- workers (each in its own process) --------------------------------------------------------


def work_engine(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """Feed the whole case through our engine in one chunk shape."""
    w = Workload(job["minutes"])
    size = SHAPES[job["shape"]]
    engine = Engine(make_spec())
    snap_every = max(1, round(0.1 * FS / size))  # a 10 Hz UI polls snapshots
    rss_setup = peak_rss_mb()
    last: dict[str, AverageRecord] = {}
    n_updates = n_alerts = n_quality = n_chunks = 0
    t_engine = 0.0
    pc = time.perf_counter
    wall0, cpu0 = pc(), time.process_time()
    for i, (ts, x, mk) in enumerate(w.chunks(size)):
        a = pc()
        engine.feed(Chunk(ts, x))
        if mk:
            engine.feed_markers([Marker(t, v) for t, v in mk])
        recs = engine.drain_records()
        if i % snap_every == 0:
            engine.snapshot()
        t_engine += pc() - a
        n_chunks += 1
        for r in recs:
            if isinstance(r, AverageRecord):
                last[r.test] = r
                n_updates += 1
            elif isinstance(r, AlertEvent):
                n_alerts += 1
            elif isinstance(r, QualityEvent):
                n_quality += 1
    wall = pc() - wall0
    cpu = time.process_time() - cpu0
    rss_end = peak_rss_mb()
    snap = engine.snapshot()
    g0, gc0 = pc(), time.process_time()
    for _ts, _x, _mk in w.chunks(size):
        pass
    t_gen, c_gen = pc() - g0, time.process_time() - gc0
    tests: dict[str, Any] = {}
    for v in snap.tests:
        rec = last.get(v.spec.id)
        if rec is not None:
            np.save(out.with_name(f"{out.stem}-{v.spec.id}.npy"), rec.values_uv)
        tests[v.spec.id] = {
            "accepted": v.accepted,
            "rejected": dict(v.rejected),
            "dropped": dict(v.dropped),
            "last_seq": rec.seq if rec else 0,
            "last_sweeps": rec.sweeps if rec else 0,
        }
    return {
        "t_engine": t_engine,
        # CPU time of the engine calls: the loop's CPU time less the generator's (measured alone).
        "c_engine": max(cpu - c_gen, 1e-9),
        "wall": wall,
        "cpu": cpu,
        "t_gen": t_gen,
        "c_gen": c_gen,
        "rss_setup": rss_setup,
        "rss": rss_end,
        "chunks": n_chunks,
        "updates": n_updates,
        "alerts": n_alerts,
        "quality": n_quality,
        "markers": snap.quality.markers,
        "pending": snap.quality.pending,
        "tests": tests,
    }


def _blank_and_flags(ep: NDArray[np.float64]) -> tuple[NDArray[np.bool_], dict[str, int]]:
    """Replicate the sweep checks on epochs (n, n_times, n_ch) µV; blanks ``ep`` in place."""
    times = np.arange(START, STOP + 1) * 1000.0 / FS
    sat = np.maximum(ep.max(axis=(1, 2)), -ep.min(axis=(1, 2))) >= SATURATION_UV
    idx = np.flatnonzero((times >= BLANK_MS[0] - 1e-9) & (times <= BLANK_MS[1] + 1e-9))
    i0, i1 = int(idx[0]), int(idx[-1]) + 1
    left, right = ep[:, i0 - 1, :], ep[:, i1, :]
    k = np.arange(1, i1 - i0 + 1, dtype=np.float64)[:, np.newaxis] / (i1 - i0 + 1)
    ep[:, i0:i1, :] = left[:, None, :] + (right - left)[:, None, :] * k
    ptp = ep.max(axis=1) - ep.min(axis=1)
    big = ptp.max(axis=1) > PTP_UV
    flat = ptp.min(axis=1) < FLAT_UV
    reasons = {
        "saturation": int(sat.sum()),
        "peak_to_peak": int((big & ~sat).sum()),
        "flat": int((flat & ~big & ~sat).sum()),
    }
    return sat | big | flat, {r: n for r, n in reasons.items() if n}


def work_numpy(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """Plain numpy: gather every window from the in-memory recording and mean; then the oracle."""
    w = Workload(job["minutes"])
    t = time.perf_counter()
    data = w.full_array()
    t_build = time.perf_counter() - t
    rss_setup = peak_rss_mb()
    samples, site = w.events()
    offs = np.arange(START, STOP + 1)
    bl = slice(0, round(BASELINE_MS[1] * FS / 1000.0) - START + 1)
    t_gather = c_gather = 0.0
    tests: dict[str, Any] = {}
    for si, (tid, _code) in enumerate(SITES):
        ev = samples[site == si]
        t, c = time.perf_counter(), time.process_time()
        ep = data[ev[:, None] + offs]  # (n, n_times, n_ch)
        avg = ep.mean(axis=0)
        avg -= avg[bl].mean(axis=0)
        t_gather += time.perf_counter() - t
        c_gather += time.process_time() - c
        np.save(out.with_name(f"{out.stem}-{tid}-all.npy"), avg)
        # The oracle (untimed): the engine's checks, then the last complete block accepted.
        rejected, reasons = _blank_and_flags(ep)
        acc = np.flatnonzero(~rejected)
        n_blocks = acc.size // SWEEPS
        if n_blocks:
            sel = ep[acc[(n_blocks - 1) * SWEEPS : n_blocks * SWEEPS]]
            sel -= sel[:, bl, :].mean(axis=1, keepdims=True)
            np.save(out.with_name(f"{out.stem}-{tid}-block.npy"), sel.mean(axis=0))
        tests[tid] = {
            "events": int(ev.size),
            "accepted": int(acc.size),
            "rejected": reasons,
            "blocks": n_blocks,
        }
        del ep
    return {
        "t_build": t_build,
        "t_gather": t_gather,
        "c_gather": c_gather,
        "rss_setup": rss_setup,
        "rss": peak_rss_mb(),
        "tests": tests,
    }


def work_mne(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """MNE: RawArray of the in-memory recording, then Epochs(...).average() per site."""
    import mne

    mne.set_log_level("ERROR")
    w = Workload(job["minutes"])
    data = w.full_array(channels_first=True, scale=1e-6)  # MNE wants volts, channels first
    samples, site = w.events()
    rss_setup = peak_rss_mb()
    info = mne.create_info(list(LABELS), FS, ch_types="eeg")
    t, c = time.perf_counter(), time.process_time()
    raw = mne.io.RawArray(data, info, verbose="ERROR")
    t_raw, c_raw = time.perf_counter() - t, time.process_time() - c
    del data
    res = mne_epochs_average(
        raw, samples, site, [tid for tid, _ in SITES], WINDOW_MS, BASELINE_MS, out
    )
    t_epochs, c_epochs = res["wall"], res["cpu"]
    return {
        "t_raw": t_raw,
        "c_raw": c_raw,
        "t_epochs": t_epochs,
        "c_epochs": c_epochs,
        "rss_setup": rss_setup,
        "rss": peak_rss_mb(),
        "version": mne.__version__,
    }


WORKERS = {"engine": work_engine, "numpy": work_numpy, "mne": work_mne}


def run_worker(job: dict[str, Any], tmp: Path, tag: str) -> tuple[dict[str, Any], Path]:
    """Run one job in a fresh interpreter (so ru_maxrss is its own); return its result and path."""
    out = tmp / f"{tag}.json"
    env = dict(os.environ, **dict.fromkeys(THREAD_VARS, "1"))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    proc = subprocess.run([*cmd, "--out", str(out)], env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {tag} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(out.read_text()), out


def load(out: Path, suffix: str) -> NDArray[np.float64] | None:
    """An array a worker saved next to its result, or None."""
    p = out.with_name(f"{out.stem}-{suffix}.npy")
    return np.load(p) if p.exists() else None


# --- reporting ---------------------------------------------------------------------------------


def runs_str(runs: list[tuple[dict[str, Any], Path]], key: str) -> str:
    """The individual runs' values of one key."""
    return ", ".join(f"{r[key]:.2f}" for r, _ in runs)


def fmt_rate(n: float, seconds: float) -> str:
    """Rate as M/s."""
    return f"{n / seconds / 1e6:8.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one measurement of it)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=60.0, help="recording length (default 60)")
    ap.add_argument(
        "--shapes",
        default="live,analysis",
        help="comma-separated chunk shapes: live (50 samples), analysis (1 s); default both",
    )
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement; median reported")
    ap.add_argument(
        "--short-minutes",
        type=float,
        default=10.0,
        help="second, shorter length for the memory-vs-length check (0 to skip; default 10)",
    )
    ap.add_argument("--no-mne", action="store_true", help="skip MNE even when it is installed")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        job = json.loads(args.worker)
        out = Path(args.out)
        out.write_text(json.dumps(WORKERS[job["kind"]](job, out)))
        return 0

    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    bad = [s for s in shapes if s not in SHAPES]
    if bad or not shapes:
        ap.error(f"--shapes takes {', '.join(SHAPES)}; got {args.shapes!r}")
    if args.minutes <= 0 or args.repeats < 1:
        ap.error("--minutes must be > 0 and --repeats ≥ 1")
    mne_found = importlib.util.find_spec("mne") is not None
    have_mne = mne_found and not args.no_mne
    minutes, reps = args.minutes, args.repeats
    short = args.short_minutes if 0 < args.short_minutes < minutes else None

    w = Workload(minutes)
    _, site = w.events()
    dur = w.duration_s
    n_frames = w.n_total
    print("ionm-tui engine benchmark")
    for line in machine():
        print(line)
    print(
        f"workload: {minutes:g} min, {N_CH} ch, {FS:g} Hz = {n_frames:,} multichannel samples "
        f"({n_frames * N_CH:,} channel-samples); stimuli {STIM_HZ} Hz alternating 2 sites "
        f"({', '.join(f'{tid} {int((site == i).sum()):,}' for i, (tid, _) in enumerate(SITES))})"
    )
    print(
        f"tests   : per site 1 test × {N_CH} ch, window {list(WINDOW_MS)} ms "
        f"({STOP - START + 1} samples), baseline {list(BASELINE_MS)} ms, "
        f"blank {list(BLANK_MS)} ms, "
        f"reject sat ≥{SATURATION_UV:g}/p-p >{PTP_UV:g}/flat <{FLAT_UV:g} µV, block {SWEEPS}, "
        "peaks N20+P25, band-pass 30–1000 Hz, alerts"
    )
    print(
        "method  : each run in a fresh subprocess; data cycled from a 20 s block (no full copy "
        "for ours); markers fed right after the chunk holding them; drain_records every chunk, "
        f"snapshot at 10 Hz; medians of {reps} run(s); peak RSS = ru_maxrss (max over runs)"
    )
    print(flush=True)

    with tempfile.TemporaryDirectory(prefix="ionm-bench-") as tmpdir:
        tmp = Path(tmpdir)

        def measure(kind: str, mins: float, n: int, **extra: Any) -> list[tuple[dict, Path]]:
            res = []
            for r in range(n):
                label = f"{kind}{'/' + extra['shape'] if 'shape' in extra else ''} {mins:g} min"
                print(f"  running {label} ({r + 1}/{n}) …", end="", flush=True)
                t = time.perf_counter()
                tag = f"{kind}-{extra.get('shape', '')}-{mins:g}-{r}"
                res.append(run_worker({"kind": kind, "minutes": mins, **extra}, tmp, tag))
                print(f" {time.perf_counter() - t:.1f} s", flush=True)
            return res

        ours = {s: measure("engine", minutes, reps, shape=s) for s in shapes}
        ref = measure("numpy", minutes, reps)
        mne_runs = measure("mne", minutes, reps) if have_mne else []
        ours_short = {s: measure("engine", short, 1, shape=s) for s in shapes} if short else {}
        print()

        def med(runs: list[tuple[dict, Path]], key: str) -> float:
            return statistics.median(r[key] for r, _ in runs)

        def peak(runs: list[tuple[dict, Path]]) -> float:
            return max(r["rss"] for r, _ in runs)

        # --- throughput table
        print(
            "THROUGHPUT — medians; × real time and rates from CPU time (what one core does on "
            "this shared machine), wall-clock beside it; Msamp/s = multichannel samples/s, "
            f"Mch·samp/s = channel-samples/s (×{N_CH})"
        )
        print(
            f"{'':36} {'CPU s':>7} {'wall s':>7} {'×real':>7} {'×real':>7} {'Msamp/s':>8} "
            f"{'Mch·samp/s':>10} {'peak RSS':>9}  target (judged on CPU time)"
        )
        print(f"{'':36} {'':>7} {'':>7} {'(CPU)':>7} {'(wall)':>7}")

        def row(name: str, cpu: float, wall: float, rss: float | None, target: str = "") -> None:
            rss_s = f"{rss:7.0f}MB" if rss is not None else f"{'':9}"
            print(
                f"{name:36} {cpu:7.2f} {wall:7.2f} {dur / cpu:7.0f} {dur / wall:7.0f} "
                f"{n_frames / cpu / 1e6:8.2f} {n_frames * N_CH / cpu / 1e6:10.1f} {rss_s}  {target}"
            )

        c_mne = med(mne_runs, "c_epochs") if mne_runs else None
        verdicts: list[str] = []
        for s in shapes:
            c_ours = med(ours[s], "c_engine")
            if s == "live":
                ok = dur / c_ours >= TARGET_LIVE_X
                target = f"≥ {TARGET_LIVE_X:g}× real time: {'MET' if ok else 'NOT MET'}"
            elif c_mne is not None:
                ok = c_ours <= c_mne
                target = f"≤ MNE Epochs+average ({c_mne:.2f} s): {'MET' if ok else 'NOT MET'}"
            else:
                target = "≤ MNE (MNE not run)"
            verdicts.append(f"{s}: {target}")
            row(
                f"ours, {s} ({SHAPES[s]}-sample chunks)",
                c_ours,
                med(ours[s], "t_engine"),
                peak(ours[s]),
                target,
            )
        if mne_runs:
            c_raw, t_raw = med(mne_runs, "c_raw"), med(mne_runs, "t_raw")
            t_mne = med(mne_runs, "t_epochs")
            assert c_mne is not None
            row("MNE Epochs(...).average(), 2 sites", c_mne, t_mne, peak(mne_runs))
            row("MNE RawArray creation", c_raw, t_raw, None)
            row("MNE RawArray + Epochs + average", c_raw + c_mne, t_raw + t_mne, None)
        else:
            why = "skipped (--no-mne)" if mne_found else "not importable (pip install mne)"
            print(f"MNE: {why} — MNE comparison skipped; ours only")
        row("numpy gather+mean (in memory)", med(ref, "c_gather"), med(ref, "t_gather"), peak(ref))
        print(
            "(MNE and numpy hold the whole recording in memory: "
            f"{n_frames * N_CH * 8 / 1e6:,.0f} MB float64, built untimed; their peak RSS includes "
            "it. MNE/numpy do no blanking, rejection, block averaging or measures.)"
        )
        print()

        # --- detail per shape
        print("DETAIL")
        for s in shapes:
            r0 = ours[s][0][0]
            c_ours = med(ours[s], "c_engine")
            wall, cpu = med(ours[s], "wall"), med(ours[s], "cpu")
            print(
                f"  {s:8}: {r0['chunks']:,} chunks, engine {c_ours / r0['chunks'] * 1e6:.1f} µs "
                f"CPU/chunk; whole loop {wall:.2f} s wall, {cpu:.2f} s CPU (CPU/wall "
                f"{cpu / wall:.2f}: below 1 = preempted); generator alone "
                f"{med(ours[s], 'c_gen'):.2f} s CPU (subtracted)"
            )
            print(
                f"            runs CPU {runs_str(ours[s], 'c_engine')} s, wall "
                f"{runs_str(ours[s], 't_engine')} s; RSS after setup {r0['rss_setup']:.0f} MB; "
                f"updates {r0['updates']}, alert events {r0['alerts']}, quality events "
                f"{r0['quality']}, markers {r0['markers']:,}, pending at end {r0['pending']}"
            )
        if mne_runs:
            r0 = mne_runs[0][0]
            print(
                f"  MNE {r0['version']}: runs Epochs+average CPU "
                f"{runs_str(mne_runs, 'c_epochs')} s, wall {runs_str(mne_runs, 't_epochs')} s; "
                "RawArray CPU "
                f"{runs_str(mne_runs, 'c_raw')} s; RSS with the data built {r0['rss_setup']:.0f} MB"
            )
        print(
            f"  numpy   : runs CPU {runs_str(ref, 'c_gather')} s, wall {runs_str(ref, 't_gather')} "
            f"s; building the in-memory array {med(ref, 't_build'):.2f} s wall (untimed)"
        )
        print()

        # --- ratios
        if mne_runs and c_mne is not None:
            print("OURS / MNE (time ratio < 1 = ours faster; RSS ratio < 1 = ours smaller)")
            c_both = c_mne + med(mne_runs, "c_raw")
            t_mne = med(mne_runs, "t_epochs")
            for s in shapes:
                c_ours, t_ours = med(ours[s], "c_engine"), med(ours[s], "t_engine")
                print(
                    f"  {s:8}: CPU time {c_ours / c_mne:.2f} of Epochs+average "
                    f"({c_ours / c_both:.2f} of RawArray+Epochs+average), wall {t_ours / t_mne:.2f}"
                    f"; peak RSS {peak(ours[s]) / peak(mne_runs):.3f}"
                )
            print()

        # --- memory vs length
        if ours_short:
            print("MEMORY VS LENGTH (peak RSS of ours; target: does not grow with case length)")
            for s in shapes:
                a, b = peak(ours_short[s]), peak(ours[s])
                ok = abs(b - a) <= max(5.0, 0.05 * a)
                print(
                    f"  {s:8}: {short:g} min {a:.1f} MB, {minutes:g} min {b:.1f} MB "
                    f"(Δ {b - a:+.1f} MB): {'MET' if ok else 'NOT MET'}"
                )
                verdicts.append(f"memory ({s}): {'MET' if ok else 'NOT MET'}")
            print()

        # --- correctness
        print("CORRECTNESS (last complete block of each site vs a numpy oracle of the same sweeps)")
        ref_res, ref_out = ref[0]
        for tid, _code in SITES:
            rt = ref_res["tests"][tid]
            want = load(ref_out, f"{tid}-block")
            print(
                f"  {tid}: oracle {rt['events']:,} sweeps, accepted {rt['accepted']:,}, "
                f"rejected {rt['rejected']}, {rt['blocks']} complete blocks"
            )
            for s in shapes:
                res, out = ours[s][0]
                got = load(out, tid)
                ot = res["tests"][tid]
                same = (
                    ot["accepted"] == rt["accepted"]
                    and ot["rejected"] == rt["rejected"]
                    and ot["last_seq"] == rt["blocks"]
                )
                diff = (
                    float(np.max(np.abs(got - want)))
                    if got is not None and want is not None
                    else math.nan
                )
                if rt["blocks"] == 0 and ot["last_seq"] == 0:
                    verdict = f"no complete block of {SWEEPS} yet, average not compared"
                else:
                    ok = diff <= 1e-9
                    verdict = f"max |ours − oracle| = {diff:.2e} µV: {'OK' if ok else 'FAIL'}"
                print(
                    f"    ours/{s}: accepted {ot['accepted']:,}, rejected {ot['rejected']}, "
                    f"{ot['last_seq']} updates — counts {'match' if same else 'DIFFER'}; {verdict}"
                )
            if len(shapes) == 2:
                a = load(ours[shapes[0]][0][1], tid)
                b = load(ours[shapes[1]][0][1], tid)
                if a is not None and b is not None:
                    print(
                        f"    {shapes[0]} vs {shapes[1]} chunking: max |Δ| = "
                        f"{float(np.max(np.abs(a - b))):.2e} µV"
                    )
            if mne_runs:
                m = load(mne_runs[0][1], tid)
                allavg = load(ref_out, f"{tid}-all")
                if m is not None and allavg is not None:
                    print(
                        f"    MNE average of all {rt['events']:,} sweeps vs numpy gather+mean: "
                        f"max |Δ| = {float(np.max(np.abs(m - allavg))):.2e} µV (alignment check)"
                    )
        print()
        print("TARGETS: " + "; ".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
