"""Measurements on an average: peak search, amplitude, SNR, Fsp and the zero-phase band-pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ionm_tui.engine.measures import Measurer, design_bandpass, find_peak, zero_phase
from ionm_tui.engine.specs import PeakSpec, TestSpec

FS = 5000.0
TIMES_MS = np.arange(-50, 501) * 1000.0 / FS  # -10 … 100 ms in 0.2 ms steps
DT_MS = 1000.0 / FS


def _gauss(center_ms: float, sigma_ms: float, amp: float) -> np.ndarray:
    return amp * np.exp(-0.5 * ((TIMES_MS - center_ms) / sigma_ms) ** 2)


def _test_spec(**kw: object) -> TestSpec:
    base: dict[str, object] = {
        "id": "t",
        "marker": "S",
        "channels": ("A", "B"),
        "window_ms": (-10.0, 100.0),
    }
    base.update(kw)
    return TestSpec(**base)  # type: ignore[arg-type]


class TestFindPeak:
    @pytest.mark.parametrize("center_ms", [20.0, 20.07, 20.1, 20.13, 37.31])
    def test_subsample_latency_and_amplitude(self, center_ms: float) -> None:
        """A Gaussian peak between samples is found within 2 % of a sample and 0.1 % amplitude."""
        y = _gauss(center_ms, 2.0, 5.0)
        pk = find_peak(y, TIMES_MS, PeakSpec("P", 1, (10.0, 50.0)), "A")
        assert pk.latency_ms == pytest.approx(center_ms, abs=0.02 * DT_MS)
        assert pk.amplitude_uv == pytest.approx(5.0, rel=1e-3)
        assert not pk.at_edge
        assert (pk.name, pk.channel) == ("P", "A")

    def test_exact_parabola(self) -> None:
        """On a sampled parabola the interpolation is exact."""
        y = 7.0 - 0.3 * (TIMES_MS - 31.23) ** 2
        pk = find_peak(y, TIMES_MS, PeakSpec("P", 1, (25.0, 35.0)), "A")
        assert pk.latency_ms == pytest.approx(31.23, abs=1e-9)
        assert pk.amplitude_uv == pytest.approx(7.0, abs=1e-9)

    def test_negative_peak(self) -> None:
        """sign = −1 finds the minimum and reports its signed (negative) amplitude."""
        y = _gauss(20.05, 1.5, -3.0) + _gauss(30.0, 2.0, 4.0)
        pk = find_peak(y, TIMES_MS, PeakSpec("N20", -1, (14.0, 26.0)), "A")
        assert pk.latency_ms == pytest.approx(20.05, abs=0.02 * DT_MS)
        assert pk.amplitude_uv == pytest.approx(-3.0, rel=1e-3)
        assert not pk.at_edge

    def test_sign_selects_between_peaks(self) -> None:
        """In the same search window the sign chooses the maximum or the minimum."""
        y = _gauss(20.0, 1.5, -3.0) + _gauss(30.0, 2.0, 4.0)
        pos = find_peak(y, TIMES_MS, PeakSpec("P", 1, (10.0, 40.0)), "A")
        neg = find_peak(y, TIMES_MS, PeakSpec("N", -1, (10.0, 40.0)), "A")
        assert pos.latency_ms == pytest.approx(30.0, abs=0.05)
        assert neg.latency_ms == pytest.approx(20.0, abs=0.05)

    def test_monotonic_segment_is_at_edge(self) -> None:
        """A monotonic search segment yields the edge sample, flagged at_edge, not interpolated."""
        y = TIMES_MS * 0.5
        up = find_peak(y, TIMES_MS, PeakSpec("P", 1, (10.0, 20.0)), "A")
        assert up.at_edge
        assert up.latency_ms == pytest.approx(20.0, abs=1e-9)
        assert up.amplitude_uv == pytest.approx(10.0, abs=1e-9)
        down = find_peak(y, TIMES_MS, PeakSpec("N", -1, (10.0, 20.0)), "A")
        assert down.at_edge
        assert down.latency_ms == pytest.approx(10.0, abs=1e-9)

    def test_search_window_inclusive(self) -> None:
        """Both ends of search_ms are inclusive."""
        y = -np.abs(TIMES_MS - 30.0)
        pk = find_peak(y, TIMES_MS, PeakSpec("P", 1, (30.0, 40.0)), "A")
        assert pk.latency_ms == pytest.approx(30.0, abs=1e-9)
        assert pk.at_edge

    def test_empty_search_window(self) -> None:
        """A search window without samples gives NaN latency and amplitude, at_edge."""
        times = np.array([0.0, 10.0, 20.0])
        pk = find_peak(np.zeros(3), times, PeakSpec("P", 1, (3.0, 7.0)), "A")
        assert math.isnan(pk.latency_ms)
        assert math.isnan(pk.amplitude_uv)
        assert pk.at_edge


class TestMeasurer:
    def _avg(self) -> np.ndarray:
        y = _gauss(20.0, 1.5, -3.0) + _gauss(30.0, 2.0, 4.0)
        return np.column_stack((y, 0.5 * y))

    def test_peak_to_peak_amplitude(self) -> None:
        """amplitude = (N20, P30) is |A(N20) − A(P30)|; latency is N20's."""
        spec = _test_spec(
            peaks=(PeakSpec("N20", -1, (14.0, 25.0)), PeakSpec("P30", 1, (25.0, 40.0))),
            amplitude=("N20", "P30"),
        )
        m = Measurer(spec, TIMES_MS, FS)
        avg = self._avg()
        res = m.measure(avg, np.zeros_like(avg), 100.0, np.ones(2))
        n20, p30 = res.peaks
        assert res.amplitude_uv == pytest.approx(p30.amplitude_uv - n20.amplitude_uv, abs=1e-12)
        assert res.amplitude_uv == pytest.approx(7.0, rel=2e-3)
        assert res.latency_ms == pytest.approx(n20.latency_ms, abs=0)

    def test_single_peak_amplitude(self) -> None:
        """amplitude = (N20,) is |baseline-to-peak| of N20."""
        spec = _test_spec(peaks=(PeakSpec("N20", -1, (14.0, 25.0)),))
        m = Measurer(spec, TIMES_MS, FS)
        avg = self._avg()
        res = m.measure(avg, np.zeros_like(avg), 100.0, np.ones(2))
        assert res.amplitude_uv == pytest.approx(3.0, rel=2e-3)
        assert res.latency_ms == pytest.approx(20.0, abs=0.02 * DT_MS)

    def test_peak_on_named_channel(self) -> None:
        """A peak with a channel is measured on that channel, and the amplitude follows it."""
        spec = _test_spec(peaks=(PeakSpec("P30", 1, (25.0, 40.0), channel="B"),))
        m = Measurer(spec, TIMES_MS, FS)
        avg = self._avg()
        res = m.measure(avg, np.zeros_like(avg), 100.0, np.ones(2))
        assert res.peaks[0].channel == "B"
        assert res.amplitude_uv == pytest.approx(2.0, rel=2e-3)
        assert m.channel_index == 1

    def test_no_peaks_amplitude_is_post_stimulus_ptp(self) -> None:
        """Without peaks the amplitude is the post-stimulus peak-to-peak and latency NaN."""
        m = Measurer(_test_spec(), TIMES_MS, FS)
        avg = self._avg()
        avg[:40, 0] = 100.0  # pre-stimulus: ignored
        res = m.measure(avg, np.zeros_like(avg), 100.0, np.ones(2))
        post = avg[TIMES_MS > 0, 0]
        assert res.amplitude_uv == pytest.approx(post.max() - post.min(), abs=1e-12)
        assert math.isnan(res.latency_ms)

    def test_snr_near_zero_for_noise(self) -> None:
        """For a pure-noise average (mean and ± alike in power) the SNR is near 0."""
        rng = np.random.default_rng(21)
        m = Measurer(_test_spec(), TIMES_MS, FS)
        sweeps = rng.normal(0.0, 10.0, (200, TIMES_MS.size, 2))
        mean = sweeps.mean(axis=0)
        signs = np.where(np.arange(200) % 2 == 0, 1.0, -1.0)
        pm = np.einsum("i,ijk->jk", signs, sweeps) / 200
        res = m.measure(mean, pm, 200.0, np.full(2, 100.0))
        assert res.snr < 0.3
        assert res.noise_uv == pytest.approx(10.0 / np.sqrt(200), rel=0.1)

    def test_snr_large_for_clean_response(self) -> None:
        """A µV-sized response over 0.1 µV RMS noise has an SNR well above 1, as defined."""
        rng = np.random.default_rng(22)
        m = Measurer(_test_spec(), TIMES_MS, FS)
        mean = self._avg()
        pm = rng.normal(0.0, 0.1, mean.shape)
        res = m.measure(mean, pm, 200.0, np.full(2, 1.0))
        post = TIMES_MS > 0
        p_mean = np.mean(mean[post, 0] ** 2)
        p_pm = np.mean(pm[post, 0] ** 2)
        assert res.snr == pytest.approx(math.sqrt(p_mean / p_pm - 1.0), rel=1e-12)
        assert res.snr > 5.0
        assert res.noise_uv == pytest.approx(math.sqrt(p_pm), rel=1e-12)

    def test_snr_infinite_without_noise(self) -> None:
        """A ± average of exactly zero gives an infinite SNR."""
        m = Measurer(_test_spec(), TIMES_MS, FS)
        avg = self._avg()
        assert m.measure(avg, np.zeros_like(avg), 10.0, np.ones(2)).snr == math.inf

    def test_fsp_definition(self) -> None:
        """Fsp = var over the post-stimulus window of the average / (sp_var / sweeps)."""
        m = Measurer(_test_spec(), TIMES_MS, FS)
        avg = self._avg()
        res = m.measure(avg, np.zeros_like(avg), 50.0, np.array([4.0, 1.0]))
        expected = float(np.var(avg[TIMES_MS > 0, 0])) / (4.0 / 50.0)
        assert res.fsp == pytest.approx(expected, rel=1e-12)
        nan = m.measure(avg, np.zeros_like(avg), 1.0, np.array([np.nan, 1.0]))
        assert math.isnan(nan.fsp)

    def test_post_window_starts_after_blanking(self) -> None:
        """With blanking the post-stimulus part (and the Fsp point) starts after blank_ms."""
        m = Measurer(_test_spec(blank_ms=(0.0, 5.0)), TIMES_MS, FS)
        post = np.flatnonzero(TIMES_MS > 5.0)
        assert m.sp_index == int(post[post.size // 2])


class TestBandpass:
    def test_high_edge_at_nyquist_rejected(self) -> None:
        """A high edge at or above Nyquist raises ValueError naming bandpass_hz."""
        with pytest.raises(ValueError, match=r"bandpass_hz high edge 2500.*Nyquist \(2500 Hz\)"):
            design_bandpass((30.0, 2500.0), FS)
        with pytest.raises(ValueError, match="Nyquist"):
            design_bandpass((30.0, 3000.0), FS)

    def test_low_edge_zero_is_lowpass(self) -> None:
        """A zero low edge designs a low-pass that passes DC with unit gain."""
        sos = design_bandpass((0.0, 500.0), FS)
        x = np.full((400, 1), 3.0)
        assert_allclose(zero_phase(sos, x), 3.0, rtol=1e-9, atol=1e-9)

    def test_bandpass_removes_dc(self) -> None:
        """A band-pass removes a DC offset."""
        sos = design_bandpass((30.0, 1000.0), FS)
        x = 5.0 + np.zeros((2000, 1))
        out = zero_phase(sos, x)
        assert_allclose(out[500:1500], 0.0, rtol=0, atol=1e-3)

    @pytest.mark.parametrize("center_ms", [20.0, 33.33, 61.7])
    def test_zero_phase_keeps_latency(self, center_ms: float) -> None:
        """A zero-phase band-pass leaves a peak's latency within 0.05 ms (a quarter sample)."""
        sos = design_bandpass((30.0, 1500.0), FS)
        y = _gauss(center_ms, 1.5, 5.0)
        out = zero_phase(sos, y[:, np.newaxis])[:, 0]
        spec = PeakSpec("P", 1, (center_ms - 5.0, center_ms + 5.0))
        before = find_peak(y, TIMES_MS, spec, "A")
        after = find_peak(out, TIMES_MS, spec, "A")
        assert after.latency_ms == pytest.approx(before.latency_ms, abs=0.05)
        assert not after.at_edge

    def test_causal_filter_would_shift_latency(self) -> None:
        """The same filter run causally (one pass) moves the peak by more than 0.3 ms."""
        from scipy import signal

        sos = design_bandpass((30.0, 1500.0), FS)
        y = _gauss(40.0, 1.5, 5.0)
        causal = signal.sosfilt(sos, y)
        spec = PeakSpec("P", 1, (30.0, 50.0))
        assert abs(find_peak(causal, TIMES_MS, spec, "A").latency_ms - 40.0) > 0.3

    def test_filtered_is_identity_without_bandpass(self) -> None:
        """Measurer.filtered returns the average itself when the test has no band-pass."""
        m = Measurer(_test_spec(), TIMES_MS, FS)
        x = np.ones((TIMES_MS.size, 2))
        assert m.filtered(x) is x


def test_fsp_point_weights_equal_filtered_sample() -> None:
    """With a band-pass, a sweep's Fsp point is that sample of the zero-phase filtered sweep."""
    spec = _test_spec(bandpass_hz=(30.0, 300.0))
    m = Measurer(spec, TIMES_MS, FS)
    x = np.random.default_rng(3).normal(size=(TIMES_MS.size, 2))
    filtered = zero_phase(design_bandpass((30.0, 300.0), FS), x)
    assert_allclose(m.sp_weights @ x, filtered[m.sp_index], rtol=0, atol=1e-12)
