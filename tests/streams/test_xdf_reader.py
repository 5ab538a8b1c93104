"""XdfReader against pyxdf on the public conformance files, plus damage and memory bounds."""

from __future__ import annotations

import functools
import itertools
import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pyxdf

from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_format import Tag, encode_chunk, encode_varlen, read_chunk_header
from ionm_tui.streams.xdf_reader import XdfReader
from ionm_tui.streams.xdf_writer import XdfWriter

SHARED_XDF = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "xdf"
FILES = ["minimal.xdf", "clock_resets.xdf", "empty_streams.xdf"]
# (sync, clock resets, dejitter); reset handling only matters when clocks are synchronised.
OPTIONS = [o for o in itertools.product([True, False], repeat=3) if o[0] or o[1]]
# Without dejitter our timestamps are pyxdf's bit for bit. With it, both fit the same line
# (pyxdf by lstsq, we by centred running sums): they agree to a few ulp of the timestamp.
DEJITTER_RTOL = 1e-14
DEJITTER_ATOL = 1e-12  # s


def shared_file(name: str) -> Path:
    """Path of a shared conformance file, skipping the test when shared/ is not checked out."""
    path = SHARED_XDF / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared/ data folder is not beside the repo clone")
    return path


@functools.cache
def pyxdf_streams(path: Path, sync: bool, resets: bool, dejitter: bool) -> dict[int, dict]:
    """pyxdf's result for one file and option set, keyed by stream id (cached: pyxdf is slow)."""
    streams, _ = pyxdf.load_xdf(
        str(path),
        synchronize_clocks=sync,
        handle_clock_resets=resets,
        dejitter_timestamps=dejitter,
    )
    return {s["info"]["stream_id"]: s for s in streams}


@functools.cache
def default_reader(path: Path) -> XdfReader:
    """One reader per file, shared by tests: iter_chunks may be called any number of times."""
    return XdfReader(path)


def collect(reader: XdfReader, max_samples: int = 4096, **kw: Any) -> dict[int, tuple]:
    """Concatenate every block per stream: {id: (timestamps, numeric array or list of str)}."""
    parts: dict[int, tuple[list, list]] = {s.stream_id: ([], []) for s in reader.streams}
    for sid, ts, values in reader.iter_chunks(max_samples=max_samples, **kw):
        assert 1 <= len(ts) <= max_samples
        assert ts.dtype == np.float64
        assert len(values) == len(ts)
        parts[sid][0].append(ts)
        parts[sid][1].append(values)
    out = {}
    for info in reader.streams:
        ts, vals = parts[info.stream_id]
        if info.channel_format == "string":
            joined = [v for block in vals for v in block]
        elif vals:
            joined = np.concatenate(vals)
        else:
            joined = np.zeros((0, info.channel_count))
        out[info.stream_id] = (np.concatenate(ts) if ts else np.zeros(0), joined)
    return out


def assert_matches_pyxdf(got: dict[int, tuple], ref: dict[int, dict], dejitter: bool) -> None:
    """Samples equal exactly; timestamps exactly, or to rounding when dejittered."""
    assert set(got) == set(ref)
    for sid, (ts, values) in got.items():
        expected = ref[sid]
        if isinstance(values, list):
            rows = expected["time_series"]
            assert values == ([r[0] for r in rows] if rows and len(rows[0]) == 1 else rows)
        else:
            np.testing.assert_array_equal(values, expected["time_series"], strict=False)
            assert values.dtype == np.asarray(expected["time_series"]).dtype or not len(values)
        rtol, atol = (DEJITTER_RTOL, DEJITTER_ATOL) if dejitter else (0.0, 0.0)
        np.testing.assert_allclose(ts, expected["time_stamps"], rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", FILES)
def test_stream_infos_match_pyxdf(name: str) -> None:
    """Names, types, channel counts, rates, formats, ids, labels and counts equal pyxdf's."""
    path = shared_file(name)
    ref = pyxdf_streams(path, True, True, True)
    reader = XdfReader(path)
    assert [s.stream_id for s in reader.streams] == list(ref)
    for info in reader.streams:
        raw = ref[info.stream_id]["info"]
        assert info.name == raw["name"][0]
        assert info.type == raw["type"][0]
        assert info.channel_count == int(raw["channel_count"][0])
        assert info.nominal_srate == float(raw["nominal_srate"][0])
        assert info.channel_format == raw["channel_format"][0]
        # pyxdf's info is a defaultdict(list): an absent element reads as [], an empty one [None].
        assert info.source_id == ((raw["source_id"] or [""])[0] or "")
        assert info.hostname == ((raw["hostname"] or [""])[0] or "")
        desc = raw["desc"][0] or {}
        channels = desc.get("channels", [{}])[0].get("channel", [])
        assert info.labels == tuple(ch["label"][0] for ch in channels)
        assert info.sample_count == len(ref[info.stream_id]["time_stamps"])
    assert reader.truncated_at is None
    assert reader.warnings == ()


@pytest.mark.parametrize("max_samples", [1, 7, 64, 4096])
@pytest.mark.parametrize("name", FILES)
def test_default_options_match_pyxdf_at_any_block_size(name: str, max_samples: int) -> None:
    """With pyxdf's default options, samples and timestamps equal pyxdf's for any block size."""
    path = shared_file(name)
    got = collect(default_reader(path), max_samples)
    assert_matches_pyxdf(got, pyxdf_streams(path, True, True, True), dejitter=True)


@pytest.mark.parametrize(("sync", "resets", "dejitter"), OPTIONS)
@pytest.mark.parametrize("name", FILES)
def test_every_option_matches_pyxdf(name: str, sync: bool, resets: bool, dejitter: bool) -> None:
    """Each combination of clock sync, reset handling and dejitter equals pyxdf's same options."""
    path = shared_file(name)
    reader = XdfReader(path, synchronize_clocks=sync, handle_clock_resets=resets, dejitter=dejitter)
    got = collect(reader, max_samples=257)  # small and odd sizes are covered above
    assert_matches_pyxdf(got, pyxdf_streams(path, sync, resets, dejitter), dejitter)


def test_minimal_deduces_omitted_timestamps() -> None:
    """minimal.xdf's raw EEG timestamps, one of them omitted in the file, are 5.1 … 5.9 s."""
    reader = XdfReader(shared_file("minimal.xdf"), synchronize_clocks=False, dejitter=False)
    ts, values = collect(reader)[0]
    np.testing.assert_allclose(ts, 5.1 + 0.1 * np.arange(9), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(values[0], [192, 255, 238])


def test_stream_selection_yields_only_chosen_streams() -> None:
    """iter_chunks(stream_ids=…) yields only those streams, with the same data as a full read."""
    path = shared_file("clock_resets.xdf")
    reader = XdfReader(path)
    full = collect(reader)
    blocks = list(reader.iter_chunks(stream_ids=[2], max_samples=500))
    assert {sid for sid, _, _ in blocks} == {2}
    np.testing.assert_array_equal(np.concatenate([ts for _, ts, _ in blocks]), full[2][0])


def test_invalid_arguments_raise_value_error_at_call() -> None:
    """An unknown stream id or a block size below 1 is refused when iter_chunks is called."""
    reader = XdfReader(shared_file("minimal.xdf"))
    with pytest.raises(ValueError, match="no stream with id"):
        reader.iter_chunks(stream_ids=[12345])
    with pytest.raises(ValueError, match="max_samples"):
        reader.iter_chunks(max_samples=0)


@pytest.mark.parametrize(
    "content", [b"", b"PK\x03\x04 not an xdf file at all", b"XDF:\x00\x00garbage" * 3]
)
def test_garbage_file_raises_stream_error_naming_it(tmp_path: Path, content: bytes) -> None:
    """A file that is not XDF (wrong magic, or nothing readable after it) is a StreamError."""
    path = tmp_path / "garbage.xdf"
    path.write_bytes(content)
    with pytest.raises(StreamError, match=r"garbage\.xdf"):
        XdfReader(path)


def test_missing_file_raises_stream_error(tmp_path: Path) -> None:
    """A path that does not exist is a StreamError naming it, not an OSError."""
    with pytest.raises(StreamError, match=r"nope\.xdf"):
        XdfReader(tmp_path / "nope.xdf")


def test_invalid_stream_header_raises_with_offset(tmp_path: Path) -> None:
    """A complete StreamHeader chunk with broken XML is a StreamError giving its byte offset."""
    path = tmp_path / "bad.xdf"
    with XdfWriter(path) as w:
        w.add_stream("EMG", "EMG", 1, 100.0, "float32", "s")
    data = bytearray(path.read_bytes())
    at = data.index(b"<info><name>")
    data[at + 1 : at + 5] = b"!!!!"
    path.write_bytes(bytes(data))
    with open(path, "rb") as f:
        first = read_chunk_header(f, 4, len(data))  # the FileHeader; the StreamHeader follows
    with pytest.raises(StreamError, match=f"bad.xdf is damaged at byte {first.end}:"):
        XdfReader(path)


def test_damaged_chunk_resyncs_at_next_boundary_like_pyxdf(tmp_path: Path) -> None:
    """A chunk with an invalid length byte is skipped up to the next Boundary, as pyxdf does."""
    path = tmp_path / "damaged.xdf"
    with XdfWriter(path, boundary_interval=0.0) as w:  # a Boundary before every chunk
        sid = w.add_stream("EMG", "EMG", 2, 100.0, "float32", "s")
        for k in range(10):
            w.write_samples(sid, 10 + np.arange(10 * k, 10 * k + 10) / 100, np.full((10, 2), k))
    data = bytearray(path.read_bytes())
    offsets, pos = [], 4
    with open(path, "rb") as f:
        while pos < len(data):
            head = read_chunk_header(f, pos, len(data))
            offsets += [pos] if head.tag == 3 else []
            pos = head.end
    data[offsets[4]] = 2  # not a valid length size (1, 4 or 8)
    path.write_bytes(bytes(data))
    reader = XdfReader(path, dejitter=False)
    assert reader.truncated_at is None
    assert f"damaged at byte {offsets[4]}" in reader.warnings[0]
    got = collect(reader)
    assert sorted(set(got[sid][1][:, 0].tolist())) == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    np.testing.assert_array_equal(got[sid][1], streams[0]["time_series"])
    np.testing.assert_array_equal(got[sid][0], streams[0]["time_stamps"])


def test_xdf11_samples_chunk_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """A tag-7 (XDF 1.1) chunk is skipped with a warning; the 1.0 data around it still reads."""
    path = tmp_path / "tag7.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("EMG", "EMG", 1, 100.0, "float32", "s")
        w.write_samples(sid, [1.0, 1.01], [[1.0], [2.0]])
    data = path.read_bytes()
    path.write_bytes(data + encode_chunk(7, b"\x01\x00\x00\x00 whatever"))
    reader = XdfReader(path, dejitter=False)
    assert "tag 7, unsupported" in reader.warnings[0]
    np.testing.assert_array_equal(collect(reader)[sid][1], [[1.0], [2.0]])


def test_pylsl67_extra_sample_and_offset_are_dropped_like_pyxdf(tmp_path: Path) -> None:
    """A sample beyond the footer's count plus an anomalous last offset are dropped, as in pyxdf."""
    path = tmp_path / "pylsl67.xdf"
    with XdfWriter(path) as w:
        sid = w.add_stream("EMG", "EMG", 1, 100.0, "float32", "s")
        w.write_samples(sid, 10 + np.arange(400) / 100, np.arange(400)[:, None])
        for t in range(10, 14):
            w.write_clock_offset(sid, t, 0.002)
    # After the footers, append what pylsl#67 leaves: one more sample and a garbage offset.
    stamp = struct.pack("<d", 14.0) + struct.pack("<f", 400.0)
    tail = encode_chunk(Tag.SAMPLES, encode_varlen(1) + b"\x08" + stamp, sid)
    tail += encode_chunk(Tag.CLOCK_OFFSET, struct.pack("<dd", 500.0, 1e6), sid)
    path.write_bytes(path.read_bytes() + tail)
    reader = XdfReader(path)
    assert reader.streams[0].sample_count == 400
    assert len(reader.streams[0].clock_offsets) == 4
    assert any("pylsl#67" in w for w in reader.warnings)
    (ref,), _ = pyxdf.load_xdf(str(path))
    got = collect(reader)[sid]
    np.testing.assert_array_equal(got[1], ref["time_series"])
    np.testing.assert_allclose(got[0], ref["time_stamps"], rtol=DEJITTER_RTOL, atol=DEJITTER_ATOL)


def test_memory_stays_bounded_on_a_200_mb_file(tmp_path: Path) -> None:
    """Reading a ~200 MB file with dejitter keeps the traced peak far below the file size."""
    path = tmp_path / "big.xdf"
    block = np.random.default_rng(0).standard_normal((5000, 8)).astype(np.float32)
    n_blocks = 200_000_000 // (5000 * (9 + 32))
    with XdfWriter(path) as w:
        emg = w.add_stream("EMG", "EMG", 8, 5000.0, "float32", "emg")
        marks = w.add_stream("Stim", "Markers", 1, 0.0, "string", "stim")
        for k in range(n_blocks):
            w.write_samples(emg, 1000 + np.arange(5000 * k, 5000 * (k + 1)) / 5000, block)
            w.write_samples(marks, [1000 + k], [f"stim {k}"])
            w.write_clock_offset(emg, 1000 + k, 0.001 + 1e-6 * (k % 3))
    size = path.stat().st_size
    assert size > 190e6
    start = time.perf_counter()
    tracemalloc.start()
    try:
        reader = XdfReader(path)
        n = 0
        for sid, ts, _ in reader.iter_chunks(max_samples=4096):
            n += len(ts) if sid == emg else 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 5000 * n_blocks
    assert peak < 50e6, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB file"
    assert time.perf_counter() - start < 10.0
