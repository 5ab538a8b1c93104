"""The classic IONM trace display: the current average over its baseline, and a waterfall."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...engine import TestView
from . import format as fmt
from .braille import BLANK, Canvas, braille
from .sanitize import literal
from .table import sweeps_to_next_update

STYLE_KEYS: tuple[str, ...] = ("title", "axis", "current", "baseline", "waterfall", "peak", "note")
"""The styles :func:`render_waveform` needs, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "title": Style(bold=True),
    "axis": Style(dim=True),
    "current": Style(color="bright_white"),
    "baseline": Style(color="cyan", dim=True),
    "waterfall": Style(color="green"),
    "peak": Style(color="yellow", bold=True),
    "note": Style(dim=True, italic=True),
}


@dataclass(frozen=True, eq=False)
class WaveformModel:
    """What the waveform panel shows for one test and channel (arrays are read-only views).

    Attributes:
        label: the test's label.
        channel: the channel expression shown.
        channel_index: its column in the test's averages.
        n_channels: how many channels the test has.
        times_ms: (n_times,) sample times.
        current: (n_times,) the latest average on this channel (µV, as measured), or None.
        baseline: (n_times,) the selected baseline on this channel, or None.
        baseline_name: its name.
        peaks: (name, latency_ms, amplitude_uv) of the peaks measured on this channel.
        waterfall: successive averages on this channel, oldest first, µV.
        sweeps: sweeps behind the current average.
        zoom: amplitude zoom steps (each doubles the gain; 0 fits the data).
        waiting: text shown while there is no average yet.
    """

    label: str
    channel: str
    channel_index: int
    n_channels: int
    times_ms: NDArray[np.float64]
    current: NDArray[np.float64] | None
    baseline: NDArray[np.float64] | None
    baseline_name: str | None
    peaks: tuple[tuple[str, float, float], ...]
    waterfall: tuple[NDArray[np.float64], ...]
    sweeps: float | None
    zoom: int
    waiting: str


def measured_channel(view: TestView) -> int:
    """Index of the channel the test's trend is measured on (its first amplitude peak's)."""
    spec = view.spec
    # Only averaged tests name peaks; other modalities are measured on their first channel.
    peaks = getattr(spec, "peaks", ())
    amplitude = getattr(spec, "amplitude", ())
    names = [p.name for p in peaks]
    first = amplitude[0] if amplitude else (names[0] if names else None)
    if first is not None:
        ch = peaks[names.index(first)].channel
        if ch is not None and ch in spec.channels:
            return spec.channels.index(ch)
    return 0


def _column(a: NDArray[np.float64] | None, i: int) -> NDArray[np.float64] | None:
    if a is None or a.ndim != 2 or not 0 <= i < a.shape[1]:
        return None
    return a[:, i]


def waveform_model(view: TestView, channel_index: int, zoom: int) -> WaveformModel:
    """Slice one channel out of a test's view."""
    n = len(view.spec.channels)
    i = channel_index % n if n else 0
    channel = view.spec.channels[i] if n else ""
    latest = view.latest
    peaks = tuple(
        (p.name, p.latency_ms, p.amplitude_uv)
        for p in (latest.peaks if latest else ())
        if p.channel == channel
    )
    waterfall = tuple(
        col
        for rec in view.waterfall
        if (col := _column(rec.values_uv, i)) is not None and col.shape == view.times_ms.shape
    )
    per_update = sweeps_to_next_update(view)
    return WaveformModel(
        label=literal(view.spec.display_label, max_len=40),
        channel=literal(channel, max_len=30),
        channel_index=i,
        n_channels=n,
        times_ms=view.times_ms,
        current=_column(view.average_uv, i),
        baseline=_column(view.baseline_uv, i),
        baseline_name=view.baseline,
        peaks=peaks,
        waterfall=waterfall,
        sweeps=latest.sweeps if latest else None,
        zoom=zoom,
        waiting=(
            f"waiting for the first average ({view.in_progress}/{per_update} sweeps)"
            if per_update and view.in_progress >= 0
            else "no average yet"
            if per_update
            else "waiting for the first response"
        ),
    )


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``x`` (1.0 for non-positive or NaN)."""
    if not (math.isfinite(x) and x > 0):
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10.0**k >= x * (1 - 1e-12):
            return m * 10.0**k
    return 10.0 ** (k + 1)  # pragma: no cover - the loop always returns


def full_scale(traces: Sequence[NDArray[np.float64] | None], zoom: int) -> float:
    """Half-height of the plot in µV: the largest |value| rounded up nicely, divided by 2^zoom."""
    peak = 0.0
    for tr in traces:
        if tr is not None and tr.size:
            fin = np.abs(tr[np.isfinite(tr)])
            if fin.size:
                peak = max(peak, float(fin.max()))
    return nice_ceiling(peak * 1.05) / 2.0**zoom


class _Grid:
    """Characters and style names of a block of cells."""

    def __init__(self, width: int, height: int) -> None:
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [["axis"] * width for _ in range(height)]
        self.width, self.height = width, height

    def canvas(self, canvas: Canvas, layer_styles: Sequence[str]) -> None:
        codes, layer = canvas.cells()
        for r in range(min(self.height, canvas.height)):
            row_c, row_l, chars, styles = codes[r], layer[r], self.chars[r], self.styles[r]
            for c in np.flatnonzero(row_l != BLANK).tolist():
                chars[c] = braille(int(row_c[c]))
                styles[c] = layer_styles[int(row_l[c])]

    def text(self, row: int, col: int, text: str, style: str) -> None:
        if not 0 <= row < self.height:
            return
        for k, ch in enumerate(text):
            c = col + k
            if 0 <= c < self.width:
                self.chars[row][c] = ch
                self.styles[row][c] = style


def _overlay(model: WaveformModel, width: int, height: int) -> tuple[_Grid, float]:
    grid = _Grid(width, height)
    t = model.times_ms
    t_range = (float(t[0]), float(t[-1])) if t.size > 1 else (0.0, 1.0)
    fs = full_scale([model.current, model.baseline], model.zoom)
    if model.current is None and model.baseline is None:
        grid.text(height // 2, max(0, (width - len(model.waiting)) // 2), model.waiting, "note")
        return grid, fs
    canvas = Canvas(width, height, 2)
    if model.current is not None:
        canvas.trace(0, t, model.current, t_range, (-fs, fs))
    if model.baseline is not None:
        canvas.trace(1, t, model.baseline, t_range, (-fs, fs))
    grid.canvas(canvas, ("current", "baseline"))
    if model.current is None:
        grid.text(0, 0, model.waiting, "note")
    span = t_range[1] - t_range[0]
    for name, lat, amp in model.peaks:
        if not (math.isfinite(lat) and math.isfinite(amp)) or not t_range[0] <= lat <= t_range[1]:
            continue
        x = int((lat - t_range[0]) / span * (width - 1) + 0.5)
        y_px = (fs - max(-fs, min(fs, amp))) / (2 * fs) * (4 * height - 1)
        row = int(y_px // 4) + (-1 if amp >= 0 else 1)
        row = min(max(row, 0), height - 1)
        label = literal(name, max_len=6)
        grid.text(row, min(max(0, x - len(label) // 2), max(0, width - len(label))), label, "peak")
    return grid, fs


def _waterfall(model: WaveformModel, width: int, height: int) -> _Grid:
    grid = _Grid(width, height)
    traces = model.waterfall
    t = model.times_ms
    if not traces or t.size < 2:
        grid.text(height // 2, 1, "no averages yet", "note")
        return grid
    t_range = (float(t[0]), float(t[-1]))
    fs = full_scale(list(traces), model.zoom)
    canvas = Canvas(width, height, 2)
    slot = canvas.px_height / len(traces)
    for k, tr in enumerate(traces):  # oldest at the top, newest at the bottom
        centre = (k + 0.5) * slot
        rows = (round(centre - slot), round(centre + slot))
        canvas.trace(0 if k == len(traces) - 1 else 1, t, tr, t_range, (-fs, fs), rows=rows)
    grid.canvas(canvas, ("current", "waterfall"))
    return grid


def _axis(t: NDArray[np.float64], width: int, unit: str = " ms") -> str:
    if t.size < 2 or width < 8:
        return " " * width
    t0, t1 = float(t[0]), float(t[-1])
    left, mid, right = f"{t0:g}", f"{(t0 + t1) / 2:g}", f"{t1:g}{unit}"
    line = [" "] * width
    for i, ch in enumerate(left):
        line[i] = ch
    m0 = (width - len(mid)) // 2
    if m0 > len(left) + 1 and m0 + len(mid) < width - len(right) - 1:
        line[m0 : m0 + len(mid)] = list(mid)
    line[width - len(right) :] = list(right[-width:])
    return "".join(line)[:width]


def _strip(chars: Sequence[str], styles: Sequence[str], look: Mapping[str, Style]) -> Strip:
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(chars) + 1):
        if i == len(chars) or styles[i] != styles[start]:
            segments.append(Segment("".join(chars[start:i]), look[styles[start]]))
            start = i
    return Strip(segments, len(chars))


def render_waveform(
    model: WaveformModel | None,
    width: int,
    height: int,
    styles: Mapping[str, Style] = DEFAULT_STYLES,
) -> list[Strip]:
    """Draw the panel: a title line, the overlay (and the waterfall when wide), a time axis.

    Args:
        model: what to draw, or None (no test selected).
        width: cells across.
        height: lines.
        styles: a Rich style for each name in :data:`STYLE_KEYS`.

    Returns:
        Exactly ``height`` strips of ``width`` cells.
    """
    if width <= 0 or height <= 0:
        return []
    if model is None:
        rows = [[" "] * width for _ in range(height)]
        note = "no test selected"[:width]
        rows[0][: len(note)] = list(note)
        return [_strip(r, ["note"] * width, styles) for r in rows]
    plot_h = max(1, height - 2)
    wide = width >= 60 and height >= 6
    ow = (width - 1) * 11 // 20 if wide else width
    ww = width - ow - 1 if wide else 0
    overlay, fs = _overlay(model, ow, plot_h)
    sweeps = f" · {fmt.count(model.sweeps)} sw" if model.sweeps is not None else ""
    vs = f" vs {literal(model.baseline_name, max_len=24)}" if model.baseline_name else ""
    title = (
        f"{model.label} · {model.channel} ({model.channel_index + 1}/{model.n_channels})"
        f" · ±{fs:g} µV{sweeps}{vs}"
    )
    lines_c: list[list[str]] = []
    lines_s: list[list[str]] = []
    lines_c.append(list(title[:width].ljust(width)))
    lines_s.append(["title"] * width)
    if height >= 2:
        water = _waterfall(model, ww, plot_h) if wide else None
        for r in range(plot_h if height > 2 else 0):
            chars, sty = list(overlay.chars[r]), list(overlay.styles[r])
            if water is not None:
                chars += ["│", *water.chars[r]]
                sty += ["axis", *water.styles[r]]
            lines_c.append(chars)
            lines_s.append(sty)
        axis = _axis(model.times_ms, ow)
        if wide:  # same time axis as the overlay: say what the stack is instead
            axis += " " + f"waterfall: {len(model.waterfall)} averages, newest ↓"[:ww]
        lines_c.append(list(axis.ljust(width)[:width]))
        lines_s.append(["axis"] * width)
    return [_strip(c, s, styles) for c, s in zip(lines_c[:height], lines_s[:height], strict=True)]
