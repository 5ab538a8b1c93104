"""The whole engine setup: the data stream and every monitored test, of any modality."""

from __future__ import annotations

from dataclasses import dataclass

from .modality_specs import EegSpec, FreeRunEmgSpec, SingleSweepSpec
from .specs import StreamSpec, TestSpec, check_positive

AnyTestSpec = TestSpec | SingleSweepSpec | FreeRunEmgSpec | EegSpec
"""Any monitored test: averaged, single-sweep, free-run EMG or EEG."""


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """Everything the engine needs: the data stream and the tests.

    Attributes:
        stream: the data stream layout.
        tests: the monitored tests (any modality); ids must be unique.
        buffer_s: seconds of data kept for cutting sweeps; markers arriving later than this
            after their stimulus are dropped as too old.
        max_pending: markers waiting for their data beyond this are dropped, oldest first.
        trend_history: trend points kept per test for sparklines in snapshots.
        waterfall_depth: past averages kept per test for the stacked view.
    """

    stream: StreamSpec
    tests: tuple[AnyTestSpec, ...]
    buffer_s: float = 10.0
    max_pending: int = 2000
    trend_history: int = 240
    waterfall_depth: int = 12

    def __post_init__(self) -> None:
        ids = [t.id for t in self.tests]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"test ids must be unique; duplicated: {', '.join(dupes)}")
        check_positive("buffer_s", self.buffer_s)
        for name in ("max_pending", "trend_history", "waterfall_depth"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer ≥ 1; got {v!r}")
