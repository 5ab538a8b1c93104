"""A one-row trend as block characters: one cell per point, newest at the right."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

BARS = "▁▂▃▄▅▆▇█"
"""Eight levels, lowest first."""

GAP = "·"
"""Drawn for a point that is missing or non-finite (NaN, ±inf, None)."""


def sparkline(values: Iterable[float | None], width: int, *, zero_based: bool = True) -> str:
    """Draw the last ``width`` points of ``values`` as a string of exactly ``width`` cells.

    Args:
        values: the series, oldest first (list, tuple or numpy array; None/NaN/inf allowed).
        width: cells to fill; fewer points are right-aligned behind spaces.
        zero_based: scale from 0 (so a 50 % drop looks like half the height) unless the data
            go below 0; otherwise scale from the minimum.

    Returns:
        The sparkline; all spaces when there is nothing to draw.
    """
    if width <= 0:
        return ""
    arr = np.array([np.nan if v is None else v for v in values], dtype=float)[-width:]
    if arr.size == 0:
        return " " * width
    ok = np.isfinite(arr)
    if not ok.any():
        return " " * (width - arr.size) + GAP * arr.size
    lo, hi = float(arr[ok].min()), float(arr[ok].max())
    if zero_based:
        lo = min(lo, 0.0)
    span = hi - lo
    if span <= 0 or not np.isfinite(span):
        levels = np.full(arr.shape, len(BARS) // 2 - 1)  # constant: a flat middle line
    else:
        scaled = (np.where(ok, arr, lo) - lo) / span
        levels = np.clip(np.round(scaled * (len(BARS) - 1)), 0, len(BARS) - 1).astype(int)
    pairs = zip(levels.tolist(), ok.tolist(), strict=True)
    chars = [BARS[lv] if good else GAP for lv, good in pairs]
    return " " * (width - arr.size) + "".join(chars)
