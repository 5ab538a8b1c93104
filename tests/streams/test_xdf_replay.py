"""Replaying a recorded case: same records as live, paced by the clock, clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ionm_tui.engine import (
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    StreamSpec,
    TestSpec,
    TrendPoint,
)
from ionm_tui.engine.runner import run_engine
from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_replay import XdfReplaySource
from ionm_tui.streams.xdf_writer import XdfWriter

FS = 1000.0
LABELS = ("Cz", "Fz")


@dataclass(frozen=True)
class Q:
    """A stream query (name/type/source_id/hostname)."""

    name: str | None = None
    type: str | None = None
    source_id: str | None = None
    hostname: str | None = None


def _case(
    tmp_path: Path, seconds: float = 20.0
) -> tuple[Path, np.ndarray, np.ndarray, list[Marker]]:
    rng = np.random.default_rng(1)
    n = int(seconds * FS)
    ts = 500.0 + np.arange(n) / FS
    x = rng.normal(0, 1.0, (n, 2)).astype(np.float32)
    stim = np.arange(200, n - 200, 213)
    for s in stim:
        x[s + 18 : s + 24, 0] += 4.0
    markers = [Marker(float(ts[s]), "SSEP_UL_L 25mA") for s in stim]
    path = tmp_path / "case.xdf"
    with XdfWriter(path) as w:
        d = w.add_stream("amp", "EEG", 2, FS, "float32", "amp-1", labels=list(LABELS))
        m = w.add_stream("stim", "Markers", 1, 0.0, "string", "stim-1")
        k = 0
        for i in range(0, n, 100):
            w.write_samples(d, ts[i : i + 100], x[i : i + 100])
            batch = [mk for mk in markers[k:] if mk.timestamp < ts[min(i + 100, n - 1)]]
            if batch:
                w.write_samples(
                    m, np.array([b.timestamp for b in batch]), [[b.value] for b in batch]
                )
                k += len(batch)
    return path, ts, x, markers


def _engine() -> Engine:
    test = TestSpec(
        id="ssep-ul-l",
        marker="SSEP_UL_L",
        channels=("Cz-Fz",),
        window_ms=(-10.0, 50.0),
        averaging=AveragingSpec("block", 10),
        peaks=(PeakSpec("P20", 1, (15.0, 25.0)),),
    )
    return Engine(EngineSpec(StreamSpec(LABELS, FS), (test,)))


def _points(records: list) -> list[tuple[int, float, float]]:
    return [(r.seq, r.t, r.amplitude_uv) for r in records if isinstance(r, TrendPoint)]


def test_flat_out_replay_equals_direct_feeding(tmp_path: Path) -> None:
    """Replaying the file through run_engine gives the trend points of feeding the data directly."""
    path, ts, x, markers = _case(tmp_path)
    src = XdfReplaySource(path, data=Q(type="EEG"), markers=Q(type="Markers"))
    assert src.labels == LABELS
    assert src.sfreq_hz == FS
    got: list = []
    run_engine(_engine(), src, publish=lambda s: None, on_records=got.extend)
    direct = _engine()
    direct.feed_markers(markers)
    direct.feed(Chunk(ts, x.astype(np.float64)))
    expected = _points(direct.drain_records())
    assert len(expected) >= 8
    assert _points(got) == expected
    assert src.finished


def test_paced_replay_follows_the_clock(tmp_path: Path) -> None:
    """At ×10, five seconds of case come out over half a second of clock, no faster."""
    path, *_ = _case(tmp_path, seconds=10.0)
    now = [0.0]

    def sleep(dt: float) -> None:
        now[0] += dt

    src = XdfReplaySource(
        path,
        data=Q(name="amp"),
        markers=Q(name="stim"),
        speed=10.0,
        clock=lambda: now[0],
        sleep=sleep,
    )
    handed = 0
    while now[0] < 0.5:
        handed += sum(c.n_times for c in src.drain(0.05) if isinstance(c, Chunk))
    # 0.5 s of clock at ×10 is 5 s of data (± one 1024-sample block).
    assert abs(handed - 5 * FS) <= 1024
    src.pause()
    before = src.position_t
    for _ in range(5):
        assert src.drain(0.05) == []
    src.resume()
    assert src.position_t == before


def test_streams_that_do_not_match_are_listed(tmp_path: Path) -> None:
    """A predicate matching nothing names what the file has; matching two refuses to pick."""
    path, *_ = _case(tmp_path, seconds=2.0)
    with pytest.raises(StreamError, match=r"(?s)no data stream matches type='ECG'.*name='amp'"):
        XdfReplaySource(path, data=Q(type="ECG"), markers=None)
    two = tmp_path / "two.xdf"
    with XdfWriter(two) as w:
        w.add_stream("amp", "EEG", 2, FS, "float32", "amp-1")
        w.add_stream("amp", "EEG", 2, FS, "float32", "amp-2")
    with pytest.raises(StreamError, match=r"(?s)2 data streams match name='amp'.*amp-1.*amp-2"):
        XdfReplaySource(two, data=Q(name="amp"), markers=None)
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"hello")
    with pytest.raises(StreamError, match=r"bad\.xdf"):
        XdfReplaySource(bad, data=Q(type="EEG"), markers=None)


def test_truncated_case_replays_what_is_there(tmp_path: Path) -> None:
    """A file cut mid-write replays up to its last complete chunk and says it was truncated."""
    path, *_ = _case(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.xdf"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    src = XdfReplaySource(cut, data=Q(type="EEG"), markers=Q(type="Markers"))
    got: list = []
    run_engine(_engine(), src, publish=lambda s: None, on_records=got.extend)
    assert src.warnings
    assert 1 <= len(_points(got)) < 8


def test_seek_restarts_from_a_time(tmp_path: Path) -> None:
    """Seeking hands out data from the requested time onwards."""
    path, ts, *_ = _case(tmp_path, seconds=5.0)
    src = XdfReplaySource(path, data=Q(type="EEG"), markers=Q(type="Markers"))
    src.drain(0.0)
    src.seek(float(ts[3000]))
    first = next(i for i in src.drain(0.0) if isinstance(i, Chunk))
    assert first.timestamps[0] == pytest.approx(ts[3000])


def test_flat_out_replay_of_a_large_file_is_read_by_a_second_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From PREFETCH_MIN_BYTES on (lowered here), flat out, a reader process feeds the replay:
    the same trend points as feeding directly; paced replay and small files read in-process."""
    from ionm_tui.streams import xdf_replay
    from ionm_tui.streams.xdf_prefetch import PrefetchedBlocks, prefetch_available

    if not prefetch_available():
        pytest.skip("needs Linux memfd_create")
    path, ts, x, markers = _case(tmp_path)
    small = XdfReplaySource(path, data=Q(type="EEG"), markers=Q(type="Markers"))
    assert not isinstance(small._iter, PrefetchedBlocks)
    monkeypatch.setattr(xdf_replay, "PREFETCH_MIN_BYTES", 0)
    paced = XdfReplaySource(path, data=Q(type="EEG"), markers=Q(type="Markers"), speed=1.0)
    assert not isinstance(paced._iter, PrefetchedBlocks)
    src = XdfReplaySource(path, data=Q(type="EEG"), markers=Q(type="Markers"))
    assert isinstance(src._iter, PrefetchedBlocks)
    got: list = []
    run_engine(_engine(), src, publish=lambda s: None, on_records=got.extend)
    direct = _engine()
    direct.feed_markers(markers)
    direct.feed(Chunk(ts, x.astype(np.float64)))
    assert _points(got) == _points(direct.drain_records())
    assert src.finished
    assert src.reading_note is None
    src.close()
