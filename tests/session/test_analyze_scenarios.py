"""analyze on simulated cases: the scripted change raises its alert after its time, not before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ionm_tui.session.analyze import analyze
from ionm_tui.streams.simulator import ground_truth, load_scenario, write_xdf


@pytest.mark.slow
def test_thyroid_loss_of_signal_alerts_after_the_change_only(tmp_path: Path) -> None:
    """8 min of the thyroid scenario: a confirmed high-priority loss-of-signal alert on vagus-l
    after 07:00, and no confirmed alert on any test before it."""
    scenario = load_scenario("thyroid-lost-signal")
    change = next(e for e in ground_truth(scenario) if "vagus-l" in e.tests and e.time_s >= 400)
    case = tmp_path / "thyroid.xdf"
    write_xdf(scenario, case, duration_s=480.0)
    res = analyze(case, "thyroidectomy", tmp_path / "out")
    recs = [json.loads(line) for line in res.results.read_text().splitlines()]
    t0 = next(r for r in recs if r["type"] == "stream" and r["kind"] == "data")["t"]
    confirmed = [r for r in recs if r["type"] == "alert" and r["state"] == "confirmed"]
    assert confirmed, "the scripted loss of signal was not confirmed"
    assert all(r["t"] - t0 >= change.time_s for r in confirmed)
    vagus = [r for r in confirmed if r["test"] == "vagus-l"]
    assert vagus
    assert vagus[0]["priority"] == "high"
    assert vagus[0]["t"] - t0 < change.time_s + 30.0  # vagal stimulation runs at 1 Hz
    assert "vagus-l" in res.summary.read_text()
