"""End-to-end headless analysis of a long 32-channel SSEP case (XDF on disk), beside MNE.

Issue 7: a 4-hour, 32-channel, 5 kHz case analysed end to end (file reading included) at least as
fast as MNE's in-memory epoching and averaging, with a small peak memory that does not depend on
the length of the case.
"""

from __future__ import annotations

import os
import sys

# One core: BLAS/OpenMP pools must be single-threaded before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from bench_common import THREAD_VARS, machine, mne_epochs_average, peak_rss_mb  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

# --- the workload ------------------------------------------------------------------------------

FS = 5000.0
LABELS = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "FC5",
    "FC1", "FC2", "FC6", "T7", "C3", "Cz", "C4", "T8",
    "CP5", "CP1", "CP2", "CP6", "P7", "P3", "Pz", "P4",
    "P8", "PO9", "O1", "Oz", "O2", "PO10", "CPz", "FPz",
)  # fmt: skip
N_CH = len(LABELS)
HALF = N_CH // 2
STIM_HZ = 4.7
BLOCK_STIMULI = 94  # stimuli per cycled block: 94 / 4.7 Hz = 20 s, even, so sites stay put
BLOCK_LEN = round(BLOCK_STIMULI / STIM_HZ * FS)  # 100 000 samples
CHUNK = 5000  # samples per write_samples call (1 s; divides the block)
T0 = 12_345.0  # LSL seconds of the first sample
CLOCK_EVERY = 5  # chunks (s) between ClockOffset chunks, as LabRecorder writes them


def clock_offset_s(t: float) -> float:
    """The amplifier host's clock offset at LSL time ``t``: 1.2 ms, drifting 1 µs per 100 s,
    with ±20 µs of deterministic measurement jitter. Both streams come from one host, so the
    correction moves data and markers alike and the sweeps are the same as without it."""
    return 0.0012 + 1e-8 * (t - T0) + 2e-5 * math.sin(t * 12.9898)


SITES = (("L", "MN_L"), ("R", "MN_R"))  # (side, marker code); stimuli alternate L, R, L…
WINDOW_MS = (-10.0, 90.0)
BASELINE_MS = (-10.0, -1.0)
BLANK_MS = (-0.5, 3.0)
START = round(WINDOW_MS[0] * FS / 1000.0)  # -50
STOP = round(WINDOW_MS[1] * FS / 1000.0)  # 450, inclusive: 501 samples
SEED = 20_240_611
DATA_NAME, MARKER_NAME = "bench-data", "bench-markers"

# Per site, two tests of 16 channels each, so every stimulus cuts all 32 channels once (as MNE's
# epochs do): a "cortical" one (block average, the response's strong half) and a "far-field"
# one (EWMA, the weak half). (test id, side, marker, channels, average table)
BLOCK = '{ mode = "block", sweeps = 200 }'
EWMA = '{ mode = "ewma", sweeps = 200, update_every = 50 }'
TESTS = (
    ("mn-l-cortical", "L", "MN_L", LABELS[HALF:], BLOCK),
    ("mn-l-farfield", "L", "MN_L", LABELS[:HALF], EWMA),
    ("mn-r-cortical", "R", "MN_R", LABELS[:HALF], BLOCK),
    ("mn-r-farfield", "R", "MN_R", LABELS[HALF:], EWMA),
)

TARGET_RSS_MB = 1024.0


def profile_toml() -> str:
    """The benchmark profile: one 32-channel 5 kHz data stream, a marker stream, four SSEP tests."""
    lines = [
        "[profile]",
        'id = "bench-ssep32"',
        'name = "Benchmark: 32-channel median-nerve SSEP, 4.7 Hz alternating"',
        "mains_hz = 50",
        "",
        "[streams]",
        f'data = {{ name = "{DATA_NAME}", type = "EEG", sfreq_hz = {FS:g}, '
        f"channel_count = {N_CH} }}",
        f'markers = {{ name = "{MARKER_NAME}", type = "Markers" }}',
        "",
        "[defaults.ssep]",
        f"window_ms = [{WINDOW_MS[0]:g}, {WINDOW_MS[1]:g}]",
        f"blank_ms = [{BLANK_MS[0]:g}, {BLANK_MS[1]:g}]",
        f"baseline_ms = [{BASELINE_MS[0]:g}, {BASELINE_MS[1]:g}]",
        "reject = { saturation_uv = 4000, peak_to_peak_uv = 100, flat_uv = 0.5 }",
        "bandpass_hz = [30, 1000]",
        'amplitude = ["N20", "P25"]',
        "[defaults.ssep.alert]",
        "amplitude_drop_pct = 50",
        "latency_rise_pct = 10",
        "snr_floor = 1",
        "confirm = 2",
    ]
    for tid, side, marker, chans, avg in TESTS:
        lines += [
            "",
            "[[test]]",
            f'id = "{tid}"',
            'modality = "ssep"',
            f'label = "Median nerve {side} ({tid.split("-")[-1]})"',
            f'side = "{side}"',
            f'marker = "{marker}"',
            "channels = [" + ", ".join(f'"{c}"' for c in chans) + "]",
            f"average = {avg}",
            "peaks = [",
            '  { name = "N20", sign = "-", search_ms = [15, 25] },',
            '  { name = "P25", sign = "+", search_ms = [21, 32] },',
            "]",
        ]
    return "\n".join(lines) + "\n"


class Workload:
    """A deterministic recording made by cycling one 20 s block (noise, line, responses, artefacts).

    Stimulus ``k`` falls at sample ``(k // 94)·B + pos[k % 94]`` and belongs to site ``k % 2``.
    Only stimuli whose whole window lies inside the recording are emitted.
    """

    def __init__(self, minutes: float) -> None:
        self.n_total = round(minutes * 60.0 * FS)
        rng = np.random.default_rng(SEED)
        b = BLOCK_LEN
        t = np.arange(b) / FS
        block = rng.normal(0.0, 5.0, size=(b, N_CH))  # background, µV
        phase = rng.uniform(0.0, 2.0 * np.pi, N_CH)
        block += 4.0 * np.sin(2.0 * np.pi * 50.0 * t[:, None] + phase)
        burst = slice(round(7.30 * FS), round(7.95 * FS))  # electrocautery: rejected sweeps
        block[burst] += rng.normal(0.0, 150.0, size=(burst.stop - burst.start, N_CH))
        self.pos = np.round((np.arange(BLOCK_STIMULI) + 0.5) * b / BLOCK_STIMULI).astype(np.int64)
        tw = np.arange(START, STOP + 1) / FS * 1000.0  # ms
        wave = -2.5 * np.exp(-0.5 * ((tw - 20.0) / 1.2) ** 2) + 2.0 * np.exp(
            -0.5 * ((tw - 25.0) / 2.0) ** 2
        )
        gains = np.linspace(0.2, 1.0, N_CH)  # left stimuli: strongest in the upper half
        responses = (wave[:, None] * gains, wave[:, None] * gains[::-1])
        art = np.zeros(tw.shape[0])
        art[-START : -START + 10] = 800.0 * np.exp(-np.arange(10) / 2.0)  # 2 ms artefact
        art_sign = np.where(np.arange(N_CH) % 2 == 0, 1.0, -1.0)
        for k, p in enumerate(self.pos):
            block[p + START : p + STOP + 1] += responses[k % 2] + art[:, None] * art_sign
        # The file holds float32 µV; every consumer (ours via the file, MNE in memory) sees these.
        self.block = block.astype(np.float32)

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds."""
        return self.n_total / FS

    def events(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Every emitted stimulus: (sample index, site index), in time order."""
        n_cycles = -(-self.n_total // BLOCK_LEN)
        k = np.arange(n_cycles * BLOCK_STIMULI)
        s = (k // BLOCK_STIMULI) * BLOCK_LEN + self.pos[k % BLOCK_STIMULI]
        keep = s + STOP < self.n_total
        return s[keep], (k % 2)[keep]

    def chunks(self) -> Iterator[tuple[NDArray[np.float64], NDArray[np.float32], list[int]]]:
        """(timestamps, samples, indices into events() of the stimuli in the chunk), in order."""
        samples, _ = self.events()
        j = 0
        for i0 in range(0, self.n_total, CHUNK):
            i1 = min(i0 + CHUNK, self.n_total)
            p = i0 % BLOCK_LEN
            x = self.block[p : p + i1 - i0]
            ts = T0 + np.arange(i0, i1, dtype=np.float64) / FS
            j1 = j
            while j1 < samples.size and samples[j1] < i1:
                j1 += 1
            yield ts, x, list(range(j, j1))
            j = j1

    def full_array_volts(self) -> NDArray[np.float64]:
        """The whole recording in memory as MNE wants it: (n_ch, n_times) float64 volts."""
        n, b = self.n_total, BLOCK_LEN
        src = np.ascontiguousarray(self.block.T.astype(np.float64) * 1e-6)
        out = np.empty((N_CH, n))
        for i0 in range(0, n, b):
            m = min(b, n - i0)
            out[:, i0 : i0 + m] = src[:, :m]
        return out


def xdf_bytes(minutes: float) -> int:
    """About how large the case file is: stamped float32 samples (1 + 8 + 4·32 bytes each)."""
    return round(minutes * 60.0 * FS) * (1 + 8 + 4 * N_CH)


def write_case(path: Path, minutes: float) -> tuple[int, float, int]:
    """Write the case with ``XdfWriter``; return (bytes, seconds, stimuli)."""
    from ionm_tui.streams.xdf_writer import XdfWriter

    w = Workload(minutes)
    samples, site = w.events()
    codes = [code for _, code in SITES]
    t = time.perf_counter()
    with XdfWriter(path) as xw:
        d = xw.add_stream(
            DATA_NAME, "EEG", N_CH, FS, "float32", "bench-amp-1", LABELS, ["microvolts"] * N_CH
        )
        m = xw.add_stream(MARKER_NAME, "Markers", 1, 0.0, "string", "bench-amp-1-markers")
        for k, (ts, x, idx) in enumerate(w.chunks()):
            xw.write_samples(d, ts, x)
            if idx:  # markers follow the chunk holding their sample, as an LSL recorder sees them
                mts = T0 + samples[idx].astype(np.float64) / FS
                xw.write_samples(m, mts, [codes[int(site[i])] for i in idx])
            if k % CLOCK_EVERY == 0:  # as LabRecorder: each stream's clock offset every 5 s
                t_now = float(ts[-1])
                for sid in (d, m):
                    xw.write_clock_offset(sid, t_now, clock_offset_s(t_now))
    return path.stat().st_size, time.perf_counter() - t, int(samples.size)


def evict(path: Path) -> None:
    """Drop the file's pages from the OS page cache (no root needed), so reading it is cold."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


# --- workers (each in its own process) ---------------------------------------------------------


def proc_io() -> dict[str, int]:
    """This process's I/O counters (read_bytes = fetched from storage, rchar = read() calls)."""
    try:
        pairs = (ln.split(": ") for ln in Path("/proc/self/io").read_text().splitlines())
        return {k: int(v) for k, v in pairs}
    except OSError:
        return {}


def work_ours(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """``analyze()`` on the case file, end to end (open, read, engine, results.jsonl, summary)."""
    from ionm_tui.session.analyze import analyze

    rss_setup = peak_rss_mb()
    io0 = proc_io()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    profiler = None
    if job.get("pyinstrument"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    t, c = time.perf_counter(), time.process_time()
    res = analyze(job["case"], job["profile"], job["out"], force=True)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    if profiler is not None:
        profiler.stop()
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        out.with_suffix(".profile.txt").write_text(text)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    # The reader process analyze() starts (and waits for) is a child: its CPU and storage reads
    # count too. (Its RSS includes the shared ring, which this process's RSS also counts.)
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    io1 = proc_io()
    child_cpu = (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)
    child_read = (ch1.ru_inblock - ch0.ru_inblock) * 512
    return {
        "wall": wall,
        "cpu": cpu + child_cpu,
        "cpu_main": cpu,
        "cpu_child": child_cpu,
        "user": ru1.ru_utime - ru0.ru_utime + ch1.ru_utime - ch0.ru_utime,
        "sys": ru1.ru_stime - ru0.ru_stime + ch1.ru_stime - ch0.ru_stime,
        "rss_setup": rss_setup,
        "rss_main": peak_rss_mb(),
        "rss_child": ch1.ru_maxrss / 1024,
        "rss": peak_rss_mb() + ch1.ru_maxrss / 1024,
        "data_s": res.data_s,
        "records": res.records,
        "results_bytes": res.results.stat().st_size,
        "read_bytes": io1.get("read_bytes", 0) - io0.get("read_bytes", 0) + child_read,
        "rchar": io1.get("rchar", 0) - io0.get("rchar", 0),
        "results": str(res.results),
        "reading_note": "Note: the reader process" in res.summary.read_text(),
    }


def work_mne(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """MNE: RawArray of the in-memory recording (untimed), then Epochs(...).average() per site."""
    import mne

    mne.set_log_level("ERROR")
    w = Workload(job["minutes"])
    t = time.perf_counter()
    data = w.full_array_volts()
    samples, site = w.events()
    info = mne.create_info(list(LABELS), FS, ch_types="eeg")
    raw = mne.io.RawArray(data, info, verbose="ERROR")
    del data
    t_build = time.perf_counter() - t
    rss_setup = peak_rss_mb()
    res = mne_epochs_average(
        raw, samples, site, [side for side, _ in SITES], WINDOW_MS, BASELINE_MS, out
    )
    t_epochs, c_epochs, per_site = res["wall"], res["cpu"], res["sites"]
    return {
        "wall": t_epochs,
        "cpu": c_epochs,
        "t_build": t_build,
        "rss_setup": rss_setup,
        "rss": peak_rss_mb(),
        "data_s": w.duration_s,
        "sites": per_site,
        "version": mne.__version__,
    }


WORKERS = {"ours": work_ours, "mne": work_mne}


def run_worker(job: dict[str, Any], tmp: Path, tag: str) -> dict[str, Any]:
    """Run one job in a fresh interpreter (so ru_maxrss is its own); return its result."""
    out = tmp / f"{tag}.json"
    env = dict(os.environ, **dict.fromkeys(THREAD_VARS, "1"))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    proc = subprocess.run([*cmd, "--out", str(out)], env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {tag} failed ({proc.returncode}):\n{proc.stderr}")
    res = json.loads(out.read_text())
    prof = out.with_suffix(".profile.txt")
    if prof.exists():
        res["profile_text"] = prof.read_text()
    return res


# --- reporting ---------------------------------------------------------------------------------


def mem_available() -> int:
    """MemAvailable in bytes (0 when unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def mne_bytes(minutes: float) -> int:
    """What MNE holds at its peak: float64 data, a transient copy while building, one site's
    preloaded epochs (half the stimuli × 32 ch × 501 samples float64), plus ~0.5 GB of Python."""
    n = round(minutes * 60.0 * FS)
    data = n * N_CH * 8
    epochs = int(minutes * 60.0 * STIM_HZ / 2) * N_CH * (STOP - START + 1) * 8
    return int(1.5 * data) + epochs + 500_000_000


def gb(n: float) -> str:
    """Bytes as GB."""
    return f"{n / 1e9:.2f} GB"


def count_records(path: Path) -> Counter[str]:
    """Lines per record type of a results file (untimed)."""
    kinds: Counter[str] = Counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            i = line.find('"type":"')
            kinds[line[i + 8 : line.find('"', i + 8)] if i >= 0 else "?"] += 1
    return kinds


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one measurement of it)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=240.0, help="long case (default 240)")
    ap.add_argument(
        "--short-minutes",
        type=float,
        default=60.0,
        help="second, shorter case for the memory-vs-length check (default 60; 0 skips it)",
    )
    ap.add_argument(
        "--mne-minutes",
        type=float,
        default=60.0,
        help="length MNE epochs in memory (default 60; lowered if it would not fit)",
    )
    ap.add_argument(
        "--repeats", type=int, default=3, help="runs per measurement (median shown; default 3)"
    )
    ap.add_argument("--no-mne", action="store_true", help="skip MNE even when it is installed")
    ap.add_argument(
        "--warm", action="store_true", help="do not evict the case from the page cache first"
    )
    ap.add_argument(
        "--pyinstrument",
        action="store_true",
        help="after the measurements, profile one extra run of ours on the short case",
    )
    ap.add_argument("--tmp", help="folder for the case files (default: the system temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder and its files")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        job = json.loads(args.worker)
        out = Path(args.out)
        out.write_text(json.dumps(WORKERS[job["kind"]](job, out)))
        return 0

    if args.minutes <= 0 or args.repeats < 1:
        ap.error("--minutes must be > 0 and --repeats ≥ 1")
    tmp = Path(tempfile.mkdtemp(prefix="ionm-analyze-bench-", dir=args.tmp))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    """The benchmark proper, with its files in ``tmp``."""
    minutes, reps = args.minutes, args.repeats
    short = args.short_minutes if 0 < args.short_minutes < minutes else None
    have_mne = importlib.util.find_spec("mne") is not None and not args.no_mne

    print("ionm-tui headless analysis benchmark (issue 7)")
    for line in machine():
        print(line)

    # --- lengths that fit: disk for ours, memory for MNE
    notes: list[str] = []
    free = shutil.disk_usage(tmp).free
    need = xdf_bytes(minutes) + (xdf_bytes(short) if short else 0) + 2_000_000_000
    while need > free and minutes > 1:
        old = minutes
        minutes = max(1.0, minutes / 2)
        short = short if short and short < minutes else None
        need = xdf_bytes(minutes) + (xdf_bytes(short) if short else 0) + 2_000_000_000
        notes.append(
            f"DISK SHORT: {gb(free)} free in {tmp}; the {old:g}-min case does not fit, "
            f"using {minutes:g} min"
        )
    mne_min = args.mne_minutes
    avail = mem_available()
    while have_mne and avail and mne_bytes(mne_min) > 0.7 * avail and mne_min > 1:
        notes.append(
            f"MNE at {mne_min:g} min needs ~{gb(mne_bytes(mne_min))}, more than 70 % of "
            f"MemAvailable ({gb(avail)}); halving"
        )
        mne_min /= 2
    print(
        f"free    : disk {gb(free)} in {tmp}; MemAvailable {gb(avail)}; "
        f"cases need ~{gb(need - 2_000_000_000)} of disk"
    )
    for n in notes:
        print(f"NOTE    : {n}")

    w = Workload(minutes)
    _, site = w.events()
    n_ev = [int((site == i).sum()) for i in range(len(SITES))]
    print(
        f"workload: {minutes:g} min, {N_CH} ch float32 µV, {FS:g} Hz = {w.n_total:,} samples "
        f"({w.n_total * N_CH:,} channel-samples); stimuli {STIM_HZ} Hz alternating 2 sites "
        f"(MN_L {n_ev[0]:,}, MN_R {n_ev[1]:,}); data cycled from a deterministic 20 s block"
    )
    print(
        f"profile : 4 SSEP tests, 2 per site × 16 ch (every stimulus cuts all {N_CH} ch once): "
        f"window {list(WINDOW_MS)} ms ({STOP - START + 1} samples), baseline {list(BASELINE_MS)}, "
        f"blank {list(BLANK_MS)}, reject sat ≥4000/p-p >100/flat <0.5 µV, "
        "block 200 (cortical) and EWMA 200 every 50 (far-field), peaks N20+P25, "
        "band-pass 30–1000 Hz, alerts (↓50 %, ↑10 %, SNR < 1, confirm 2)"
    )
    print(
        "method  : each measurement in a fresh subprocess (ru_maxrss is its own), threads = 1; "
        "ours = ionm_tui.session.analyze.analyze(case.xdf, profile.toml, out) end to end "
        "(XDF scan, dejitter pass, decode, engine, results.jsonl + summary.txt); "
        + (
            "case evicted from the page cache before each run (cold read from disk)"
            if not args.warm
            else "case left in the page cache (--warm)"
        )
    )
    print(flush=True)

    prof_path = tmp / "bench-ssep32.toml"
    prof_path.write_text(profile_toml(), encoding="utf-8")

    # --- the case files (untimed)
    print("CASE FILES (written once with XdfWriter; not part of any timing)")
    cases: dict[float, Path] = {}
    for mins in [minutes] + ([short] if short else []):
        path = tmp / f"case-{mins:g}min.xdf"
        print(f"  writing {path.name} …", end="", flush=True)
        size, secs, n_stim = write_case(path, mins)
        cases[mins] = path
        print(
            f" {gb(size)} ({size / 2**30:.2f} GiB), {n_stim:,} markers, written in {secs:.1f} s "
            f"({size / secs / 1e6:.0f} MB/s)",
            flush=True,
        )
    print()

    def measure(kind: str, mins: float, n: int, **extra: Any) -> list[dict[str, Any]]:
        res = []
        for r in range(n):
            print(f"  running {kind} {mins:g} min ({r + 1}/{n}) …", end="", flush=True)
            job: dict[str, Any] = {"kind": kind, "minutes": mins, **extra}
            if kind == "ours":
                if not args.warm:
                    evict(cases[mins])
                job.update(
                    case=str(cases[mins]),
                    profile=str(prof_path),
                    out=str(tmp / f"out-{mins:g}-{r}"),
                )
            t = time.perf_counter()
            res.append(run_worker(job, tmp, f"{kind}-{mins:g}-{r}"))
            print(f" {time.perf_counter() - t:.1f} s", flush=True)
        return res

    print("RUNS")
    ours = measure("ours", minutes, reps)
    ours_short = measure("ours", short, reps) if short else []
    mne_runs = measure("mne", mne_min, reps) if have_mne else []
    prof_mins = short or minutes
    profiled = measure("ours", prof_mins, 1, pyinstrument=True) if args.pyinstrument else []
    print()

    def med(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def peak(runs: list[dict[str, Any]]) -> float:
        return max(r["rss"] for r in runs)

    # --- throughput
    print(
        "THROUGHPUT — × real time = seconds of data / seconds taken (medians of "
        f"{reps} run(s)); CPU = user + system of the process (ours: of both its processes, "
        "analysis and file reader); peak RSS of ours = the two processes' peaks added"
    )
    print(
        f"{'':44} {'data':>7} {'wall s':>8} {'CPU s':>8} {'×real':>7} {'×real':>7} "
        f"{'peak RSS':>9} {'read from':>10}"
    )
    print(f"{'':44} {'min':>7} {'':>8} {'':>8} {'(wall)':>7} {'(CPU)':>7} {'':>9} {'disk':>10}")

    def row(name: str, runs: list[dict[str, Any]]) -> None:
        d = runs[0]["data_s"]
        wall, cpu = med(runs, "wall"), med(runs, "cpu")
        rd = f"{med(runs, 'read_bytes') / 1e9:8.2f}GB" if "read_bytes" in runs[0] else ""
        print(
            f"{name:44} {d / 60:7.1f} {wall:8.1f} {cpu:8.1f} {d / wall:7.0f} {d / cpu:7.0f} "
            f"{peak(runs):7.0f}MB {rd:>10}"
        )

    row("ours: analyze() from the XDF file", ours)
    if ours_short:
        row("ours: analyze() from the XDF file (short)", ours_short)
    if mne_runs:
        row("MNE: Epochs(preload).average() ×2, in RAM", mne_runs)
    print(
        "(ours includes opening and reading the file, timestamp dejitter, the whole per-sweep "
        "path — blanking, rejection, baseline, block/EWMA averages, band-pass, peaks, SNR, "
        "alerts — and writing results. MNE is timed on epoching and averaging only: the "
        "recording is already in RAM as float64, built untimed; no blanking, rejection, "
        "filtering or measures.)"
    )
    print()

    # --- detail
    print("DETAIL")
    for label, runs in (("ours long", ours), ("ours short", ours_short)):
        if not runs:
            continue
        r0 = runs[0]
        kinds = count_records(Path(r0["results"]))
        walls = ", ".join(format(r["wall"], ".1f") for r in runs)
        print(
            f"  {label:10}: {r0['data_s'] / 60:.1f} min; wall runs {walls} s; "
            f"user {med(runs, 'user'):.1f} s + "
            f"system {med(runs, 'sys'):.1f} s (CPU/wall {med(runs, 'cpu') / med(runs, 'wall'):.2f}"
            f": 2 = both cores busy all along; lower = waiting on the disk, on each other, or "
            f"preempted); read() {med(runs, 'rchar') / 1e9:.2f} GB"
            f", from storage {med(runs, 'read_bytes') / 1e9:.2f} GB; RSS before analyze "
            f"{r0['rss_setup']:.0f} MB"
        )
        rss_main = max(r["rss_main"] for r in runs)
        rss_child = max(r["rss_child"] for r in runs)
        failed = any(r["reading_note"] for r in runs)
        print(
            f"              CPU: analysis process {med(runs, 'cpu_main'):.1f} s, reader process "
            f"{med(runs, 'cpu_child'):.1f} s; peak RSS: analysis {rss_main:.0f} MB + reader "
            f"{rss_child:.0f} MB (each counts the shared ring)"
            + ("; THE READER PROCESS FAILED in a run (see summary.txt)" if failed else "")
        )
        print(
            f"              {r0['records']:,} records written ({r0['results_bytes'] / 1e6:.1f} MB"
            f" results.jsonl): {', '.join(f'{k} {v:,}' for k, v in kinds.most_common())}"
        )
    if mne_runs:
        r0 = mne_runs[0]
        print(
            f"  MNE {r0['version']}: {r0['data_s'] / 60:.0f} min, per site "
            + ", ".join(
                f"{s}: {v['epochs']:,} epochs {v['wall']:.1f} s" for s, v in r0["sites"].items()
            )
            + f"; building the float64 recording + RawArray {med(mne_runs, 't_build'):.1f} s "
            f"(untimed); RSS with the data in RAM {r0['rss_setup']:.0f} MB"
        )
    print()

    # --- comparison and targets
    verdicts: list[str] = []
    if mne_runs:
        x_ours_w = ours[0]["data_s"] / med(ours, "wall")
        x_ours_c = ours[0]["data_s"] / med(ours, "cpu")
        x_mne_w = mne_runs[0]["data_s"] / med(mne_runs, "wall")
        x_mne_c = mne_runs[0]["data_s"] / med(mne_runs, "cpu")
        full = round(minutes * 60 * FS) * N_CH * 8
        print("OURS vs MNE — compared as RATES (× real time), because the lengths differ:")
        fits = mne_bytes(minutes) <= 0.7 * avail
        why = (
            f"it would need ~{gb(mne_bytes(minutes))} at its peak: "
            + ("it fits here, but " if fits else f"more than fits in {gb(avail)} available, and ")
            + ("far beyond" if mne_bytes(minutes) > 8e9 else "a large share of")
            + " an 8 GB laptop"
        )
        print(
            f"  ours ran on the {minutes:g}-min case from disk. MNE must hold the recording in "
            f"RAM as float64 ({gb(full)} for {minutes:g} min, plus epochs and copies; {why}), so "
            f"MNE ran on {mne_min:g} min: the same per-minute workload ({N_CH} ch, same "
            "stimuli, same window)."
        )
        ok_w, ok_c = x_ours_w >= x_mne_w, x_ours_c >= x_mne_c
        print(
            f"  wall: ours {x_ours_w:.0f}× vs MNE {x_mne_w:.0f}× real time = "
            f"{x_ours_w / x_mne_w:.2f}× MNE's rate  (target ≥ 1: {'MET' if ok_w else 'NOT MET'})"
        )
        print(
            f"  CPU : ours {x_ours_c:.0f}× vs MNE {x_mne_c:.0f}× real time = "
            f"{x_ours_c / x_mne_c:.2f}× MNE's rate  ({'less' if ok_c else 'more'} CPU than MNE "
            "in all; ours counts both processes; for information — the target is speed)"
        )
        verdicts.append(f"speed vs MNE (wall) {'MET' if ok_w else 'NOT MET'}")
        same = [r for r in (ours, ours_short) if r and abs(r[0]["data_s"] / 60 - mne_min) < 0.5]
        if same:
            s = same[0]
            print(
                f"  same length ({mne_min:g} min): ours {med(s, 'wall'):.1f} s wall / "
                f"{med(s, 'cpu'):.1f} s CPU from disk vs MNE {med(mne_runs, 'wall'):.1f} s / "
                f"{med(mne_runs, 'cpu'):.1f} s in RAM; peak RSS ours {peak(s):.0f} MB vs MNE "
                f"{peak(mne_runs):.0f} MB"
            )
        print()
    else:
        print("MNE: not run (--no-mne or not importable) — speed target not judged")
        print()

    print(f"MEMORY (target: peak RSS < {TARGET_RSS_MB:.0f} MB and flat vs case length)")
    rss_long = peak(ours)
    ok_small = rss_long < TARGET_RSS_MB
    print(
        f"  ours {minutes:g} min: {rss_long:.0f} MB  (< {TARGET_RSS_MB:.0f} MB: "
        f"{'MET' if ok_small else 'NOT MET'})"
    )
    verdicts.append(f"peak RSS < {TARGET_RSS_MB:.0f} MB {'MET' if ok_small else 'NOT MET'}")
    if ours_short:
        a = peak(ours_short)
        ok_flat = rss_long - a <= max(16.0, 0.05 * a)
        print(
            f"  ours {short:g} min: {a:.0f} MB → {minutes:g} min: {rss_long:.0f} MB "
            f"(Δ {rss_long - a:+.0f} MB for {minutes / short:.0f}× the length): "
            f"{'MET' if ok_flat else 'NOT MET'}"
        )
        verdicts.append(f"RSS flat vs length {'MET' if ok_flat else 'NOT MET'}")
    print()

    if profiled:
        p = profiled[0]
        print(
            f"PROFILE (pyinstrument, an extra run of ours on the {prof_mins:g}-min case, not "
            f"counted above: {p['wall']:.1f} s wall with the profiler)"
        )
        print(p.get("profile_text", "(no profile written)"))

    print("TARGETS: " + "; ".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
