"""The real engine, fed by the simulator, finds the N20 and the scripted left tibial drop."""

from __future__ import annotations

import time

from ionm_tui.engine import (
    AveragingSpec,
    Engine,
    EngineSpec,
    PeakSpec,
    RejectSpec,
    ResetAverage,
    StreamSpec,
    TestSpec,
    TrendPoint,
)
from ionm_tui.streams.simulator import Simulator, load_scenario

REJECT = RejectSpec(peak_to_peak_uv=150.0)  # drops the electrocautery sweeps
BAND_HZ = (30.0, 300.0)


def _ssep_ul_l(sweeps: int) -> TestSpec:
    return TestSpec(
        id="ssep-ul-l",
        marker="SSEP_UL_L",
        channels=("C4p-Fz",),
        window_ms=(-10.0, 50.0),
        blank_ms=(-0.5, 2.0),
        baseline_ms=(-10.0, -1.0),
        reject=REJECT,
        averaging=AveragingSpec("block", sweeps),
        peaks=(PeakSpec("N20", -1, (15.0, 25.0)), PeakSpec("P25", 1, (22.0, 32.0))),
        amplitude=("N20", "P25"),
        bandpass_hz=BAND_HZ,
    )


def _ssep_ll_l(sweeps: int) -> TestSpec:
    return TestSpec(
        id="ssep-ll-l",
        marker="SSEP_LL_L",
        channels=("CPz-FPz",),
        window_ms=(-10.0, 90.0),
        blank_ms=(-0.5, 2.0),
        baseline_ms=(-10.0, -1.0),
        reject=REJECT,
        averaging=AveragingSpec("block", sweeps),
        peaks=(PeakSpec("P37", 1, (32.0, 44.0)), PeakSpec("N45", -1, (40.0, 55.0))),
        amplitude=("P37", "N45"),
        bandpass_hz=BAND_HZ,
    )


def _trend(engine: Engine) -> list[TrendPoint]:
    return [r for r in engine.drain_records() if isinstance(r, TrendPoint)]


def test_n20_latency_of_the_real_sep() -> None:
    """100-sweep averages of C4p−Fz from the demo show N20 within ±1 ms of 19–20 ms."""
    sim = Simulator(load_scenario("demo"))
    engine = Engine(EngineSpec(StreamSpec(sim.labels, sim.sfreq_hz), (_ssep_ul_l(100),)))
    for chunk, markers in sim.generate(45.0):
        engine.feed(chunk)
        engine.feed_markers(markers)
    points = _trend(engine)
    assert points
    for p in points:
        n20 = {pk.name: pk for pk in p.peaks}["N20"]
        assert 18.0 <= n20.latency_ms <= 21.0
        assert not n20.at_edge
        assert n20.amplitude_uv < 0
        assert p.snr > 1.0


def test_scripted_left_tibial_drop_is_seen() -> None:
    """The scoliosis scenario's 05:00 change (−70 %) shows as a ≥ 50 % drop of the engine's left
    tibial P37−N45 between a 150-sweep average before and one after it.

    150-sweep peak-to-peak measures carry a noise-floor bias of about +0.5–1 µV, so a 70 % change
    reads as 55–70 % for most seeds (68 % for the scenario's seed 3).
    """
    cpu0 = time.process_time()
    sim = Simulator(load_scenario("scoliosis-left-tibial-drop"), start_s=220.0)
    engine = Engine(EngineSpec(StreamSpec(sim.labels, sim.sfreq_hz), (_ssep_ll_l(150),)))
    before: list[TrendPoint] = []
    after: list[TrendPoint] = []
    reset = False
    for chunk, markers in sim.generate(185.0):
        if not reset and sim.position_s >= 320.0:  # past the event (05:00) and its 20 s ramp
            before = _trend(engine)
            engine.apply(ResetAverage("ssep-ll-l"))
            reset = True
        engine.feed(chunk)
        engine.feed_markers(markers)
    after = _trend(engine)
    assert before
    assert before[0].t < 300.0
    assert after
    assert after[0].t > 320.0
    drop = 1.0 - after[0].amplitude_uv / before[0].amplitude_uv
    assert drop >= 0.5, f"{before[0].amplitude_uv:.2f} → {after[0].amplitude_uv:.2f} µV"
    assert before[0].rejected > 0  # the 04:10 electrocautery sweeps were rejected
    assert time.process_time() - cpu0 < 10.0
