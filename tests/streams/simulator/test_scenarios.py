"""Every shipped scenario loads, runs, follows the contract and has a complete ground truth."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from ionm_tui.streams.simulator import (
    Simulator,
    ground_truth,
    list_scenarios,
    load_scenario,
    truth_document,
)
from ionm_tui.streams.simulator.montage import PROCEDURES

# docs/montages.md: MARKER := CODE (SPACE PARAM)*; PARAM := NUMBER UNIT | KEY "=" VALUE.
MARKER = re.compile(r"^[A-Z0-9_]+( ([0-9]+(\.[0-9]+)?(mA|uA|V)|[a-z_]+=[^ =]+))*$")
REQUIRED = {
    "scoliosis-left-tibial-drop": "spine-deformity",
    "lumbar-screw-breach": "lumbar-instrumentation",
    "carotid-clamp-ischaemia": "carotid-endarterectomy",
    "thyroid-lost-signal": "thyroidectomy",
    "cpa-facial-trains": "cpa-acoustic-neuroma",
    "imsct-dwave-drop": "intramedullary-tumour",
    "stable-spine": "spine-deformity",
    "demo": "spine-deformity",
}
NAMES = sorted(REQUIRED)


def test_shipped_list_covers_every_procedure() -> None:
    """list_scenarios names the eight required scenarios with their profile and a description."""
    infos = {i.name: i for i in list_scenarios()}
    assert set(REQUIRED) <= set(infos)
    for name, profile in REQUIRED.items():
        assert infos[name].profile == profile
        assert infos[name].description
        assert "\n" not in infos[name].description
    assert {i.profile for i in infos.values()} == set(PROCEDURES)


@pytest.mark.parametrize("name", NAMES)
def test_twenty_seconds_run_clean(name: str) -> None:
    """20 s of each scenario: contract labels and rate, finite float32 µV, grammatical markers."""
    sc = load_scenario(name)
    proc = PROCEDURES[sc.profile]
    sim = Simulator(sc)
    assert sim.labels == proc.labels
    assert sim.sfreq_hz == proc.sfreq_hz
    n, codes = 0, set()
    for chunk, markers in sim.generate(20.0):
        assert chunk.samples.dtype == np.float32
        assert chunk.samples.shape == (chunk.n_times, len(proc.labels))
        assert np.isfinite(chunk.samples).all()
        assert np.abs(chunk.samples).max(initial=0) <= sc.signal.range_uv
        if chunk.n_times:
            assert chunk.timestamps[0] <= (markers[0].timestamp if markers else np.inf)
            assert not markers or markers[-1].timestamp <= chunk.timestamps[-1]
        n += chunk.n_times
        for m in markers:
            assert MARKER.match(m.value), m.value
            codes.add(m.value.split()[0])
    assert n == 20 * proc.sfreq_hz
    assert codes <= {t.marker for t in proc.tests if t.marker}
    assert codes  # every procedure stimulates something within 20 s


@pytest.mark.parametrize("name", NAMES)
def test_ground_truth_lists_every_event(name: str) -> None:
    """The ground truth has one entry per scripted event, with contract test ids and channels."""
    sc = load_scenario(name)
    proc = PROCEDURES[sc.profile]
    truth = ground_truth(sc)
    assert len(truth) == len(sc.events)
    assert [t.time_s for t in truth] == sorted(ev.at_s for ev in sc.events)
    for t in truth:
        assert set(t.tests) <= set(proc.test_ids), t
        assert set(t.channels) <= set(proc.labels), t
        assert t.channels
        assert t.description
        assert 0 <= t.time_s < sc.duration_s
    doc = json.loads(json.dumps(truth_document(sc)))
    assert doc["scenario"] == sc.name
    assert len(doc["events"]) == len(truth)
    if name not in ("stable-spine",):
        assert truth, "only stable-spine is meant to be uneventful"


def test_truth_of_the_screw_breach() -> None:
    """The breached third screw is in the truth as a 3.5 mA TA_L threshold on temg-ta-l."""
    truth = [
        t for t in ground_truth(load_scenario("lumbar-screw-breach")) if t.kind == "screw_test"
    ]
    third = truth[2]
    assert third.tests == ["temg-ta-l"]
    assert third.effect["threshold_ma"] == {"TA_L": 3.5}
    assert third.effect["expected_lowest_response_ma"] == 3.5


def test_breached_screw_answers_at_its_threshold() -> None:
    """TA_L responds (> 60 µV) to 3.5 mA on the breached screw and not to 3 mA."""
    sim = Simulator(load_scenario("lumbar-screw-breach"), start_s=149.0)
    ts, xs, marks = [], [], []
    for chunk, markers in sim.generate(6.0):
        ts.append(chunk.timestamps)
        xs.append(chunk.samples[:, sim.labels.index("TA_L")])
        marks += markers
    t, x = np.concatenate(ts), np.concatenate(xs)
    p2p = {}
    for m in marks:
        i = int(np.searchsorted(t, m.timestamp))
        seg = x[i + 25 : i + 200]  # 5–40 ms: after the artefact
        p2p.setdefault(m.value.split()[1], []).append(float(np.ptp(seg)))
    assert max(p2p["3mA"]) < 60.0 < min(p2p["3.5mA"])


def test_loss_of_signal_on_the_left_vagus() -> None:
    """After 07:00 left vagal responses are ≤ 100 µV while the right side stays ~1 mV."""
    sim = Simulator(load_scenario("thyroid-lost-signal"), start_s=426.0)
    ts, xs, marks = [], [], []
    for chunk, markers in sim.generate(10.0):
        ts.append(chunk.timestamps)
        xs.append(chunk.samples)
        marks += markers
    t, x = np.concatenate(ts), np.concatenate(xs)
    for m in marks:
        i = int(np.searchsorted(t, m.timestamp))
        side = m.value.split()[0][-1]
        p2p = float(np.ptp(x[i + 10 : i + 150, sim.labels.index(f"VC_{side}")]))
        assert p2p <= 100.0 if side == "L" else p2p > 400.0


def test_docs_cover_every_scenario_and_kind() -> None:
    """docs/scenarios.md documents every shipped scenario and every event kind."""
    from pathlib import Path

    from ionm_tui.streams.simulator.events import KINDS

    text = (Path(__file__).resolve().parents[3] / "docs" / "scenarios.md").read_text("utf-8")
    for name in NAMES:
        assert f"### `{name}`" in text
    for kind in KINDS:
        assert f"| `{kind}` |" in text
