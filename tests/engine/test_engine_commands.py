"""Engine commands and snapshots, driven by a tiny synthetic stream with a known template."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from ionm_tui.engine import (
    AcknowledgeAlert,
    AlertEvent,
    AlertSpec,
    Annotate,
    AnnotationRecord,
    AverageRecord,
    AveragingSpec,
    BaselineRecord,
    CaptureBaseline,
    Chunk,
    Engine,
    EngineSpec,
    Marker,
    PauseTest,
    PeakSpec,
    ResetAverage,
    SelectBaseline,
    SetAveraging,
    StreamSpec,
    TestSpec,
    TestView,
    TrendPoint,
)

FS = 1000.0
T0 = 50.0  # LSL seconds of sample 0
PERIOD = 100  # samples between stimuli
LEAD = 10  # samples from the start of a period to its stimulus
TIMES_MS = np.arange(31, dtype=np.float64)  # window [0, 30] ms at 1 kHz
TEMPLATE = 5.0 * np.exp(-0.5 * ((TIMES_MS - 15.0) / 3.0) ** 2)  # µV, peak 5 µV at 15 ms


def _test(test_id: str, marker: str, channel: str, n: int = 4, **kw: object) -> TestSpec:
    return TestSpec(
        test_id,
        marker,
        (channel,),
        (0.0, 30.0),
        averaging=AveragingSpec("block", n),
        peaks=(PeakSpec("P15", 1, (5.0, 25.0)),),
        alert=AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=None, confirm=1),
        **kw,  # type: ignore[arg-type]
    )


def _engine(**kw: object) -> Engine:
    tests = (_test("ssep", "S", "A", **kw), _test("mep", "M", "B"))
    return Engine(EngineSpec(StreamSpec(("A", "B"), FS), tests))


class _Feed:
    """Appends periods of data to an engine, each with one stimulus and the template after it."""

    def __init__(self, engine: Engine, seed: int | None = None) -> None:
        self.engine = engine
        self.next = 0
        self.rng = np.random.default_rng(seed) if seed is not None else None

    def sweeps(self, n: int, gain: float = 1.0, code: str = "S", column: int = 0) -> list[object]:
        """n stimuli ``code`` with the template × gain on ``column``; returns the new records."""
        x = np.zeros((n * PERIOD, 2))
        if self.rng is not None:
            x += self.rng.normal(0.0, 0.5, x.shape)
        stim = np.arange(n) * PERIOD + LEAD
        for s in stim:
            x[s : s + TIMES_MS.size, column] += gain * TEMPLATE
        ts = T0 + (self.next + np.arange(n * PERIOD)) / FS
        self.engine.feed_markers([Marker(float(ts[s]), code) for s in stim])
        self.engine.feed(Chunk(ts, x))
        self.next += n * PERIOD
        return list(self.engine.drain_records())


def _view(engine: Engine, test_id: str = "ssep") -> TestView:
    return next(v for v in engine.snapshot().tests if v.spec.id == test_id)


class TestAveragingThroughEngine:
    def test_template_recovered_exactly(self) -> None:
        """Without noise the block average is the template and its peak is at 15 ms, 5 µV."""
        eng = _engine()
        recs = _Feed(eng).sweeps(4)
        [avg] = [r for r in recs if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], TEMPLATE, rtol=0, atol=1e-12)
        assert_allclose(avg.times_ms, TIMES_MS, rtol=0, atol=1e-12)
        [pt] = [r for r in recs if isinstance(r, TrendPoint)]
        assert pt.latency_ms == pytest.approx(15.0, abs=1e-9)
        assert pt.amplitude_uv == pytest.approx(5.0, abs=1e-9)
        assert pt.t == pytest.approx(T0 + (3 * PERIOD + LEAD) / FS, abs=1e-9)
        assert (pt.seq, pt.sweeps, pt.accepted, pt.rejected, pt.mode) == (1, 4.0, 4, 0, "block")

    def test_first_update_is_auto_baseline(self) -> None:
        """The first update is captured as baseline "auto" and the trend compares with it."""
        eng = _engine()
        recs = _Feed(eng).sweeps(4)
        [b] = [r for r in recs if isinstance(r, BaselineRecord)]
        assert (b.test, b.name, b.action) == ("ssep", "auto", "captured")
        [pt] = [r for r in recs if isinstance(r, TrendPoint)]
        assert (pt.baseline, pt.amplitude_change_pct) == ("auto", 0.0)

    def test_markers_for_other_test_do_not_mix(self) -> None:
        """Each marker code feeds only its own test."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(4, code="M", column=1)
        assert (_view(eng, "mep").accepted, _view(eng, "ssep").accepted) == (4, 0)


class TestBaselines:
    def test_capture_and_select(self) -> None:
        """CaptureBaseline stores and selects the latest update; SelectBaseline switches back."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(4)
        feed.sweeps(4, gain=0.8)
        eng.apply(CaptureBaseline("post-induction", "ssep"))
        [rec] = [r for r in eng.drain_records() if isinstance(r, BaselineRecord)]
        assert (rec.name, rec.action) == ("post-induction", "captured")
        assert rec.amplitude_uv == pytest.approx(4.0, abs=1e-9)
        v = _view(eng)
        assert v.baseline == "post-induction"
        assert v.baselines == ("auto", "post-induction")
        assert_allclose(v.baseline_uv[:, 0], 0.8 * TEMPLATE, rtol=0, atol=1e-12)
        pt = next(r for r in feed.sweeps(4, gain=0.8) if isinstance(r, TrendPoint))
        assert pt.baseline == "post-induction"
        assert pt.amplitude_change_pct == pytest.approx(0.0, abs=1e-9)

        eng.apply(SelectBaseline("auto", "ssep"))
        [sel] = [r for r in eng.drain_records() if isinstance(r, BaselineRecord)]
        assert (sel.name, sel.action, sel.amplitude_uv) == ("auto", "selected", pytest.approx(5.0))
        assert _view(eng).baseline == "auto"
        pt = next(r for r in feed.sweeps(4, gain=0.8) if isinstance(r, TrendPoint))
        assert pt.amplitude_change_pct == pytest.approx(-20.0, abs=1e-9)

    def test_capture_for_all_tests_with_an_average(self) -> None:
        """CaptureBaseline without a test captures every test that has an average."""
        eng = _engine()
        _Feed(eng).sweeps(4)
        eng.apply(CaptureBaseline("b1"))
        recs = [r for r in eng.drain_records() if isinstance(r, BaselineRecord)]
        assert [(r.test, r.name) for r in recs] == [("ssep", "b1")]
        assert _view(eng, "mep").baselines == ()

    def test_capture_before_any_average(self) -> None:
        """CaptureBaseline before any update raises ValueError and changes nothing."""
        eng = _engine()
        with pytest.raises(ValueError, match="no test has an average yet"):
            eng.apply(CaptureBaseline("early"))
        with pytest.raises(ValueError, match="'early'"):
            eng.apply(CaptureBaseline("early", "mep"))
        assert eng.drain_records() == []

    def test_select_unknown_baseline_lists_names(self) -> None:
        """SelectBaseline of an unknown name raises ValueError listing the captured names."""
        eng = _engine()
        _Feed(eng).sweeps(4)
        eng.apply(CaptureBaseline("post-induction", "ssep"))
        with pytest.raises(ValueError, match=r"'nope'.*auto, post-induction"):
            eng.apply(SelectBaseline("nope", "ssep"))

    def test_select_before_any_baseline(self) -> None:
        """SelectBaseline with no baseline captured raises ValueError saying none exist yet."""
        eng = _engine()
        with pytest.raises(ValueError, match="none yet"):
            eng.apply(SelectBaseline("auto"))

    def test_new_baseline_clears_alerts(self) -> None:
        """Capturing a new baseline ends the active alerts with cleared events."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(4)
        feed.sweeps(4, gain=0.3)
        assert [a.criterion for a in eng.snapshot().alerts] == ["amplitude_drop"]
        eng.apply(CaptureBaseline("low", "ssep"))
        cleared = [r for r in eng.drain_records() if isinstance(r, AlertEvent)]
        assert [(e.criterion, e.state) for e in cleared] == [("amplitude_drop", "cleared")]
        assert "new baseline low" in cleared[0].message
        assert eng.snapshot().alerts == ()


class TestAverageControl:
    def test_reset_average(self) -> None:
        """ResetAverage forgets the sweeps so far: the next update needs N new sweeps."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(3, gain=9.0)
        assert _view(eng).in_progress == 3
        eng.apply(ResetAverage("ssep"))
        v = _view(eng)
        assert (v.accepted, v.in_progress) == (0, 0)
        assert not [r for r in feed.sweeps(3) if isinstance(r, AverageRecord)]
        [avg] = [r for r in feed.sweeps(1) if isinstance(r, AverageRecord)]
        assert_allclose(avg.values_uv[:, 0], TEMPLATE, rtol=0, atol=1e-12)

    def test_set_averaging(self) -> None:
        """SetAveraging switches mode and size and starts the average anew."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(2, gain=9.0)
        eng.apply(SetAveraging("ssep", AveragingSpec("moving", 2, update_every=1)))
        v = _view(eng)
        assert (v.averaging.mode, v.averaging.sweeps, v.accepted) == ("moving", 2, 0)
        pts = [r for r in feed.sweeps(3) if isinstance(r, TrendPoint)]
        assert [(p.mode, p.accepted) for p in pts] == [("moving", 2), ("moving", 3)]
        assert _view(eng, "mep").averaging.mode == "block"

    def test_pause_drops_markers(self) -> None:
        """Markers of a paused test are dropped as "paused"; resuming accepts sweeps again."""
        eng = _engine()
        feed = _Feed(eng)
        eng.apply(PauseTest(True, "ssep"))
        feed.sweeps(5)
        v = _view(eng)
        assert v.paused
        assert (v.accepted, v.dropped) == (0, (("paused", 5),))
        eng.apply(PauseTest(False, "ssep"))
        feed.sweeps(4)
        v = _view(eng)
        assert (v.paused, v.accepted, v.dropped) == (False, 4, (("paused", 5),))
        assert v.latest is not None

    def test_pause_all(self) -> None:
        """PauseTest without a test pauses every test."""
        eng = _engine()
        eng.apply(PauseTest(True))
        assert all(v.paused for v in eng.snapshot().tests)


class TestAlertsAndNotes:
    def test_acknowledge_alert(self) -> None:
        """AcknowledgeAlert emits an acknowledged event and the alert stays listed as seen."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(4)
        recs = feed.sweeps(4, gain=0.3)
        states = [(e.criterion, e.state) for e in recs if isinstance(e, AlertEvent)]
        assert states == [("amplitude_drop", "raised"), ("amplitude_drop", "confirmed")]
        [alert] = eng.snapshot().alerts
        assert (alert.test, alert.state, alert.priority, alert.acknowledged) == (
            "ssep",
            "confirmed",
            "high",
            False,
        )
        assert alert.latest.measured == pytest.approx(1.5, abs=1e-9)
        assert alert.latest.baseline_value == pytest.approx(5.0, abs=1e-9)
        eng.apply(AcknowledgeAlert("ssep", "amplitude_drop"))
        [ack] = eng.drain_records()
        assert isinstance(ack, AlertEvent)
        assert ack.state == "acknowledged"
        assert ack.t == pytest.approx(T0 + (8 * PERIOD - 1) / FS, abs=1e-9)
        [alert] = eng.snapshot().alerts
        assert alert.acknowledged
        assert alert.state == "confirmed"

    @pytest.mark.parametrize("text", ["[red]x", "\x1b]0;title\x07", "plain note", ""])
    def test_annotate_stores_text_literally(self, text: str) -> None:
        """Annotate stores its text and tags literally, timestamped with the newest sample."""
        eng = _engine()
        _Feed(eng).sweeps(1)
        eng.apply(Annotate(text, ("anaesthetic_change",)))
        [note] = eng.drain_records()
        assert isinstance(note, AnnotationRecord)
        assert note.text == text
        assert note.tags == ("anaesthetic_change",)
        assert note.t == pytest.approx(T0 + (PERIOD - 1) / FS, abs=1e-9)

    @pytest.mark.parametrize(
        "command",
        [
            CaptureBaseline("b", "nope"),
            SelectBaseline("b", "nope"),
            ResetAverage("nope"),
            PauseTest(True, "nope"),
            SetAveraging("nope", AveragingSpec()),
            AcknowledgeAlert("nope"),
        ],
    )
    def test_unknown_test_id(self, command: object) -> None:
        """A command naming an unknown test raises ValueError listing the known test ids."""
        eng = _engine()
        with pytest.raises(ValueError, match="no test 'nope'; the tests are: ssep, mep"):
            eng.apply(command)  # type: ignore[arg-type]

    def test_unknown_command(self) -> None:
        """An object that is not a command raises ValueError."""
        with pytest.raises(ValueError, match="unknown command"):
            _engine().apply("reset")  # type: ignore[arg-type]


class TestSnapshots:
    def test_seq_rises(self) -> None:
        """Each snapshot has a seq one higher than the previous one."""
        eng = _engine()
        seqs = [eng.snapshot().seq for _ in range(4)]
        assert seqs == [1, 2, 3, 4]

    def test_arrays_read_only(self) -> None:
        """Every array in a snapshot is read-only."""
        eng = _engine(bandpass_hz=(0.0, 200.0))
        feed = _Feed(eng, seed=1)
        feed.sweeps(8)
        eng.apply(CaptureBaseline("b", "ssep"))
        v = _view(eng)
        arrays = [
            v.times_ms,
            v.average_uv,
            v.baseline_uv,
            v.trend_t,
            v.trend_amplitude_uv,
            v.trend_latency_ms,
            *(w.values_uv for w in v.waterfall),
            *(w.pm_uv for w in v.waterfall),
            *(w.times_ms for w in v.waterfall),
        ]
        assert len(v.waterfall) == 2
        for a in arrays:
            assert isinstance(a, np.ndarray)
            assert not a.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                a[0] = 1.0

    def test_frozen_dataclasses(self) -> None:
        """Snapshot, views, quality counters and trend points refuse assignment."""
        eng = _engine()
        _Feed(eng).sweeps(4)
        snap = eng.snapshot()
        v = snap.tests[0]
        for obj, attr in (
            (snap, "seq"),
            (snap.quality, "samples"),
            (v, "accepted"),
            (v.latest, "amplitude_uv"),
            (v.spec, "id"),
        ):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(obj, attr, 0)

    def test_snapshot_not_changed_by_later_data(self) -> None:
        """A snapshot taken earlier keeps its values when the engine moves on."""
        eng = _engine()
        feed = _Feed(eng)
        feed.sweeps(4)
        before = _view(eng)
        avg = before.average_uv.copy()
        feed.sweeps(4, gain=0.5)
        assert before.accepted == 4
        assert_allclose(before.average_uv, avg, rtol=0, atol=0)
        assert _view(eng).accepted == 8

    def test_quality_counters(self) -> None:
        """The snapshot counts samples and markers received."""
        eng = _engine()
        _Feed(eng).sweeps(3)
        q = eng.snapshot().quality
        assert (q.samples, q.markers, q.unknown_markers, q.pending) == (3 * PERIOD, 3, 0, 0)
        assert eng.snapshot().t == pytest.approx(T0 + (3 * PERIOD - 1) / FS, abs=1e-9)
