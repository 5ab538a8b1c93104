"""Offline trigger detection on a stimulus channel (the engine does the same while streaming)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def find_rising_edges(stim: NDArray[np.floating], initial: float = 0.0) -> NDArray[np.int64]:
    """Events on a stimulus channel: where it rises from 0 to a non-zero code.

    Args:
        stim: shape (n_times,), the channel's values.
        initial: the value before the first sample (0 means a non-zero first sample is an event).

    Returns:
        shape (n_events, 2): sample index and code, as MNE's ``find_events`` with
        ``consecutive=False`` reports 0 → code transitions.
    """
    s = np.asarray(stim, dtype=np.float64)
    prev = np.concatenate(([initial], s[:-1]))
    idx = np.flatnonzero((prev == 0) & (s != 0) & np.isfinite(s))
    return np.column_stack((idx, s[idx].astype(np.int64))).astype(np.int64)
