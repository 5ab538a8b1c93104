"""The XDF reader's fast paths give exactly what the plain ones give.

The dejitter pass reads timestamps only, numeric values can be decoded straight to float64 or
handed out as views of the file's bytes, and the jitter fitter skips work it does not need; none
of it may change a bit of a timestamp or a value. (Against pyxdf, ``test_xdf_reader`` checks.)
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ionm_tui.engine import Chunk, Engine, EngineSpec, FreeRunEmgSpec, StreamSpec
from ionm_tui.streams.xdf_format import decode_numeric, decode_numeric_timestamps
from ionm_tui.streams.xdf_reader import XdfReader
from ionm_tui.streams.xdf_timing import JitterFitter
from ionm_tui.streams.xdf_writer import XdfWriter


class ReferenceFitter(JitterFitter):
    """The fitter's ``add`` as first written (np.diff with prepend, a gap mask for every block,
    ``y.mean()``, a fresh arange): the fast one must produce the very same model."""

    def add(self, ts: np.ndarray) -> None:
        if len(ts) == 0:
            return
        if self._last is None:
            gaps = np.abs(np.diff(ts)) > self._threshold
            new = [0, *(np.flatnonzero(gaps) + 1).tolist()]
        else:
            gaps = np.abs(np.diff(ts, prepend=self._last)) > self._threshold
            new = np.flatnonzero(gaps).tolist()
        bounds = sorted({0, *new, len(ts)})
        starts = set(new)
        for lo, hi in itertools.pairwise(bounds):
            if lo in starts:
                self._segs.append([self._n + lo, self._n + lo, float(ts[lo]), 0, 0, 0, 0, 0])
            seg, first, part = self._segs[-1], self._n + lo, ts[lo:hi]
            nb = len(part)
            mx = first - seg[1] + (nb - 1) / 2
            sxx = nb * (nb * nb - 1) / 12
            y = part - seg[2]
            my = float(y.mean())
            sxy = float(np.dot(np.arange(nb) - (nb - 1) / 2, y - my))
            na = seg[3]
            n = na + nb
            dx, dy = mx - seg[4], my - seg[5]
            seg[3] = n
            seg[4] += dx * nb / n
            seg[5] += dy * nb / n
            seg[6] += sxx + dx * dx * na * nb / n
            seg[7] += sxy + dx * dy * na * nb / n
        self._n += len(ts)
        self._last = float(ts[-1])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_blocks=st.integers(1, 12))
def test_jitter_fitter_is_the_reference_bit_for_bit(seed: int, n_blocks: int) -> None:
    """Blocks of any length, jitter, gaps inside and between blocks, a clock going back."""
    rng = np.random.default_rng(seed)
    fast, ref = JitterFitter(0.001), ReferenceFitter(0.001)
    t = 100.0
    for _ in range(n_blocks):
        n = int(rng.integers(1, 700))
        ts = t + np.arange(n) * 0.001 + rng.normal(0.0, 1e-4, n)
        if rng.random() < 0.3:
            ts[int(rng.integers(n)) :] += float(rng.choice([2.5, -40.0]))
        if rng.random() < 0.3:
            ts += 3.0  # a gap before the block
        t = float(ts[-1]) + 0.001
        fast.add(ts)
        ref.add(ts)
    a, b = fast.finish(), ref.finish()
    for name in ("starts", "x_ref", "y_ref", "slopes"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert np.float64(a.effective_srate).tobytes() == np.float64(b.effective_srate).tobytes()


@given(seed=st.integers(0, 2**32 - 1), stamped=st.sampled_from(["all", "none", "mixed"]))
def test_timestamps_only_decoding_is_decode_numeric(seed: int, stamped: str) -> None:
    """The dejitter pass's decoder returns decode_numeric's timestamps, for stamped, deduced
    and mixed samples."""
    rng = np.random.default_rng(seed)
    n, dtype = int(rng.integers(1, 40)), np.dtype("<f4")
    parts = []
    for k in range(n):
        stamp = stamped == "all" or (stamped == "mixed" and k % 3 == 0)
        head = b"\x08" + np.float64(5.0 + k / 100).tobytes() if stamp else b"\x00"
        parts.append(head + rng.normal(size=3).astype(dtype).tobytes())
    buf = b"".join(parts)
    ts, values = decode_numeric(buf, n, dtype, 3, 4.99, 0.01, 0)
    only = decode_numeric_timestamps(buf, n, dtype, 3, 4.99, 0.01, 0)
    assert only.tobytes() == ts.tobytes()
    wide = decode_numeric(buf, n, dtype, 3, 4.99, 0.01, 0, np.dtype(np.float64))[1]
    assert wide.dtype == np.float64
    assert np.array_equal(wide, values.astype(np.float64))
    if stamped != "mixed":
        view = decode_numeric(buf, n, dtype, 3, 4.99, 0.01, 0, copy=False)[1]
        assert np.shares_memory(view, np.frombuffer(buf, dtype=np.uint8))
        assert view.tobytes() == values.tobytes()


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "case.xdf"
    rng = np.random.default_rng(5)
    with XdfWriter(path) as w:
        a = w.add_stream("eeg", "EEG", 4, 1000.0, "float32", "a")
        b = w.add_stream("mk", "Markers", 1, 0.0, "string", "m")
        t = 50.0
        for k in range(30):
            n = int(rng.integers(1, 600))
            ts = t + np.arange(n) / 1000.0 + rng.normal(0.0, 1e-4, n)
            t = float(ts[-1]) + 0.001 + (2.0 if k == 12 else 0.0)
            w.write_samples(a, ts if k % 5 else None, rng.normal(0.0, 30.0, (n, 4)))
            w.write_samples(b, [t], [f"S{k}"])
    return path


def test_values_as_float64_and_as_views_are_the_same_numbers(tmp_path: Path) -> None:
    """values_dtype=float64 converts exactly as astype would; zero_copy hands out read-only
    views with the very same values and timestamps."""
    reader = XdfReader(_file(tmp_path))
    for ms in (7, 4096):
        plain = list(reader.iter_chunks(max_samples=ms))
        wide = list(reader.iter_chunks(max_samples=ms, values_dtype=np.float64))
        views = list(reader.iter_chunks(max_samples=ms, zero_copy=True))
        assert len(plain) == len(wide) == len(views)
        for (s1, t1, v1), (s2, t2, v2), (s3, t3, v3) in zip(plain, wide, views, strict=True):
            assert s1 == s2 == s3
            assert t1.tobytes() == t2.tobytes() == t3.tobytes()
            if isinstance(v1, np.ndarray):
                assert v2.dtype == np.float64
                assert np.array_equal(v2, v1.astype(np.float64))
                assert v3.dtype == v1.dtype
                assert v3.tobytes() == v1.tobytes()
                assert not v3.flags.writeable
            else:
                assert v1 == v2 == v3


def test_engine_takes_float32_views_as_their_float64_values() -> None:
    """An engine fed float32 samples (strided views, as flat-out replay hands them) gives the
    same records as one fed their float64 copies — including continuous EMG, which computes on
    the samples directly, and a stim channel."""
    labels = ("A", "B", "STI")
    spec = EngineSpec(
        StreamSpec(labels, 1000.0, stim_channel="STI"), (FreeRunEmgSpec("emg", ("A",)),)
    )
    rng = np.random.default_rng(9)
    rec = np.zeros(6000, dtype=[("f", "u1"), ("v", "<f4", (3,))])
    rec["v"][:, :2] = rng.normal(0.0, 40.0, (6000, 2))
    rec["v"][::700, 2] = 3.0
    ts = 10.0 + np.arange(6000) / 1000.0
    out = []
    for as_views in (True, False):
        engine = Engine(spec)
        for i in range(0, 6000, 450):
            x = rec["v"][i : i + 450]
            engine.feed(Chunk(ts[i : i + 450], x if as_views else x.astype(np.float64)))
        out.append([repr(r) for r in engine.drain_records()] + [repr(engine.snapshot().quality)])
    assert out[0] == out[1]
    assert len(out[0]) > 5
