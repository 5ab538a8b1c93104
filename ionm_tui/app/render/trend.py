"""The trend view of one test: its recent updates as a small table, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Text

from ...engine import AlertEvent, TestView
from . import format as fmt
from .format import finite
from .sanitize import literal

STYLE_KEYS: tuple[str, ...] = ("title", "header", "text", "high", "medium", "low", "dim")
"""The styles :func:`trend_text` needs, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "title": Style(bold=True),
    "header": Style(bold=True, underline=True),
    "text": Style(),
    "high": Style(color="red", bold=True),
    "medium": Style(color="yellow", bold=True),
    "low": Style(color="cyan"),
    "dim": Style(dim=True),
}
_MARK = {"high": "!!!", "medium": "!!", "low": "!"}
_CRIT = {"amplitude_drop": "amp", "latency_rise": "lat", "loss_of_response": "loss"}


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One update: case time, amplitude, latency, changes vs the current baseline, alerts.

    Attributes:
        time: case clock of the update.
        amp: amplitude.
        lat: latency.
        d_amp: amplitude change vs the baseline now selected.
        d_lat: latency change vs that baseline.
        alerts: alert transitions at this update, e.g. ``"!!! amp confirmed"``.
        priority: the highest priority among them ("" for none).
    """

    time: str
    amp: str
    lat: str
    d_amp: str
    d_lat: str
    alerts: str
    priority: str


@dataclass(frozen=True, slots=True)
class TrendModel:
    """The trend view of one test.

    Attributes:
        title: the test and its baseline.
        rows: newest first.
    """

    title: str = ""
    rows: tuple[TrendRow, ...] = ()


def _reference(value: float | None, change_pct: float | None) -> float | None:
    """The baseline value implied by a value and its change in percent."""
    if value is None or change_pct is None or change_pct <= -100.0:
        return None
    return value / (1.0 + change_pct / 100.0)


def _pct(value: float | None, ref: float | None) -> str:
    if value is None or ref is None or ref == 0:
        return fmt.MISSING
    return fmt.percent(100.0 * (value - ref) / ref)


def trend_model(
    view: TestView,
    *,
    case_start_t: float,
    alert_events: Sequence[AlertEvent] = (),
    max_rows: int = 40,
) -> TrendModel:
    """The last ``max_rows`` updates of a test.

    Changes are computed against the baseline selected now (implied by the latest point's own
    value and change), so every row compares with the same reference.

    Args:
        view: the test's view.
        case_start_t: LSL seconds of the first data (for the case clock).
        alert_events: this test's alert transitions (from the record stream).
        max_rows: how many updates to show.
    """
    latest = view.latest
    amp_ref = lat_ref = None
    if latest is not None:
        amp_ref = _reference(finite(latest.amplitude_uv), finite(latest.amplitude_change_pct))
        lat_ref = _reference(finite(latest.latency_ms), finite(latest.latency_change_pct))
    n = min(view.trend_t.shape[0], max_rows)
    rows = []
    start = finite(case_start_t)
    rank = {"high": 0, "medium": 1, "low": 2}
    for i in range(view.trend_t.shape[0] - 1, view.trend_t.shape[0] - 1 - n, -1):
        t = float(view.trend_t[i])
        amp = finite(view.trend_amplitude_uv[i])
        lat = finite(view.trend_latency_ms[i])
        evs = [e for e in alert_events if np.isclose(e.t, t, rtol=0, atol=1e-6)]
        marks = " ".join(
            f"{_MARK.get(e.priority, '!')} {_CRIT.get(e.criterion, e.criterion)} {e.state}"
            for e in evs
        )
        prio = min((e.priority for e in evs), key=lambda p: rank.get(p, 9), default="")
        rows.append(
            TrendRow(
                time=fmt.clock(t - start) if start is not None else fmt.MISSING,
                amp=fmt.amplitude(amp),
                lat=fmt.latency(lat),
                d_amp=_pct(amp, amp_ref),
                d_lat=_pct(lat, lat_ref),
                alerts=marks,
                priority=prio,
            )
        )
    base = f" vs {literal(view.baseline, max_len=24)}" if view.baseline else " (no baseline)"
    title = f"trend · {literal(view.spec.display_label, max_len=24)}{base}"
    return TrendModel(title=title, rows=tuple(rows))


_COLUMNS = (("time", 8), ("amp", 9), ("lat", 8), ("d_amp", 6), ("d_lat", 6))
_TITLES = {"time": "time", "amp": "amp", "lat": "lat", "d_amp": "Δamp", "d_lat": "Δlat"}


def trend_text(
    model: TrendModel, width: int, height: int, styles: Mapping[str, Style] = DEFAULT_STYLES
) -> Text:
    """The title, a header and as many rows as fit; columns drop (Δlat, lat) when narrow."""
    cols = list(_COLUMNS)
    for drop in ("d_lat", "lat"):
        if sum(w + 1 for _, w in cols) + 8 <= width:
            break
        cols = [c for c in cols if c[0] != drop]
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(model.title[:width] + "\n", styles["title"])
    header = " ".join(f"{_TITLES[k]:>{w}}" for k, w in cols) + "  alerts"
    text.append(header[:width] + "\n", styles["header"])
    if not model.rows:
        text.append("no updates yet", styles["dim"])
        return text
    for r in model.rows[: max(0, height - 2)]:
        line = " ".join(f"{getattr(r, k):>{w}}" for k, w in cols) + "  "
        text.append(line[:width], styles["text"])
        text.append(
            r.alerts[: max(0, width - len(line))] + "\n", styles.get(r.priority, styles["text"])
        )
    text.rstrip()
    return text
