"""Hypothesis strategies shared by the engine's property tests: chunkings of a record."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import strategies as st


@st.composite
def chunk_boundaries(draw: st.DrawFn, n_samples: int, max_chunk: int = 400) -> list[int]:
    """Cut points 0 = b0 < b1 < … < bk = n_samples splitting a record into chunks.

    Mixes single samples, small and large chunks, e.g. ``[0, 1, 2, 37, 400, 401, …, n]``.
    """
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    style = draw(st.sampled_from(["ones_then_big", "random", "tiny", "big"]))
    rng = np.random.default_rng(seed)
    cuts = [0]
    while cuts[-1] < n_samples:
        if style == "tiny":
            step = int(rng.integers(1, 4))
        elif style == "big":
            step = int(rng.integers(max_chunk // 2, max_chunk * 4))
        elif style == "ones_then_big":
            step = 1 if len(cuts) < 50 else int(rng.integers(1, max_chunk))
        else:
            step = int(rng.integers(1, max_chunk))
        cuts.append(min(n_samples, cuts[-1] + step))
    return cuts


def marker_positions(
    boundaries: list[int], marker_samples: np.ndarray, lag_chunks: int
) -> list[int]:
    """For each marker, the chunk index after which it is fed (markers lag their data by
    ``lag_chunks`` chunks, or lead it for negative values; clipped to the record)."""
    idx = np.searchsorted(np.asarray(boundaries[1:]), marker_samples, side="right")
    return [int(min(max(i + lag_chunks, -1), len(boundaries) - 2)) for i in idx]


def canon(value: object) -> object:
    """A comparable form of engine records: arrays as bytes, NaN as a token, dataclasses as
    tuples — so two runs can be compared bit for bit with ``==``."""
    if isinstance(value, np.ndarray):
        return (value.shape, value.tobytes())
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            *(canon(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, tuple | list):
        return tuple(canon(v) for v in value)
    return value
