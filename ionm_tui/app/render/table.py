"""The test table: one row per test, grouped by modality and side, as fixed-width cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...engine import TestView
from . import format as fmt
from .format import finite
from .sanitize import literal
from .sparkline import sparkline

MODALITY_ORDER: tuple[str, ...] = (
    "ssep",
    "baep",
    "vep",
    "tcmep",
    "dwave",
    "nerve",
    "temg",
    "emg",
    "eeg",
)
"""Row groups, top to bottom; unknown modalities come last."""

SIDE_ORDER: tuple[str, ...] = ("L", "R", "")

STATUS_STYLE_KEYS: tuple[str, ...] = (
    "ok",
    "alert-high",
    "alert-medium",
    "alert-low",
    "ack",
    "stale",
    "lost",
    "paused",
    "wait",
)
STYLE_KEYS: tuple[str, ...] = (
    "header",
    "text",
    "dim",
    "selected",
    "spark",
    "message",
    *STATUS_STYLE_KEYS,
)
"""The styles :func:`render_row` and :func:`render_header` need, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "header": Style(bold=True, underline=True),
    "text": Style(),
    "dim": Style(dim=True),
    "selected": Style(reverse=True),
    "spark": Style(color="cyan"),
    "message": Style(bold=True),
    "ok": Style(color="green"),
    "alert-high": Style(color="bright_white", bgcolor="red", bold=True),
    "alert-medium": Style(color="black", bgcolor="yellow", bold=True),
    "alert-low": Style(color="black", bgcolor="cyan"),
    "ack": Style(color="yellow"),
    "stale": Style(color="magenta", bold=True),
    "lost": Style(color="bright_white", bgcolor="magenta", bold=True),
    "paused": Style(dim=True),
    "wait": Style(dim=True),
}

_PRIORITY_MARK = {"high": "!!!", "medium": "!!", "low": "!"}
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
TREND_POINTS = 64
"""Trend points kept per row for the sparkline (the widest sparkline shown)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One test's row, formatted (hashable: the widget redraws only rows that changed).

    Attributes:
        test: test id.
        label: what people read.
        modality: for grouping.
        status: ``OK``, ``ALERT``, ``ACK``, ``STALE``, ``LOST``, ``PAUSED`` or ``WAIT``.
        priority: the highest active alert's priority, or "".
        cells: formatted values by column key.
        message: replaces the value cells when set (``SIGNAL LOST · stream``, waiting…).
        trend: the last trend points of the primary quantity (None for non-finite ones).
        dim: draw the values faded (stale or paused: not live numbers).
    """

    test: str
    label: str
    modality: str
    status: str
    priority: str
    cells: tuple[tuple[str, str], ...]
    message: str
    trend: tuple[float | None, ...]
    dim: bool

    def cell(self, key: str) -> str:
        """The formatted value of one column ("" when absent)."""
        for k, v in self.cells:
            if k == key:
                return v
        return ""


def order_views(views: Sequence[TestView]) -> list[TestView]:
    """Tests grouped by modality (SSEP first, then MEP/D-wave, EMG, EEG …), left before right."""

    def key(iv: tuple[int, TestView]) -> tuple[int, int, int]:
        i, v = iv
        mod = v.spec.modality
        m = MODALITY_ORDER.index(mod) if mod in MODALITY_ORDER else len(MODALITY_ORDER)
        side = v.spec.side if v.spec.side in SIDE_ORDER else ""
        return m, SIDE_ORDER.index(side), i

    return [v for _, v in sorted(enumerate(views), key=key)]


def sweeps_to_next_update(view: TestView) -> int | None:
    """The size of the step the test's ``in_progress`` counts towards (None: not averaged).

    The first update needs a full average (N sweeps); after it, moving and EWMA averages
    update every ``sweeps_per_update`` sweeps, block averages every N. Single sweeps, free-run
    EMG and EEG do not average.
    """
    avg = view.averaging
    if avg is None:
        return None
    if avg.mode == "block" or view.accepted < avg.sweeps:
        return avg.sweeps
    return avg.sweeps_per_update


def _detail_rank(name: str, primary: str) -> int:
    return 0 if name == primary else 1 if name.startswith("threshold_") else 2


def _detail(view: TestView) -> str:
    """The two most telling modality values: the trended one, then a threshold, then the rest.

    ``present`` is left out (the status says it) and so are raw LSL times (``…_t``).
    """
    latest = view.latest
    if latest is not None and latest.values:
        shown = [(k, v) for k, v in latest.values if k != "present" and not k.endswith("_t")]
        shown.sort(key=lambda kv: _detail_rank(kv[0], latest.primary))  # stable: keeps order
        return "  ".join(fmt.measure(k, v) for k, v in shown[:2])
    return f"vs {literal(view.baseline, max_len=16)}" if view.baseline else ""


def _rank(priority: str) -> int:
    return _PRIORITY_RANK.get(priority, 9)


def build_row(view: TestView, live_state: str, cause: str) -> Row:
    """Format one test's row.

    Args:
        view: the test's view from the newest snapshot.
        live_state: ``"live"``, ``"waiting"``, ``"stale"`` or ``"lost"`` for this test's inputs.
        cause: the stream (or reason) behind a non-live state.

    Returns:
        The row.
    """
    latest = view.latest
    per_update = sweeps_to_next_update(view)
    cells = (
        ("amp", fmt.amplitude(latest.amplitude_uv) if latest else fmt.MISSING),
        ("lat", fmt.latency(latest.latency_ms) if latest else fmt.MISSING),
        ("chg", fmt.percent(latest.amplitude_change_pct) if latest else fmt.MISSING),
        ("swp", fmt.count(latest.sweeps) if latest else fmt.MISSING),
        (
            "next",
            f"{view.in_progress}/{per_update}"
            if per_update and view.in_progress >= 0
            else fmt.MISSING,
        ),
        ("snr", fmt.number(latest.snr, 1) if latest else fmt.MISSING),
        ("detail", _detail(view)),
    )
    active = [a for a in view.alerts if not a.acknowledged]
    prio = min((a.priority for a in view.alerts), key=_rank, default="")
    message, dim = "", False
    if live_state == "lost":
        status, message = "LOST", f"SIGNAL LOST · {literal(cause, max_len=40)}"
    elif live_state == "stale":
        status, dim = "STALE", True
    elif active:
        status = "ALERT"
        prio = min((a.priority for a in active), key=_rank)
    elif view.alerts:
        status = "ACK"
    elif view.paused:
        status, dim = "PAUSED", True
    elif live_state == "waiting" or latest is None:
        status = "WAIT"
        if latest is None:
            message = (
                f"waiting for data · {literal(cause, max_len=30)}"
                if live_state == "waiting"
                else f"first average in {max(per_update - view.in_progress, 0)} sweeps"
                if per_update and view.in_progress >= 0
                else "waiting for the first response"
            )
    else:
        status = "OK"
    trend = tuple(finite(v) for v in view.trend_primary[-TREND_POINTS:].tolist())
    return Row(
        test=view.spec.id,
        label=literal(view.spec.display_label, max_len=24),
        modality=view.spec.modality,
        status=status,
        priority=prio if status in ("ALERT", "ACK") else "",
        cells=cells,
        message=message,
        trend=trend,
        dim=dim,
    )


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: key, header, width and alignment (``"<"`` or ``">"``)."""

    key: str
    title: str
    width: int
    align: str = ">"


_COLUMNS: tuple[Column, ...] = (
    Column("mark", "", 1, "<"),
    Column("label", "test", 11, "<"),
    Column("amp", "amp", 9),
    Column("lat", "lat", 8),
    Column("chg", "Δamp", 6),
    Column("swp", "swp", 5),
    Column("next", "next", 7),
    Column("snr", "snr", 4),
    Column("detail", "detail", 14, "<"),
    Column("status", "status", 8, "<"),
)
# Dropped first when the terminal is narrow (the sparkline keeps at least MIN_SPARK cells).
_OPTIONAL = ("detail", "next", "snr")
MIN_SPARK = 8
_VALUE_KEYS = ("amp", "lat", "chg", "swp", "next", "snr", "detail")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each column sits for one table width.

    Attributes:
        columns: the columns shown, left to right.
        x: their start cells.
        spark_x: where the sparkline starts.
        spark_width: its width (0 when it does not fit).
        width: the table width.
    """

    columns: tuple[Column, ...]
    x: tuple[int, ...]
    spark_x: int
    spark_width: int
    width: int

    def span(self, key: str) -> tuple[int, int] | None:
        """``(x, width)`` of a column, or None when it is not shown."""
        for c, x in zip(self.columns, self.x, strict=True):
            if c.key == key:
                return x, c.width
        return None


def layout_for(width: int) -> Layout:
    """Pick the columns that fit ``width`` (optional ones go first), then the sparkline."""
    cols = list(_COLUMNS)
    label_w = 13 if width >= 110 else 11

    def total(cs: list[Column]) -> int:
        return sum((label_w if c.key == "label" else c.width) + 1 for c in cs)

    for key in _OPTIONAL:
        if width - total(cols) >= MIN_SPARK:
            break
        cols = [c for c in cols if c.key != key]
    shown: list[Column] = []
    xs: list[int] = []
    x = 0
    for c in cols:
        if c.key == "label":
            c = Column("label", c.title, label_w, "<")
        shown.append(c)
        xs.append(x)
        x += c.width + 1
    spark_w = max(0, min(width - x, 40))
    return Layout(tuple(shown), tuple(xs), x, spark_w, width)


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        text = text[: max(0, width - 1)] + "…" if width > 1 else text[:width]
    return text.rjust(width) if align == ">" else text.ljust(width)


def row_cells(row: Row, layout: Layout, selected: bool) -> list[tuple[int, str, str]]:
    """The row as ``(x, text, style name)`` cells covering the whole width, left to right.

    The widget compares these between ticks and repaints only the cells that changed.
    """
    out: list[tuple[int, str, str]] = []
    base = "dim" if row.dim else "text"
    values = [c for c in layout.columns if c.key in _VALUE_KEYS]
    msg_span = None
    if row.message and values:
        first = layout.span(values[0].key)
        last = layout.span(values[-1].key)
        assert first is not None
        assert last is not None
        msg_span = (first[0], last[0] + last[1] - first[0])
    for c, x in zip(layout.columns, layout.x, strict=True):
        if c.key == "mark":
            out.append((x, ("▶" if selected else " ") + " ", "text"))
            continue
        if c.key in _VALUE_KEYS and msg_span is not None:
            if c.key == values[0].key:
                style = "lost" if row.status == "LOST" else "message"
                text = " " + _fit(row.message, msg_span[1], "<") + " "
                out.append((x - 1, text, style))
            continue
        if c.key == "label":
            out.append((x, _fit(row.label, c.width, "<") + " ", "text"))
        elif c.key == "status":
            word = row.status
            if row.status in ("ALERT", "ACK"):
                word = f"{row.status}{_PRIORITY_MARK.get(row.priority, '')}"
            out.append((x, _fit(word, c.width, "<"), _status_style(row)))
            out.append((x + c.width, " ", "text"))
        else:
            out.append((x, _fit(row.cell(c.key), c.width, c.align) + " ", base))
    if layout.spark_width:
        line = sparkline(row.trend, layout.spark_width)
        out.append((layout.spark_x, line, "dim" if row.dim or row.status == "LOST" else "spark"))
    end = layout.spark_x + layout.spark_width
    if end < layout.width:
        out.append((end, " " * (layout.width - end), "text"))
    return _merge_leading_space(out)


def _merge_leading_space(cells: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    # The message cell starts one column early (over the label's trailing space): trim overlaps.
    out: list[tuple[int, str, str]] = []
    for x, text, style in cells:
        if out:
            px, ptext, pstyle = out[-1]
            overlap = px + len(ptext) - x
            if overlap > 0:
                out[-1] = (px, ptext[: len(ptext) - overlap], pstyle)
        out.append((x, text, style))
    return [c for c in out if c[1]]


def _status_style(row: Row) -> str:
    if row.status == "ALERT":
        return f"alert-{row.priority}" if row.priority in _PRIORITY_MARK else "alert-high"
    return {
        "OK": "ok",
        "ACK": "ack",
        "STALE": "stale",
        "LOST": "lost",
        "PAUSED": "paused",
        "WAIT": "wait",
    }.get(row.status, "text")


def header_cells(
    layout: Layout, hidden: tuple[int, int] = (0, 0), hidden_alerts: int = 0
) -> list[tuple[int, str, str]]:
    """The header line as cells.

    Args:
        layout: the columns.
        hidden: rows scrolled out of view (above, below): shown beside "test" as ↑n ↓n.
        hidden_alerts: how many of those rows are in ALERT (shown as "n!").
    """
    out = []
    for c, x in zip(layout.columns, layout.x, strict=True):
        title = c.title
        if c.key == "label" and any(hidden):
            marks = [f"{a}{n}" for a, n in zip("↑↓", hidden, strict=True) if n]
            title = " ".join([*marks, f"{hidden_alerts}!"] if hidden_alerts else marks)
        out.append((x, _fit(title, c.width, c.align) + " ", "header"))
    if layout.spark_width:
        out.append((layout.spark_x, _fit("trend", layout.spark_width, "<"), "header"))
    end = layout.spark_x + layout.spark_width
    if end < layout.width:
        out.append((end, " " * (layout.width - end), "text"))
    return out


def to_strip(
    cells: Sequence[tuple[int, str, str]],
    width: int,
    styles: Mapping[str, Style] = DEFAULT_STYLES,
    *,
    extra: Style | None = None,
) -> Strip:
    """Join cells into one strip of ``width`` cells (``extra`` is laid over every style)."""
    segments = [
        Segment(text, styles[style] + extra if extra else styles[style]) for _, text, style in cells
    ]
    # Padding gets a real style: Textual's NO_COLOR filter cannot handle style-less segments.
    return Strip(segments).crop_extend(0, width, styles["text"])
