"""Averager: block, moving and EWMA means, the ± average, single-point variance, effective n."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ionm_tui.engine.averaging import AverageEstimate, Averager, pm_sign, pm_signs
from ionm_tui.engine.specs import AveragingSpec

N_TIMES, N_CH, SP = 16, 2, 9


def _sweeps(n: int, seed: int = 0) -> np.ndarray:
    """n random sweeps (n, N_TIMES, N_CH) around a fixed response, µV."""
    rng = np.random.default_rng(seed)
    response = np.sin(np.linspace(0.0, 3.0, N_TIMES))[:, np.newaxis] * [5.0, -2.0]
    return response + rng.normal(0.0, 3.0, (n, N_TIMES, N_CH))


def _feed(avg: Averager, sweeps: np.ndarray) -> list[tuple[int, AverageEstimate]]:
    """Add every sweep; return (number of sweeps added so far, update) for each update."""
    out = []
    for i, s in enumerate(sweeps, start=1):
        est = avg.add(s)
        if est is not None:
            out.append((i, est))
    return out


def _averager(mode: str, n: int, update_every: int | None = None) -> Averager:
    return Averager(AveragingSpec(mode, n, update_every), N_TIMES, N_CH, SP)  # type: ignore[arg-type]


def _explicit_pm(block: np.ndarray) -> np.ndarray:
    """The documented ± average: paired signs, newest left out when odd, √(n_even/n) scale."""
    n = block.shape[0]
    n_even = n - n % 2
    signs = pm_signs(n_even)
    return np.einsum("i,ijk->jk", signs, block[:n_even]) / n_even * np.sqrt(n_even / n)


class TestBlock:
    def test_update_every_n_and_starts_anew(self) -> None:
        """Block mode updates exactly every N sweeps, each the plain mean of its own block."""
        sweeps = _sweeps(23)
        updates = _feed(_averager("block", 7), sweeps)
        assert [i for i, _ in updates] == [7, 14, 21]
        for k, (_, est) in enumerate(updates):
            block = sweeps[7 * k : 7 * (k + 1)]
            assert_allclose(est.mean_uv, block.mean(axis=0), rtol=1e-12, atol=1e-12)
            assert est.sweeps == 7.0

    def test_estimate_mid_block(self) -> None:
        """Between updates estimate() is the mean of the block so far and in_progress counts it."""
        sweeps = _sweeps(10)
        avg = _averager("block", 7)
        _feed(avg, sweeps)
        assert avg.in_progress == 3
        assert avg.accepted == 10
        est = avg.estimate()
        assert est is not None
        assert_allclose(est.mean_uv, sweeps[7:].mean(axis=0), rtol=1e-12, atol=1e-12)

    def test_estimate_empty_block(self) -> None:
        """estimate() is None when the block is empty."""
        avg = _averager("block", 3)
        assert avg.estimate() is None
        _feed(avg, _sweeps(3))
        assert avg.estimate() is None

    @pytest.mark.parametrize("n", [6, 7])
    def test_pm_matches_documented_formula(self, n: int) -> None:
        """The block ± average is the alternating sum with the documented odd-count rule."""
        sweeps = _sweeps(n, seed=1)
        [(_, est)] = _feed(_averager("block", n), sweeps)
        assert_allclose(est.pm_uv, _explicit_pm(sweeps), rtol=1e-12, atol=1e-12)

    def test_sp_var_is_sample_variance(self) -> None:
        """sp_var equals np.var(ddof=1) across the block's sweeps at the single point."""
        sweeps = _sweeps(9, seed=2)
        [(_, est)] = _feed(_averager("block", 9), sweeps)
        assert_allclose(est.sp_var_uv2, sweeps[:, SP, :].var(axis=0, ddof=1), rtol=1e-10, atol=0)

    def test_single_sweep_block(self) -> None:
        """N = 1: every sweep is an update; its ± average and variance are undefined (NaN), so no
        noise estimate can pass for a perfect one."""
        sweeps = _sweeps(3)
        updates = _feed(_averager("block", 1), sweeps)
        assert [i for i, _ in updates] == [1, 2, 3]
        _, est = updates[-1]
        assert_allclose(est.mean_uv, sweeps[2], rtol=0, atol=0)
        assert np.isnan(est.pm_uv).all()
        assert np.isnan(est.sp_var_uv2).all()

    def test_reset(self) -> None:
        """reset() forgets the block so far."""
        sweeps = _sweeps(8)
        avg = _averager("block", 4)
        _feed(avg, sweeps[:3])
        avg.reset()
        assert (avg.accepted, avg.in_progress) == (0, 0)
        [(_, est)] = _feed(avg, sweeps[3:7])
        assert_allclose(est.mean_uv, sweeps[3:7].mean(axis=0), rtol=1e-12, atol=1e-12)


class TestMoving:
    def test_updates_begin_at_n_then_every_update_every(self) -> None:
        """Moving mode updates first at N, then every update_every accepted sweeps."""
        updates = _feed(_averager("moving", 8, update_every=3), _sweeps(20))
        assert [i for i, _ in updates] == [8, 11, 14, 17, 20]

    def test_default_update_every_is_quarter(self) -> None:
        """update_every defaults to N/4 (at least 1)."""
        updates = _feed(_averager("moving", 8), _sweeps(14))
        assert [i for i, _ in updates] == [8, 10, 12, 14]
        assert [i for i, _ in _feed(_averager("moving", 3), _sweeps(5))] == [3, 4, 5]

    def test_mean_of_last_n(self) -> None:
        """Each moving update is the plain mean of the last N sweeps."""
        sweeps = _sweeps(20, seed=4)
        for i, est in _feed(_averager("moving", 8, update_every=3), sweeps):
            assert_allclose(est.mean_uv, sweeps[i - 8 : i].mean(axis=0), rtol=1e-12, atol=1e-12)
            assert est.sweeps == 8.0

    @pytest.mark.parametrize("n", [6, 7])
    def test_pm_over_window(self, n: int) -> None:
        """The moving ± average signs the window's sweeps from the oldest one on."""
        sweeps = _sweeps(n + 5, seed=5)
        for i, est in _feed(_averager("moving", n, update_every=2), sweeps):
            assert_allclose(est.pm_uv, _explicit_pm(sweeps[i - n : i]), rtol=1e-12, atol=1e-12)

    def test_sp_var_is_sample_variance(self) -> None:
        """sp_var equals np.var(ddof=1) over the window at the single point."""
        sweeps = _sweeps(13, seed=6)
        for i, est in _feed(_averager("moving", 5, update_every=4), sweeps):
            expected = sweeps[i - 5 : i, SP, :].var(axis=0, ddof=1)
            assert_allclose(est.sp_var_uv2, expected, rtol=1e-12, atol=0)

    def test_in_progress(self) -> None:
        """in_progress counts to N, then the sweeps since the last update."""
        avg = _averager("moving", 4, update_every=3)
        counts = []
        for s in _sweeps(9):
            avg.add(s)
            counts.append(avg.in_progress)
        assert counts == [1, 2, 3, 0, 1, 2, 0, 1, 2]


class TestEwma:
    @staticmethod
    def _weights(n_sweeps: int, n: int) -> np.ndarray:
        """Weight of sweep i after n_sweeps: (1 − α)^(n_sweeps − 1 − i), α = 2/(N+1)."""
        lam = 1.0 - 2.0 / (n + 1.0)
        return lam ** np.arange(n_sweeps - 1, -1, -1, dtype=np.float64)

    def test_mean_is_bias_corrected_weighted_mean(self) -> None:
        """Each EWMA update equals Σw·x/Σw with w = (1 − α)^age and α = 2/(N+1)."""
        sweeps = _sweeps(30, seed=7)
        updates = _feed(_averager("ewma", 10, update_every=5), sweeps)
        assert [i for i, _ in updates] == [10, 15, 20, 25, 30]
        for i, est in updates:
            w = self._weights(i, 10)
            expected = np.einsum("i,ijk->jk", w, sweeps[:i]) / w.sum()
            assert_allclose(est.mean_uv, expected, rtol=1e-12, atol=1e-12)

    def test_kish_effective_n(self) -> None:
        """sweeps is Kish's effective number (Σw)²/Σw², approaching N after many sweeps."""
        sweeps = _sweeps(200, seed=8)
        updates = _feed(_averager("ewma", 10, update_every=10), sweeps)
        for i, est in updates:
            w = self._weights(i, 10)
            assert est.sweeps == pytest.approx(w.sum() ** 2 / (w * w).sum(), rel=1e-12)
        assert updates[-1][1].sweeps == pytest.approx(10.0, rel=1e-9)
        assert updates[0][1].sweeps < 10.0

    def test_pm_alternates_under_weights(self) -> None:
        """The EWMA ± average is Σ s_i·w·x/Σw, signs counted from the first sweep."""
        sweeps = _sweeps(17, seed=9)
        for i, est in _feed(_averager("ewma", 6, update_every=2), sweeps):
            w = self._weights(i, 6) * pm_signs(i)
            expected = np.einsum("i,ijk->jk", w, sweeps[:i]) / np.abs(w).sum()
            assert_allclose(est.pm_uv, expected, rtol=1e-12, atol=1e-12)

    def test_pm_leak_of_constant_response(self) -> None:
        """A constant response leaks into the EWMA ± average by Σ s·w/Σw of itself, which is at
        most what plain alternation leaks, (1 − λ)/(1 + λ) = 1/N."""
        x = np.full((N_TIMES, N_CH), 4.0)
        avg = _averager("ewma", 9, update_every=1)
        est = None
        for _ in range(400):
            est = avg.add(x)
        assert est is not None
        w = self._weights(400, 9)
        leak = abs(float((w * pm_signs(400)).sum() / w.sum()))
        assert_allclose(np.abs(est.pm_uv), 4.0 * leak, rtol=1e-9, atol=1e-12)
        assert leak <= 1.0 / 9.0 + 1e-12

    def test_half_cycle_interference_does_not_accumulate(self) -> None:
        """Hum whose phase flips every sweep cancels in the average and stays at noise level in
        the ± average (plain alternation would add it up coherently)."""
        n = 400
        hum = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, None, None] * np.full(
            (n, N_TIMES, N_CH), 6.0
        )
        for mode in ("block", "moving"):
            est = _feed(_averager(mode, n), hum)[-1][1]
            assert_allclose(est.mean_uv, 0.0, atol=1e-9)
            # Random pair orientation: a ±1 random walk of n/2 pairs, ~6·2·√(n/2)/n ≈ 0.85 µV;
            # alternation would give the full 6 µV.
            assert np.abs(est.pm_uv).max() < 2.0

    def test_sp_var_is_weighted_unbiased_variance(self) -> None:
        """sp_var is Σw(x − μ)²/(V1 − V2/V1), the reliability-weighted sample variance."""
        sweeps = _sweeps(25, seed=10)
        for i, est in _feed(_averager("ewma", 8, update_every=4), sweeps):
            w = self._weights(i, 8)
            v = sweeps[:i, SP, :]
            mu = (w[:, np.newaxis] * v).sum(axis=0) / w.sum()
            v1, v2 = w.sum(), (w * w).sum()
            expected = (w[:, np.newaxis] * (v - mu) ** 2).sum(axis=0) / (v1 - v2 / v1)
            assert_allclose(est.sp_var_uv2, expected, rtol=1e-9, atol=1e-12)

    def test_n_of_one_is_last_sweep(self) -> None:
        """EWMA with N = 1 (α = 1) is the newest sweep, with undefined variance."""
        sweeps = _sweeps(4)
        updates = _feed(_averager("ewma", 1), sweeps)
        assert [i for i, _ in updates] == [1, 2, 3, 4]
        est = updates[-1][1]
        assert_allclose(est.mean_uv, sweeps[-1], rtol=0, atol=1e-15)
        assert est.sweeps == 1.0
        assert np.isnan(est.sp_var_uv2).all()

    def test_estimate_before_any_sweep(self) -> None:
        """estimate() is None before the first sweep and after a reset."""
        avg = _averager("ewma", 5)
        assert avg.estimate() is None
        avg.add(_sweeps(1)[0])
        assert avg.estimate() is not None
        avg.reset()
        assert avg.estimate() is None


class TestAllModes:
    @pytest.mark.parametrize("mode", ["block", "moving", "ewma"])
    @pytest.mark.parametrize("n", [1, 4, 5])
    def test_copies_of_one_sweep(self, mode: str, n: int) -> None:
        """Averaging N copies of one sweep returns that sweep."""
        x = _sweeps(1, seed=11)[0]
        updates = _feed(_averager(mode, n), np.stack([x] * n))
        assert len(updates) == 1
        assert_allclose(updates[0][1].mean_uv, x, rtol=1e-12, atol=1e-12)

    @pytest.mark.parametrize("mode", ["block", "moving"])
    @pytest.mark.parametrize("n", [2, 3, 8, 9])
    def test_pm_cancels_constant_response(self, mode: str, n: int) -> None:
        """The ± average of a constant response is zero for even and odd counts."""
        x = _sweeps(1, seed=12)[0] * 10.0
        updates = _feed(_averager(mode, n, update_every=1), np.stack([x] * (n + 3)))
        assert updates
        for _, est in updates:
            assert_allclose(est.pm_uv, 0.0, rtol=0, atol=1e-12)

    @pytest.mark.parametrize("mode", ["block", "moving"])
    def test_pm_noise_scale_for_odd_count(self, mode: str) -> None:
        """For odd n the ± average of white noise has the RMS of an n-sweep average."""
        rng = np.random.default_rng(13)
        n, sigma = 11, 2.0
        noise = rng.normal(0.0, sigma, (n, 4000, 1))
        avg = Averager(AveragingSpec(mode, n), 4000, 1, 0)  # type: ignore[arg-type]
        [(_, est)] = _feed(avg, noise)
        rms = float(np.sqrt(np.mean(est.pm_uv**2)))
        assert rms == pytest.approx(sigma / np.sqrt(n), rel=0.05)

    @pytest.mark.parametrize("mode", ["block", "moving", "ewma"])
    def test_estimate_arrays_read_only(self, mode: str) -> None:
        """The arrays of an estimate are read-only."""
        [(_, est)] = _feed(_averager(mode, 3), _sweeps(3))
        for arr in (est.mean_uv, est.pm_uv, est.sp_var_uv2):
            assert not arr.flags.writeable

    @pytest.mark.parametrize("mode", ["block", "moving", "ewma"])
    def test_estimate_not_changed_by_later_sweeps(self, mode: str) -> None:
        """An update handed out is not changed by sweeps added after it."""
        sweeps = _sweeps(8, seed=14)
        avg = _averager(mode, 4, update_every=4)
        [(_, est)] = _feed(avg, sweeps[:4])
        before = est.mean_uv.copy()
        _feed(avg, sweeps[4:])
        assert_allclose(est.mean_uv, before, rtol=0, atol=0)


def test_pm_sign_is_pm_signs_for_every_sweep_of_a_long_case() -> None:
    """pm_sign(k) is pm_signs' k-th sign far past the precomputed period too (an EWMA test
    counts its sweeps for the whole case: ~70 000 in 8 hours at 4.7 Hz over two limbs)."""
    n = 70_000
    signs = pm_signs(n)
    picks = np.r_[0:20, 8180:8210, 16380:16400, n - 20 : n]
    assert [pm_sign(int(k)) for k in picks] == signs[picks].tolist()
    assert all(pm_sign(k) == signs[k] for k in range(0, n, 7))
