"""The engine worker loop: drain a source, feed the engine, apply commands, publish snapshots.

One loop serves every front end — the console's worker thread, headless analysis, replay — so
there is no second code path. It knows nothing about Textual or LSL: the source, the publisher and
the record sink are plain callables.
"""

from __future__ import annotations

import dataclasses
import math
import queue
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from .chunk import Chunk, Marker
from .commands import Command
from .engine import Engine, Record
from .records import QualityEvent
from .snapshot import EngineSnapshot


class Source(Protocol):
    """Where chunks and markers come from (LSL inlets, an XDF file, the simulator)."""

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        """Everything received so far, in arrival order; wait up to ``timeout_s`` for the first."""
        ...

    @property
    def finished(self) -> bool:
        """True once a finite source (a file) has delivered everything."""
        ...

    def health(self) -> tuple[object, ...]:
        """Per-stream health records (see ``ionm_tui.streams.health``)."""
        ...


def run_engine(
    engine: Engine,
    source: Source,
    *,
    publish: Callable[[EngineSnapshot], None] | None,
    on_records: Callable[[list[Record]], None] | None = None,
    commands: queue.SimpleQueue[Command] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    publish_hz: float = 10.0,
    poll_s: float = 0.05,
    clock: Callable[[], float] = time.monotonic,
) -> EngineSnapshot:
    """Run until ``should_stop()`` or until a finite source is exhausted.

    Args:
        engine: the engine (owned by this loop's thread from now on).
        source: the input.
        publish: receives a snapshot at most ``publish_hz`` times per second (and a final one);
            it must not block (the console posts a message). None (headless runs): no snapshot
            is made until the final one, which is returned.
        on_records: receives every record, in order, as soon as the engine emits it.
        commands: commands from other threads, applied between chunks; a rejected command
            becomes a ``command_rejected`` quality record naming the reason.
        should_stop: polled between batches.
        publish_hz: maximum snapshot rate.
        poll_s: how long to wait for input before checking ``should_stop`` again.
        clock: monotonic seconds (injectable for tests).

    Returns:
        The final snapshot (the last one published, if any were).
    """
    if not (math.isfinite(publish_hz) and publish_hz > 0):
        raise ValueError(f"publish_hz must be positive; got {publish_hz!r}")
    interval = 1.0 / publish_hz
    last_publish = -math.inf
    while not should_stop():
        items = source.drain(poll_s)
        _apply_commands(engine, commands)
        markers: list[Marker] = []
        for item in items:
            if isinstance(item, Chunk):
                if markers:
                    engine.feed_markers(markers)
                    markers = []
                engine.feed(item)
                _apply_commands(engine, commands)
            else:
                markers.append(item)
        if markers:
            engine.feed_markers(markers)
        records = engine.drain_records()
        if records and on_records is not None:
            on_records(records)
        now = clock()
        if publish is not None and now - last_publish >= interval:
            publish(_snapshot(engine, source))
            last_publish = now
        if not items and source.finished:
            break
    records = engine.drain_records()
    if records and on_records is not None:
        on_records(records)
    snap = _snapshot(engine, source)
    if publish is not None:
        publish(snap)
    return snap


def _snapshot(engine: Engine, source: Source) -> EngineSnapshot:
    return dataclasses.replace(engine.snapshot(), streams=tuple(source.health()))


def _apply_commands(engine: Engine, commands: queue.SimpleQueue[Command] | None) -> None:
    if commands is None:
        return
    while True:
        try:
            command = commands.get_nowait()
        except queue.Empty:
            return
        try:
            engine.apply(command)
        except ValueError as err:
            # A command from a person may name a test or baseline that doesn't exist: say so in
            # the record instead of ending the worker.
            engine.note(QualityEvent("command_rejected", math.nan, str(err)))
