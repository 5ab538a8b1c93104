"""Frozen inputs to the engine: a block of data samples and a stimulus marker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Chunk:
    """A block of consecutive samples from one regular-rate data stream.

    Attributes:
        timestamps: shape (n_times,), float64 LSL seconds of each sample.
        samples: shape (n_times, n_channels), in the stream's own unit (the engine's
            ``StreamSpec.scale_to_uv`` converts to µV). Time is axis 0.
        stream: the name of the stream the chunk came from (for health and records).
    """

    timestamps: NDArray[np.float64]
    samples: NDArray[np.floating]
    stream: str = "data"

    def __post_init__(self) -> None:
        ts, x = self.timestamps, self.samples
        if (
            type(ts) is np.ndarray
            and type(x) is np.ndarray
            and ts.dtype == np.float64
            and ts.ndim == 1
            and x.ndim == 2
            and ts.shape[0] == x.shape[0]
        ):
            return  # the acquisition path's shape already: no copies, no checks to repeat
        ts = np.asarray(ts, dtype=np.float64)
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[:, np.newaxis]
        if ts.ndim != 1 or x.ndim != 2 or ts.shape[0] != x.shape[0]:
            raise ValueError(
                f"Chunk: timestamps must have shape (n,) and samples (n, n_channels); "
                f"got {ts.shape} and {np.shape(self.samples)}"
            )
        object.__setattr__(self, "timestamps", ts)
        object.__setattr__(self, "samples", x)

    @property
    def n_times(self) -> int:
        """Number of samples in the chunk."""
        return int(self.timestamps.shape[0])


@dataclass(frozen=True, slots=True)
class Marker:
    """One event from a marker stream: a string payload at an LSL timestamp.

    Attributes:
        timestamp: LSL seconds, on the same clock as the data stream's timestamps.
        value: the marker string, e.g. ``"SSEP_LT"`` or ``"TCMEP 350V"``; its first
            whitespace-separated token selects the test(s) it triggers.
    """

    timestamp: float
    value: str
