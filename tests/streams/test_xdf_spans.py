"""The timestamp fit in two spans of the file equals pyxdf's at every awkward split.

``XdfReader`` fits dejitter lines over the file's two halves and joins them (so two processes can
read them at once). Whatever sits at the split — an empty chunk, a damaged one, samples without
timestamps of their own, samples beyond a pylsl#67 footer count, a clock reset — the dejittered
timestamps must stay within rounding of ``pyxdf.load_xdf``'s, and the reader process must give
the in-process bits. The awkward chunk is moved across the middle of the file so that it lands
right before, on and right after the split.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import pyxdf

from ionm_tui.streams.xdf_format import (
    BOUNDARY_UUID,
    Tag,
    encode_chunk,
    encode_varlen,
    read_chunk_header,
)
from ionm_tui.streams.xdf_prefetch import PrefetchedBlocks, prefetch_available
from ionm_tui.streams.xdf_reader import XdfReader
from ionm_tui.streams.xdf_timing import JitterFitter
from ionm_tui.streams.xdf_writer import XdfWriter

FS = 1000.0
N_CHUNKS = 160  # 250 samples each; the split falls near chunk 80
TOL_S = 1e-9


def _chunk(rng: np.random.Generator, k: int, t0: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    t = t0 + k * 0.25 + np.arange(250) / FS + rng.uniform(0, 0.002)
    return t, rng.normal(0, 10, (250, 4)).astype(np.float32)


def _odd_chunk_file(path: Path, at: int, kind: str) -> Path:
    """One 4-channel 1 kHz stream; at chunk ``at``: an empty Samples chunk (``empty``) or a
    damaged one and a Boundary (``damaged``), then a chunk whose timestamps are all deduced."""
    rng = np.random.default_rng(7)
    with XdfWriter(path, max_chunk_bytes=1 << 16) as w:
        d = w.add_stream("amp", "EEG", 4, FS, "float32", "amp-1")
        for k in range(N_CHUNKS):
            t, x = _chunk(rng, k)
            if k == at:
                if kind == "empty":
                    w._emit(encode_chunk(Tag.SAMPLES, encode_varlen(0), d))
                else:  # one stamped sample and a stray byte: skipped up to the Boundary
                    sample = b"\x08" + np.float64(t[0]).tobytes() + x[0].tobytes() + b"\0"
                    w._emit(encode_chunk(Tag.SAMPLES, encode_varlen(1) + sample, d))
                    w._emit(encode_chunk(Tag.BOUNDARY, BOUNDARY_UUID))
                w.write_samples(d, None, x)
                continue
            w.write_samples(d, t, x)
            if k % 20 == 0:
                w.write_clock_offset(d, 100.0 + k * 0.25, 0.001 + 1e-6 * k)
    return path


def _timestamps(reader: XdfReader, sid: int) -> np.ndarray:
    return np.concatenate([ts for _, ts, _ in reader.iter_chunks([sid], 4096)])


def _assert_like_pyxdf(path: Path, stream: int = 0) -> XdfReader:
    reader = XdfReader(path)
    sid = reader.streams[stream].stream_id
    mine = _timestamps(reader, sid)
    by_id = {int(s["info"]["stream_id"]): s for s in pyxdf.load_xdf(str(path))[0]}
    ref = by_id[sid]["time_stamps"]
    assert mine.shape == ref.shape
    np.testing.assert_allclose(mine, ref, rtol=0, atol=TOL_S)
    return reader


def _assert_like_one_pass(path: Path) -> XdfReader:
    """For a damaged file, where pyxdf reads the damaged chunk's samples and we skip them: the
    reader's timestamps against one JitterFitter fed every synchronised timestamp in order."""
    reader = XdfReader(path)
    sid = reader.streams[0].stream_id
    synced = _timestamps(XdfReader(path, dejitter=False), sid)
    whole = JitterFitter(1 / FS)
    whole.add(synced)
    np.testing.assert_allclose(
        _timestamps(reader, sid), whole.finish()(0, len(synced)), rtol=0, atol=TOL_S
    )
    return reader


def _assert_prefetch_is_in_process(path: Path) -> None:
    if not prefetch_available():
        return
    reader = XdfReader(path)
    ids = [s.stream_id for s in reader.streams]
    want = list(XdfReader(path).iter_chunks(ids, 1024, zero_copy=True))
    pf = PrefetchedBlocks()
    pf.start(reader, ids, 1024)
    n = 0
    for sid, ts, values in pf:
        assert sid == want[n][0]
        np.testing.assert_array_equal(ts, want[n][1], strict=True)
        np.testing.assert_array_equal(values, want[n][2], strict=True)
        n += 1
        pf.retire(n)
    assert n == len(want)
    assert pf.note is None


@pytest.mark.parametrize("kind", ["empty", "damaged"])
def test_an_odd_chunk_anywhere_near_the_split(tmp_path: Path, kind: str) -> None:
    """An empty or damaged chunk is no sample: the stream's next real chunk, whose timestamps
    are deduced from the sample before, keeps the file in one span wherever it falls."""
    spans_seen = set()
    for at in range(76, 86):
        path = _odd_chunk_file(tmp_path / f"{kind}-{at}.xdf", at, kind)
        reader = _assert_like_pyxdf(path) if kind == "empty" else _assert_like_one_pass(path)
        spans_seen.add(len(reader.fit_spans()))
    assert spans_seen == {1, 2}  # before the split it does not matter; at or after, one span
    _assert_prefetch_is_in_process(path)


def test_samples_beyond_a_pylsl67_footer_count(tmp_path: Path) -> None:
    """The amplifier stream stops early (all its samples before the split), its footer counts
    one sample less and its last clock offset is garbage: both readers drop the same sample."""
    path = tmp_path / "pylsl67.xdf"
    rng = np.random.default_rng(7)
    with XdfWriter(path, max_chunk_bytes=1 << 16) as w:
        d = w.add_stream("amp", "EEG", 4, FS, "float32", "amp-1")
        e = w.add_stream("aux", "AUX", 4, FS, "float32", "aux-1")
        for k in range(N_CHUNKS):
            t, x = _chunk(rng, k)
            if k < 30:
                w.write_samples(d, t, x)
            w.write_samples(e, t, x)
            if k % 8 == 0 and k < 30:
                w.write_clock_offset(d, 100.0 + k * 0.25, 0.001 + 1e-6 * k)
        w.write_clock_offset(d, 140.0, 5.0)  # pylsl#67: a garbage last offset …
        w._streams[d].count -= 1  # … and a footer count one short
    reader = _assert_like_pyxdf(path, stream=0)
    assert len(reader.fit_spans()) == 2
    assert reader.streams[0].sample_count == 30 * 250 - 1
    _assert_like_pyxdf(path, stream=1)
    _assert_prefetch_is_in_process(path)


def test_a_clock_reset_keeps_the_file_in_one_span(tmp_path: Path) -> None:
    """After a reset, which clock range a sample belongs to is decided from the start: such a
    stream is fitted in one pass, as pyxdf fits it."""
    path = tmp_path / "reset.xdf"
    rng = np.random.default_rng(7)
    with XdfWriter(path, max_chunk_bytes=1 << 16) as w:
        d = w.add_stream("amp", "EEG", 4, FS, "float32", "amp-1")
        for t0, n_chunks, offset in ((100.0, 40, 0.001), (50.0, 320, 2.0)):
            for k in range(n_chunks):
                t, x = _chunk(rng, k, t0)
                w.write_samples(d, t, x)
                if k % 8 == 0:
                    w.write_clock_offset(d, t0 + k * 0.25, offset + 1e-6 * k)
    reader = _assert_like_pyxdf(path)
    assert len(reader.fit_spans()) == 1
    _assert_prefetch_is_in_process(path)


def test_an_ordinary_file_is_split_and_matches_pyxdf(tmp_path: Path) -> None:
    path = _odd_chunk_file(tmp_path / "plain.xdf", at=-1, kind="empty")
    reader = _assert_like_pyxdf(path)
    assert len(reader.fit_spans()) == 2


def test_scan_hints_point_at_later_chunk_headers_and_never_change_what_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header scan asks the OS to fetch the pages where later Samples chunks' headers are
    guessed to be (one chunk length apart): with chunks of one size every guess lands on a real
    header (the last one on the footer's), and a platform where the hint fails reads the file
    just the same."""
    path = tmp_path / "big.xdf"
    rng = np.random.default_rng(3)
    with XdfWriter(path) as w:
        d = w.add_stream("amp", "EEG", 8, FS, "float32", "amp-1")
        for k in range(12):  # chunks of 2500 stamped 8-channel samples: ~100 KB each
            t = 100.0 + k * 2.5 + np.arange(2500) / FS
            w.write_samples(d, t, rng.normal(0, 10, (2500, 8)).astype(np.float32))
    headers = []  # where every chunk after the first two Samples chunks starts
    with open(path, "rb") as f:
        pos, size = 4, path.stat().st_size
        while pos < size:
            h = read_chunk_header(f, pos, size)
            headers.append((h.offset, h.tag))
            pos = h.end
    first = [at for at, tag in headers if tag == Tag.SAMPLES][1]
    later = [at for at, _ in headers if at > first]
    hints: list[tuple[int, int, int]] = []

    def refuse(fd: int, offset: int, length: int, advice: int) -> None:
        hints.append((offset, length, advice))
        raise OSError(22, "Invalid argument")

    with monkeypatch.context() as m:
        m.setattr(os, "posix_fadvise", refuse)
        hinted = XdfReader(path)
    assert hints, "the scan gave no hint"
    for offset, length, advice in hints:
        assert advice == os.POSIX_FADV_WILLNEED
        assert offset % 4096 == 0
        assert any(offset <= at < offset + length for at in later)
    got = list(hinted.iter_chunks(max_samples=4096))
    want = list(XdfReader(path).iter_chunks(max_samples=4096))
    assert len(got) == len(want)
    for (s1, t1, v1), (s2, t2, v2) in zip(got, want, strict=True):
        assert s1 == s2
        assert t1.tobytes() == t2.tobytes()
        assert np.asarray(v1).tobytes() == np.asarray(v2).tobytes()
