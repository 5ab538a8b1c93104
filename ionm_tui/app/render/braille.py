"""A tiny braille plotter: traces become 2×4-dot cells, several layers, one style per cell."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Bit of each dot in a braille cell, indexed [row 0..3][column 0..1] (Unicode's dot numbering).
_WEIGHTS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int64)
BLANK = -1
"""Layer index of a cell with no dots."""


def column_ranges(
    times: ArrayLike, values: ArrayLike, t_range: tuple[float, float], n_cols: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The min and max of a trace within each of ``n_cols`` equal time columns.

    Columns holding several samples keep their whole excursion (nothing is lost by decimating);
    columns between samples get the linear interpolation at their centre.

    Args:
        times: (n,) sample times, increasing.
        values: (n,) values; NaN/inf samples are skipped.
        t_range: (start, end) time shown across the columns.
        n_cols: number of columns.

    Returns:
        ``(lo, hi)``, each (n_cols,); NaN where the trace has no value.
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    nan = np.full(n_cols, np.nan)
    t0, t1 = t_range
    ok = np.isfinite(t) & np.isfinite(y)
    if n_cols <= 0 or t1 <= t0 or ok.sum() == 0:
        return nan, nan.copy()
    t, y = t[ok], y[ok]
    centres = t0 + (np.arange(n_cols) + 0.5) * (t1 - t0) / n_cols
    inside = (centres >= t[0]) & (centres <= t[-1])
    base = np.where(inside, np.interp(centres, t, y), np.nan)
    lo, hi = base.copy(), base.copy()
    col = np.floor((t - t0) / (t1 - t0) * n_cols).astype(np.int64)
    keep = (col >= 0) & (col < n_cols)
    np.fmin.at(lo, col[keep], y[keep])
    np.fmax.at(hi, col[keep], y[keep])
    return lo, hi


def raster(lo_px: ArrayLike, hi_px: ArrayLike, n_rows: int) -> NDArray[np.bool_]:
    """Fill each column between two pixel rows, joined to its neighbours so lines connect.

    Args:
        lo_px: (n_cols,) top pixel row of each column's span (0 = top; float; NaN = nothing).
        hi_px: (n_cols,) bottom pixel row (≥ ``lo_px``).
        n_rows: canvas height in pixels; spans are clipped to it.

    Returns:
        (n_rows, n_cols) boolean pixels.
    """
    top = np.asarray(lo_px, dtype=float).copy()
    bot = np.asarray(hi_px, dtype=float).copy()
    if top.size > 1:
        a_top, a_bot = top.copy(), bot.copy()
        nxt_top, nxt_bot = a_top[1:], a_bot[1:]
        down = nxt_top > a_bot[:-1]  # the next column starts below this one: meet halfway
        mid = (nxt_top + a_bot[:-1]) / 2.0
        bot[:-1] = np.where(down, np.fmax(bot[:-1], mid), bot[:-1])
        top[1:] = np.where(down, np.fmin(top[1:], mid), top[1:])
        up = nxt_bot < a_top[:-1]
        mid = (nxt_bot + a_top[:-1]) / 2.0
        top[:-1] = np.where(up, np.fmin(top[:-1], mid), top[:-1])
        bot[1:] = np.where(up, np.fmax(bot[1:], mid), bot[1:])
    with np.errstate(invalid="ignore"):
        r0 = np.clip(np.round(top), 0, n_rows - 1)
        r1 = np.clip(np.round(bot), 0, n_rows - 1)
    rows = np.arange(n_rows, dtype=float)[:, np.newaxis]
    return (rows >= r0[np.newaxis, :]) & (rows <= r1[np.newaxis, :])


def to_pixel_rows(values: ArrayLike, v_range: tuple[float, float], n_rows: int) -> NDArray:
    """Map values to pixel rows: ``v_range[1]`` at row 0 (top), ``v_range[0]`` at the bottom."""
    v = np.asarray(values, dtype=float)
    lo, hi = v_range
    span = hi - lo if hi > lo else 1.0
    return (hi - v) / span * (n_rows - 1)


class Canvas:
    """Braille cells of ``width`` × ``height`` with layers; earlier layers win a cell's style.

    Args:
        width: cells across (2 pixels each).
        height: cells down (4 pixels each).
        layers: number of layers.
    """

    def __init__(self, width: int, height: int, layers: int) -> None:
        self.width = max(0, width)
        self.height = max(0, height)
        self.pixels = np.zeros((layers, 4 * self.height, 2 * self.width), dtype=bool)

    @property
    def px_width(self) -> int:
        """Pixels across."""
        return 2 * self.width

    @property
    def px_height(self) -> int:
        """Pixels down."""
        return 4 * self.height

    def trace(
        self,
        layer: int,
        times: ArrayLike,
        values: ArrayLike,
        t_range: tuple[float, float],
        v_range: tuple[float, float],
        *,
        rows: tuple[int, int] | None = None,
    ) -> None:
        """Draw one trace on ``layer``, optionally inside a band of pixel rows ``[r0, r1)``."""
        if self.width == 0 or self.height == 0:
            return
        r0, r1 = rows if rows is not None else (0, self.px_height)
        n = max(1, r1 - r0)
        lo, hi = column_ranges(times, values, t_range, self.px_width)
        top = to_pixel_rows(hi, v_range, n) + r0  # the larger value is higher up
        bot = to_pixel_rows(lo, v_range, n) + r0
        self.pixels[layer] |= raster(top, bot, self.px_height)

    def cells(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(codes, layer)``, each (height, width): braille bits (OR of all layers) and the
        first layer with a dot in the cell (``BLANK`` for none)."""
        n_layers = self.pixels.shape[0]
        h, w = self.height, self.width
        per = self.pixels.reshape(n_layers, h, 4, w, 2).transpose(0, 1, 3, 2, 4)
        codes = (per * _WEIGHTS).sum(axis=(3, 4))  # (layers, h, w)
        has = codes > 0
        first = np.where(has.any(axis=0), has.argmax(axis=0), BLANK)
        return np.bitwise_or.reduce(codes, axis=0) if n_layers else codes, first


def braille(code: int) -> str:
    """The character for a dot pattern (a space for none, which costs fewer bytes)."""
    return chr(0x2800 + code) if code else " "
