"""Reading a case in a second process gives exactly the blocks read in-process, whatever happens.

The prefetcher (``ionm_tui.streams.xdf_prefetch``) is a real child process here, with real
shared memory; it is killed, starved and fed damaged files. The in-process reader is the oracle:
same block boundaries, the same bits in every timestamp and value, the same error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ionm_tui.errors import StreamError
from ionm_tui.streams import xdf_prefetch
from ionm_tui.streams.xdf_format import Tag, read_chunk_header
from ionm_tui.streams.xdf_prefetch import PrefetchedBlocks, prefetch_available
from ionm_tui.streams.xdf_reader import Block, XdfReader
from ionm_tui.streams.xdf_timing import JitterFitter
from ionm_tui.streams.xdf_writer import XdfWriter

pytestmark = pytest.mark.skipif(not prefetch_available(), reason="needs Linux memfd_create")

FS = 1000.0


def _case(path: Path, *, seconds: int = 40, deduced_after: float | None = None) -> Path:
    """32 channels at 1 kHz with jittered chunk stamps, 3 Hz string markers, clock offsets."""
    rng = np.random.default_rng(7)
    with XdfWriter(path, max_chunk_bytes=1 << 16) as w:
        d = w.add_stream("amp", "EEG", 32, FS, "float32", "amp-1")
        m = w.add_stream("stim", "Markers", 1, 0.0, "string", "stim-1")
        for k in range(seconds * 4):  # 250 ms chunks, each stamped with up to 2 ms of jitter
            t = 100.0 + k * 0.25 + np.arange(250) / FS + rng.uniform(0, 0.002)
            x = rng.normal(0, 10, (250, 32)).astype(np.float32)
            deduce = deduced_after is not None and k * 0.25 >= deduced_after
            w.write_samples(d, None if deduce else t, x)
            w.write_samples(m, t[[0, 83, 166]], [f"MN_L {k}", "MN_R", "\x1b[2Jodd"])
            if k % 20 == 0:
                w.write_clock_offset(d, 100.0 + k * 0.25, 0.001 + 1e-6 * k)
                w.write_clock_offset(m, 100.0 + k * 0.25, 0.001 + 1e-6 * k)
    return path


def _in_process(path: Path, max_samples: int) -> list:
    reader = XdfReader(path)
    ids = [s.stream_id for s in reader.streams]
    return list(reader.iter_chunks(ids, max_samples, zero_copy=True))


def _prefetched(path: Path, max_samples: int) -> PrefetchedBlocks:
    pf = PrefetchedBlocks()
    reader = XdfReader(path)
    pf.start(reader, [s.stream_id for s in reader.streams], max_samples)
    return pf


def _assert_same(got: tuple, want: tuple) -> None:
    assert got[0] == want[0]
    np.testing.assert_array_equal(got[1], want[1], strict=True)
    if isinstance(want[2], np.ndarray):
        np.testing.assert_array_equal(got[2], want[2], strict=True)
    else:
        assert got[2] == want[2]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _case(tmp_path_factory.mktemp("prefetch") / "case.xdf")


@pytest.fixture
def small_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slots of 64 KiB, so a 40 s case cycles through the ring many times."""
    monkeypatch.setattr(xdf_prefetch, "MIN_SLOT_BYTES", 64 << 10)


@pytest.mark.parametrize("max_samples", [100, 1024, 8192])
def test_blocks_are_bit_identical_to_the_in_process_reader(
    case: Path, small_slots: None, max_samples: int
) -> None:
    """Every block — ids, timestamps, values, dtypes, marker strings — in the same order."""
    want = _in_process(case, max_samples)
    pf = _prefetched(case, max_samples)
    got = []
    for block in pf:
        got.append(block)
        _assert_same(block, want[len(got) - 1])  # compare before the slot can be reused
        pf.retire(pf.taken)
    assert len(got) == len(want)
    assert pf.note is None
    assert pf._proc is None  # the child said "end" and was reaped


def test_the_file_is_fitted_in_two_spans_by_two_processes(case: Path) -> None:
    """The case splits at a Samples chunk past its middle; the joined fit is the one the
    in-process reader makes (already compared above, bit for bit) and within rounding of a
    single sequential fit over the whole stream."""
    reader = XdfReader(case)
    spans = reader.fit_spans()
    assert len(spans) == 2
    assert spans[0].stop == spans[1].start >= reader.size // 2
    data_id = reader.streams[0].stream_id
    assert 0 < spans[1].first_index[data_id] < reader.streams[0].sample_count
    # One fitter fed every synchronised timestamp in order, no spans:
    ref = XdfReader(case, dejitter=False)
    whole = JitterFitter(1 / FS)
    for _, ts, _ in ref.iter_chunks([data_id], 4096):
        whole.add(ts)
    model = whole.finish()
    split = np.concatenate([ts for _, ts, _ in reader.iter_chunks([data_id], 4096)])
    seq = model(0, len(split))
    np.testing.assert_allclose(split, seq, rtol=0, atol=1e-9)


def test_a_deduced_timestamp_after_the_split_keeps_one_span(tmp_path: Path) -> None:
    """A sample without its own timestamp needs the one before it: such a file is not split,
    and both readers still agree."""
    path = _case(tmp_path / "deduced.xdf", seconds=12, deduced_after=5.0)
    assert len(XdfReader(path).fit_spans()) == 1
    want = _in_process(path, 1024)
    pf = _prefetched(path, 1024)
    for i, block in enumerate(pf):
        _assert_same(block, want[i])
        pf.retire(pf.taken)
    assert i + 1 == len(want)


def test_values_stay_valid_until_retired(case: Path, small_slots: None) -> None:
    """Values are read-only views, and a block not yet retired is never overwritten: each block
    is checked again as it leaves a window of the 6 newest, while the child reads ahead."""
    want = _in_process(case, 500)
    pf = _prefetched(case, 500)
    window: list[tuple[int, tuple]] = []
    for i, block in enumerate(pf):
        if isinstance(block[2], np.ndarray):
            assert not block[2].flags.writeable
        window.append((i, block))
        if len(window) > 6:
            j, old = window.pop(0)
            _assert_same(old, want[j])
            pf.retire(j + 1)
    for j, old in window:
        _assert_same(old, want[j])
    assert len(want) == i + 1


def test_forgetting_to_retire_raises_instead_of_hanging(
    case: Path, small_slots: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xdf_prefetch, "N_SLOTS", 3)
    pf = _prefetched(case, 500)
    with pytest.raises(RuntimeError, match="retire"):
        for _ in pf:
            pass
    pf.close()


def test_a_killed_reader_process_loses_nothing(case: Path, small_slots: None) -> None:
    """The child dies mid-file: reading goes on in this process from the next block, with a
    note saying why; the consumer sees every block once, unchanged."""
    want = _in_process(case, 500)
    pf = _prefetched(case, 500)
    got = []
    for block in pf:
        got.append((block[0], block[1], np.array(block[2]) if block[0] == 1 else block[2]))
        pf.retire(pf.taken)
        if len(got) == 40:
            assert pf._proc is not None
            pf._proc.kill()
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        _assert_same(g, w)
    assert pf.note is not None
    assert "reader process stopped unexpectedly (with exit code -9)" in pf.note
    assert f"{case.name} was read by this process instead" in pf.note


def test_a_child_that_cannot_start_falls_back(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xdf_prefetch.sys, "executable", "/nonexistent/python")
    want = _in_process(case, 1024)
    pf = _prefetched(case, 1024)
    got = list(pf)
    assert len(got) == len(want)
    assert pf.note is not None
    assert "could not start" in pf.note


def _damage_a_late_sample_flag(path: Path) -> None:
    """Turn the timestamp flag of one sample (in a data chunk near the end) into 7: the scan's
    size check passes, decoding that chunk fails."""
    data = bytearray(path.read_bytes())
    offsets, pos = [], 4
    with open(path, "rb") as f:
        while pos < len(data):
            head = read_chunk_header(f, pos, len(data))
            if head.tag == Tag.SAMPLES and head.stream_id == 1:
                offsets.append(head)
            pos = head.end
    head = offsets[-5]
    n_len = data[head.body_start]  # the varlen's own length byte (1, 4 or 8)
    first_sample = head.body_start + 1 + n_len
    stride = 9 + 32 * 4
    assert data[first_sample + 3 * stride] == 8
    data[first_sample + 3 * stride] = 7
    path.write_bytes(bytes(data))


def test_a_damaged_chunk_raises_the_in_process_error_after_the_same_blocks(tmp_path: Path) -> None:
    path = _case(tmp_path / "damaged.xdf", seconds=10)
    _damage_a_late_sample_flag(path)

    def run(blocks: Iterator[Block]) -> tuple[int, str]:
        n = 0
        try:
            for _ in blocks:
                n += 1
                if isinstance(blocks, PrefetchedBlocks):
                    blocks.retire(blocks.taken)
        except StreamError as exc:
            return n, str(exc)
        raise AssertionError("no StreamError")

    reader = XdfReader(path, dejitter=False)
    ids = [s.stream_id for s in reader.streams]
    # With dejitter on, the fitting pass meets the damage before any block comes out.
    for dejitter in (True, False):
        want = run(XdfReader(path, dejitter=dejitter).iter_chunks(ids, 500, zero_copy=True))
        pf = PrefetchedBlocks()
        pf.start(XdfReader(path, dejitter=dejitter), ids, 500)
        assert run(pf) == want
        assert "damaged" in want[1]
        pf.close()


def test_close_stops_the_child_and_frees_its_memory(case: Path) -> None:
    pf = _prefetched(case, 1024)
    next(pf)
    proc = pf._proc
    assert proc is not None
    assert proc.poll() is None
    pf.close()
    assert proc.returncode is not None
    assert pf._fd == -1
    pf.close()  # twice is fine


def test_jitter_fits_join_exactly_like_sequential_adds() -> None:
    """Two spans joined == one fitter given both, to rounding; a break at the join stays a
    break; an empty span changes nothing; spans out of order are refused."""
    rng = np.random.default_rng(3)
    ts = 10 + np.arange(20_000) / FS + rng.normal(0, 2e-4, 20_000)
    ts[15_000:] += 5.0  # a 5 s break inside the second span
    for cut in (7_000, 15_000):  # the second: the break falls exactly on the join
        seq = JitterFitter(1 / FS)
        seq.add(ts[:cut])
        seq.add(ts[cut:])
        a, b = JitterFitter(1 / FS), JitterFitter(1 / FS, cut)
        a.add(ts[:cut])
        b.add(ts[cut:])
        a.extend(JitterFitter(1 / FS, cut))  # nothing in it
        a.extend(b)
        m1, m2 = seq.finish(), a.finish()
        np.testing.assert_array_equal(m1.starts, m2.starts)
        assert list(m1.starts) == [0, 15_000]
        np.testing.assert_allclose(m2.slopes, m1.slopes, rtol=1e-12)
        np.testing.assert_allclose(m2(0, 20_000), m1(0, 20_000), rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="starts at sample"):
        JitterFitter(1 / FS).extend(JitterFitter(1 / FS, 5))


def test_integer_samples_come_as_float64_like_in_process(tmp_path: Path) -> None:
    """An int16 amplifier stream, converted to float64 by the reader process (as the replay
    asks for it flat out): the same values and timestamps as converting in-process."""
    rng = np.random.default_rng(5)
    path = tmp_path / "int16.xdf"
    with XdfWriter(path, max_chunk_bytes=1 << 14) as w:
        d = w.add_stream("amp", "EEG", 8, FS, "int16", "amp-int")
        for k in range(60):
            t = 10.0 + k * 0.25 + np.arange(250) / FS
            w.write_samples(d, t, rng.integers(-3000, 3000, (250, 8), dtype=np.int16))
    reader = XdfReader(path)
    want = list(reader.iter_chunks([1], 700, values_dtype=np.float64))
    pf = PrefetchedBlocks()
    pf.start(XdfReader(path), [1], 700, values_dtype=np.float64, zero_copy=False)
    got = 0
    for block in pf:
        _assert_same(block, want[got])
        assert block[2].dtype == np.float64
        got += 1
        pf.retire(got)
    assert got == len(want)
    assert pf.note is None


def test_closing_early_then_reading_on_is_quietly_in_process(case: Path) -> None:
    """close() mid-file (a seek, the console quitting) is no failure: iterating on continues
    in-process from the next block, and no note is made."""
    want = _in_process(case, 1024)
    pf = _prefetched(case, 1024)
    first = [next(pf) for _ in range(5)]
    first = [(s, t, np.array(v) if isinstance(v, np.ndarray) else v) for s, t, v in first]
    pf.close()
    rest = list(pf)
    for got, exp in zip(first + rest, want, strict=True):
        _assert_same(got, exp)
    assert pf.note is None


def test_blocks_too_large_for_the_ring_are_read_in_process(case: Path) -> None:
    """Slots stay ≤ MAX_SLOT_BYTES (the ring ≤ 16 of them): larger blocks are read here."""
    n = xdf_prefetch.MAX_SLOT_BYTES // (32 * 4) + 1
    want = _in_process(case, n)
    pf = _prefetched(case, n)
    assert pf._proc is None  # stopped before it was given a job
    got = list(pf)
    assert len(got) == len(want)
    assert pf.note is None


def test_a_profile_that_does_not_fit_stops_the_reader_process(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """open_replay fails after the replay source started its child: the child is stopped."""
    from ionm_tui.errors import IonmError
    from ionm_tui.profile import load
    from ionm_tui.session.case import open_replay
    from ionm_tui.streams import xdf_replay

    monkeypatch.setattr(xdf_replay, "PREFETCH_MIN_BYTES", 0)
    closed: list[PrefetchedBlocks] = []
    real_close = PrefetchedBlocks.close

    def close(self: PrefetchedBlocks) -> None:
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(PrefetchedBlocks, "close", close)
    profile = tmp_path / "misfit.toml"
    profile.write_text(
        '[profile]\nid = "misfit"\nname = "misfit"\nmains_hz = 50\n'
        '[streams]\ndata = { name = "amp" }\n'
        '[[test]]\nid = "eeg"\nmodality = "eeg"\nchannels = ["NoSuchChannel"]\n'
    )
    with pytest.raises(IonmError, match="NoSuchChannel"):
        open_replay(case, load(profile), speed=None)
    assert closed
    assert closed[0]._proc is None
