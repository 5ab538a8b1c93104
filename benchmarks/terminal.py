"""Terminal cost of the live console: bytes/s written to a real pseudo-terminal and CPU %."""

from __future__ import annotations

import argparse
import math
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Sequence

import numpy as np

from ionm_tui.engine import (
    AlertSpec,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    RejectSpec,
    StreamSpec,
    TestSpec,
)
from ionm_tui.streams.health import HealthTracker

TARGET_BYTES_S = 20_000.0
TARGET_CPU_PCT = 15.0

FS = 5000.0
LABELS = (
    "C3p", "C4p", "Cz", "CPz", "Fz", "FPz", "C5S", "EpL",
    "EpR", "PFL", "PFR", "T3", "T4", "P3", "P4", "Oz",
)  # fmt: skip
STIM_HZ = 4.7
SITES = ("UL_L", "LL_L", "UL_R", "LL_R")  # stimulated in turn: 1.175 Hz each
CHUNK_S = 0.02  # the data stream delivers 20 ms chunks (100 samples), like an amplifier


# --- the workload: 16 SSEP tests on 16 channels at 5 kHz, markers at 4.7 Hz --------------------


def _tests() -> tuple[TestSpec, ...]:
    """Four recordings per stimulated site: 16 rows, like a 4-limb SSEP montage.

    Moving averages of 30 sweeps updating every 8–11 sweeps: about two updates per second
    across the table (every row's sweep counter changes with each of its stimuli).
    """
    out = []
    for site in SITES:
        limb, side = site.split("_")
        lower = limb == "LL"
        cortex = "CPz" if lower else ("C4p" if side == "L" else "C3p")
        periph = (
            ("PFL-PFR" if side == "L" else "PFR-PFL")
            if lower
            else ("EpL-EpR" if side == "L" else "EpR-EpL")
        )
        peaks = (
            (PeakSpec("P37", 1, (32.0, 42.0)), PeakSpec("N45", -1, (40.0, 52.0)))
            if lower
            else (PeakSpec("N20", -1, (16.0, 23.0)), PeakSpec("P25", 1, (22.0, 32.0)))
        )
        for n, (suffix, channel) in enumerate(
            (("", f"{cortex}-FPz"), ("c", f"{cortex}-Fz"), ("s", "C5S-FPz"), ("p", periph))
        ):
            pk = tuple(PeakSpec(p.name, p.sign, p.search_ms, channel) for p in peaks)
            out.append(
                TestSpec(
                    id=f"ssep-{limb.lower()}-{side.lower()}{suffix}",
                    marker=f"SSEP_{site}",
                    channels=(channel,),
                    window_ms=(-5.0, 80.0 if lower else 50.0),
                    modality="ssep",
                    side=side,
                    blank_ms=(-0.5, 2.0),
                    baseline_ms=(-5.0, -1.0),
                    reject=RejectSpec(saturation_uv=3000.0, peak_to_peak_uv=200.0),
                    averaging=AveragingSpec("moving", 30, update_every=8 + n),
                    peaks=pk,
                    amplitude=(pk[0].name, pk[1].name),
                    alert=AlertSpec(),
                )
            )
    return tuple(out)


def engine_spec() -> EngineSpec:
    """The benchmark's stream and tests."""
    return EngineSpec(StreamSpec(LABELS, FS), _tests())


class RealTimeSource:
    """Synthetic data produced at wall-clock pace: noise, mains hum, SSEPs after each stimulus.

    Implements the engine runner's ``Source`` protocol; the health records come from the real
    watchdog (``HealthTracker``), so the status bar shows what a live LSL stream would.
    """

    def __init__(self, seed: int = 1, backlog_s: float = 40.0) -> None:
        self._rng = np.random.default_rng(seed)
        # Start in the past, as if the amplifier had buffered ``backlog_s``: the engine catches
        # up at once, so the averages exist and the measurement sees the steady state.
        self._t0 = time.monotonic() - backlog_s
        self._n = 0  # samples produced
        self._next_stim = 0.3
        self._k = 0
        self._pending: list[tuple[int, int]] = []  # (sample index, site) responses to add
        t_ms = np.arange(int(0.1 * FS)) / FS * 1000.0
        self._resp = {
            "UL": -2.0 * np.exp(-0.5 * ((t_ms - 20) / 1.5) ** 2)
            + 1.6 * np.exp(-0.5 * ((t_ms - 26) / 2.5) ** 2),
            "LL": 1.6 * np.exp(-0.5 * ((t_ms - 37) / 2.0) ** 2)
            - 1.4 * np.exp(-0.5 * ((t_ms - 45) / 2.5) ** 2),
        }
        now = time.monotonic()
        common = dict(source_id="bench", hostname="localhost", stale_after_s=0.5, now=now)
        self._data = HealthTracker(
            name="bench-data", kind="data", nominal_srate_hz=FS, lost_after_s=3.0, uid="d", **common
        )
        self._markers = HealthTracker(
            name="bench-markers",
            kind="markers",
            nominal_srate_hz=0.0,
            lost_after_s=3.0,
            uid="m",
            **common,
        )

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        """Everything due by now (whole 20 ms chunks); wait up to ``timeout_s`` for the first."""
        step = int(CHUNK_S * FS)
        due = int((time.monotonic() - self._t0) * FS) // step * step
        if due <= self._n:
            time.sleep(min(timeout_s, (self._n + step) / FS - (time.monotonic() - self._t0)))
            due = int((time.monotonic() - self._t0) * FS) // step * step
        out: list[Chunk | Marker] = []
        while self._n < due:
            out.extend(self._chunk(step))
        return out

    def _chunk(self, n: int) -> list[Chunk | Marker]:
        i0 = self._n
        t = self._t0 + (i0 + np.arange(n)) / FS
        x = self._rng.normal(0.0, 2.0, (n, len(LABELS)))
        x += 5.0 * np.sin(2 * np.pi * 50.0 * t)[:, np.newaxis]
        items: list[Chunk | Marker] = []
        while self._next_stim < (i0 + n) / FS:
            s = round(self._next_stim * FS)
            site = self._k % len(SITES)
            items.append(Marker(self._t0 + s / FS, f"SSEP_{SITES[site]}"))
            self._pending.append((s, site))
            self._k += 1
            self._next_stim += 1.0 / STIM_HZ
        keep = []
        for s, site in self._pending:
            limb, side = SITES[site].split("_")
            r = self._resp[limb]
            a, b = max(s, i0), min(s + r.size, i0 + n)
            if a < b:
                cols = [LABELS.index("CPz" if limb == "LL" else ("C4p" if side == "L" else "C3p"))]
                x[a - i0 : b - i0, cols] += r[a - s : b - s, np.newaxis]
            if s + r.size > i0 + n:
                keep.append((s, site))
        self._pending = keep
        self._n += n
        now = time.monotonic()
        self._data.samples(now, n)
        if any(isinstance(i, Marker) for i in items):
            self._markers.samples(now, sum(isinstance(i, Marker) for i in items))
        return [Chunk(t, x, stream="bench-data"), *items]

    @property
    def finished(self) -> bool:
        """Never: a live stream."""
        return False

    def health(self) -> tuple[object, ...]:
        """The data and marker streams' health now."""
        now = time.monotonic()
        return (self._data.snapshot(now, 0, 0), self._markers.snapshot(now, 0, 0))


def run_console() -> None:
    """The child: the real console on the synthetic live source."""
    from ionm_tui.app import LocalEngineFeed, make_app

    feed = LocalEngineFeed(Engine(engine_spec()), RealTimeSource())
    make_app(feed, title="ionm-tui benchmark", profile_name="16 SSEP tests, 16 ch @ 5 kHz").run()


# --- the measurement ---------------------------------------------------------------------------


def _cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) per thread of ``pid``, plus the process total as ``"all"``."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        role = "main thread: UI event loop" if int(tid) == pid else f"thread {tid} ({name})"
        out[role] = (int(fields[11]) + int(fields[12])) / tick
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    out["all"] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _pump(fd: int, until: float) -> int:
    """Read (and discard) the child's terminal output until ``until``; return the byte count."""
    n = 0
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            n += len(data)
    return n


def measure(cols: int, rows: int, warmup_s: float, seconds: float) -> dict[str, object]:
    """Run the console in a pseudo-terminal; measure after ``warmup_s`` for ``seconds``."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the terminal is ours now
        fcntl_size = struct.pack("HHHH", rows, cols, 0, 0)
        import fcntl

        fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, fcntl_size)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "COLORTERM"))}
        env |= {"TERM": "xterm-256color", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        os.execve(sys.executable, [sys.executable, __file__, "--child"], env)
    try:
        start = time.monotonic()
        warm_bytes = _pump(fd, start + warmup_s)
        cpu0, t0 = _cpu_s(pid), time.monotonic()
        n = _pump(fd, t0 + seconds)
        cpu1, t1 = _cpu_s(pid), time.monotonic()
        os.write(fd, b"q")  # quit politely: q, then y to confirm
        _pump(fd, time.monotonic() + 0.5)
        os.write(fd, b"y")
        _pump(fd, time.monotonic() + 1.5)
    finally:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)
    wall = t1 - t0
    threads = {
        k: 100.0 * (cpu1[k] - cpu0.get(k, 0.0)) / wall for k in cpu1 if k != "all" and k in cpu1
    }
    return {
        "warmup_bytes": warm_bytes,
        "bytes": n,
        "wall_s": wall,
        "bytes_per_s": n / wall,
        "cpu_pct": 100.0 * (cpu1["all"] - cpu0["all"]) / wall,
        "threads": dict(sorted(threads.items(), key=lambda kv: -kv[1])),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the figures beside their targets."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", default="120x40", help="terminal COLSxROWS (default 120x40)")
    p.add_argument("--seconds", type=float, default=20.0, help="measured span (default 20)")
    p.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        run_console()
        return 0
    cols, rows = (int(v) for v in args.size.lower().split("x"))
    print(f"ionm-tui terminal benchmark: {cols}×{rows}, TERM=xterm-256color, pty")
    print(
        f"workload: {len(_tests())} SSEP tests (rows), {len(LABELS)} channels at {FS:g} Hz, "
        f"stimuli at {STIM_HZ} Hz over {len(SITES)} sites, {CHUNK_S * 1000:g} ms chunks, "
        "moving averages of 30 updating every 8–11 sweeps, 40 s of backlog first"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    r = measure(cols, rows, args.warmup, args.seconds)
    kb = float(r["bytes_per_s"]) / 1000.0  # type: ignore[arg-type]
    cpu = float(r["cpu_pct"])  # type: ignore[arg-type]
    print(f"warm-up: {args.warmup:g} s, {int(r['warmup_bytes']) / 1000:.1f} KB (first paint)")  # type: ignore[call-overload]
    print(f"measured: {float(r['wall_s']):.1f} s, {int(r['bytes']) / 1000:.1f} KB")  # type: ignore[arg-type,call-overload]
    ok_b = "MET" if kb * 1000 <= TARGET_BYTES_S else "NOT MET"
    ok_c = "MET" if cpu <= TARGET_CPU_PCT else "NOT MET"
    print(f"terminal output: {kb:6.1f} KB/s   target ≤ {TARGET_BYTES_S / 1000:g} KB/s   {ok_b}")
    print(f"process CPU:     {cpu:6.1f} %     target ≤ {TARGET_CPU_PCT:g} % of one core   {ok_c}")
    print("per thread (% of one core):")
    for name, pct in r["threads"].items():  # type: ignore[attr-defined]
        if pct >= 0.1 or math.isnan(pct):
            print(f"  {pct:5.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
