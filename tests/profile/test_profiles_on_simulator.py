"""Shipped profiles run against the simulator's scenarios and see the scripted changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ionm_tui.engine import AlertEvent, Engine
from ionm_tui.profile import load

REPO = Path(__file__).resolve().parents[2]
simulator = pytest.importorskip("ionm_tui.streams.simulator")


def _confirmed(scenario: str, start_s: float, duration_s: float, tests: tuple[str, ...]) -> set:
    """(test, criterion) of every alert confirmed in a stretch of a scenario."""
    sc = simulator.load_scenario(scenario)
    sim = simulator.Simulator(sc, start_s=start_s)
    profile = load(REPO / "profiles" / f"{sc.profile}.toml")
    spec = profile.engine_spec(sim.labels, sim.sfreq_hz)
    spec = dataclasses.replace(spec, tests=tuple(t for t in spec.tests if t.id in tests))
    engine = Engine(spec)
    seen = set()
    for chunk, markers in sim.generate(duration_s, block_s=0.5):
        engine.feed(chunk)
        engine.feed_markers(markers)
        for r in engine.drain_records():
            if isinstance(r, AlertEvent) and r.state == "confirmed":
                seen.add((r.test, r.criterion))
    return seen


def test_thyroid_loss_of_signal_on_the_left_vagus() -> None:
    """Left vagal loss of signal at 07:00 is confirmed (INMSG 2018); the right side stays quiet."""
    seen = _confirmed("thyroid-lost-signal", 400.0, 35.0, ("vagus-l", "vagus-r"))
    assert seen == {("vagus-l", "loss_of_signal")}


def test_lumbar_breached_screw_alarms_below_4_ma() -> None:
    """The L5 left screw answering at 3.5 mA raises warn and alarm on TA_L only (Raynor)."""
    tests = ("temg-vl-l", "temg-ta-l", "temg-gas-l", "temg-vl-r", "temg-ta-r", "temg-gas-r")
    seen = _confirmed("lumbar-screw-breach", 145.0, 15.0, tests)
    assert seen == {("temg-ta-l", "threshold_low_warn"), ("temg-ta-l", "threshold_low_alarm")}


def test_cpa_a_train_time_warns() -> None:
    """A 3 s A-train in left orbicularis oris passes the 2.5 s train-time warning."""
    seen = _confirmed("cpa-facial-trains", 110.0, 20.0, ("emg-ooc-l", "emg-oor-l", "emg-oor-r"))
    assert seen == {("emg-oor-l", "train_time_warn")}


@pytest.mark.slow
def test_cpa_wave_v_change_confirms_both_halves_of_the_baep_criterion() -> None:
    """Wave V −60 % and +1 ms: the ≥ 50 % drop and the ≥ 1 ms shift both confirm (Park 2018;
    Thirumala 2015), on the left only; the ≥ 90 % "loss" alarm does not."""
    seen = _confirmed("cpa-facial-trains", 240.0, 250.0, ("baep-l", "baep-r"))
    assert seen == {("baep-l", "amplitude_drop_warn"), ("baep-l", "latency_shift")}


def test_imsct_d_wave_drop_is_confirmed() -> None:
    """The caudal D-wave falling by 60 % passes the 50 % criterion (MacDonald 2017)."""
    assert _confirmed("imsct-dwave-drop", 300.0, 150.0, ("dwave",)) == {("dwave", "amplitude_drop")}


def test_carotid_clamp_slows_the_left_eeg_only() -> None:
    """Clamping the left ICA confirms relative-alpha and alpha/delta drops on the left only."""
    eeg = ("eeg-f3p3", "eeg-p3o1", "eeg-f3t3", "eeg-t3o1")
    right = ("eeg-f4p4", "eeg-p4o2", "eeg-f4t4", "eeg-t4o2")
    seen = _confirmed("carotid-clamp-ischaemia", 175.0, 125.0, eeg + right)
    assert {t for t, _ in seen} <= set(eeg)
    assert {c for _, c in seen} == {"relative_alpha_drop", "alpha_delta_drop"}
