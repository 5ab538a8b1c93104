"""Live LSL input against real outlets on this machine: resolve, data, markers, loss, recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

# Before pylsl loads: keep discovery on this machine and liblsl quiet.
os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parents[1] / "lsl_api.cfg")

import numpy as np
import pylsl
import pytest

from ionm_tui.engine.chunk import Chunk, Marker
from ionm_tui.errors import StreamError
from ionm_tui.streams import lsl_config
from ionm_tui.streams.health import HealthTracker
from ionm_tui.streams.lsl_source import LslInlet, LslSource, StreamQuery, resolve

pytestmark = pytest.mark.lsl

RATE_HZ = 1000.0

# A sender in another process, so it can be SIGKILLed like a crashed amplifier program.
CHILD = """
import sys, time
import numpy as np, pylsl
sid, start = sys.argv[1], int(sys.argv[2])
outlet = pylsl.StreamOutlet(pylsl.StreamInfo("ramp-child", "EEG", 2, 1000.0, "float32", sid))
stim = pylsl.StreamOutlet(pylsl.StreamInfo("stim", "Markers", 1, 0.0, "string", sid + "-m"))
k, t0 = start, time.perf_counter()
while time.perf_counter() - t0 < 30.0:  # never outlive a broken test
    due = start + int((time.perf_counter() - t0) * 1000.0) - k
    if due > 0:
        outlet.push_chunk(np.repeat(np.arange(k, k + due, dtype=np.float32)[:, None], 2, axis=1))
        k += due
    time.sleep(0.005)
"""


def _sid() -> str:
    return f"ionm-test-{uuid.uuid4()}"


def _find(sid: str) -> pylsl.StreamInfo:
    return resolve(StreamQuery(source_id=sid), 5.0, settle_s=0.05)


def _wait_for(predicate: Callable[[], bool], timeout_s: float) -> float:
    """Poll until ``predicate()``; return the seconds waited or fail at the deadline."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if predicate():
            return time.monotonic() - t0
        time.sleep(0.01)
    pytest.fail(f"condition not met within {timeout_s} s")


def _outlet(
    sid: str,
    *,
    name: str = "ramp",
    type_: str = "EEG",
    n_channels: int = 3,
    rate_hz: float = RATE_HZ,
    fmt: str = "float32",
    labels: list[str] | None = None,
) -> pylsl.StreamOutlet:
    info = pylsl.StreamInfo(name, type_, n_channels, rate_hz, fmt, sid)
    if labels is not None:
        channels = info.desc().append_child("channels")
        for label in labels:
            ch = channels.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "microvolts")
    return pylsl.StreamOutlet(info)


def _ramp(start: int, stop: int, n_channels: int) -> np.ndarray:
    return np.repeat(np.arange(start, stop, dtype=np.float32)[:, None], n_channels, axis=1)


def _values(items: list[Chunk | Marker]) -> tuple[np.ndarray, np.ndarray]:
    chunks = [item for item in items if isinstance(item, Chunk)]
    if not chunks:
        return np.empty(0), np.empty(0)
    return (
        np.concatenate([c.samples[:, 0] for c in chunks]),
        np.concatenate([c.timestamps for c in chunks]),
    )


@pytest.fixture
def children() -> Iterator[Callable[[str, int], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(sid: str, first_value: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, sid, str(first_value)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait(timeout=5)


def test_resolve_by_name_type_source_id_and_quotes() -> None:
    sid = _sid()
    name = f'it\'s "quoted" <{sid}>'
    outlet = _outlet(sid, name=name, type_=f"EMG-{sid}")
    for query in (
        StreamQuery(source_id=sid),
        StreamQuery(name=name),
        StreamQuery(type=f"EMG-{sid}", hostname=outlet.get_info().hostname()),
    ):
        assert resolve(query, 3.0, settle_s=0.05).source_id() == sid
    del outlet


def test_resolve_none_and_two_matches_list_the_streams() -> None:
    sid_a, sid_b = _sid(), _sid()
    twin = f"twin-{sid_a}"
    a = _outlet(sid_a, name=twin)
    b = _outlet(sid_b, name=twin)
    with pytest.raises(StreamError) as none:
        resolve(StreamQuery(source_id=f"absent-{sid_a}"), 0.3, listing_wait_s=0.5)
    assert f"source_id='absent-{sid_a}'" in none.value.message
    assert sid_a in none.value.message
    assert sid_b in none.value.message
    with pytest.raises(StreamError) as two:
        resolve(StreamQuery(name=twin, type="EEG"), 3.0)
    assert "2 LSL streams match" in two.value.message
    assert sid_a in two.value.message
    assert sid_b in two.value.message
    del a, b


def test_ramp_arrives_in_order_with_labels_units_and_health() -> None:
    sid = _sid()
    outlet = _outlet(sid, labels=["C3'", "C4'", "Fz"])
    inlet = LslInlet(_find(sid), expect_channels=3, expect_srate_hz=RATE_HZ)
    assert inlet.channel_labels == ("C3'", "C4'", "Fz")
    assert inlet.channel_units == ("microvolts",) * 3
    stop = threading.Event()

    def push() -> None:
        k, t0 = 0, time.perf_counter()
        while not stop.is_set() and k < 3200:
            due = min(3200, int((time.perf_counter() - t0) * RATE_HZ)) - k
            if due > 0:
                outlet.push_chunk(_ramp(k, k + due, 3))
                k += due
            time.sleep(0.002)

    pusher = threading.Thread(target=push)
    pusher.start()
    items: list[Chunk | Marker] = []

    def got_all() -> bool:
        items.extend(inlet.drain())
        return inlet.health().samples_received >= 3200

    try:
        _wait_for(got_all, 8.0)
        health = inlet.health()
    finally:
        stop.set()
        pusher.join(timeout=5)
        inlet.close()
    items.extend(inlet.drain())
    assert all(isinstance(c, Chunk) and c.samples.shape[1] == 3 for c in items)
    assert all(c.stream == "ramp" and c.samples.dtype == np.float32 for c in items)
    values, stamps = _values(items)
    assert values[-1] == 3199
    assert len(values) >= 3000
    np.testing.assert_array_equal(values, np.arange(values[0], 3200))  # none lost, none twice
    samples = np.concatenate([c.samples for c in items])
    np.testing.assert_array_equal(samples, samples[:, :1].repeat(3, axis=1))
    assert np.all(np.diff(stamps) > 0)
    assert health.state == "connected"
    assert health.connected
    assert health.source_id == sid
    assert health.samples_received == len(values)
    assert health.chunks_dropped == 0
    assert health.effective_srate_hz is not None
    assert 700 < health.effective_srate_hz < 1300
    assert health.clock_offset_s is not None
    assert abs(health.clock_offset_s) < 0.01
    assert inlet.error is None
    assert not inlet.alive  # its pylsl inlet is destroyed before the outlet goes


def test_missing_labels_fall_back_and_say_so() -> None:
    sid = _sid()
    outlet = _outlet(sid, n_channels=2)
    with LslInlet(_find(sid)) as inlet:
        assert inlet.channel_labels == ("ch1", "ch2")
        assert "labels missing" in inlet.health().message
    del inlet, outlet


def test_markers_arrive_literally_in_order() -> None:
    sid = _sid()
    outlet = _outlet(sid, name="stim", type_="Markers", n_channels=1, rate_hz=0, fmt="string")
    sent = ["SSEP_LT", "TCMEP 350V", "µV ünïcødé 🧠", "\x1b]0;x", "stim;site=APB_L;mA=12"]
    with LslInlet(_find(sid), kind="markers") as inlet:
        # liblsl #176: a just-opened inlet can miss the first pushes, for longer than any fixed
        # wait on a loaded machine. So: probe until one marker arrives, then send the real ones.
        got: list[Chunk | Marker] = []

        def probe_arrived() -> bool:
            outlet.push_sample(["PROBE"])
            got.extend(inlet.drain())
            return bool(got)

        _wait_for(probe_arrived, 10.0)
        for value in sent:
            outlet.push_sample([value])
        _wait_for(
            lambda: (
                bool(got.extend(inlet.drain()))
                or any(getattr(m, "value", None) == sent[-1] for m in got)
            ),
            3.0,
        )
        health = inlet.health()
    assert all(isinstance(m, Marker) for m in got)
    values = [m.value for m in got]  # type: ignore[union-attr]
    n_probes = values.count("PROBE")
    assert values == ["PROBE"] * n_probes + sent  # literal, in order, after the probes
    assert np.all(np.diff([m.timestamp for m in got]) >= 0)  # type: ignore[union-attr]
    assert health.kind == "markers"
    assert health.state == "connected"
    assert health.samples_received == len(got)
    assert not inlet.alive  # its pylsl inlet is destroyed before the outlet goes


def test_wrong_stream_kind_shape_or_rate_is_refused() -> None:
    ids = [_sid() for _ in range(3)]
    numeric = _outlet(ids[0], n_channels=4)
    strings = _outlet(ids[1], type_="Markers", n_channels=1, rate_hz=0, fmt="string")
    irregular = _outlet(ids[2], n_channels=1, rate_hz=0)
    cases = [
        (ids[0], {"kind": "markers"}, "markers must be a string stream"),
        (ids[1], {"kind": "data"}, "data must be numeric"),
        (ids[2], {"kind": "data"}, "irregular rate"),
        (ids[0], {"expect_channels": 16}, "has 4 channels, but 16 are expected"),
        (ids[0], {"expect_srate_hz": 5000.0}, "1000 Hz, but 5000 Hz is expected"),
    ]
    for sid, options, text in cases:
        with pytest.raises(StreamError, match=text):
            LslInlet(_find(sid), **options)
    del numeric, strings, irregular


def test_queue_overflow_drops_oldest_and_counts() -> None:
    sid = _sid()
    outlet = _outlet(sid, n_channels=2)
    inlet = LslInlet(_find(sid), queue_size=2, chunk_s=0.05)  # ≤ 50 samples per chunk
    time.sleep(0.2)  # liblsl #176
    outlet.push_chunk(_ramp(0, 2000, 2))
    _wait_for(lambda: inlet.health().samples_received >= 2000, 5.0)
    kept = inlet.drain()
    health = inlet.health()
    inlet.close()
    values, _ = _values(kept)
    assert len(kept) == 2
    assert values[-1] == 1999
    assert values[0] > 0
    np.testing.assert_array_equal(values, np.arange(values[0], 2000))
    assert health.chunks_dropped >= 2000 // 50 - 2
    assert "dropped" in health.message


def test_loss_and_recovery_of_a_killed_sender(children: Callable) -> None:
    sid = _sid()
    first = children(sid, 0)
    inlet = LslInlet(_find(sid), stale_after_s=0.3, lost_after_s=1.0)
    marker_inlet = LslInlet(_find(sid + "-m"), kind="markers")
    before: list[Chunk | Marker] = []

    def drained(condition: Callable[[], bool]) -> Callable[[], bool]:
        return lambda: bool(before.extend(inlet.drain())) or condition()

    try:
        _wait_for(drained(lambda: inlet.health().samples_received >= 500), 5.0)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)
        to_stale = _wait_for(drained(lambda: inlet.health().state == "stale"), 2.0)
        to_lost = _wait_for(drained(lambda: inlet.health().state == "lost"), 3.0)
        assert to_stale < 0.3 + 0.4
        assert to_stale + to_lost < 1.0 + 0.4
        # Markers are silent by nature: they go "lost" when the stream leaves the network.
        _wait_for(lambda: marker_inlet.health().state == "lost", 4.0)
        before.extend(inlet.drain())
        pre, pre_stamps = _values(before)
        children(sid, int(pre[-1]) + 1)  # the same source_id continues the ramp
        after: list[Chunk | Marker] = []
        to_back = _wait_for(
            lambda: (
                bool(after.extend(inlet.drain()))
                or (inlet.health().state == "connected" and len(after) > 2)
            ),
            10.0,
        )
        health = inlet.health()
        _wait_for(lambda: marker_inlet.health().state == "connected", 5.0)
        assert marker_inlet.health().reconnects == 1
    finally:
        marker_inlet.close()
        t0 = time.monotonic()
        inlet.close()
        close_s = time.monotonic() - t0
    post, post_stamps = _values(after + inlet.drain())
    np.testing.assert_array_equal(pre, np.arange(pre[0], pre[-1] + 1))  # nothing lost before
    np.testing.assert_array_equal(post, np.arange(post[0], post[-1] + 1))
    assert post[0] > pre[-1]  # nothing delivered twice across the reconnect
    assert np.all(np.diff(pre_stamps) > 0)
    assert np.all(np.diff(post_stamps) > 0)
    assert health.reconnects == 1, health
    assert health.state == "connected", health
    assert to_back < 8.0
    assert close_s < 1.0
    assert inlet.error is None


def test_rebuild_when_liblsl_gives_up(children: Callable) -> None:
    sid = _sid()
    first = children(sid, 0)
    # recover=False makes liblsl raise LostError, which forces our own destroy-and-rebuild path.
    inlet = LslInlet(_find(sid), stale_after_s=0.3, lost_after_s=1.0, recover=False)
    try:
        _wait_for(lambda: inlet.health().samples_received > 100, 5.0)
        first.kill()
        first.wait(timeout=5)
        _wait_for(lambda: "liblsl reported the stream lost" in inlet.health().message, 3.0)
        assert inlet.health().state == "lost"
        children(sid, 100_000)
        _wait_for(lambda: inlet.health().state == "connected", 8.0)
        inlet.drain()
        _wait_for(lambda: len(_values(inlet.drain())[0]) > 0, 2.0)
        assert inlet.health().reconnects == 1
    finally:
        t0 = time.monotonic()
        inlet.close()
        assert time.monotonic() - t0 < 1.0
    assert inlet.error is None


def test_close_is_prompt_on_a_silent_stream() -> None:
    sid = _sid()
    outlet = _outlet(sid)
    inlet = LslInlet(_find(sid))
    time.sleep(0.3)
    assert inlet.health().state == "waiting"
    t0 = time.monotonic()
    inlet.close()
    assert time.monotonic() - t0 < 1.0
    assert not inlet.alive
    del inlet, outlet


def test_source_facade_gets_data_and_markers() -> None:
    data_sid, marker_sid = _sid(), _sid()
    data = _outlet(data_sid, n_channels=2)
    markers = _outlet(marker_sid, type_="Markers", n_channels=1, rate_hz=0, fmt="string")
    source = LslSource(
        StreamQuery(source_id=data_sid),
        StreamQuery(source_id=marker_sid),
        expect_channels=2,
        resolve_timeout_s=3.0,
    )
    try:
        time.sleep(0.2)  # liblsl #176
        data.push_chunk(_ramp(0, 100, 2))
        markers.push_sample(["SSEP_LT"])
        got: list[Chunk | Marker] = []
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and (
            len(_values(got)[0]) < 100 or not any(isinstance(m, Marker) for m in got)
        ):
            got.extend(source.get(timeout_s=0.1))
        assert [m.value for m in got if isinstance(m, Marker)] == ["SSEP_LT"]
        np.testing.assert_array_equal(_values(got)[0], np.arange(100))
        assert source.get(timeout_s=0.05) == []
        kinds = [h.kind for h in source.health()]
        assert kinds == ["data", "markers"]
    finally:
        source.close()
    with pytest.raises(StreamError, match="No LSL stream matches"):
        LslSource(StreamQuery(source_id=f"absent-{data_sid}"), resolve_timeout_s=0.2)
    del source, data, markers


def test_import_failure_becomes_stream_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pylsl", None)  # `import pylsl` now raises ImportError
    with pytest.raises(StreamError) as err:
        lsl_config.import_pylsl()
    assert "PYLSL_LIB" in err.value.message
    assert err.value.__suppress_context__


CONFIG_PROBE = """
from ionm_tui.streams.lsl_config import configure_lsl
import pylsl
config = configure_lsl()
outlet = pylsl.StreamOutlet(pylsl.StreamInfo("probe", "EEG", 1, 10.0, "float32", "probe"))
print(config.source, outlet.get_info().session_id(), sep="|")
"""


@pytest.mark.parametrize("user_file", [False, True])
def test_configure_lsl_applies_before_liblsl_starts(tmp_path: Path, user_file: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    if user_file:
        cfg = tmp_path / "user.cfg"
        cfg.write_text("[lab]\nSessionID = ionm-probe\n[multicast]\nResolveScope = machine\n")
        env["LSLAPICFG"] = str(cfg)
    done = subprocess.run(
        [sys.executable, "-c", CONFIG_PROBE], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    source, session = done.stdout.strip().split("|")
    # liblsl prints an INFO line about the loaded config unless our silent level is in force.
    assert done.stderr == ""
    assert (source, session) == (
        (f"LSLAPICFG={env['LSLAPICFG']}", "ionm-probe") if user_file else ("built-in", "default")
    )


def test_watchdog_states_and_reconnect_counting() -> None:
    track = HealthTracker(
        name="emg",
        source_id="s",
        hostname="h",
        kind="data",
        nominal_srate_hz=1000.0,
        stale_after_s=0.5,
        lost_after_s=2.0,
        uid="u1",
        now=0.0,
    )
    assert track.snapshot(0.1, 0, 0).state == "waiting"
    track.samples(1.0, 50)
    assert track.snapshot(1.4, 0, 3).state == "connected"
    assert track.snapshot(1.6, 0, 0).state == "stale"
    lost = track.snapshot(3.1, 0, 0)
    assert lost.state == "lost"
    assert not lost.connected
    track.presence(3.2, {"u2"})  # the restarted sender's outlet is announced first...
    assert track.idle(3.2)
    track.samples(3.5, 50)  # ...then its data flows: one reconnect, not two
    assert track.snapshot(3.5, 0, 0).reconnects == 1
    track.samples(6.0, 50)  # the same sender paused past lost_after_s and resumed: counted
    assert track.snapshot(8.5, 0, 0).state == "lost"
    track.samples(8.6, 50)
    assert track.snapshot(8.6, 0, 0).reconnects == 2
    track.presence(9.0, {"u2", "u3"})  # data resumed before presence saw the new outlet
    assert track.snapshot(9.0, 4, 0).reconnects == 2  # absorbed: same restart
    track.samples(19.8, 50)  # a restart quicker than stale_after_s, seen only by presence
    track.presence(20.0, {"u4"})
    final = track.snapshot(20.0, 4, 0)
    assert final.reconnects == 3
    assert final.chunks_dropped == 4
    assert "4 chunks dropped" in final.message
