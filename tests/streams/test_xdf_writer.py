"""XdfWriter round trips through pyxdf and XdfReader, truncation safety and argument checks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import pyxdf
from hypothesis import given
from hypothesis import strategies as st

from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_format import (
    ChunkHeader,
    Tag,
    decode_varlen,
    encode_varlen,
    read_chunk_header,
)
from ionm_tui.streams.xdf_reader import XdfReader
from ionm_tui.streams.xdf_writer import XdfWriter

RATE = 5000.0
N_CH = 8
LABELS = [f"C{i + 1}-Fz" for i in range(N_CH)]
MARKERS = ["SSEP_LT", "TCMEP 350V µV", "тест ✓ 🧠", "esc \x1b]0;x\x07 end", "", "tab\tnl\nnul\x00"]
OFFSET = -0.0125  # s, the constant clock offset written for both streams
DEJITTER_RTOL = 1e-14


def write_case(path: Path, seconds: float = 3.0, seed: int = 0) -> dict:
    """Write an 8-channel float32 5 kHz stream in irregular pushes plus markers and offsets.

    Returns:
        What was written: {"ts": (n,), "x": (n, 8), "marker_ts": (m,), "markers": [str]}.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    ts = 100.0 + np.arange(n) / RATE + rng.normal(0, 2e-6, n)  # a little jitter, as from LSL
    x = rng.standard_normal((n, N_CH)).astype(np.float32) * 50
    marker_ts, markers = [], []
    with XdfWriter(path) as w:
        emg = w.add_stream("EMG", "EMG", N_CH, RATE, "float32", "amp-1", LABELS, ["µV"] * N_CH)
        stim = w.add_stream("Stim", "Markers", 1, 0.0, "string", "stim-1", hostname="or-pc")
        done = 0
        while done < n:
            k = min(int(rng.integers(1, 900)), n - done)
            w.write_samples(emg, ts[done : done + k], x[done : done + k])
            done += k
            if rng.random() < 0.25:
                marker_ts.append(float(ts[done - 1]))
                markers.append(MARKERS[len(markers) % len(MARKERS)])
                w.write_samples(stim, marker_ts[-1:], markers[-1:])
            if rng.random() < 0.2:
                w.write_clock_offset(emg, float(ts[done - 1]), OFFSET)
                w.write_clock_offset(stim, float(ts[done - 1]), OFFSET)
        w.flush()
    return {"ts": ts, "x": x, "marker_ts": np.array(marker_ts), "markers": markers}


def chunks(path: Path) -> list[ChunkHeader]:
    """Every chunk header of a complete file, in order."""
    size = path.stat().st_size
    out, pos = [], 4
    with open(path, "rb") as f:
        while pos < size:
            out.append(read_chunk_header(f, pos, size))
            pos = out[-1].end
    return out


def read_all(reader: XdfReader, max_samples: int = 4096) -> dict[int, tuple]:
    """{stream id: (timestamps, samples)} with blocks concatenated (lists for string streams)."""
    out: dict[int, tuple] = {}
    for info in reader.streams:
        blocks = list(reader.iter_chunks([info.stream_id], max_samples=max_samples))
        ts = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0)
        if info.channel_format == "string":
            out[info.stream_id] = (ts, [v for b in blocks for v in b[2]])
        else:
            values = [b[2] for b in blocks] or [np.zeros((0, info.channel_count))]
            out[info.stream_id] = (ts, np.concatenate(values))
    return out


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One written recording shared by the round-trip tests (writing it is the slow part)."""
    path = tmp_path_factory.mktemp("xdf") / "case.xdf"
    return path, write_case(path)


def test_pyxdf_reads_back_sample_exact(case: tuple[Path, dict]) -> None:
    """pyxdf returns the written values, raw timestamps, labels, units and marker strings."""
    path, written = case
    streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
    emg, stim = streams
    np.testing.assert_array_equal(emg["time_series"], written["x"], strict=True)
    np.testing.assert_array_equal(emg["time_stamps"], written["ts"])
    channels = emg["info"]["desc"][0]["channels"][0]["channel"]
    assert [c["label"][0] for c in channels] == LABELS
    assert [c["unit"][0] for c in channels] == ["µV"] * N_CH
    assert emg["info"]["nominal_srate"][0] == "5000.0"
    assert stim["info"]["hostname"][0] == "or-pc"
    assert [row[0] for row in stim["time_series"]] == written["markers"]
    assert set(written["markers"]) == set(MARKERS)
    np.testing.assert_array_equal(stim["time_stamps"], written["marker_ts"])
    assert emg["footer"]["info"]["sample_count"][0] == str(len(written["ts"]))
    assert float(emg["footer"]["info"]["last_timestamp"][0]) == written["ts"][-1]
    assert len(emg["clock_times"]) == len(emg["footer"]["info"]["clock_offsets"][0]["offset"])


def test_pyxdf_applies_written_clock_offsets(case: tuple[Path, dict]) -> None:
    """With clock sync on, pyxdf shifts every timestamp by the constant written offset."""
    path, written = case
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    np.testing.assert_allclose(streams[0]["time_stamps"], written["ts"] + OFFSET, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dejitter", [False, True])
def test_our_reader_matches_pyxdf_on_written_file(case: tuple[Path, dict], dejitter: bool) -> None:
    """XdfReader returns what pyxdf returns for the written file, with and without dejitter."""
    path, written = case
    ref, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=dejitter)
    reader = XdfReader(path, dejitter=dejitter)
    assert [s.name for s in reader.streams] == ["EMG", "Stim"]
    assert reader.streams[0].labels == tuple(LABELS)
    assert reader.streams[0].units == ("µV",) * N_CH
    assert reader.streams[0].footer_sample_count == len(written["ts"])
    got = read_all(reader, max_samples=997)
    np.testing.assert_array_equal(got[1][1], written["x"], strict=True)
    assert got[2][1] == written["markers"]
    rtol = DEJITTER_RTOL if dejitter else 0.0
    for sid, s in zip((1, 2), ref, strict=True):
        np.testing.assert_allclose(got[sid][0], s["time_stamps"], rtol=rtol, atol=0)


@pytest.mark.parametrize("fmt", ["int8", "int16", "int32", "int64", "float32", "double64"])
def test_every_numeric_format_round_trips(tmp_path: Path, fmt: str) -> None:
    """Each numeric channel format comes back with its dtype and exact values in both readers."""
    path = tmp_path / f"{fmt}.xdf"
    info = np.iinfo(fmt) if fmt.startswith("int") else np.finfo(fmt.replace("double64", "f8"))
    x = np.array([[info.min, info.max, 0], [1, -1, 2]] * 50, dtype=info.dtype)
    with XdfWriter(path) as w:
        sid = w.add_stream("S", "EEG", 3, 250.0, fmt, "s")
        w.write_samples(sid, 10 + np.arange(100) / 250, x)
    streams, _ = pyxdf.load_xdf(str(path))
    np.testing.assert_array_equal(streams[0]["time_series"], x, strict=True)
    np.testing.assert_array_equal(read_all(XdfReader(path))[sid][1], x, strict=True)


def test_omitted_timestamps_are_deduced_like_pyxdf(tmp_path: Path) -> None:
    """Samples written without timestamps get previous + 1/rate in pyxdf and in our reader."""
    path = tmp_path / "deduced.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("S", "EEG", 2, 100.0, "float32", "s")
        w.write_samples(sid, [50.0, 50.01], np.ones((2, 2)))
        w.write_samples(sid, None, np.zeros((5, 2)))  # TimeStampBytes 0
        w.write_samples(sid, [60.0], np.ones((1, 2)))
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    got = read_all(XdfReader(path, dejitter=False), max_samples=3)[sid][0]
    np.testing.assert_array_equal(got, streams[0]["time_stamps"])
    np.testing.assert_allclose(got[:7], 50.0 + np.arange(7) / 100, rtol=0, atol=1e-12)
    assert XdfReader(path).streams[0].last_timestamp == 60.0


def test_truncated_file_loads_up_to_last_complete_chunk(tmp_path: Path) -> None:
    """Cut mid Samples chunk, pyxdf and our reader agree and stop at the last complete chunk."""
    full = tmp_path / "full.xdf"
    written = write_case(full, seconds=1.0, seed=1)
    data = full.read_bytes()
    emg_chunks = [c for c in chunks(full) if c.tag == Tag.SAMPLES and c.stream_id == 1]
    # Cut a third of the way into chunks of 3+ samples, never inside the *last* sample's values:
    # there pyxdf 1.17.5 keeps the partial chunk and fills the missing bytes with stale ones.
    big = [c for c in emg_chunks if decode_varlen(data, c.body_start)[0] >= 3]
    for chunk in big[1 :: max(1, len(big) // 5)]:
        cut = chunk.body_start + (chunk.end - chunk.body_start) // 3
        path = tmp_path / f"cut{cut}.xdf"
        path.write_bytes(data[:cut])
        reader = XdfReader(path, dejitter=False)
        assert reader.truncated_at == chunk.offset
        assert f"inside a chunk that starts at byte {chunk.offset}" in reader.warnings[-1]
        got = read_all(reader)
        n_complete = sum(
            decode_varlen(data, c.body_start)[0] for c in emg_chunks if c.end <= chunk.offset
        )
        assert len(got[1][0]) == n_complete
        np.testing.assert_array_equal(got[1][1], written["x"][:n_complete], strict=True)
        ref, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
        np.testing.assert_array_equal(got[1][1], ref[0]["time_series"], strict=True)
        np.testing.assert_array_equal(got[1][0], ref[0]["time_stamps"])
        assert got[2][1] == [row[0] for row in ref[1]["time_series"]]


def test_any_cut_position_reads_without_error(tmp_path: Path) -> None:
    """A file cut at any byte reads without raising and yields exactly its complete chunks."""
    full = tmp_path / "small.xdf"
    with XdfWriter(full, boundary_interval=0.0) as w:
        a = w.add_stream("EMG", "EMG", 2, 100.0, "int16", "a")
        m = w.add_stream("Stim", "Markers", 1, 0.0, "string", "m")
        for k in range(6):
            w.write_samples(a, 10 + np.arange(5 * k, 5 * k + 5) / 100, np.full((5, 2), k))
            w.write_samples(m, [10 + k / 20], [f"m{k}"])
            w.write_clock_offset(a, 10 + k / 20, 0.001)
    data = full.read_bytes()
    ends = {c.end: c for c in chunks(full)}
    for cut in [*range(4, len(data), 5), *ends]:
        path = tmp_path / "cut.xdf"
        path.write_bytes(data[:cut])
        # Clock fits and dejitter are tested elsewhere; skipping them keeps this loop fast.
        reader = XdfReader(path, synchronize_clocks=False, dejitter=False)
        assert (reader.truncated_at is None) == (cut in ends or cut == 4)
        complete = [c for c in ends.values() if c.end <= cut and c.tag == Tag.SAMPLES]
        for sid, (ts, _) in read_all(reader).items():
            n_chunks = sum(c.stream_id == sid for c in complete)
            assert len(ts) == n_chunks * (5 if sid == a else 1)


def test_writer_splits_large_pushes_and_writes_boundaries(tmp_path: Path) -> None:
    """A big push becomes chunks of at most max_chunk_bytes, and Boundary chunks appear."""
    path = tmp_path / "split.xdf"
    with XdfWriter(path, max_chunk_bytes=10_000, boundary_interval=0.0) as w:
        sid = w.add_stream("S", "EEG", 4, 1000.0, "float32", "s")
        w.write_samples(sid, np.arange(5000) / 1000, np.zeros((5000, 4)))
    found = chunks(path)
    samples = [c for c in found if c.tag == Tag.SAMPLES]
    assert len(samples) > 10
    assert all(c.end - c.offset <= 10_000 + 32 for c in samples)
    assert sum(c.tag == Tag.BOUNDARY for c in found) >= 2
    assert found[-1].tag == Tag.STREAM_FOOTER
    assert XdfReader(path).streams[0].sample_count == 5000


def test_flush_calls_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flush() forces the data to disk with os.fsync."""
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", calls.append)
    with XdfWriter(tmp_path / "f.xdf", boundary_interval=1e9) as w:
        w.flush()
        assert len(calls) == 1


def test_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    """Creating over an existing file is a StreamError unless overwrite=True."""
    path = tmp_path / "exists.xdf"
    path.write_bytes(b"precious")
    with pytest.raises(StreamError, match=r"exists\.xdf"):
        XdfWriter(path)
    assert path.read_bytes() == b"precious"
    XdfWriter(path, overwrite=True).close()
    assert XdfReader(path).streams == ()


def test_invalid_arguments_raise_value_error(tmp_path: Path) -> None:
    """Bad formats, shapes, timestamps, labels and use after close are ValueErrors."""
    w = XdfWriter(tmp_path / "bad.xdf")
    with pytest.raises(ValueError, match="channel_format"):
        w.add_stream("S", "EEG", 2, 100.0, "float16", "s")
    with pytest.raises(ValueError, match="labels"):
        w.add_stream("S", "EEG", 2, 100.0, "float32", "s", labels=["only one"])
    with pytest.raises(ValueError, match="control character"):
        w.add_stream("S", "EEG", 1, 100.0, "float32", "s", labels=["\x1b[31m"])
    sid = w.add_stream("S", "EEG", 2, 100.0, "int16", "s")
    marks = w.add_stream("M", "Markers", 1, 0.0, "string", "m")
    with pytest.raises(ValueError, match="shape"):
        w.write_samples(sid, [1.0], np.zeros((1, 3)))
    with pytest.raises(ValueError, match="timestamps"):
        w.write_samples(sid, [np.nan], np.zeros((1, 2), dtype=np.int16))
    with pytest.raises(ValueError, match="do not fit"):
        w.write_samples(sid, [1.0], np.full((1, 2), 0.5))
    with pytest.raises(ValueError, match="str"):
        w.write_samples(marks, [1.0], [3])
    with pytest.raises(ValueError, match="no stream 99"):
        w.write_clock_offset(99, 1.0, 0.0)
    w.close()
    with pytest.raises(ValueError, match="closed"):
        w.write_samples(sid, [1.0], np.zeros((1, 2), dtype=np.int16))


def test_multichannel_string_stream_round_trips(tmp_path: Path) -> None:
    """A 2-channel string stream comes back as lists of 2 strings in pyxdf and our reader."""
    path = tmp_path / "strings.xdf"
    rows = [["a", "b"], ["", "ü\x1b[0m"], ["x" * 300, "y"]]  # 300 bytes needs a 4-byte varlen
    with XdfWriter(path) as w:
        sid = w.add_stream("Notes", "Markers", 2, 0.0, "string", "n")
        w.write_samples(sid, [1.0, 2.0, 3.0], rows)
    streams, _ = pyxdf.load_xdf(str(path))
    assert streams[0]["time_series"] == rows
    assert read_all(XdfReader(path), max_samples=2)[sid][1] == rows


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_varlen_integers_round_trip(value: int) -> None:
    """Every unsigned 64-bit integer survives encode_varlen → decode_varlen."""
    encoded = encode_varlen(value)
    assert decode_varlen(encoded, 0) == (value, len(encoded))
