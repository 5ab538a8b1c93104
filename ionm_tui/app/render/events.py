"""Event-log lines: alerts, annotations, baselines, data quality and stream health, literally."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text

from ...engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    QualityEvent,
    TrendPoint,
)
from . import format as fmt
from .banner import PRIORITY_WORDS, alert_values, criterion_word
from .format import finite
from .sanitize import literal

STYLE_KEYS: tuple[str, ...] = ("time", "high", "medium", "low", "note", "info", "quality", "you")
"""The styles the event lines use, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "time": Style(dim=True),
    "high": Style(color="red", bold=True),
    "medium": Style(color="yellow", bold=True),
    "low": Style(color="cyan"),
    "note": Style(color="bright_white", bold=True),
    "info": Style(),
    "quality": Style(color="magenta"),
    "you": Style(dim=True, italic=True),
}


def stamp(t: float, case_start_t: float) -> str:
    """The case clock at LSL time ``t``."""
    a, b = finite(t), finite(case_start_t)
    return fmt.clock(a - b) if a is not None and b is not None else "--:--:--"


def _line(time: str, body: str, style: Style, styles: Mapping[str, Style]) -> Text:
    text = Text(end="")
    text.append(time + " ", styles["time"])
    text.append(body, style)
    return text


def event_text(
    record: object,
    *,
    case_start_t: float,
    labels: Mapping[str, str],
    styles: Mapping[str, Style] = DEFAULT_STYLES,
) -> Text | None:
    """One log line for a record, or None for records the log does not show (averages, trends).

    Every string that came from outside (labels, notes, tags, details) is shown literally.
    """
    if isinstance(record, (AverageRecord, TrendPoint)):
        return None
    if isinstance(record, AlertEvent):
        label = literal(labels.get(record.test, record.test), max_len=24)
        word = PRIORITY_WORDS.get(record.priority, "?")
        values = alert_values(record, record.criterion)
        body = f"{word} {label} {criterion_word(record.criterion)} {record.state}: {values}"
        style = styles[record.priority] if record.state != "cleared" else styles["info"]
        return _line(stamp(record.t, case_start_t), body, style, styles)
    if isinstance(record, AnnotationRecord):
        tags = "".join(f"[{literal(t, max_len=30)}] " for t in record.tags)
        body = f"NOTE {tags}{literal(record.text, max_len=200)}".rstrip()
        return _line(stamp(record.t, case_start_t), body, styles["note"], styles)
    if isinstance(record, BaselineRecord):
        label = literal(labels.get(record.test, record.test), max_len=24)
        body = (
            f"baseline {literal(record.name, max_len=30)!s} {record.action} for {label} "
            f"({fmt.amplitude(record.amplitude_uv)}, {fmt.latency(record.latency_ms)})"
        )
        return _line(stamp(record.t, case_start_t), body, styles["info"], styles)
    if isinstance(record, QualityEvent):
        kind = literal(record.kind, max_len=30).replace("_", " ")
        body = f"{kind}: {literal(record.detail, max_len=200)}"
        return _line(stamp(record.t, case_start_t), body, styles["quality"], styles)
    return None


def health_text(
    name: str,
    old: str | None,
    new: str,
    message: str,
    *,
    time: str,
    styles: Mapping[str, Style] = DEFAULT_STYLES,
) -> Text:
    """A stream's health changed (``old`` is None the first time it is seen)."""
    change = f"{old} → {new}" if old else new
    body = f"stream {literal(name, max_len=40)}: {change} · {literal(message, max_len=160)}"
    style = styles["quality"] if new in ("stale", "lost") else styles["info"]
    return _line(time, body, style, styles)


def you_text(what: str, *, time: str, styles: Mapping[str, Style] = DEFAULT_STYLES) -> Text:
    """An action the user just took (sent to the engine), e.g. ``acknowledge all alerts``."""
    return _line(time, f"you: {literal(what, max_len=200)}", styles["you"], styles)
