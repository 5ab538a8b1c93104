"""The feed of a reviewed case: snapshots rebuilt from its records wherever the cursor goes."""

from __future__ import annotations

import math
import queue
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..engine import Command, EngineSnapshot, QualityEvent
from ..session.review import ReviewCase
from .feed import FeedSink
from .render import format as fmt


@dataclass(frozen=True, slots=True)
class RecordedStream:
    """A reviewed case's input stream, for the status bar (shaped like ``StreamHealth``)."""

    name: str
    kind: str
    nominal_srate_hz: float
    effective_srate_hz: float
    state: str = "recorded"


@dataclass(frozen=True, slots=True)
class Seek:
    """Move the review cursor: ``how`` as :meth:`ReviewCase.step` (with ``n`` and ``test``), or
    ``"at"`` to go to ``t``."""

    how: str
    n: int = 1
    test: str | None = None
    t: float = math.nan
    """For ``how="at"``: where to go, LSL seconds."""


class ReviewFeed:
    """Serves a :class:`ReviewCase` to the console, read-only.

    The worker thread owns the case: it builds the snapshot at the cursor whenever a :class:`Seek`
    arrives (several queued seeks are applied in order, one snapshot for all), so a slow read of
    averages from a large file never blocks the keyboard. Engine commands are refused: nothing in
    a reviewed case changes.

    Args:
        case: the case under review.
        start_at: where the cursor starts, LSL seconds (default: the end of the case).
    """

    def __init__(self, case: ReviewCase, *, start_at: float = math.inf) -> None:
        self.case = case
        self.cursor_t = case.clamp(start_at)
        """Where the cursor is (LSL seconds); written by the worker, read by the UI."""
        self.recording = self._position()
        """For the status bar: where the cursor is in the case, and that this is a review."""
        self.refused: list[Command] = []
        """Engine commands that arrived (none is carried out)."""
        self._seeks: queue.SimpleQueue[Seek] = queue.SimpleQueue()
        self._streams = tuple(
            RecordedStream(
                str(s.get("name", "?")),
                str(s.get("kind", "data")),
                float(s.get("sfreq_hz") or 0.0),
                float(s.get("sfreq_hz") or math.nan),  # irregular (markers): no rate to show
            )
            for s in case.index.streams
        )

    def _snapshot(self, t: float) -> EngineSnapshot:
        return replace(self.case.snapshot_at(t), streams=self._streams)

    def seek(self, how: str, n: int = 1, test: str | None = None) -> None:
        """Ask for the cursor to move (thread-safe, non-blocking)."""
        self._seeks.put(Seek(how, n, test))

    def seek_to(self, t: float) -> None:
        """Ask for the cursor to go to ``t`` (LSL seconds; kept within the case)."""
        self._seeks.put(Seek("at", 0, None, t))

    def send(self, command: Command) -> None:
        """Refuse an engine command: review is read-only."""
        self.refused.append(command)

    def run(self, sink: FeedSink, should_stop: Callable[[], bool]) -> None:
        """Show the cursor's snapshot, then follow seeks until stopped."""
        case = self.case
        sent = 0

        def show(t: float) -> None:
            nonlocal sent
            snap = self._snapshot(t)
            notes = case.notes[sent:]  # problems found so far (reading averages finds more)
            sent += len(notes)
            if notes:
                sink.records(tuple(QualityEvent("review", math.nan, n) for n in notes))
            sink.snapshot(snap, case.case_start_t)

        show(self.cursor_t)
        while not should_stop():
            try:
                seek = self._seeks.get(timeout=0.05)
            except queue.Empty:
                continue
            t = self.cursor_t
            while True:
                if seek.how == "at":
                    t = case.clamp(seek.t)
                else:
                    t = case.step(t, seek.how, seek.n, seek.test)
                try:
                    seek = self._seeks.get_nowait()
                except queue.Empty:
                    break
            if t != self.cursor_t:
                self.cursor_t = t
                self.recording = self._position()
                show(t)

    def _position(self) -> str:
        case, t = self.case, self.cursor_t
        start = case.case_start_t
        if not (math.isfinite(t) and math.isfinite(start)):
            return f"REVIEW (read-only) {case.index.path.name}"
        end = case.end_t if math.isfinite(case.end_t) else t
        if t >= end:
            return "REVIEW: end of case"
        return f"REVIEW: case ends {fmt.clock(end - start)}"
