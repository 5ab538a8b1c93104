"""The worker loop: feeds the engine, applies commands, publishes snapshots at a bounded rate."""

from __future__ import annotations

import queue
from collections.abc import Sequence

import numpy as np

from ionm_tui.engine import (
    AveragingSpec,
    CaptureBaseline,
    Chunk,
    Engine,
    EngineSnapshot,
    EngineSpec,
    Marker,
    PeakSpec,
    QualityEvent,
    Record,
    StreamSpec,
    TestSpec,
    TrendPoint,
)
from ionm_tui.engine.runner import run_engine

FS = 1000.0


class ListSource:
    """A finite source handing out prepared batches, one per drain."""

    def __init__(self, batches: list[list[Chunk | Marker]]) -> None:
        self._batches = batches

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        return self._batches.pop(0) if self._batches else []

    @property
    def finished(self) -> bool:
        return not self._batches

    def health(self) -> tuple[object, ...]:
        return ("healthy",)


def _engine() -> Engine:
    test = TestSpec(
        id="t",
        marker="S",
        channels=("A",),
        window_ms=(0.0, 50.0),
        averaging=AveragingSpec("block", 4),
        peaks=(PeakSpec("P20", 1, (10.0, 30.0)),),
    )
    return Engine(EngineSpec(StreamSpec(("A",), FS), (test,)))


def _batches() -> list[list[Chunk | Marker]]:
    ts = np.arange(4000) / FS
    x = np.zeros((4000, 1))
    stim = np.arange(100, 3900, 200)
    for s in stim:
        x[s + 20, 0] = 5.0
    batches: list[list[Chunk | Marker]] = []
    for i in range(0, 4000, 100):
        items: list[Chunk | Marker] = [Marker(float(ts[s]), "S") for s in stim if i <= s < i + 100]
        items.append(Chunk(ts[i : i + 100], x[i : i + 100]))
        batches.append(items)
    return batches


def test_runs_a_finite_source_to_the_end_and_publishes_health() -> None:
    """A finite source is consumed completely; the last snapshot carries the source's health."""
    records: list[Record] = []
    published: list[EngineSnapshot] = []
    snap = run_engine(
        _engine(), ListSource(_batches()), publish=published.append, on_records=records.extend
    )
    points = [r for r in records if isinstance(r, TrendPoint)]
    assert len(points) == 19 // 4
    assert points[0].amplitude_uv == 5.0
    assert snap.streams == ("healthy",)
    assert published[-1] is snap
    assert snap.tests[0].accepted == 19


def test_publishes_at_most_at_the_given_rate() -> None:
    """With a clock that does not advance, only the first and the final snapshot are published."""
    published: list[EngineSnapshot] = []
    run_engine(_engine(), ListSource(_batches()), publish=published.append, clock=lambda: 0.0)
    assert len(published) == 2


def test_commands_are_applied_and_bad_ones_reported() -> None:
    """Queued commands run between chunks; one naming an unknown test becomes a quality record."""
    commands: queue.SimpleQueue = queue.SimpleQueue()
    commands.put(CaptureBaseline("early"))  # no average yet: rejected, reported
    commands.put(CaptureBaseline("x", test="nope"))
    records: list[Record] = []
    run_engine(
        _engine(),
        ListSource(_batches()),
        publish=lambda s: None,
        on_records=records.extend,
        commands=commands,
    )
    rejected = [r for r in records if isinstance(r, QualityEvent) and r.kind == "command_rejected"]
    assert len(rejected) == 2
    assert "no test has an average yet" in rejected[0].detail
    assert "'nope'" in rejected[1].detail


def test_stops_when_asked() -> None:
    """should_stop ends the loop before the source is exhausted."""
    src = ListSource(_batches())
    calls = iter([False, False, True])
    run_engine(_engine(), src, publish=lambda s: None, should_stop=lambda: next(calls))
    assert not src.finished
