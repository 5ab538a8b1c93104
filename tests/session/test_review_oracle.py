"""Review's oracle: the snapshot rebuilt from a journal equals the engine's own snapshot then.

The real engine runs a simulated lumbar case (threshold alarms on a breached screw) with the
technologist's commands in the middle — acknowledge, a named baseline, a note — journaling every
record as the console does. At several moments the engine's snapshot is kept; review, reading only
the journal, must rebuild the same thing at the same moments.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ionm_tui.engine import (
    AcknowledgeAlert,
    Annotate,
    CaptureBaseline,
    Engine,
    EngineSnapshot,
    TestView,
)
from ionm_tui.session.case import load_profile, profile_text
from ionm_tui.session.results import dumps, header
from ionm_tui.session.review import ReviewCase
from ionm_tui.streams.simulator import Simulator, load_scenario

START_S = 140.0  # the breached L5 screw is tested at 153 s
DURATION_S = 60.0
T0 = 500.0
# Seconds after the start: acknowledge, capture a named baseline, write a note (None).
COMMANDS_AT_S = {20.0: AcknowledgeAlert(), 25.0: CaptureBaseline("post-l5"), 30.0: None}


@pytest.fixture(scope="module")
def journaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[EngineSnapshot]]:
    scenario = load_scenario("lumbar-screw-breach")
    profile = load_profile(scenario.profile)
    sim = Simulator(scenario, t0=T0, start_s=START_S)
    engine = Engine(profile.engine_spec(sim.labels, sim.sfreq_hz))
    path = tmp_path_factory.mktemp("review") / "journal.jsonl"
    kept: list[EngineSnapshot] = []
    pending = dict(COMMANDS_AT_S)
    head = header(profile=profile.id, source="simulator", extra=profile_text(profile))
    stream = {"type": "stream", "t": None, "kind": "data", "name": "sim", "sfreq_hz": 5000.0}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(dumps(head) + "\n" + dumps(stream) + "\n")
        next_keep = 5.0
        first_t = math.nan
        for chunk, markers in sim.generate(DURATION_S):
            engine.feed(chunk)
            engine.feed_markers(markers)
            first_t = chunk.timestamps[0] if math.isnan(first_t) else first_t
            scenario_s = engine.snapshot().t - first_t
            for at in [a for a in pending if scenario_s >= a]:
                command = pending.pop(at)
                engine.apply(command or Annotate("screw L5 left redirected", ("hardware",)))
            fh.writelines(dumps(r) + "\n" for r in engine.drain_records())
            if scenario_s >= next_keep:
                kept.append(engine.snapshot())
                next_keep += 5.0
        fh.writelines(dumps(r) + "\n" for r in engine.drain_records())
    kept.append(engine.snapshot())
    return path, kept


def _same_view(ours: TestView, theirs: TestView, where: str) -> None:
    assert ours.spec.id == theirs.spec.id
    a, b = ours.latest, theirs.latest
    assert (a is None) == (b is None), where
    if a is None or b is None:
        return
    assert a == b or _close_points(a, b), where
    n = theirs.trend_t.size  # the engine keeps the last trend_history points; review all
    np.testing.assert_array_equal(ours.trend_t[-n:], theirs.trend_t, err_msg=where)
    np.testing.assert_array_equal(ours.trend_primary[-n:], theirs.trend_primary, err_msg=where)
    assert ours.baseline == theirs.baseline, where
    assert set(ours.baselines) == set(theirs.baselines), where
    assert [w.seq for w in ours.waterfall] == [w.seq for w in theirs.waterfall], where
    for x, y in ((ours.average_uv, theirs.average_uv), (ours.baseline_uv, theirs.baseline_uv)):
        assert (x is None) == (y is None), where
        if x is not None and y is not None:
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-9, err_msg=where)
    assert ours.accepted == theirs.accepted, where
    assert _alerts(ours.alerts) == _alerts(theirs.alerts), where


def _close_points(a: object, b: object) -> bool:
    """Trend points equal except NaN fields (NaN != NaN) — compare their JSON form."""
    return dumps(a) == dumps(b)


def _alerts(alerts: tuple) -> list[tuple]:
    return sorted((a.test, a.criterion, a.state, a.priority, a.acknowledged) for a in alerts)


def test_review_rebuilds_every_kept_snapshot(journaled) -> None:
    path, kept = journaled
    case = ReviewCase.open(path)
    assert case.notes == []
    assert any(s.alerts for s in kept), "the scenario raised no alert: the test proves little"
    assert any(a.acknowledged for s in kept for a in s.alerts)
    assert any("post-l5" in v.baselines for v in kept[-1].tests)
    for snap in kept:
        rebuilt = case.snapshot_at(snap.t)
        where = f"at {snap.t - T0:.1f} s"
        assert [v.spec.id for v in rebuilt.tests] == [v.spec.id for v in snap.tests]
        for ours, theirs in zip(rebuilt.tests, snap.tests, strict=True):
            _same_view(ours, theirs, f"{theirs.spec.id} {where}")
        assert _alerts(rebuilt.alerts) == _alerts(snap.alerts), where


def test_review_end_is_the_final_state(journaled) -> None:
    path, kept = journaled
    case = ReviewCase.open(path)
    final = case.snapshot_at(math.inf)
    assert _alerts(final.alerts) == _alerts(kept[-1].alerts)
