"""SampleRing: in-place wrap-around writes, cuts across the wrap, time search, oldest/total."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from ionm_tui.engine.ring import SampleRing


def _block(start: int, n: int, n_ch: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Samples start…start+n−1: timestamp = index/10 s, channel c = 100·c + index."""
    idx = np.arange(start, start + n, dtype=np.float64)
    samples = idx[:, np.newaxis] + 100.0 * np.arange(n_ch)[np.newaxis, :]
    return idx / 10.0, samples


def _filled(capacity: int, total: int, step: int) -> SampleRing:
    """A ring that has received ``total`` samples of ``_block`` in writes of ``step``."""
    ring = SampleRing(capacity, 2)
    for s in range(0, total, step):
        ring.write(*_block(s, min(step, total - s)))
    return ring


class TestCounters:
    def test_empty_ring(self) -> None:
        """A new ring holds nothing: total 0, oldest 0, newest timestamp −inf."""
        ring = SampleRing(8, 3)
        assert ring.total == 0
        assert ring.oldest == 0
        assert ring.newest_timestamp == -np.inf

    def test_oldest_before_and_after_wrap(self) -> None:
        """oldest stays 0 until the ring is full, then trails total by the capacity."""
        ring = SampleRing(8, 2)
        ring.write(*_block(0, 5))
        assert (ring.total, ring.oldest) == (5, 0)
        ring.write(*_block(5, 3))
        assert (ring.total, ring.oldest) == (8, 0)
        ring.write(*_block(8, 6))
        assert (ring.total, ring.oldest) == (14, 6)
        assert ring.newest_timestamp == pytest.approx(1.3, abs=1e-12)

    def test_capacity_below_two_rejected(self) -> None:
        """A ring must hold at least two samples."""
        with pytest.raises(ValueError, match="capacity"):
            SampleRing(1, 2)

    def test_write_longer_than_capacity_rejected(self) -> None:
        """One write may not exceed the capacity."""
        ring = SampleRing(4, 2)
        with pytest.raises(ValueError, match="capacity 4"):
            ring.write(*_block(0, 5))


class TestWrapAround:
    @pytest.mark.parametrize("step", [1, 3, 7, 10])
    def test_held_samples_match_absolute_index(self, step: int) -> None:
        """After many wrapping writes every held sample is addressed by its absolute index."""
        ring = _filled(10, 47, step)
        assert ring.oldest == 37
        ts, x = ring.cut(37, 46, np.array([0, 1], dtype=np.intp))
        exp_ts, exp_x = _block(37, 10)
        assert_array_equal(ts, exp_ts)
        assert_array_equal(x, exp_x)

    def test_single_write_that_wraps(self) -> None:
        """A write starting near the end of the storage continues at its start."""
        ring = SampleRing(6, 2)
        ring.write(*_block(0, 4))
        ring.write(*_block(4, 5))  # positions 4, 5, then 0, 1, 2
        for i in range(3, 9):
            assert ring.timestamp(i) == pytest.approx(i / 10.0, abs=1e-12)

    def test_write_of_exactly_capacity(self) -> None:
        """A write of exactly the capacity replaces every sample."""
        ring = SampleRing(5, 2)
        ring.write(*_block(0, 3))
        ring.write(*_block(3, 5))
        ts, x = ring.cut(3, 7, np.array([1], dtype=np.intp))
        assert_array_equal(ts, _block(3, 5)[0])
        assert_array_equal(x[:, 0], 100.0 + np.arange(3, 8))


class TestCut:
    def test_cut_across_wrap_selects_columns(self) -> None:
        """A cut that spans the physical end of the storage is contiguous in absolute index."""
        ring = _filled(8, 13, 4)  # held 5…12, stored at positions 5,6,7,0,…,4
        ts, x = ring.cut(6, 10, np.array([1], dtype=np.intp))
        assert_array_equal(ts, np.arange(6, 11) / 10.0)
        assert_array_equal(x, (100.0 + np.arange(6, 11))[:, np.newaxis])

    def test_cut_returns_fresh_arrays(self) -> None:
        """Changing a cut never changes the ring, with or without a wrap."""
        ring = _filled(8, 13, 4)
        cols = np.array([0, 1], dtype=np.intp)
        for start, stop in ((9, 11), (6, 10)):
            ts, x = ring.cut(start, stop, cols)
            ts[:] = -1.0
            x[:] = -1.0
            ts2, x2 = ring.cut(start, stop, cols)
            assert_array_equal(ts2, np.arange(start, stop + 1) / 10.0)
            assert_array_equal(x2[:, 0], np.arange(start, stop + 1, dtype=np.float64))

    def test_cut_of_whole_ring(self) -> None:
        """A cut of all capacity samples works whatever the write position."""
        ring = _filled(8, 11, 5)
        ts, x = ring.cut(3, 10, np.array([0], dtype=np.intp))
        assert_array_equal(ts, np.arange(3, 11) / 10.0)
        assert_array_equal(x[:, 0], np.arange(3, 11, dtype=np.float64))


class TestFirstAtOrAfter:
    def test_without_wrap(self) -> None:
        """Before the ring wraps the search is a plain left-sided searchsorted."""
        ring = _filled(10, 6, 6)
        assert ring.first_at_or_after(0.25, 0) == 3
        assert ring.first_at_or_after(0.3, 0) == 3
        assert ring.first_at_or_after(-5.0, 0) == 0
        assert ring.first_at_or_after(0.3, 4) == 4

    @pytest.mark.parametrize(
        ("t", "expected"),
        [
            (0.0, 5),  # before the oldest held sample: the oldest
            (0.55, 6),  # in the part stored at the end of the storage
            (0.7, 7),  # exactly the last stored position
            (0.75, 8),  # first of the part stored at the start
            (1.2, 12),  # the newest
            (1.25, 13),  # after the newest: total
        ],
    )
    def test_across_wrap(self, t: float, expected: int) -> None:
        """After the ring wraps the search crosses from the end of the storage to its start."""
        ring = _filled(8, 13, 4)  # held 5…12; positions 5,6,7 hold 5,6,7; 0…4 hold 8…12
        assert ring.first_at_or_after(t, 0) == expected

    def test_lower_bound_past_the_wrap(self) -> None:
        """A lower bound in the part stored at the start of the storage is respected."""
        ring = _filled(8, 13, 4)
        assert ring.first_at_or_after(0.0, 9) == 9
        assert ring.first_at_or_after(1.05, 9) == 11

    def test_lower_bound_at_total(self) -> None:
        """A lower bound at or past total finds nothing: total is returned."""
        ring = _filled(8, 13, 4)
        assert ring.first_at_or_after(0.0, 13) == 13


class TestSampleDtypes:
    """A float32 stream is kept as float32 and cut as float64; anything else is kept as float64.
    Either way every cut is float64 with the values and memory layout of a float64 ring."""

    @staticmethod
    def _rings(dtypes: list[type]) -> tuple[SampleRing, SampleRing]:
        """(a ring written in ``dtypes`` block by block, one written the same values as float64)."""
        rng = np.random.default_rng(5)
        mixed, reference = SampleRing(40, 4), SampleRing(40, 4)
        total = 0
        for dt in dtypes:
            ts = np.arange(total, total + 13) / 10.0
            x = (rng.normal(0, 50, (13, 4)) * (1000 if dt is np.int16 else 1)).astype(dt)
            mixed.write(ts, x)
            reference.write(ts, x.astype(np.float64))
            total += 13
        return mixed, reference

    @pytest.mark.parametrize(
        "dtypes",
        [
            [np.float32] * 5,
            [np.float32, np.float32, np.float64, np.float32, np.float32],
            [np.int16] * 4,
            [np.float64, np.float32, np.float32],
        ],
    )
    def test_cuts_are_float64_and_the_same_as_from_a_float64_ring(self, dtypes: list[type]) -> None:
        mixed, reference = self._rings(dtypes)
        starts = [mixed.oldest, mixed.total - 20, mixed.total - 35]  # one wraps around
        for columns in (slice(1, 4), np.array([3, 0, 2], dtype=np.intp)):
            got = mixed.cut_rows(starts, 12, columns)
            want = reference.cut_rows(starts, 12, columns)
            assert got.dtype == np.float64
            assert got.flags.c_contiguous
            assert got.tobytes() == want.tobytes()
            for order in ("F", "C"):
                for s in starts:
                    ts1, a = mixed.cut(s, s + 11, columns, order)  # type: ignore[arg-type]
                    ts2, b = reference.cut(s, s + 11, columns, order)  # type: ignore[arg-type]
                    assert a.dtype == np.float64
                    assert a.flags.f_contiguous == b.flags.f_contiguous
                    assert a.flags.c_contiguous == b.flags.c_contiguous
                    assert a.tobytes(order="A") == b.tobytes(order="A")
                    assert ts1.tobytes() == ts2.tobytes()
