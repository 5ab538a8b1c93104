"""App-test helpers: a synthetic SSEP case through the real engine, a frozen clock, a Pilot wait."""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
from textual.pilot import Pilot

from ionm_tui.app import IonmApp
from ionm_tui.app.screens.monitor import MonitorScreen
from ionm_tui.app.widgets.event_log import EventLog
from ionm_tui.engine import (
    AlertSpec,
    Annotate,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSnapshot,
    EngineSpec,
    Marker,
    PeakSpec,
    Record,
    StreamSpec,
    TestSpec,
    TestView,
    TrendPoint,
)
from ionm_tui.streams.health import StreamHealth

FS = 2000.0
LABELS = ("C3p", "C4p", "Fz", "CPz", "FPz", "C5S", "EpL", "EpR", "PFL", "PFR")
T0 = 1000.0  # LSL seconds of the first sample
DURATION_S = 90.0
DROP_AT_S = 55.0  # the left tibial cortical response falls to 30 % from here
STIM_HZ = 4.7
CODES = ("SSEP_UL_L", "SSEP_LL_L", "SSEP_UL_R", "SSEP_LL_R")


def _ul(side: str) -> TestSpec:
    cortex, erb, ref = ("C4p", "EpL", "EpR") if side == "L" else ("C3p", "EpR", "EpL")
    main = f"{cortex}-Fz"
    return TestSpec(
        id=f"ssep-ul-{side.lower()}",
        marker=f"SSEP_UL_{side}",
        channels=(main, "C5S-FPz", f"{erb}-{ref}"),
        window_ms=(-5.0, 60.0),
        modality="ssep",
        side=side,
        blank_ms=(-0.5, 2.0),
        baseline_ms=(-5.0, -1.0),
        averaging=AveragingSpec("block", 10),
        peaks=(
            PeakSpec("N20", -1, (15.0, 23.0), main),
            PeakSpec("P25", 1, (22.0, 32.0), main),
            PeakSpec("N13", -1, (10.0, 16.0), "C5S-FPz"),
            PeakSpec("N9", -1, (6.0, 11.0), f"{erb}-{ref}"),
        ),
        amplitude=("N20", "P25"),
        alert=AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=10.0, confirm=2),
    )


def _ll(side: str) -> TestSpec:
    pf, ref = ("PFL", "PFR") if side == "L" else ("PFR", "PFL")
    return TestSpec(
        id=f"ssep-ll-{side.lower()}",
        marker=f"SSEP_LL_{side}",
        channels=("CPz-FPz", "C5S-FPz", f"{pf}-{ref}"),
        window_ms=(-5.0, 80.0),
        modality="ssep",
        side=side,
        blank_ms=(-0.5, 2.0),
        baseline_ms=(-5.0, -1.0),
        averaging=AveragingSpec("block", 10),
        peaks=(
            PeakSpec("P37", 1, (32.0, 42.0), "CPz-FPz"),
            PeakSpec("N45", -1, (40.0, 52.0), "CPz-FPz"),
            PeakSpec("N8", -1, (6.0, 11.0), f"{pf}-{ref}"),
        ),
        amplitude=("P37", "N45"),
        alert=AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=10.0, confirm=2),
    )


def engine_spec() -> EngineSpec:
    """Four SSEP tests (upper and lower limb, both sides), 10-sweep blocks, alerts confirmed ×2."""
    return EngineSpec(
        StreamSpec(LABELS, FS),
        (_ul("L"), _ll("L"), _ul("R"), _ll("R")),
        trend_history=60,
        waterfall_depth=8,
    )


def _bump(t_ms: np.ndarray, at_ms: float, width_ms: float, amp_uv: float) -> np.ndarray:
    return amp_uv * np.exp(-0.5 * ((t_ms - at_ms) / width_ms) ** 2)


def synthetic_data(seed: int = 7) -> tuple[np.ndarray, np.ndarray, list[Marker]]:
    """(timestamps, samples µV (n, 10), markers): 4.7 Hz interleaved stimuli, noise σ 0.25 µV."""
    rng = np.random.default_rng(seed)
    n = int(DURATION_S * FS)
    ts = T0 + np.arange(n) / FS
    x = rng.normal(0.0, 0.25, (n, len(LABELS)))
    col = {name: i for i, name in enumerate(LABELS)}
    k_ms = np.arange(0, int(0.1 * FS)) / FS * 1000.0
    markers = []
    for k, s in enumerate(np.arange(int(0.5 * FS), n - int(0.2 * FS), int(FS / STIM_HZ))):
        code = CODES[k % len(CODES)]
        markers.append(Marker(float(ts[s]), code))
        seg = slice(s, s + k_ms.size)
        side = code[-1]
        if code.startswith("SSEP_UL"):
            cortex = "C4p" if side == "L" else "C3p"
            x[seg, col[cortex]] += _bump(k_ms, 20, 1.5, -2.0) + _bump(k_ms, 26, 2.5, 1.6)
            x[seg, col["C5S"]] += _bump(k_ms, 13, 1.2, -1.0)
            x[seg, col["EpL" if side == "L" else "EpR"]] += _bump(k_ms, 9, 1.0, -3.0)
        else:
            gain = 0.3 if side == "L" and ts[s] - T0 >= DROP_AT_S else 1.0
            x[seg, col["CPz"]] += gain * (_bump(k_ms, 37, 2.0, 1.6) + _bump(k_ms, 45, 2.5, -1.4))
            x[seg, col["PFL" if side == "L" else "PFR"]] += _bump(k_ms, 8.5, 1.0, -2.5)
    return ts, x, markers


def health(
    name: str, kind: str, state: str = "connected", *, age: float = 0.02, rate: float = 2000.0
) -> StreamHealth:
    """A stream-health record as the acquisition thread would publish it."""
    nominal = FS if kind == "data" else 0.0
    return StreamHealth(
        name=name,
        source_id=f"{name}-id",
        hostname="or-3",
        kind=kind,  # type: ignore[arg-type]
        connected=state == "connected",
        state=state,  # type: ignore[arg-type]
        last_sample_age_s=age,
        nominal_srate_hz=nominal,
        effective_srate_hz=rate if kind == "data" else 4.7,
        samples_received=180_000,
        chunks_dropped=0,
        chunks_queued=0,
        clock_offset_s=0.001,
        reconnects=0,
        message=f"{name}: {state}",
    )


HEALTHY = (health("ionm-sim-data", "data"), health("ionm-sim-markers", "markers"))


def _modality_views(like: TestView, t: float) -> tuple[TestView, ...]:
    """A TcMEP row (mV amplitude, threshold) and an EEG row (relative alpha, NaN latency)."""
    times = np.linspace(0.0, 100.0, 201)
    times.setflags(write=False)
    cmap = _bump(times, 24, 2.0, 900.0) + _bump(times, 30, 2.5, -700.0)
    cmap = cmap[:, np.newaxis]
    cmap.setflags(write=False)

    def point(test: str, amp: float, lat: float, values: tuple, primary: str) -> TrendPoint:
        return TrendPoint(
            test=test,
            seq=3,
            t=t - 5.0,
            amplitude_uv=amp,
            latency_ms=lat,
            peaks=(),
            amplitude_change_pct=-12.0 if math.isfinite(amp) else None,
            latency_change_pct=None,
            baseline="auto",
            sweeps=1.0,
            accepted=3,
            rejected=0,
            rejected_by_reason=(),
            snr=math.inf,
            noise_uv=math.nan,
            fsp=math.nan,
            mode="single" if math.isfinite(amp) else "continuous",
            values=values,
            primary=primary,
        )

    def arr(values: list[float]) -> np.ndarray:
        a = np.asarray(values, dtype=float)
        a.setflags(write=False)
        return a

    mep = dataclasses.replace(
        like,
        spec=TestSpec(
            id="mep-apb-l",
            marker="TCMEP_L",
            channels=("APB_L",),
            window_ms=(0.0, 100.0),
            modality="tcmep",
            side="L",
        ),
        times_ms=times,
        average_uv=cmap,
        baseline_uv=None,
        baseline="auto",
        latest=point("mep-apb-l", 1520.0, 22.4, (("threshold_v", 300.0),), "amplitude_uv"),
        trend_t=arr([t - 125.0, t - 65.0, t - 5.0]),
        trend_amplitude_uv=arr([1730.0, 1650.0, 1520.0]),
        trend_latency_ms=arr([22.1, 22.3, 22.4]),
        trend_primary=arr([1730.0, 1650.0, 1520.0]),
        waterfall=(),
        accepted=3,
        in_progress=0,
        alerts=(),
    )
    eeg = dataclasses.replace(
        mep,
        spec=TestSpec(
            id="eeg-f3p3",
            marker="-",
            channels=("F3-P3",),
            window_ms=(0.0, 2000.0),
            modality="eeg",
            side="L",
        ),
        average_uv=None,
        latest=point(
            "eeg-f3p3",
            math.nan,
            math.nan,
            (("relative_alpha", 0.31), ("sef95_hz", 18.2)),
            "relative_alpha",
        ),
        trend_primary=arr([0.33, math.nan, 0.31]),
        trend_amplitude_uv=arr([math.nan, math.nan, math.inf]),
    )
    return (mep, eeg)


@dataclass(frozen=True)
class Scenario:
    """The engine's output on the synthetic case.

    Attributes:
        snapshots: one per second of data, with stream health and two hand-made modality rows.
        records: every record the engine emitted, in order.
    """

    snapshots: tuple[EngineSnapshot, ...]
    records: tuple[Record, ...]

    def __repr__(self) -> str:
        # Short: pytest prints fixtures in failure reports, and the arrays are large.
        return f"Scenario({len(self.snapshots)} snapshots, {len(self.records)} records)"

    @property
    def final(self) -> EngineSnapshot:
        """The last snapshot (the alert on ssep-ll-l is raised and confirmed by then)."""
        return self.snapshots[-1]


@functools.lru_cache(maxsize=1)
def build_scenario() -> Scenario:
    """Run the real engine over the synthetic case (≈ 0.3 s; cached for the session)."""
    engine = Engine(engine_spec())
    ts, x, markers = synthetic_data()
    records: list[Record] = []
    snapshots: list[EngineSnapshot] = []
    step = int(0.1 * FS)
    mi = 0
    for i in range(0, ts.size, step):
        t_end = ts[min(i + step, ts.size) - 1]
        batch = []
        while mi < len(markers) and markers[mi].timestamp <= t_end:
            batch.append(markers[mi])
            mi += 1
        if batch:
            engine.feed_markers(batch)
        engine.feed(Chunk(ts[i : i + step], x[i : i + step]))
        if i == int(30 * FS):
            engine.apply(Annotate("propofol [red]50 mg[/red] \x1b]0;pwned\x07", ("bolus",)))
        records.extend(engine.drain_records())
        if (i // step) % 10 == 9:
            snap = engine.snapshot()
            snapshots.append(
                dataclasses.replace(
                    snap, streams=HEALTHY, tests=snap.tests + _modality_views(snap.tests[0], snap.t)
                )
            )
    return Scenario(tuple(snapshots), tuple(records))


class FrozenClock:
    """A monotonic clock tests move by hand (the data never looks stale unless they do)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def settle(pilot: Pilot, *, seq: int | None = None, timeout_s: float = 5.0) -> MonitorScreen:
    """Wait until the monitor shows snapshot ``seq`` (default: any) and the log queue is empty."""
    app = pilot.app
    assert isinstance(app, IonmApp)
    for _ in range(int(timeout_s / 0.02)):
        await pilot.pause(0.02)
        screen = next((s for s in app.screen_stack if isinstance(s, MonitorScreen)), None)
        shown = screen is not None and screen.shown_seq >= 0
        ready = screen is not None and not screen.redraw_pending and not app.records_waiting
        if ready:
            log = screen.query_one(EventLog)  # type: ignore[union-attr]
            bottom = max(0, len(log.lines) - log.scrollable_content_region.height)
            ready = not log.display or log.scroll_offset.y == bottom  # the log has caught up
        if shown and ready and (seq is None or screen.shown_seq == seq):
            await pilot.pause(0.12)  # one more tick so every panel is drawn
            return screen  # type: ignore[return-value]
    state = (
        f"shown {screen.shown_seq}, redraw pending {screen.redraw_pending}, "
        f"records waiting {app.records_waiting}"
        if screen is not None
        else "no monitor screen"
    )
    raise AssertionError(f"the monitor did not show snapshot {seq} within {timeout_s} s: {state}")
