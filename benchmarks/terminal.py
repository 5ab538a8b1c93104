"""Terminal cost of the live console (bytes/s, CPU %) and its keypress-to-screen latency."""

from __future__ import annotations

import argparse
import codecs
import math
import os
import pty
import random
import re
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
TARGET_KEY_MS = 100.0  # keypress to screen "well under 100 ms"

FS = 5000.0  # the default workload (the terminal-cost targets are stated for it)
N_CHANNELS = 16
LABELS = (
    "C3p", "C4p", "Cz", "CPz", "Fz", "FPz", "C5S", "EpL",
    "EpR", "PFL", "PFR", "T3", "T4", "P3", "P4", "Oz",
)  # fmt: skip
EXTRA_LABELS = (
    "C1", "C2", "CP3", "CP4", "FC3", "FC4", "F3", "F4",
    "P5", "P6", "Fp1", "Fp2", "O1", "O2", "T5", "T6",
)  # fmt: skip
STIM_HZ = 4.7
SITES = ("UL_L", "LL_L", "UL_R", "LL_R")  # stimulated in turn: 1.175 Hz each
CHUNK_S = 0.02  # the data stream delivers 20 ms chunks (100 samples), like an amplifier


# --- the workload: 16 SSEP tests on 16 (or more) channels at 5 kHz, markers at 4.7 Hz ----------


def labels_for(channels: int) -> tuple[str, ...]:
    """The stream's channel labels: the 16-channel SSEP montage, then more scalp sites."""
    if channels < len(LABELS):
        raise ValueError(f"at least {len(LABELS)} channels (the tests use them)")
    extra = [*EXTRA_LABELS, *(f"X{i}" for i in range(len(LABELS) + len(EXTRA_LABELS) + 1, 1000))]
    return (*LABELS, *extra[: channels - len(LABELS)])


def _tests(labels: Sequence[str] = LABELS) -> tuple[TestSpec, ...]:
    """Four recordings per stimulated site: 16 rows, like a 4-limb SSEP montage.

    Moving averages of 30 sweeps updating every 8–11 sweeps: about two updates per second
    across the table (every row's sweep counter changes with each of its stimuli). With more
    than 16 channels each test also records one of the extra channels (referenced to FPz), so
    the 16 tests span the whole montage (32 channels: every channel is averaged).
    """
    extra = list(labels[len(LABELS) :])
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
            more = (f"{extra[len(out) % len(extra)]}-FPz",) if extra else ()
            out.append(
                TestSpec(
                    id=f"ssep-{limb.lower()}-{side.lower()}{suffix}",
                    marker=f"SSEP_{site}",
                    channels=(channel, *more),
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


def engine_spec(channels: int = N_CHANNELS, fs: float = FS) -> EngineSpec:
    """The benchmark's stream and tests."""
    labels = labels_for(channels)
    return EngineSpec(StreamSpec(labels, fs), _tests(labels))


class RealTimeSource:
    """Synthetic data produced at wall-clock pace: noise, mains hum, SSEPs after each stimulus.

    Implements the engine runner's ``Source`` protocol; the health records come from the real
    watchdog (``HealthTracker``), so the status bar shows what a live LSL stream would.
    """

    def __init__(
        self,
        seed: int = 1,
        backlog_s: float = 40.0,
        channels: int = N_CHANNELS,
        fs: float = FS,
    ) -> None:
        self._labels = labels_for(channels)
        self._fs = fs
        self._rng = np.random.default_rng(seed)
        # Start in the past, as if the amplifier had buffered ``backlog_s``: the engine catches
        # up at once, so the averages exist and the measurement sees the steady state.
        self._t0 = time.monotonic() - backlog_s
        self._n = 0  # samples produced
        self._next_stim = 0.3
        self._k = 0
        self._pending: list[tuple[int, int]] = []  # (sample index, site) responses to add
        t_ms = np.arange(int(0.1 * fs)) / fs * 1000.0
        self._resp = {
            "UL": -2.0 * np.exp(-0.5 * ((t_ms - 20) / 1.5) ** 2)
            + 1.6 * np.exp(-0.5 * ((t_ms - 26) / 2.5) ** 2),
            "LL": 1.6 * np.exp(-0.5 * ((t_ms - 37) / 2.0) ** 2)
            - 1.4 * np.exp(-0.5 * ((t_ms - 45) / 2.5) ** 2),
        }
        now = time.monotonic()
        common = dict(source_id="bench", hostname="localhost", stale_after_s=0.5, now=now)
        self._data = HealthTracker(
            name="bench-data", kind="data", nominal_srate_hz=fs, lost_after_s=3.0, uid="d", **common
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
        fs = self._fs
        step = int(CHUNK_S * fs)
        due = int((time.monotonic() - self._t0) * fs) // step * step
        if due <= self._n:
            time.sleep(min(timeout_s, (self._n + step) / fs - (time.monotonic() - self._t0)))
            due = int((time.monotonic() - self._t0) * fs) // step * step
        out: list[Chunk | Marker] = []
        while self._n < due:
            out.extend(self._chunk(step))
        return out

    def _chunk(self, n: int) -> list[Chunk | Marker]:
        i0, fs = self._n, self._fs
        t = self._t0 + (i0 + np.arange(n)) / fs
        x = self._rng.normal(0.0, 2.0, (n, len(self._labels)))
        x += 5.0 * np.sin(2 * np.pi * 50.0 * t)[:, np.newaxis]
        items: list[Chunk | Marker] = []
        while self._next_stim < (i0 + n) / fs:
            s = round(self._next_stim * fs)
            site = self._k % len(SITES)
            items.append(Marker(self._t0 + s / fs, f"SSEP_{SITES[site]}"))
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


def run_console(channels: int = N_CHANNELS, fs: float = FS) -> None:
    """The child: the real console on the synthetic live source."""
    from ionm_tui.app import LocalEngineFeed, make_app

    spec = engine_spec(channels, fs)
    feed = LocalEngineFeed(Engine(spec), RealTimeSource(channels=channels, fs=fs))
    profile = f"{len(spec.tests)} SSEP tests, {channels} ch @ {fs / 1000:g} kHz"
    make_app(feed, title="ionm-tui benchmark", profile_name=profile).run()


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


class MarkTracker:
    """Follows, in the console's terminal output, the screen row where ``▶`` (selection) is drawn.

    Not a terminal emulator: it tracks only the cursor row (``CSI row;col H``/``f``, ``CSI d``,
    ``CSI A/B/E/F``, newline), which is how Textual positions every line it repaints, and notes
    the row of each ``▶`` written. Escape sequences split across reads are held until complete.
    """

    _TOKEN = re.compile(
        r"\x1b\[([0-9;:<=>?]*)[ -/]*([@-~])"  # CSI
        r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
        r"|\x1b[P^_X][^\x1b]*\x1b\\"  # DCS, PM, APC, SOS
        r"|\x1b[^\[\]P^_X]"  # other two-byte escapes
        r"|\n|▶"
    )

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._held = ""
        self.row = 1
        self.mark_row: int | None = None
        """Screen row (1-based) where ``▶`` was last drawn."""

    def feed(self, data: bytes) -> list[int]:
        """Parse more output; return the rows where ``▶`` was drawn in it."""
        text = self._held + self._decoder.decode(data)
        marks: list[int] = []
        end = 0
        for m in self._TOKEN.finditer(text):
            end = m.end()
            tok = m.group(0)
            if tok == "▶":
                marks.append(self.row)
            elif tok == "\n":
                self.row += 1
            elif m.group(2) is not None:
                args = [int(a) if a.isdigit() else 0 for a in m.group(1).split(";")]
                first = args[0] or 1
                final = m.group(2)
                if final in "Hfd":
                    self.row = first
                elif final in "AF":
                    self.row = max(1, self.row - first)
                elif final in "BE":
                    self.row += first
        rest = text[end:]
        self._held = rest[rest.index("\x1b") :] if "\x1b" in rest else ""
        if marks:
            self.mark_row = marks[-1]
        return marks


def _pump(fd: int, until: float, tracker: MarkTracker | None = None) -> int:
    """Read the child's terminal output until ``until`` (parse it if asked); count the bytes."""
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
            if tracker is not None:
                tracker.feed(data)
    return n


KEYS = {1: b"\x1b[B", -1: b"\x1b[A"}  # down, up (what the arrow keys send)


def probe_keys(fd: int, tracker: MarkTracker, presses: int, seed: int = 7) -> dict[str, object]:
    """Press down, up, down … and time each from the write to the moved ``▶`` on screen.

    Detection rule: after writing the key, read the terminal output as it comes; the keypress
    is on screen when the output draws ``▶`` on the row next to the one it was last drawn on
    (one down for "down", one up for "up") — the new selection painted. The time is taken when
    the read that holds it returns. Alternating keeps the selection on the first two rows, so
    the table never scrolls. Presses are 0.25–0.55 s apart (random) so they land at every phase
    of the console's 10 Hz tick. A press not seen within 2 s counts as missed.
    """
    rng = random.Random(seed)
    shown: list[float] = []
    first: list[float] = []
    missed = 0
    delta = 1
    total = 0
    for _ in range(presses):
        total += _pump(fd, time.monotonic() + rng.uniform(0.25, 0.55), tracker)
        if tracker.mark_row is None:
            raise RuntimeError("the selection marker ▶ was never drawn: is the table on screen?")
        expected = tracker.mark_row + delta
        t0 = time.monotonic()
        os.write(fd, KEYS[delta])
        t_first = None
        seen = False
        while (left := t0 + 2.0 - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            data = os.read(fd, 65536)
            now = time.monotonic()
            total += len(data)
            if t_first is None:
                t_first = now
            if expected in tracker.feed(data):
                shown.append(1000.0 * (now - t0))
                seen = True
                break
        if t_first is not None:
            first.append(1000.0 * (t_first - t0))
        if not seen:
            missed += 1
        delta = -delta
    return {"shown_ms": shown, "first_ms": first, "missed": missed, "bytes": total}


def measure(
    cols: int,
    rows: int,
    warmup_s: float,
    seconds: float,
    *,
    channels: int = N_CHANNELS,
    fs: float = FS,
    presses: int = 0,
) -> dict[str, object]:
    """Run the console in a pseudo-terminal; measure after ``warmup_s`` for ``seconds``.

    Then, when ``presses`` > 0, probe the keypress latency (its CPU and bytes apart).
    """
    pid, fd = pty.fork()
    if pid == 0:  # child: the terminal is ours now
        fcntl_size = struct.pack("HHHH", rows, cols, 0, 0)
        import fcntl

        fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, fcntl_size)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "COLORTERM"))}
        env |= {"TERM": "xterm-256color", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        argv = [sys.executable, __file__, "--child", f"--channels={channels}", f"--rate-hz={fs}"]
        os.execve(sys.executable, argv, env)
    tracker = MarkTracker()
    probe: dict[str, object] = {}
    try:
        start = time.monotonic()
        warm_bytes = _pump(fd, start + warmup_s, tracker)
        cpu0, t0 = _cpu_s(pid), time.monotonic()
        n = _pump(fd, t0 + seconds, tracker)
        cpu1, t1 = _cpu_s(pid), time.monotonic()
        if presses:
            p0, c0 = time.monotonic(), _cpu_s(pid)["all"]
            probe = probe_keys(fd, tracker, presses)
            p1, c1 = time.monotonic(), _cpu_s(pid)["all"]
            probe |= {"wall_s": p1 - p0, "cpu_pct": 100.0 * (c1 - c0) / (p1 - p0)}
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
        "probe": probe,
    }


def _stats(ms: Sequence[float]) -> str:
    if not ms:
        return "none"
    a = np.asarray(ms)
    return (
        f"median {np.median(a):5.1f} ms   p90 {np.percentile(a, 90):5.1f} ms   "
        f"max {a.max():5.1f} ms   (n = {a.size})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the figures beside their targets."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", default="120x40", help="terminal COLSxROWS (default 120x40)")
    p.add_argument("--seconds", type=float, default=20.0, help="measured span (default 20)")
    p.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    p.add_argument(
        "--channels", type=int, default=N_CHANNELS, help=f"stream channels (default {N_CHANNELS})"
    )
    p.add_argument("--rate-hz", type=float, default=FS, help=f"sampling rate (default {FS:g})")
    p.add_argument(
        "--keypresses",
        type=int,
        default=0,
        help="after the measured span, time this many down/up presses to screen (default 0: off)",
    )
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        run_console(args.channels, args.rate_hz)
        return 0
    cols, rows = (int(v) for v in args.size.lower().split("x"))
    labels = labels_for(args.channels)
    tests = _tests(labels)
    print(f"ionm-tui terminal benchmark: {cols}×{rows}, TERM=xterm-256color, pty")
    print(
        f"workload: {len(tests)} SSEP tests (rows), {len(labels)} channels at "
        f"{args.rate_hz:g} Hz, {sum(len(t.channels) for t in tests)} test channels, "
        f"stimuli at {STIM_HZ} Hz over {len(SITES)} sites, {CHUNK_S * 1000:g} ms chunks, "
        "moving averages of 30 updating every 8–11 sweeps, 40 s of backlog first"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    r = measure(
        cols,
        rows,
        args.warmup,
        args.seconds,
        channels=args.channels,
        fs=args.rate_hz,
        presses=args.keypresses,
    )
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
    probe: dict[str, object] = r["probe"]  # type: ignore[assignment]
    if probe:
        shown: list[float] = probe["shown_ms"]  # type: ignore[assignment]
        missed = int(probe["missed"])  # type: ignore[call-overload]
        wall = float(probe["wall_s"])  # type: ignore[arg-type]
        print(
            f"keypresses: {args.keypresses} (down/up alternately, 0.25–0.55 s apart) over "
            f"{wall:.1f} s; CPU {float(probe['cpu_pct']):.1f} %, "  # type: ignore[arg-type]
            f"{int(probe['bytes']) / wall / 1000:.1f} KB/s meanwhile"  # type: ignore[call-overload]
        )
        print(f"  first output after the key: {_stats(probe['first_ms'])}")  # type: ignore[arg-type]
        print(f"  ▶ moved on screen:          {_stats(shown)}   missed {missed}")
        worst = max(shown) if shown and not missed else math.inf
        ok_k = "MET" if worst < TARGET_KEY_MS else "NOT MET"
        print(
            f"keypress → screen: max {worst:5.1f} ms   target < {TARGET_KEY_MS:g} ms "
            f"(every press)   {ok_k}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
