"""Bad data never raises out of the engine (it is counted and reported); bad arguments do."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ionm_tui.engine import (
    AlertSpec,
    AverageRecord,
    AveragingSpec,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PeakSpec,
    QualityEvent,
    RejectSpec,
    StreamSpec,
    TestSpec,
    TestView,
)

FS = 1000.0
LABELS = ("A", "B")
WINDOW = (0.0, 30.0)
N_WIN = 31


def _engine(
    *,
    reject: RejectSpec | None = None,
    window_ms: tuple[float, float] = WINDOW,
    buffer_s: float = 10.0,
    max_pending: int = 2000,
    n: int = 1,
) -> Engine:
    test = TestSpec(
        "t",
        "S",
        ("A",),
        window_ms,
        reject=reject or RejectSpec(),
        averaging=AveragingSpec("block", n),
    )
    return Engine(
        EngineSpec(StreamSpec(LABELS, FS), (test,), buffer_s=buffer_s, max_pending=max_pending)
    )


def _data(start: int, n: int, t0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Samples start…start+n−1 at t0 + index/FS; channel A is a slow ramp, B zero."""
    idx = np.arange(start, start + n)
    x = np.zeros((n, 2))
    x[:, 0] = np.sin(idx / 7.0) * 10.0
    return t0 + idx / FS, x


def _feed(eng: Engine, start: int, n: int, t0: float = 0.0) -> None:
    ts, x = _data(start, n, t0)
    eng.feed(Chunk(ts, x))


def _view(eng: Engine) -> TestView:
    return eng.snapshot().tests[0]


def _quality(eng: Engine) -> list[QualityEvent]:
    return [r for r in eng.drain_records() if isinstance(r, QualityEvent)]


class TestBadSamples:
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_samples_rejected(self, bad: float) -> None:
        """Non-finite samples inside a window reject that sweep as non_finite; others go on."""
        eng = _engine()
        ts, x = _data(0, 500)
        x[120, 0] = bad  # in the sweep at sample 100 only
        eng.feed_markers([Marker(ts[s], "S") for s in (100, 200, 300)])
        eng.feed(Chunk(ts, x))
        v = _view(eng)
        assert v.rejected == (("non_finite", 1),)
        assert v.accepted == 2

    def test_non_finite_outside_window_harmless(self) -> None:
        """A NaN sample outside every window changes nothing."""
        eng = _engine()
        ts, x = _data(0, 300)
        x[50, :] = np.nan
        eng.feed_markers([Marker(ts[100], "S")])
        eng.feed(Chunk(ts, x))
        assert (_view(eng).accepted, _view(eng).rejected) == (1, ())

    def test_saturated_channel(self) -> None:
        """A channel pinned at the amplifier limit rejects its sweeps as saturation."""
        eng = _engine(reject=RejectSpec(saturation_uv=500.0))
        ts, x = _data(0, 400)
        x[:, 0] = 500.0
        eng.feed_markers([Marker(ts[s], "S") for s in (100, 200)])
        eng.feed(Chunk(ts, x))
        assert _view(eng).rejected == (("saturation", 2),)

    def test_flat_channel(self) -> None:
        """A disconnected (flat) channel rejects its sweeps as flat."""
        eng = _engine(reject=RejectSpec(flat_uv=0.5))
        ts, x = _data(0, 400)
        x[:, 0] = 3.0
        eng.feed_markers([Marker(ts[s], "S") for s in (100, 200)])
        eng.feed(Chunk(ts, x))
        assert _view(eng).rejected == (("flat", 2),)

    def test_rejections_in_trend_point(self) -> None:
        """Rejected sweeps are counted by reason in the next trend point."""
        eng = _engine(reject=RejectSpec(peak_to_peak_uv=50.0), n=2)
        ts, x = _data(0, 600)
        x[210, 0] = 400.0
        eng.feed_markers([Marker(ts[s], "S") for s in (100, 200, 300)])
        eng.feed(Chunk(ts, x))
        pt = _view(eng).latest
        assert pt is not None
        assert (pt.accepted, pt.rejected, pt.rejected_by_reason) == (
            2,
            1,
            (("peak_to_peak", 1),),
        )


class TestMarkerTiming:
    def test_marker_before_its_data_waits(self) -> None:
        """A marker whose samples have not arrived is pending, then cut when they come."""
        eng = _engine()
        _feed(eng, 0, 100)
        eng.feed_markers([Marker(0.150, "S")])
        assert (eng.snapshot().quality.pending, _view(eng).accepted) == (1, 0)
        _feed(eng, 100, 60)  # up to sample 159: the marker's sample but not its window end
        assert (eng.snapshot().quality.pending, _view(eng).accepted) == (1, 0)
        _feed(eng, 160, 40)
        assert (eng.snapshot().quality.pending, _view(eng).accepted) == (0, 1)
        [avg] = [r for r in eng.drain_records() if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], _data(150, N_WIN)[1][:, 0], rtol=0, atol=1e-12)

    def test_marker_after_its_data(self) -> None:
        """A marker arriving after its samples (within the buffer) is cut at once."""
        eng = _engine()
        _feed(eng, 0, 1000)
        eng.feed_markers([Marker(0.4003, "S")])  # nearest sample 400
        [avg] = [r for r in eng.drain_records() if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], _data(400, N_WIN)[1][:, 0], rtol=0, atol=1e-12)
        assert avg.t == pytest.approx(0.400, abs=1e-12)

    @pytest.mark.parametrize(("t", "sample"), [(0.2004, 200), (0.2006, 201), (0.1996, 200)])
    def test_marker_tied_to_nearest_sample(self, t: float, sample: int) -> None:
        """A marker is tied to the sample nearest its timestamp."""
        eng = _engine()
        _feed(eng, 0, 400)
        eng.feed_markers([Marker(t, "S")])
        [avg] = [r for r in eng.drain_records() if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], _data(sample, N_WIN)[1][:, 0], rtol=0, atol=1e-12)

    def test_marker_older_than_buffer(self) -> None:
        """A marker whose data already left the buffer is dropped as too_old and reported."""
        eng = _engine(buffer_s=1.0)
        _feed(eng, 0, 3000)
        eng.feed_markers([Marker(0.5, "S")])
        assert _view(eng).dropped == (("too_old", 1),)
        [q] = _quality(eng)
        assert (q.kind, q.test) == ("sweep_dropped", "t")
        assert "too old" in q.detail

    def test_window_start_left_the_buffer(self) -> None:
        """A marker whose sample is held but whose window start is not is dropped as too_old."""
        eng = _engine(window_ms=(-100.0, 30.0), buffer_s=1.0)
        _feed(eng, 0, 2000)  # held: samples 1000…1999
        eng.feed_markers([Marker(1.050, "S")])
        assert _view(eng).dropped == (("too_old", 1),)

    def test_marker_before_stream_start(self) -> None:
        """A marker earlier than the first sample is dropped as no_data."""
        eng = _engine()
        _feed(eng, 0, 500, t0=10.0)
        eng.feed_markers([Marker(9.0, "S")])
        assert _view(eng).dropped == (("no_data", 1),)

    def test_pending_overflow(self) -> None:
        """Markers waiting beyond max_pending are dropped oldest first as pending_overflow."""
        eng = _engine(max_pending=3)
        eng.feed_markers([Marker(1.0 + k, "S") for k in range(5)])
        assert eng.snapshot().quality.pending == 3
        assert _view(eng).dropped == (("pending_overflow", 2),)
        _feed(eng, 0, 6000)
        v = _view(eng)
        assert (v.accepted, eng.snapshot().quality.pending) == (3, 0)
        assert_allclose(v.trend_t, [3.0, 4.0, 5.0], rtol=0, atol=1e-12)  # the newest three


class TestGapsAndClocks:
    def _gappy(self, eng: Engine) -> None:
        """Samples 0…999, then nothing for 1 s, then 2000…2999 (on the same clock)."""
        _feed(eng, 0, 1000)
        _feed(eng, 2000, 1000)

    def test_gap_reported(self) -> None:
        """A hole in the timestamps is a gap quality record with its duration."""
        eng = _engine()
        self._gappy(eng)
        [q] = _quality(eng)
        assert q.kind == "gap"
        assert q.t == pytest.approx(0.999, abs=1e-12)
        assert q.duration_s == pytest.approx(1.001, abs=1e-9)
        assert eng.snapshot().quality.gaps == 1

    def test_gap_inside_one_chunk(self) -> None:
        """A hole between two samples of one chunk is a gap too."""
        eng = _engine()
        ts = np.concatenate((_data(0, 100)[0], _data(500, 100)[0]))
        eng.feed(Chunk(ts, np.zeros((200, 2))))
        [q] = _quality(eng)
        assert (q.kind, q.duration_s) == ("gap", pytest.approx(0.401, abs=1e-9))

    def test_marker_inside_gap(self) -> None:
        """A marker inside a data gap is dropped as no_data."""
        eng = _engine()
        self._gappy(eng)
        eng.feed_markers([Marker(1.5, "S")])
        assert _view(eng).dropped == (("no_data", 1),)

    def test_sweep_spanning_gap_rejected(self) -> None:
        """A window that spans the gap is rejected as gap; sweeps after it are fine."""
        eng = _engine()
        eng.feed_markers([Marker(0.990, "S"), Marker(2.100, "S")])
        self._gappy(eng)
        v = _view(eng)
        assert (v.rejected, v.accepted) == ((("gap", 1),), 1)

    @pytest.mark.parametrize("where", ["between_chunks", "inside_chunk"])
    def test_clock_reset(self, where: str) -> None:
        """Timestamps going back: clock_reset record, pending dropped, later sweeps work again."""
        eng = _engine()
        eng.feed_markers([Marker(0.985, "S")])  # its window ends after the jump
        old_ts, old_x = _data(0, 1000, t0=100.0)
        old_ts = old_ts - 100.0  # 0 … 0.999 s
        new_ts, new_x = _data(0, 1000, t0=0.5)  # jumps back to 0.5 s
        if where == "between_chunks":
            eng.feed(Chunk(old_ts, old_x))
            eng.feed(Chunk(new_ts, new_x))
        else:
            eng.feed(Chunk(np.concatenate((old_ts, new_ts)), np.concatenate((old_x, new_x))))
        kinds = [q.kind for q in _quality(eng)]
        assert "clock_reset" in kinds
        snap = eng.snapshot()
        assert snap.quality.clock_resets == 1
        assert snap.tests[0].dropped == (("clock_reset", 1),)
        assert snap.quality.pending == 0
        eng.feed_markers([Marker(0.5 + 0.3, "S")])
        [avg] = [r for r in eng.drain_records() if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], new_x[300 : 300 + N_WIN, 0], rtol=0, atol=1e-12)

    def test_marker_from_before_the_reset(self) -> None:
        """After a clock reset a marker for data before it is dropped, never cut across it."""
        eng = _engine()
        _feed(eng, 0, 1000)
        _feed(eng, 0, 100)  # jumps back to 0 s
        eng.feed_markers([Marker(0.5, "S")])  # no new-clock data at 0.5 s yet: waits
        assert eng.snapshot().quality.pending == 1
        eng.feed_markers([Marker(0.01, "S")])  # waits behind it (markers keep arrival order)
        _feed(eng, 100, 600)
        assert _view(eng).accepted == 2

    def test_repeated_timestamp_is_clock_reset(self) -> None:
        """A timestamp equal to the previous one counts as a backward jump."""
        eng = _engine()
        ts = np.array([0.0, 0.001, 0.001, 0.002])
        eng.feed(Chunk(ts, np.zeros((4, 2))))
        assert eng.snapshot().quality.clock_resets == 1
        assert eng.snapshot().quality.samples == 4

    def test_non_finite_timestamps(self) -> None:
        """A chunk with non-finite timestamps is ignored and counted in bad_chunks."""
        eng = _engine()
        _feed(eng, 0, 100)
        ts, x = _data(100, 50)
        ts[10] = np.nan
        eng.feed(Chunk(ts, x))
        ts2, x2 = _data(150, 50)
        ts2[-1] = np.inf
        eng.feed(Chunk(ts2, x2))
        q = eng.snapshot().quality
        assert (q.bad_chunks, q.samples) == (2, 100)
        assert [e.kind for e in _quality(eng)] == ["bad_timestamps", "bad_timestamps"]
        _feed(eng, 200, 100)
        assert eng.snapshot().quality.samples == 200

    def test_non_finite_timestamp_refuses_whole_long_chunk(self) -> None:
        """A chunk longer than the engine's write piece is refused whole for one bad timestamp."""
        eng = _engine(buffer_s=0.1)  # 100-sample ring: chunks are written in pieces of ≤ 50
        ts, x = _data(0, 400)
        ts[350] = np.nan
        eng.feed(Chunk(ts, x))
        q = eng.snapshot().quality
        assert (q.bad_chunks, q.samples, q.gaps) == (1, 0, 0)
        assert [e.kind for e in _quality(eng)] == ["bad_timestamps"]

    def test_wrong_channel_count(self) -> None:
        """A chunk with the wrong number of channels is ignored as channel_mismatch."""
        eng = _engine()
        ts, _ = _data(0, 50)
        eng.feed(Chunk(ts, np.zeros((50, 3)), stream="EEG"))
        eng.feed(Chunk(ts, np.zeros(50)))
        q = eng.snapshot().quality
        assert (q.bad_chunks, q.samples) == (2, 0)
        events = _quality(eng)
        assert [e.kind for e in events] == ["channel_mismatch", "channel_mismatch"]
        assert "'EEG' has 3 channels" in events[0].detail
        _feed(eng, 0, 50)
        assert eng.snapshot().quality.samples == 50

    def test_empty_chunk(self) -> None:
        """An empty chunk is accepted silently."""
        eng = _engine()
        eng.feed(Chunk(np.zeros(0), np.zeros((0, 2))))
        assert eng.snapshot().quality.samples == 0
        assert eng.drain_records() == []


class TestBufferLimits:
    def test_window_longer_than_buffer(self) -> None:
        """A window longer than the buffer drops markers as window_exceeds_buffer, reported once."""
        eng = _engine(window_ms=(0.0, 100.0), buffer_s=0.05)
        eng.feed_markers([Marker(0.1, "S"), Marker(0.3, "S")])
        _feed(eng, 0, 500)
        assert _view(eng).dropped == (("window_exceeds_buffer", 2),)
        [q] = _quality(eng)
        assert "raise buffer_s" in q.detail
        assert eng.snapshot().quality.pending == 0

    @pytest.mark.parametrize("chunk", [1, 7, 333, 4000])
    def test_long_window_independent_of_chunk_size(self, chunk: int) -> None:
        """A window of 80 % of the buffer is cut whatever the chunk size of the data."""
        eng = _engine(window_ms=(-200.0, 599.0), buffer_s=1.0)
        starts = (300, 1250, 2600, 3100)
        ts, x = _data(0, 4000)
        eng.feed_markers([Marker(ts[s], "S") for s in starts])
        for i in range(0, 4000, chunk):
            eng.feed(Chunk(ts[i : i + chunk], x[i : i + chunk]))
        v = _view(eng)
        assert (v.accepted, v.dropped) == (4, ())
        avgs = [r for r in eng.drain_records() if isinstance(r, AverageRecord)]
        assert_allclose(avgs[1].values_uv[:, 0], x[1050:1850, 0], rtol=0, atol=1e-12)

    def test_window_equal_to_buffer(self) -> None:
        """A window exactly as long as the buffer is still cut from one big chunk."""
        eng = _engine(window_ms=(0.0, 99.0), buffer_s=0.1)
        ts, x = _data(0, 1000)
        eng.feed_markers([Marker(ts[s], "S") for s in (37, 500)])
        eng.feed(Chunk(ts, x))
        assert (_view(eng).accepted, _view(eng).dropped) == (2, ())


class TestUnknownMarkers:
    @pytest.mark.parametrize(
        "value",
        ["", "   ", "X", "s", "\x1b]0;title\x07", "\x1b[2J\x1b[H", "S\x00", "SS", "[red]S"],
    )
    def test_unknown_marker_counted(self, value: str) -> None:
        """A marker whose first token selects no test is counted as unknown and ignored."""
        eng = _engine()
        eng.feed_markers([Marker(0.1, value)])
        _feed(eng, 0, 300)
        q = eng.snapshot().quality
        assert (q.markers, q.unknown_markers, q.pending) == (1, 1, 0)
        assert _view(eng).accepted == 0

    def test_marker_with_parameters(self) -> None:
        """Only the first token selects the test: "S 12mA" triggers test S."""
        eng = _engine()
        eng.feed_markers([Marker(0.1, "S 12mA"), Marker(0.2, "S\tx")])
        _feed(eng, 0, 300)
        assert (_view(eng).accepted, eng.snapshot().quality.unknown_markers) == (2, 0)

    @pytest.mark.parametrize("t", [math.nan, math.inf, -math.inf])
    def test_non_finite_marker_timestamp(self, t: float) -> None:
        """A marker with a non-finite timestamp is counted as unknown, never pending."""
        eng = _engine()
        eng.feed_markers([Marker(t, "S")])
        _feed(eng, 0, 300)
        q = eng.snapshot().quality
        assert (q.unknown_markers, q.pending) == (1, 0)


class TestBadArguments:
    @pytest.mark.parametrize(
        ("window", "match"),
        [
            ((10.0, 5.0), r"window_ms must have start < end"),
            ((5.0, 5.0), r"window_ms must have start < end"),
            ((math.nan, 5.0), r"window_ms must be two finite numbers"),
            ((0.0,), r"window_ms must be two finite numbers"),
        ],
    )
    def test_bad_window(self, window: tuple[float, ...], match: str) -> None:
        """An inverted, empty or non-finite window raises ValueError naming window_ms."""
        with pytest.raises(ValueError, match=match):
            TestSpec("t", "S", ("A",), window)  # type: ignore[arg-type]

    def test_blank_outside_window(self) -> None:
        """blank_ms outside the window raises ValueError naming blank_ms."""
        with pytest.raises(ValueError, match=r"blank_ms .* lies outside window_ms"):
            TestSpec("t", "S", ("A",), (0.0, 30.0), blank_ms=(-5.0, 1.0))

    def test_negative_buffer(self) -> None:
        """A non-positive buffer raises ValueError naming buffer_s."""
        with pytest.raises(ValueError, match="buffer_s must be a positive number"):
            EngineSpec(StreamSpec(LABELS, FS), (), buffer_s=-1.0)

    @pytest.mark.parametrize("n", [0, -3])
    def test_sweeps_below_one(self, n: int) -> None:
        """N < 1 raises ValueError naming averaging.sweeps."""
        with pytest.raises(ValueError, match=r"averaging.sweeps must be an integer ≥ 1"):
            AveragingSpec("block", n)

    def test_update_every_below_one(self) -> None:
        """update_every < 1 raises ValueError naming averaging.update_every."""
        with pytest.raises(ValueError, match=r"averaging.update_every"):
            AveragingSpec("moving", 10, update_every=0)

    def test_unknown_mode(self) -> None:
        """An unknown averaging mode raises ValueError listing the modes."""
        with pytest.raises(ValueError, match=r"averaging.mode must be one of .*'median'"):
            AveragingSpec("median", 10)  # type: ignore[arg-type]

    def test_peak_search_outside_window(self) -> None:
        """A peak search window outside the sweep window raises ValueError naming the peak."""
        with pytest.raises(ValueError, match=r"peak N20 search_ms .* lies outside window_ms"):
            TestSpec("t", "S", ("A",), (0.0, 30.0), peaks=(PeakSpec("N20", -1, (15.0, 45.0)),))

    def test_amplitude_names_unknown_peak(self) -> None:
        """amplitude naming an unknown peak raises ValueError listing the peaks."""
        with pytest.raises(ValueError, match=r"amplitude peak 'P40' is not one of the peaks"):
            TestSpec(
                "t",
                "S",
                ("A",),
                (0.0, 30.0),
                peaks=(PeakSpec("N20", -1, (15.0, 25.0)),),
                amplitude=("N20", "P40"),
            )

    def test_peak_sign(self) -> None:
        """A peak sign other than ±1 raises ValueError naming sign."""
        with pytest.raises(ValueError, match="sign must be"):
            PeakSpec("P", 0, (1.0, 2.0))

    @pytest.mark.parametrize(
        ("kw", "match"),
        [
            ({"amplitude_drop_pct": 150.0}, r"amplitude_drop_pct must be in \(0, 100\]"),
            ({"amplitude_drop_pct": 0.0}, r"amplitude_drop_pct must be in \(0, 100\]"),
            ({"latency_rise_pct": 2000.0}, r"latency_rise_pct must be in \(0, 1000\]"),
            ({"clear_margin_pct": 100.0}, r"clear_margin_pct must be in \[0, 100\)"),
            ({"confirm": 0}, r"alert.confirm must be an integer ≥ 1"),
            ({"snr_floor": -1.0}, r"alert.snr_floor must be a positive number"),
            ({"amplitude_priority": "urgent"}, r"alert.amplitude_priority must be one of"),
        ],
    )
    def test_bad_alert_spec(self, kw: dict[str, object], match: str) -> None:
        """Out-of-range alert settings raise ValueError naming the setting and its rule."""
        with pytest.raises(ValueError, match=match):
            AlertSpec(**kw)  # type: ignore[arg-type]

    def test_reject_limit_not_positive(self) -> None:
        """A non-positive rejection limit raises ValueError naming it."""
        with pytest.raises(ValueError, match=r"reject.peak_to_peak_uv must be a positive number"):
            RejectSpec(peak_to_peak_uv=0.0)

    def test_duplicate_test_ids(self) -> None:
        """Two tests with one id raise ValueError naming the duplicate."""
        t = TestSpec("ssep", "S", ("A",), WINDOW)
        with pytest.raises(ValueError, match="test ids must be unique; duplicated: ssep"):
            EngineSpec(StreamSpec(LABELS, FS), (t, t))

    def test_duplicate_labels(self) -> None:
        """Duplicate channel labels raise ValueError naming them."""
        with pytest.raises(ValueError, match="labels must be unique; duplicated: A"):
            StreamSpec(("A", "B", "A"), FS)

    def test_stim_channel_not_in_labels(self) -> None:
        """A stim channel missing from the labels raises ValueError naming stim_channel."""
        with pytest.raises(ValueError, match="stim_channel 'TRIG' is not one of"):
            StreamSpec(LABELS, FS, stim_channel="TRIG")

    @pytest.mark.parametrize("fs", [0.0, -100.0, math.nan, math.inf])
    def test_bad_sampling_rate(self, fs: float) -> None:
        """A non-positive or non-finite rate raises ValueError naming sfreq_hz."""
        with pytest.raises(ValueError, match="sfreq_hz must be a positive number"):
            StreamSpec(LABELS, fs)

    def test_scale_factor_count(self) -> None:
        """Per-channel scale factors must match the channel count."""
        with pytest.raises(ValueError, match="scale_to_uv has 3 factors for 2 channels"):
            StreamSpec(LABELS, FS, scale_to_uv=(1.0, 1.0, 1.0))

    def test_unknown_channel_in_test(self) -> None:
        """A test channel missing from the stream raises ValueError listing the labels."""
        spec = EngineSpec(StreamSpec(LABELS, FS), (TestSpec("t", "S", ("Cz-A",), WINDOW),))
        with pytest.raises(ValueError, match=r"'Cz-A'.*the stream has: A, B"):
            Engine(spec)

    def test_bandpass_at_nyquist(self) -> None:
        """A band-pass edge at Nyquist raises ValueError naming bandpass_hz."""
        test = TestSpec("t", "S", ("A",), WINDOW, bandpass_hz=(10.0, 500.0))
        with pytest.raises(ValueError, match="bandpass_hz high edge 500"):
            Engine(EngineSpec(StreamSpec(LABELS, FS), (test,)))

    def test_negative_gap_tolerance(self) -> None:
        """A negative gap tolerance raises ValueError naming gap_tolerance_s."""
        with pytest.raises(ValueError, match="gap_tolerance_s must be ≥ 0"):
            Engine(EngineSpec(StreamSpec(LABELS, FS), ()), gap_tolerance_s=-0.1)

    def test_alert_spec_accepted_by_engine(self) -> None:
        """A valid spec with every part set builds an engine (the checks above are the rules)."""
        test = TestSpec(
            "t",
            "S",
            ("A-B",),
            WINDOW,
            blank_ms=(0.0, 1.0),
            baseline_ms=(0.0, 0.0),
            peaks=(PeakSpec("P", 1, (5.0, 25.0)),),
            alert=AlertSpec(snr_floor=1.0),
        )
        assert Engine(EngineSpec(StreamSpec(LABELS, FS), (test,))).snapshot().seq == 1
