"""Where the console's snapshots and records come from, and where its commands go."""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ..engine import (
    AlertEvent,
    AnnotationRecord,
    BaselineRecord,
    Command,
    Engine,
    EngineSnapshot,
    QualityEvent,
    Record,
)
from ..engine.runner import Source, run_engine

LOGGED_RECORDS = (AlertEvent, AnnotationRecord, BaselineRecord, QualityEvent)
"""Records forwarded to the event log; averages and trend points travel in snapshots instead."""


class FeedSink(Protocol):
    """Receives what a feed produces; the app's implementation posts Textual messages."""

    def snapshot(self, snapshot: EngineSnapshot, case_start_t: float) -> None:
        """A new snapshot (must not block)."""
        ...

    def records(self, records: tuple[Record, ...]) -> None:
        """Records for the event log, in order (must not block)."""
        ...


class Feed(Protocol):
    """A snapshot/record source with a command inbox: the local engine, a script, or a viewer."""

    recording: str
    """What the status bar says about recording, e.g. ``"not recording"``."""

    def run(self, sink: FeedSink, should_stop: Callable[[], bool]) -> None:
        """Deliver until ``should_stop()`` or the end of the data (called in a worker thread)."""
        ...

    def send(self, command: Command) -> None:
        """Queue a command for the engine (thread-safe, non-blocking)."""
        ...


def loggable(records: Iterable[Record]) -> list[Record]:
    """The records the event log shows."""
    return [r for r in records if isinstance(r, LOGGED_RECORDS)]


class CaseStart:
    """Remembers the data time of the first snapshot with data: the case clock's zero."""

    def __init__(self) -> None:
        self.t = math.nan

    def see(self, t: float) -> float:
        """Note a snapshot's data time; return the case start."""
        if math.isnan(self.t) and math.isfinite(t):
            self.t = t
        return self.t


class RecordThrottle:
    """Holds log records and lets them out at most ``hz`` times per second.

    Alerts, annotations and baselines always pass. Data-quality records beyond ``max_quality``
    per release are counted and summarised in one line, so a flood (a gap on every chunk) can't
    swamp the log or the UI.

    Args:
        hz: most releases per second.
        max_quality: quality records let through per release.
    """

    def __init__(self, hz: float = 4.0, max_quality: int = 20) -> None:
        self._interval = 1.0 / hz
        self._max_quality = max_quality
        self._held: list[Record] = []
        self._quality = 0
        self._suppressed = 0
        self._last = -math.inf

    def add(self, records: Iterable[Record]) -> None:
        """Hold the loggable ones among ``records``."""
        for r in loggable(records):
            if isinstance(r, QualityEvent):
                if self._quality >= self._max_quality:
                    self._suppressed += 1
                    continue
                self._quality += 1
            self._held.append(r)

    def take(self, now: float, *, force: bool = False) -> tuple[Record, ...]:
        """Everything held, if a release is due (or ``force``); else nothing."""
        if not force and now - self._last < self._interval:
            return ()
        if not self._held and not self._suppressed:
            return ()
        out = list(self._held)
        if self._suppressed:
            t = next((float(r.t) for r in reversed(out) if math.isfinite(r.t)), math.nan)
            out.append(
                QualityEvent(
                    "log_throttled",
                    t,
                    f"{self._suppressed} more data-quality records not shown here "
                    "(they are still in the record)",
                )
            )
        self._held, self._quality, self._suppressed, self._last = [], 0, 0, now
        return tuple(out)


class LocalEngineFeed:
    """Runs the engine in this process: ``run_engine`` in the app's worker thread.

    Args:
        engine: the engine (owned by the worker thread once ``run`` starts).
        source: chunks and markers (LSL inlets, a replayed file, the simulator).
        publish_hz: most snapshots per second (the UI shows at most 10 per second anyway).
        records_hz: most event-log batches per second.
        max_quality: data-quality records forwarded per batch (the rest are counted).
        recording: initial recording state for the status bar.
        clock: monotonic seconds (injectable for tests).
        on_records: also receives every record, in the worker thread, as soon as it exists
            (the journal and the recording); it must not block for long.
        recording_status: called at each publish to refresh ``recording`` (e.g. file size, or a
            loud failure).
    """

    def __init__(
        self,
        engine: Engine,
        source: Source,
        *,
        publish_hz: float = 10.0,
        records_hz: float = 4.0,
        max_quality: int = 20,
        recording: str = "not recording",
        clock: Callable[[], float] = time.monotonic,
        on_records: Callable[[list[Record]], None] | None = None,
        recording_status: Callable[[], str] | None = None,
    ) -> None:
        self._engine = engine
        self._on_records = on_records
        self._recording_status = recording_status
        self._throttle = RecordThrottle(records_hz, max_quality)
        self._source = source
        self._publish_hz = publish_hz
        self._records_hz = records_hz
        self._max_quality = max_quality
        self._clock = clock
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self.recording = recording

    def send(self, command: Command) -> None:
        """Queue a command; the worker applies it between chunks."""
        self._commands.put(command)

    def _records(self, records: list[Record]) -> None:
        if self._on_records is not None:
            self._on_records(records)
        self._throttle.add(records)

    def run(self, sink: FeedSink, should_stop: Callable[[], bool]) -> None:
        """Run the engine loop until stopped or the source is exhausted."""
        throttle = self._throttle = RecordThrottle(self._records_hz, self._max_quality)
        start = CaseStart()

        def publish(snapshot: EngineSnapshot) -> None:
            if self._recording_status is not None:
                self.recording = self._recording_status()
            held = throttle.take(self._clock())
            if held:  # records first: a snapshot right behind them may still coalesce
                sink.records(held)
            sink.snapshot(snapshot, start.see(snapshot.t))

        run_engine(
            self._engine,
            self._source,
            publish=publish,
            on_records=self._records,
            commands=self._commands,
            should_stop=should_stop,
            publish_hz=self._publish_hz,
        )
        rest = throttle.take(self._clock(), force=True)
        if self._recording_status is not None:
            self.recording = self._recording_status()
        if rest:
            sink.records(rest)


class ScriptedFeed:
    """Plays prepared snapshots and records: deterministic, for tests, snapshots and review.

    Records are delivered first, then each snapshot in order. More can be pushed while the app
    runs. Commands are kept in :attr:`sent` (nothing executes them).

    Args:
        snapshots: snapshots to deliver, oldest first.
        records: records to deliver (the log shows the loggable ones).
        hold: keep running after the script (like a live feed) until stopped; False ends the
            feed once everything is delivered.
        fail_with: raise this after delivering the script (to exercise error handling).
        recording: the recording state to show.
    """

    def __init__(
        self,
        snapshots: Sequence[EngineSnapshot] = (),
        records: Sequence[Record] = (),
        *,
        hold: bool = True,
        fail_with: BaseException | None = None,
        recording: str = "not recording",
    ) -> None:
        self._inbox: queue.SimpleQueue[EngineSnapshot | tuple[Record, ...]] = queue.SimpleQueue()
        self._hold = hold
        self._fail_with = fail_with
        self.recording = recording
        self.sent: list[Command] = []
        """Every command the UI sent, in order."""
        self.push(records=records)
        for snap in snapshots:
            self.push(snap)

    def push(self, snapshot: EngineSnapshot | None = None, records: Sequence[Record] = ()) -> None:
        """Deliver more (thread-safe): records first, then the snapshot."""
        logged = tuple(loggable(records))
        if logged:
            self._inbox.put(logged)
        if snapshot is not None:
            self._inbox.put(snapshot)

    def send(self, command: Command) -> None:
        """Remember a command."""
        self.sent.append(command)

    def run(self, sink: FeedSink, should_stop: Callable[[], bool]) -> None:
        """Deliver the script, then wait for more until stopped (or return when not holding)."""
        start = CaseStart()
        while not should_stop():
            try:
                item = self._inbox.get(timeout=0.02)
            except queue.Empty:
                if self._fail_with is not None:
                    raise self._fail_with from None
                if not self._hold:
                    return
                continue
            if isinstance(item, EngineSnapshot):
                sink.snapshot(item, start.see(item.t))
            else:
                sink.records(item)
