"""Record a case while it is monitored: every input stream plus the console's own records, as XDF.

``RecordingSource`` wraps the source the engine worker drains: whatever it hands on is written
first, so the recording holds exactly what the engine saw (data chunks, markers) and nothing is
lost to a second reader. The console's records (trends, alerts, annotations …) go into a third,
string stream ``ionm-tui-results`` as JSON lines, so one file replays the whole case. Everything
is fsync'd at least every ``sync_interval_s``: a crash loses at most that much.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import Chunk, Marker
from ..engine.runner import Source
from .xdf_writer import XdfWriter


class RecordingSource:
    """A ``Source`` that writes what passes through it to an XDF file.

    Args:
        source: the real source (live inlets).
        path: the XDF file to create (never overwritten).
        data: ``stream`` record of the data stream (name, source_id, hostname, sfreq_hz,
            channels, units).
        markers: ``stream`` record of the marker stream, or None.
        sync_interval_s: the longest time written data may wait before it is fsync'd.
        clock: monotonic seconds (injectable for tests).

    Raises:
        StreamError: the file exists or cannot be created.
    """

    def __init__(
        self,
        source: Source,
        path: str | Path,
        *,
        data: dict[str, Any],
        markers: dict[str, Any] | None,
        sync_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.path = Path(path)
        self._writer = XdfWriter(self.path)
        w = self._writer
        n = len(data["channels"])
        self._data_id = w.add_stream(
            data["name"], "EEG", n, float(data["sfreq_hz"]), "float32",
            data.get("source_id") or "", labels=list(data["channels"]),
            units=list(data.get("units") or ["microvolts"] * n), hostname=data.get("hostname"),
        )  # fmt: skip
        self._marker_id = (
            w.add_stream(
                markers["name"],
                "Markers",
                1,
                0.0,
                "string",
                markers.get("source_id") or "",
                hostname=markers.get("hostname"),
            )
            if markers is not None
            else None
        )
        self._results_id = w.add_stream(
            "ionm-tui-results", "ionm-tui-results", 1, 0.0, "string", f"ionm-tui-results-{id(self)}"
        )
        self._interval = sync_interval_s
        self._clock = clock
        self._last_sync = clock()
        self.bytes_written = 0
        self.error: str | None = None

    # --- Source interface -------------------------------------------------------------------------

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        """The wrapped source's items, written to the file before they are handed on."""
        items = self.source.drain(timeout_s)
        if items and self.error is None:
            markers: list[Marker] = []
            try:
                for item in items:
                    if isinstance(item, Chunk):
                        self._writer.write_samples(
                            self._data_id, item.timestamps, np.asarray(item.samples, np.float32)
                        )
                    else:
                        markers.append(item)
                if markers and self._marker_id is not None:
                    ts = np.array([m.timestamp for m in markers])
                    self._writer.write_samples(self._marker_id, ts, [[m.value] for m in markers])
            except OSError as err:
                self._fail(err)
        self._maybe_sync()
        return items

    @property
    def finished(self) -> bool:
        """As the wrapped source."""
        return self.source.finished

    def health(self) -> tuple[object, ...]:
        """As the wrapped source."""
        return self.source.health()

    # --- the console's own records ----------------------------------------------------------------

    def write_results(self, lines: Sequence[tuple[float, str]]) -> None:
        """Add result records ``(t, json_line)`` to the results stream (NaN t: now's data time)."""
        if not lines or self.error is not None:
            return
        ts = np.array([t for t, _ in lines], dtype=np.float64)
        if not np.isfinite(ts).all():
            # A record with no data time (a rejected command) is stamped like its neighbours.
            last = next((t for t in ts[::-1] if math.isfinite(t)), 0.0)
            ts = np.where(np.isfinite(ts), ts, last)
        try:
            self._writer.write_samples(self._results_id, ts, [[s] for _, s in lines])
        except OSError as err:
            self._fail(err)

    def status(self) -> str:
        """One line for the status bar."""
        if self.error:
            return f"RECORDING FAILED: {self.error}"
        return f"recording {self.path.name} ({self._writer.bytes_written / 1e6:.1f} MB)"

    def close(self) -> None:
        """Write footers, fsync and close the file; close the wrapped source if it can."""
        try:
            self._writer.close()
        except OSError as err:
            self._fail(err)
        close = getattr(self.source, "close", None)
        if close is not None:
            close()

    def _maybe_sync(self) -> None:
        now = self._clock()
        if now - self._last_sync >= self._interval and self.error is None:
            try:
                self._writer.flush()
            except OSError as err:
                self._fail(err)
            self._last_sync = now

    def _fail(self, err: OSError) -> None:
        # Monitoring goes on; the status bar says loudly that the recording stopped.
        self.error = f"{self.path}: {err.strerror or err}"
