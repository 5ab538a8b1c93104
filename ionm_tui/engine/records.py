"""Frozen records the engine emits besides trend points and alert events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class AverageRecord:
    """The waveform behind one update.

    Attributes:
        test: test id.
        seq: update number (matches the trend point's).
        t: LSL seconds of the newest sweep's stimulus.
        times_ms: (n_times,) sample times.
        channels: channel expressions, one per column.
        values_uv: (n_times, n_channels) the average, µV, unfiltered (read-only).
        pm_uv: (n_times, n_channels) the ± average, µV (read-only).
        sweeps: sweeps behind it (effective for EWMA).
        mode: averaging mode.
    """

    test: str
    seq: int
    t: float
    times_ms: NDArray[np.float64]
    channels: tuple[str, ...]
    values_uv: NDArray[np.float64]
    pm_uv: NDArray[np.float64]
    sweeps: float
    mode: str


@dataclass(frozen=True, slots=True)
class BaselineRecord:
    """A baseline was captured or selected.

    Attributes:
        test: test id.
        name: baseline name.
        action: ``"captured"`` or ``"selected"``.
        t: LSL seconds when it was captured or selected (the data clock then; for the
            automatic first baseline, the time of its update).
        amplitude_uv: its trended amplitude.
        latency_ms: its trended latency.
    """

    test: str
    name: str
    action: str
    t: float
    amplitude_uv: float
    latency_ms: float


@dataclass(frozen=True, slots=True)
class QualityEvent:
    """Something about the data itself: a gap, a clock reset, a malformed chunk, a dropped sweep.

    Attributes:
        kind: ``"gap"``, ``"clock_reset"``, ``"bad_timestamps"``, ``"channel_mismatch"``,
            ``"sweep_dropped"``.
        t: LSL seconds where it happened (NaN when unknown).
        detail: one plain sentence.
        test: the test concerned, if any.
        duration_s: for gaps, how long the hole is.
    """

    kind: str
    t: float
    detail: str
    test: str | None = None
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class AnnotationRecord:
    """A note the team made, timestamped on the data clock.

    Attributes:
        t: LSL seconds (the newest data sample when it was made).
        text: the note, stored literally (never interpreted as markup).
        tags: quick tags, e.g. ``("anaesthetic_change",)``.
    """

    t: float
    text: str
    tags: tuple[str, ...] = ()
