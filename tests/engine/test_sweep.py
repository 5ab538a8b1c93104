"""SweepProcessor: window size, rejection reasons and their order, blanking, baseline, scaling."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from ionm_tui.engine.specs import RejectSpec, StreamSpec, TestSpec
from ionm_tui.engine.sweep import SweepProcessor, ms_to_offset

FS = 1000.0  # 1 sample per ms, so sample k of a [0, 20] ms window is at k ms
LABELS = ("A", "B", "C")


def _processor(
    *,
    channels: tuple[str, ...] = ("A",),
    window_ms: tuple[float, float] = (0.0, 20.0),
    blank_ms: tuple[float, float] | None = None,
    baseline_ms: tuple[float, float] | None = None,
    reject: RejectSpec | None = None,
    scale: float | tuple[float, ...] = 1.0,
    sfreq_hz: float = FS,
) -> SweepProcessor:
    test = TestSpec(
        "t",
        "S",
        channels,
        window_ms,
        blank_ms=blank_ms,
        baseline_ms=baseline_ms,
        reject=reject or RejectSpec(),
    )
    return SweepProcessor(test, StreamSpec(LABELS, sfreq_hz, scale_to_uv=scale))


class TestWindow:
    def test_mne_window_length(self) -> None:
        """[-200, 500] ms at 600.614990234375 Hz is 421 samples, as MNE cuts it."""
        p = _processor(window_ms=(-200.0, 500.0), sfreq_hz=600.614990234375)
        assert (p.start_offset, p.stop_offset, p.n_times) == (-120, 300, 421)
        assert p.times_ms.shape == (421,)

    @pytest.mark.parametrize(
        ("window_ms", "fs"),
        [
            ((0.0, 100.0), 5000.0),
            ((-10.0, 50.0), 2048.0),
            ((-3.3, 7.7), 1234.5),
            ((5.0, 6.0), 97.0),
        ],
    )
    def test_sample_count_formula(self, window_ms: tuple[float, float], fs: float) -> None:
        """n_times = round(t1·fs/1000) − round(t0·fs/1000) + 1 (both ends inclusive)."""
        p = _processor(window_ms=window_ms, sfreq_hz=fs)
        expected = round(window_ms[1] * fs / 1000) - round(window_ms[0] * fs / 1000) + 1
        assert p.n_times == expected
        assert ms_to_offset(window_ms[0], fs) == p.start_offset

    def test_times_ms_read_only_and_exact(self) -> None:
        """times_ms are the sample offsets in ms, read-only."""
        p = _processor(window_ms=(-5.0, 5.0), sfreq_hz=2000.0)
        assert_allclose(p.times_ms, np.arange(-10, 11) * 0.5, rtol=0, atol=1e-12)
        assert not p.times_ms.flags.writeable

    def test_expected_span(self) -> None:
        """The expected timestamp span of a window is (n_times − 1)/fs seconds."""
        p = _processor(window_ms=(0.0, 20.0))
        assert p.expected_span_s == pytest.approx(0.020, abs=1e-15)


class TestRejection:
    def test_accepts_clean_sweep(self) -> None:
        """A sweep inside every limit is accepted unchanged (no blanking, no baseline)."""
        p = _processor(reject=RejectSpec(saturation_uv=100.0, peak_to_peak_uv=50.0, flat_uv=0.5))
        raw = np.linspace(-10.0, 10.0, 21)[:, np.newaxis]
        out, reason = p.process(raw)
        assert reason is None
        assert out is not None
        assert_array_equal(out, raw)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite(self, bad: float) -> None:
        """Any non-finite raw sample rejects the sweep as non_finite, even with no limits set."""
        raw = np.zeros((21, 1))
        raw[7, 0] = bad
        assert _processor().process(raw) == (None, "non_finite")

    def test_non_finite_before_saturation(self) -> None:
        """non_finite is checked before saturation."""
        p = _processor(reject=RejectSpec(saturation_uv=10.0))
        raw = np.zeros((21, 1))
        raw[3, 0] = 50.0
        raw[4, 0] = np.nan
        assert p.process(raw) == (None, "non_finite")

    def test_saturation_at_limit(self) -> None:
        """|x| at (not only above) the saturation limit rejects as saturation."""
        p = _processor(reject=RejectSpec(saturation_uv=100.0))
        raw = np.zeros((21, 1))
        raw[10, 0] = -100.0
        assert p.process(raw) == (None, "saturation")
        raw[10, 0] = -99.999
        assert p.process(raw)[1] is None

    def test_saturation_on_raw_input_cancelled_by_derivation(self) -> None:
        """A saturated raw input rejects even when the derivation A-B cancels it to zero."""
        p = _processor(channels=("A-B",), reject=RejectSpec(saturation_uv=100.0, flat_uv=None))
        raw = np.zeros((21, 2))
        raw[5:9, :] = 250.0  # both electrodes clipped identically: A-B is 0 there
        assert p.process(raw) == (None, "saturation")

    def test_saturation_judged_in_uv(self) -> None:
        """Saturation compares the scaled (µV) value: 1.5e-4 V × 1e6 = 150 µV ≥ 100 µV."""
        p = _processor(reject=RejectSpec(saturation_uv=100.0), scale=1e6)
        raw = np.zeros((21, 1))
        raw[2, 0] = 1.5e-4
        assert p.process(raw) == (None, "saturation")

    def test_peak_to_peak(self) -> None:
        """Peak-to-peak above the limit rejects; exactly at the limit is kept."""
        p = _processor(reject=RejectSpec(peak_to_peak_uv=40.0))
        raw = np.zeros((21, 1))
        raw[3, 0], raw[12, 0] = 25.0, -15.0  # ptp exactly 40
        assert p.process(raw)[1] is None
        raw[12, 0] = -15.5
        assert p.process(raw) == (None, "peak_to_peak")

    def test_peak_to_peak_on_derived_channel(self) -> None:
        """Peak-to-peak is judged on the derivation, not on the raw inputs."""
        p = _processor(channels=("A-B",), reject=RejectSpec(peak_to_peak_uv=10.0))
        common = 500.0 * np.sin(np.linspace(0, 3, 21))  # common-mode, cancels in A-B
        raw = np.column_stack((common + 1.0, common))
        out, reason = p.process(raw)
        assert reason is None
        assert out is not None
        assert_allclose(out[:, 0], 1.0, rtol=0, atol=1e-12)

    def test_flat(self) -> None:
        """Peak-to-peak below flat_uv rejects as flat; exactly at it is kept."""
        p = _processor(reject=RejectSpec(flat_uv=2.0))
        raw = np.full((21, 1), 7.0)
        assert p.process(raw) == (None, "flat")
        raw[4, 0] = 9.0
        assert p.process(raw)[1] is None

    def test_any_channel_fails_whole_sweep(self) -> None:
        """One flat channel among several rejects the whole sweep."""
        p = _processor(channels=("A", "B"), reject=RejectSpec(flat_uv=1.0))
        raw = np.zeros((21, 2))
        raw[:, 0] = np.linspace(0.0, 5.0, 21)
        assert p.process(raw) == (None, "flat")

    def test_peak_to_peak_before_flat(self) -> None:
        """A sweep failing both peak-to-peak (one channel) and flat (another) is peak_to_peak."""
        p = _processor(channels=("A", "B"), reject=RejectSpec(peak_to_peak_uv=10.0, flat_uv=1.0))
        raw = np.zeros((21, 2))
        raw[5, 0] = 50.0
        assert p.process(raw) == (None, "peak_to_peak")

    def test_saturation_before_peak_to_peak(self) -> None:
        """A sweep failing saturation and peak-to-peak is saturation (raw inputs come first)."""
        p = _processor(reject=RejectSpec(saturation_uv=100.0, peak_to_peak_uv=10.0))
        raw = np.zeros((21, 1))
        raw[5, 0] = 120.0
        assert p.process(raw) == (None, "saturation")


class TestBlanking:
    def test_straight_line_between_neighbours(self) -> None:
        """Samples in blank_ms become the straight line between the samples just outside it."""
        p = _processor(window_ms=(-5.0, 20.0), blank_ms=(0.0, 3.0))
        raw = np.zeros((26, 1))
        raw[:, 0] = np.arange(26) * 0.0 + 1.0
        raw[4, 0] = 2.0  # -1 ms: left neighbour
        raw[5:9, 0] = [900.0, -800.0, 700.0, 50.0]  # 0…3 ms: the artefact
        raw[9, 0] = 12.0  # 4 ms: right neighbour
        out, reason = p.process(raw)
        assert reason is None
        assert out is not None
        # 4 samples between 2.0 and 12.0: steps of (12 − 2)/5 = 2
        assert_allclose(out[4:10, 0], [2.0, 4.0, 6.0, 8.0, 10.0, 12.0], rtol=0, atol=1e-12)
        assert_array_equal(out[:4, 0], raw[:4, 0])
        assert_array_equal(out[10:, 0], raw[10:, 0])

    def test_blanking_per_channel(self) -> None:
        """Each derived channel is interpolated between its own neighbours."""
        p = _processor(channels=("A", "B-C"), window_ms=(-2.0, 4.0), blank_ms=(0.0, 1.0))
        raw = np.zeros((7, 3))
        raw[:, 0] = [0.0, -1.0, 99.0, 99.0, 5.0, 0.0, 0.0]
        raw[:, 1] = [0.0, 3.0, 50.0, 50.0, 9.0, 0.0, 0.0]
        raw[:, 2] = [0.0, 1.0, -50.0, -50.0, 0.0, 0.0, 0.0]
        out, _ = p.process(raw)
        assert out is not None
        assert_allclose(out[1:5, 0], [-1.0, 1.0, 3.0, 5.0], rtol=0, atol=1e-12)
        assert_allclose(out[1:5, 1], [2.0, 4.0 + 1.0 / 3.0, 6.0 + 2.0 / 3.0, 9.0], atol=1e-12)

    def test_blank_at_window_start_holds_right_neighbour(self) -> None:
        """Blanking from the first sample holds the right neighbour's value."""
        p = _processor(window_ms=(0.0, 10.0), blank_ms=(0.0, 2.0))
        raw = np.arange(11, dtype=np.float64)[:, np.newaxis] + 100.0
        raw[:3, 0] = 5000.0
        out, _ = p.process(raw)
        assert out is not None
        assert_array_equal(out[:4, 0], [103.0, 103.0, 103.0, 103.0])

    def test_blank_at_window_end_holds_left_neighbour(self) -> None:
        """Blanking up to the last sample holds the left neighbour's value."""
        p = _processor(window_ms=(0.0, 10.0), blank_ms=(9.0, 10.0))
        raw = np.arange(11, dtype=np.float64)[:, np.newaxis]
        out, _ = p.process(raw)
        assert out is not None
        assert_array_equal(out[8:, 0], [8.0, 8.0, 8.0])

    def test_blanking_before_peak_to_peak(self) -> None:
        """A huge artefact inside blank_ms is blanked before the peak-to-peak test: accepted."""
        reject = RejectSpec(saturation_uv=10_000.0, peak_to_peak_uv=20.0)
        raw = np.zeros((26, 1))
        raw[5:8, 0] = [3000.0, -2500.0, 1200.0]  # 0…2 ms, within the amplifier range
        assert _processor(window_ms=(-5.0, 20.0), reject=reject).process(raw)[1] == ("peak_to_peak")
        out, reason = _processor(
            window_ms=(-5.0, 20.0), blank_ms=(0.0, 2.0), reject=reject
        ).process(raw)
        assert reason is None
        assert out is not None
        assert_array_equal(out[:, 0], np.zeros(26))

    def test_saturation_not_hidden_by_blanking(self) -> None:
        """Saturation is judged on the raw inputs, so blanking does not hide a clipped sample."""
        p = _processor(
            window_ms=(-5.0, 20.0), blank_ms=(0.0, 2.0), reject=RejectSpec(saturation_uv=1000.0)
        )
        raw = np.zeros((26, 1))
        raw[6, 0] = 1000.0
        assert p.process(raw) == (None, "saturation")

    def test_input_not_modified(self) -> None:
        """Processing never writes into the raw window it was given."""
        p = _processor(window_ms=(-5.0, 20.0), blank_ms=(0.0, 2.0), baseline_ms=(-5.0, -1.0))
        raw = np.arange(26, dtype=np.float64)[:, np.newaxis] ** 2
        before = raw.copy()
        p.process(raw)
        assert_array_equal(raw, before)


class TestBaselineAndScale:
    def test_baseline_mean_removed(self) -> None:
        """The mean over baseline_ms (inclusive) is subtracted from every sample of the channel."""
        p = _processor(channels=("A", "B"), window_ms=(-4.0, 6.0), baseline_ms=(-4.0, -1.0))
        raw = np.zeros((11, 2))
        raw[:, 0] = [1.0, 2.0, 3.0, 6.0, 100.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0]
        raw[:, 1] = 10.0 + np.arange(11)
        out, _ = p.process(raw)
        assert out is not None
        assert_allclose(out[:, 0], raw[:, 0] - 3.0, rtol=0, atol=1e-12)  # mean(1, 2, 3, 6)
        assert_allclose(out[:, 1], raw[:, 1] - 11.5, rtol=0, atol=1e-12)  # mean(10…13)
        assert_allclose(out[:4].mean(axis=0), [0.0, 0.0], rtol=0, atol=1e-12)

    def test_baseline_after_blanking(self) -> None:
        """The baseline mean is taken after blanking (blanked samples count as interpolated)."""
        p = _processor(window_ms=(-3.0, 3.0), blank_ms=(-1.0, 0.0), baseline_ms=(-3.0, 0.0))
        raw = np.array([[0.0], [3.0], [500.0], [500.0], [6.0], [0.0], [0.0]])
        out, _ = p.process(raw)
        assert out is not None
        # blanked: 3 → (4, 5) → 6; baseline mean of (0, 3, 4, 5) = 3
        assert_allclose(out[:, 0], [-3.0, 0.0, 1.0, 2.0, 3.0, -3.0, -3.0], rtol=0, atol=1e-12)

    def test_scale_to_uv_single(self) -> None:
        """A stream in volts is converted to µV by scale_to_uv = 1e6."""
        p = _processor(scale=1e6)
        raw = np.full((21, 1), 2.5e-6)
        out, _ = p.process(raw)
        assert out is not None
        assert_allclose(out, 2.5, rtol=1e-12, atol=0)

    def test_scale_to_uv_per_channel(self) -> None:
        """Per-channel factors scale each raw input before the derivation."""
        p = _processor(channels=("C-A",), scale=(1e6, 1.0, 1e3))
        stream = np.zeros((21, 3))
        stream[:, 0] = 4e-6  # 4 µV
        stream[:, 2] = 0.01  # 10 µV
        assert_array_equal(p.columns, [2, 0])
        out, _ = p.process(stream[:, p.columns])
        assert out is not None
        assert_allclose(out[:, 0], 6.0, rtol=1e-12, atol=0)

    def test_flat_judged_after_scaling(self) -> None:
        """Rejection limits are in µV: a 3e-6 V swing is 3 µV, not flat at flat_uv = 1."""
        p = _processor(scale=1e6, reject=RejectSpec(flat_uv=1.0, peak_to_peak_uv=5.0))
        raw = np.zeros((21, 1))
        raw[4, 0] = 3e-6
        assert p.process(raw)[1] is None
        raw[4, 0] = 6e-6
        assert p.process(raw) == (None, "peak_to_peak")
