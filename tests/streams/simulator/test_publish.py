"""The simulator written to XDF and published over LSL reads back with the contract's layout."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

# Before pylsl loads: keep discovery on this machine and liblsl quiet.
os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parents[2] / "lsl_api.cfg")

import numpy as np
import pylsl
import pytest
import pyxdf

from ionm_tui.streams.simulator import Simulator, load_scenario, publish_lsl, write_xdf


def test_write_xdf_round_trip(tmp_path: Path) -> None:
    """write_xdf output loads in pyxdf with the contract's names, labels, rate and markers."""
    path = tmp_path / "demo.xdf"
    summary = write_xdf("demo", path, 4.0, seed=2)
    assert summary.bytes == path.stat().st_size
    assert summary.samples == 20000
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    data, marks = by_name["ionm-sim-data"], by_name["ionm-sim-markers"]
    sim = Simulator(load_scenario("demo"), seed=2)
    chans = data["info"]["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in chans] == list(sim.labels)
    assert {c["unit"][0] for c in chans} == {"microvolts"}
    assert float(data["info"]["nominal_srate"][0]) == 5000.0
    assert data["info"]["source_id"][0] == "ionm-sim-demo-data"
    expected = [(c, m) for c, m in sim.generate(4.0)]
    x = np.concatenate([c.samples for c, _ in expected])
    np.testing.assert_array_equal(data["time_series"], x)
    np.testing.assert_allclose(data["time_stamps"], np.arange(20000) / 5000.0, atol=1e-9)
    values = [m.value for _, ms in expected for m in ms]
    assert [v[0] for v in marks["time_series"]] == values
    assert summary.markers == len(values) > 10


def test_write_xdf_dropout_leaves_a_hole(tmp_path: Path) -> None:
    """A scripted dropout is a hole in the XDF data timestamps, markers continue through it."""
    toml = tmp_path / "gap.toml"
    toml.write_text(
        '[scenario]\nprofile = "thyroidectomy"\nduration = 10\n'
        '[[event]]\nat = 2\nkind = "dropout"\nduration = 3\n',
        encoding="utf-8",
    )
    path = tmp_path / "gap.xdf"
    write_xdf(toml, path, 6.0)
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    ts = by_name["ionm-sim-data"]["time_stamps"]
    assert ts.size == 3 * 5000
    assert np.diff(ts).max() == pytest.approx(3.0 + 1 / 5000)
    mt = by_name["ionm-sim-markers"]["time_stamps"]
    assert np.any((mt > 2.0) & (mt < 5.0))


@pytest.mark.lsl
def test_publish_lsl_streams_data_and_markers() -> None:
    """publish_lsl creates the contract's outlets; an inlet receives labelled data and markers."""
    base = f"ionm-test-{uuid.uuid4()}"
    done = threading.Event()
    result = {}

    def publish() -> None:
        result["status"] = publish_lsl("demo", duration_s=6.0, source_id=base, stop_event=done)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    try:
        found = pylsl.resolve_byprop("source_id", f"{base}-data", 1, 5.0)
        found_m = pylsl.resolve_byprop("source_id", f"{base}-markers", 1, 5.0)
        assert found
        assert found_m
        inlet = pylsl.StreamInlet(found[0], max_buflen=10)
        minlet = pylsl.StreamInlet(found_m[0], max_buflen=10)
        info = inlet.info(timeout=5.0)
        assert info.name() == "ionm-sim-data"
        assert info.type() == "EEG"
        assert info.nominal_srate() == 5000.0
        assert info.channel_count() == 21
        ch = info.desc().child("channels").child("channel")
        labels = []
        while not ch.empty():
            labels.append(ch.child_value("label"))
            ch = ch.next_sibling()
        assert labels == list(Simulator(load_scenario("demo")).labels)
        assert minlet.info(timeout=5.0).type() == "Markers"
        n, markers, t_end = 0, [], time.monotonic() + 4.0
        while time.monotonic() < t_end and (n < 2500 or len(markers) < 3):
            _x, ts = inlet.pull_chunk(timeout=0.2, max_samples=5000)
            n += len(ts)
            m, _ = minlet.pull_chunk(timeout=0.0)
            markers += [v[0] for v in m]
        assert n >= 2500
        assert markers
        assert all(v.split()[0].startswith("SSEP_") for v in markers)
    finally:
        done.set()
        thread.join(10.0)
    assert not thread.is_alive()
    assert result["status"].samples > 0
