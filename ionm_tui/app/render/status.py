"""The status bar: each stream's health, sweep totals, recording, case and data clocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from ...engine import EngineSnapshot
from . import format as fmt
from .format import finite
from .sanitize import literal

STATE_MARKS: Mapping[str, str] = {
    "connected": "●",
    "waiting": "…",
    "stale": "◐",
    "lost": "✕",
    "recorded": "■",  # a reviewed case's stream: neither live nor lost
}
STYLE_KEYS: tuple[str, ...] = ("text", "dim", "connected", "waiting", "stale", "lost", "warn")
"""The styles :func:`status_text` needs, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "text": Style(),
    "dim": Style(dim=True),
    "connected": Style(color="green"),
    "waiting": Style(color="yellow"),
    "stale": Style(color="magenta", bold=True),
    "lost": Style(color="bright_white", bgcolor="magenta", bold=True),
    "warn": Style(color="yellow", bold=True),
}


@dataclass(frozen=True, slots=True)
class StreamLine:
    """One stream's health, formatted.

    Attributes:
        name: stream name.
        state: ``connected``, ``waiting``, ``stale``, ``lost`` (or ``?``).
        age: seconds since its last sample.
        rate: effective / nominal rate.
        dropped: chunks dropped because the consumer was slow.
    """

    name: str
    state: str
    age: str
    rate: str
    dropped: int


@dataclass(frozen=True, slots=True)
class StatusModel:
    """Everything the status bar shows (hashable, so unchanged ticks cost nothing).

    Attributes:
        streams: one line per stream.
        accepted: sweeps accepted, all tests (since their last reset).
        rejected: sweeps rejected, all tests.
        dropped: stimuli dropped before a sweep could be cut, all tests.
        quality: data-quality note (gaps, clock resets), or "".
        recording: the feed's recording state, e.g. ``"not recording"``.
        case: elapsed time since the first data, ``HH:MM:SS``.
        data_t: the data clock (LSL seconds of the newest sample).
        feed: ``"running"``, ``"ended"``, ``"error"`` or ``"starting"``.
        muted: the alert bell is muted.
    """

    streams: tuple[StreamLine, ...] = ()
    accepted: int = 0
    rejected: int = 0
    dropped: int = 0
    quality: str = ""
    recording: str = "not recording"
    case: str = "--:--:--"
    data_t: str = fmt.MISSING
    feed: str = "starting"
    muted: bool = False


def _short_rate(hz: object) -> str:
    v = finite(hz)
    if v is None:
        return fmt.MISSING
    if abs(v) >= 1000.0:
        return f"{v / 1000.0:.2f}k"
    return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"


def stream_line(health: object) -> StreamLine:
    """Format one health record, reading its fields defensively (any may be missing)."""
    state = getattr(health, "state", None)
    age = finite(getattr(health, "last_sample_age_s", None))
    eff = getattr(health, "effective_srate_hz", None)
    nom = finite(getattr(health, "nominal_srate_hz", None))
    if nom:
        rate_text = f"{_short_rate(eff)}/{_short_rate(nom)} Hz"
    else:  # irregular (markers): events per second
        rate_text = f"{_short_rate(eff)}/s" if finite(eff) is not None else ""
    dropped = finite(getattr(health, "chunks_dropped", 0)) or 0
    return StreamLine(
        name=literal(getattr(health, "name", "stream"), max_len=32),
        state=state if isinstance(state, str) and state in STATE_MARKS else "?",
        age=f"{age:.1f}s" if age is not None else fmt.MISSING,
        rate=rate_text,
        dropped=int(dropped),
    )


def status_model(
    snapshot: EngineSnapshot | None,
    *,
    case_start_t: float,
    recording: str,
    feed: str,
    muted: bool,
) -> StatusModel:
    """Build the status bar from the newest snapshot (None before the first one)."""
    if snapshot is None:
        return StatusModel(recording=literal(recording, max_len=60), feed=feed, muted=muted)
    q = snapshot.quality
    notes = []
    if q.gaps:
        notes.append(f"{q.gaps} gaps")
    if q.clock_resets:
        notes.append(f"{q.clock_resets} clock resets")
    if q.bad_chunks:
        notes.append(f"{q.bad_chunks} bad chunks")
    t = finite(snapshot.t)
    start = finite(case_start_t)
    # Stimulus sweeps only: free-run EMG and EEG count frames and windows, which are not sweeps.
    stimulated = [v for v in snapshot.tests if getattr(v.spec, "marker", "")]
    return StatusModel(
        streams=tuple(stream_line(h) for h in snapshot.streams if hasattr(h, "state")),
        accepted=sum(v.accepted for v in stimulated),
        rejected=sum(n for v in stimulated for _, n in v.rejected),
        dropped=sum(n for v in stimulated for _, n in v.dropped),
        quality=", ".join(notes),
        recording=literal(recording, max_len=60),
        case=fmt.clock(t - start) if t is not None and start is not None else "--:--:--",
        data_t=f"{t:.0f} s" if t is not None else fmt.MISSING,
        feed=feed,
        muted=muted,
    )


def _stream_parts(s: StreamLine, level: int) -> list[tuple[str, str]]:
    """One stream as (text, style name) parts; ``level`` 2 is the most detailed."""
    word = s.state.upper() if s.state in ("stale", "lost") else s.state
    parts = [(f"{STATE_MARKS.get(s.state, '?')} {s.name} {word}", s.state)]
    if s.state == "recorded":  # no age, no drops: only what it was
        return parts + ([(f" {s.rate}", "dim")] if s.rate and level >= 1 else [])
    parts.append((f" {s.age}" if level < 2 else f" age {s.age}", "text"))
    if s.rate and level >= 1:
        parts.append((f" {s.rate}", "text"))
    if s.dropped or level >= 2:
        parts.append((f" {s.dropped} dropped", "warn" if s.dropped else "text"))
    return parts


def status_text(
    model: StatusModel, width: int = 200, styles: Mapping[str, Style] = DEFAULT_STYLES
) -> Text:
    """Two lines: the streams (as detailed as ``width`` allows), then totals, recording, clocks."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if not model.streams:
        text.append(" streams: no health reported", styles["dim"])
    line: list[tuple[str, str]] = []
    for level in (2, 1, 0):
        line = []
        for i, s in enumerate(model.streams):
            line.append((" │ " if i else " ", "dim"))
            line.extend(_stream_parts(s, level))
        if sum(len(t) for t, _ in line) <= width:
            break
    for part, style in line:
        text.append(part, styles.get(style, styles["text"]))
    text.append("\n")
    feed_style = "lost" if model.feed == "error" else "text"
    bell = (" │ bell MUTED", "warn") if model.muted else (" │ bell on", "dim")
    parts = (
        (f" sweeps {model.accepted} ok {model.rejected} rej {model.dropped} drop", "text"),
        (f" │ {model.quality}" if model.quality else "", "warn"),
        (f" │ case {model.case}", "text"),
        (f" │ {model.recording}", "dim"),
        (f" │ data t {model.data_t}", "dim"),
        bell,
        (f" │ feed {model.feed.upper() if model.feed == 'error' else model.feed}", feed_style),
    )
    for part, style in parts:
        if part:
            text.append(part, styles[style])
    return text
