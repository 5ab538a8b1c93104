"""Feeds: the local engine worker, the scripted feed, and the log-record throttle."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from app_scenario import FS, FrozenClock, Scenario, engine_spec, settle, synthetic_data

from ionm_tui.app import LocalEngineFeed, ScriptedFeed, make_app
from ionm_tui.app.feed import RecordThrottle, loggable
from ionm_tui.app.widgets.event_log import EventLog
from ionm_tui.engine import (
    AlertEvent,
    Annotate,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    CaptureBaseline,
    Chunk,
    Engine,
    EngineSnapshot,
    Marker,
    QualityEvent,
    Record,
    TrendPoint,
)


class ListSource:
    """A finite source: the synthetic case in 0.1 s batches, markers with their chunk."""

    def __init__(self, seconds: float) -> None:
        ts, x, markers = synthetic_data()
        n = int(seconds * FS)
        step = int(0.1 * FS)
        self._batches: list[list[Chunk | Marker]] = []
        mi = 0
        for i in range(0, n, step):
            items: list[Chunk | Marker] = []
            while mi < len(markers) and markers[mi].timestamp <= ts[min(i + step, n) - 1]:
                items.append(markers[mi])
                mi += 1
            items.append(Chunk(ts[i : i + step], x[i : i + step]))
            self._batches.append(items)

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        return self._batches.pop(0) if self._batches else []

    @property
    def finished(self) -> bool:
        return not self._batches

    def health(self) -> tuple[object, ...]:
        return ()


class ListSink:
    """Collects what a feed delivers."""

    def __init__(self) -> None:
        self.snapshots: list[tuple[EngineSnapshot, float]] = []
        self.got: list[Record] = []

    def snapshot(self, snapshot: EngineSnapshot, case_start_t: float) -> None:
        self.snapshots.append((snapshot, case_start_t))

    def records(self, records: tuple[Record, ...]) -> None:
        self.got.extend(records)


def _q(i: int) -> QualityEvent:
    return QualityEvent("gap", float(i), f"gap {i}")


class TestThrottle:
    def test_only_log_records_pass(self, scenario: Scenario) -> None:
        """Averages and trend points stay out of the log stream; the rest pass in order."""
        logged = loggable(scenario.records)
        assert not any(isinstance(r, (AverageRecord, TrendPoint)) for r in logged)
        assert {type(r) for r in logged} == {AlertEvent, AnnotationRecord, BaselineRecord}

    def test_releases_at_most_at_the_rate(self) -> None:
        """Held records come out at most hz times per second (or when forced)."""
        th = RecordThrottle(hz=2.0)
        th.add([_q(1)])
        assert len(th.take(10.0)) == 1
        th.add([_q(2)])
        assert th.take(10.2) == ()
        assert len(th.take(10.2, force=True)) == 1
        assert th.take(11.0) == ()

    def test_quality_floods_are_summarised_alerts_never(self, scenario: Scenario) -> None:
        """Beyond max_quality, quality records become one summary line; alerts all pass."""
        alert = next(r for r in scenario.records if isinstance(r, AlertEvent))
        th = RecordThrottle(hz=1.0, max_quality=3)
        th.add([_q(i) for i in range(10)] + [alert] * 5)
        out = th.take(0.0)
        assert sum(isinstance(r, AlertEvent) for r in out) == 5
        quality = [r for r in out if isinstance(r, QualityEvent)]
        assert len(quality) == 4
        assert quality[-1].kind == "log_throttled"
        assert quality[-1].detail.startswith("7 more")


class TestLocalEngineFeed:
    def test_runs_the_engine_and_forwards_snapshots_records_commands(self) -> None:
        """Snapshots with a case start, log records only, commands applied by the worker."""
        feed = LocalEngineFeed(Engine(engine_spec()), ListSource(20.0), records_hz=1000.0)
        feed.send(Annotate("[x] note", ("bolus",)))
        sink = ListSink()
        feed.run(sink, should_stop=lambda: False)
        snaps = [s for s, _ in sink.snapshots]
        assert snaps
        assert snaps[-1].quality.samples == int(20.0 * FS)
        starts = {c for _, c in sink.snapshots if not math.isnan(c)}
        assert len(starts) == 1
        assert not any(isinstance(r, (AverageRecord, TrendPoint)) for r in sink.got)
        assert any(isinstance(r, BaselineRecord) for r in sink.got)
        notes = [r for r in sink.got if isinstance(r, AnnotationRecord)]
        assert notes[0].text == "[x] note"

    def test_a_rejected_command_reaches_the_log(self) -> None:
        """A command the engine refuses becomes a quality record in the log stream."""
        feed = LocalEngineFeed(Engine(engine_spec()), ListSource(1.0))
        feed.send(CaptureBaseline("x", test="nope"))
        sink = ListSink()
        feed.run(sink, should_stop=lambda: False)
        rejected = [r for r in sink.got if isinstance(r, QualityEvent)]
        assert rejected
        assert rejected[0].kind == "command_rejected"

    async def test_in_the_app_worker(self, clock: FrozenClock) -> None:
        """In the console, the worker thread's snapshots and records reach the screen."""
        feed = LocalEngineFeed(Engine(engine_spec()), ListSource(30.0))
        app = make_app(feed, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(250):
                await pilot.pause(0.02)
                if app.feed_state == "ended":
                    break
            assert app.feed_state == "ended"
            screen = await settle(pilot)
            assert screen.shown_seq == app.latest.snapshot.seq  # type: ignore[union-attr]
            history = "\n".join(app.screen.query_one(EventLog).history)
            assert "baseline auto captured for ssep-ul-l" in history


class TestScriptedFeed:
    def test_delivers_records_then_snapshots_and_remembers_commands(
        self, scenario: Scenario
    ) -> None:
        """The script plays in order; pushed items follow; commands are kept, not run."""
        feed = ScriptedFeed(scenario.snapshots[:3], scenario.records, hold=False)
        feed.push(scenario.snapshots[3])
        sink = ListSink()
        feed.run(sink, should_stop=lambda: False)
        assert [s.seq for s, _ in sink.snapshots] == [s.seq for s in scenario.snapshots[:4]]
        assert {c for _, c in sink.snapshots} == {scenario.snapshots[0].t}
        assert sink.got == loggable(scenario.records)
        feed.send(Annotate("x"))
        assert feed.sent == [Annotate("x")]

    def test_stops_when_asked(self) -> None:
        """A holding feed returns once should_stop says so."""
        calls = iter([False, False, True])
        ScriptedFeed().run(ListSink(), should_stop=lambda: next(calls))

    def test_arrays_in_snapshots_are_read_only(self, scenario: Scenario) -> None:
        """What crosses threads cannot be written to (a guard on the engine's promise)."""
        view = scenario.final.tests[0]
        assert view.average_uv is not None
        assert not view.average_uv.flags.writeable
        assert not np.asarray(view.trend_primary).flags.writeable
