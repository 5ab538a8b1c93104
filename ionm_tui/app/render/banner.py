"""The alert banner: the highest-priority active alert in words, symbols and colour."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from ...engine import AlertEvent, AlertStatus
from . import format as fmt
from .sanitize import literal

PRIORITY_WORDS: Mapping[str, str] = {"high": "!!! HIGH", "medium": "!! MED", "low": "! LOW"}
"""How each IEC 60601-1-8-style priority reads without colour."""

CRITERION_WORDS: Mapping[str, str] = {
    "amplitude_drop": "AMPLITUDE",
    "latency_rise": "LATENCY",
    "loss_of_response": "LOSS OF RESPONSE",
}

STYLE_KEYS: tuple[str, ...] = ("high", "medium", "low", "ack", "calm", "system", "muted", "more")
"""The styles :func:`banner_text` needs, by name."""

DEFAULT_STYLES: Mapping[str, Style] = {
    "high": Style(color="bright_white", bgcolor="red", bold=True),
    "medium": Style(color="black", bgcolor="yellow", bold=True),
    "low": Style(color="black", bgcolor="cyan"),
    "ack": Style(color="yellow"),
    "calm": Style(color="green"),
    "system": Style(color="bright_white", bgcolor="magenta", bold=True),
    "muted": Style(color="yellow"),
    "more": Style(),
}


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One alert, ready to read.

    Attributes:
        priority: ``"high"``, ``"medium"`` or ``"low"``.
        acknowledged: seen by someone: listed, but no longer demanding attention.
        confirmed: False while the alert is only raised (not yet reproduced).
        label: the test's label.
        criterion: the criterion's word (``AMPLITUDE`` …).
        detail: change and values vs baseline, e.g. ``−68 % (0.42 vs 1.31 µV, baseline auto)``.
        age_s: whole seconds since onset (data clock), or None.
    """

    priority: str
    acknowledged: bool
    confirmed: bool
    label: str
    criterion: str
    detail: str
    age_s: int | None


ACK_HINT = "a: acknowledge · ?: help"
"""The banner's hint under an unacknowledged alert in the live console."""


@dataclass(frozen=True, slots=True)
class BannerModel:
    """Everything the banner shows.

    Attributes:
        top: the alert shown in full (unacknowledged first, then priority, then newest), or None.
        others: short descriptions of the other active alerts.
        acknowledged: how many active alerts are acknowledged.
        system: a failure of the console itself (e.g. the engine stopped): shown above all.
        muted: the bell is muted.
        hint: what to do about an unacknowledged alert (keys), shown under it.
    """

    top: AlertLine | None = None
    others: tuple[str, ...] = ()
    acknowledged: int = 0
    system: str = ""
    muted: bool = False
    hint: str = ACK_HINT


def criterion_word(criterion: str) -> str:
    """What fired, in capitals: ``AMPLITUDE``, ``LATENCY``, ``THRESHOLD LOW`` …"""
    return CRITERION_WORDS.get(criterion, literal(criterion, max_len=30).replace("_", " ").upper())


def alert_values(ev: AlertEvent, criterion: str) -> str:
    """Measured vs baseline (or vs the limit): ``−68 % (0.42 vs 1.31 µV, baseline auto)``."""
    q = fmt.quantity_of(criterion, getattr(ev, "quantity", ""))
    base = f", baseline {literal(ev.baseline, max_len=24)}" if ev.baseline else ""
    meas = fmt.quantity_value(q, ev.measured)
    if ev.baseline_value is None:  # an absolute limit (e.g. SNR floor, threshold)
        return f"({meas}, limit {fmt.quantity_value(q, ev.threshold)}{base})"
    ref = fmt.quantity_value(q, ev.baseline_value)
    # A shared unit reads better once: "0.42 vs 1.31 µV".
    m_num, _, m_unit = meas.rpartition(" ")
    _, _, r_unit = ref.rpartition(" ")
    pair = f"{m_num} vs {ref}" if m_unit == r_unit and m_num else f"{meas} vs {ref}"
    change = fmt.percent(ev.change_pct) if ev.change_pct is not None else ""
    if not change:
        a, b = fmt.finite(ev.measured), fmt.finite(ev.baseline_value)
        change = fmt.quantity_value(q, a - b) if a is not None and b is not None else ""
        change = change if change.startswith(fmt.MINUS) else f"+{change}" if change else ""
    return f"{change} ({pair}{base})".strip()


def alert_line(a: AlertStatus, label: str, now_t: float) -> AlertLine:
    """Describe one active alert (``now_t``: data clock, LSL seconds)."""
    age = now_t - a.onset_t if math.isfinite(now_t) and math.isfinite(a.onset_t) else math.nan
    return AlertLine(
        priority=a.priority,
        acknowledged=a.acknowledged,
        confirmed=a.state == "confirmed",
        label=literal(label, max_len=24),
        criterion=criterion_word(a.criterion),
        detail=alert_values(a.latest, a.criterion),
        age_s=int(max(age, 0.0)) if math.isfinite(age) else None,
    )


def banner_model(
    alerts: Sequence[AlertStatus],
    labels: Mapping[str, str],
    now_t: float,
    *,
    system: str = "",
    muted: bool = False,
    hint: str = ACK_HINT,
) -> BannerModel:
    """Build the banner from a snapshot's alerts (already sorted highest first by the engine)."""
    if not alerts:
        return BannerModel(system=system, muted=muted, hint=hint)
    top = alerts[0]
    others = tuple(
        f"{literal(labels.get(a.test, a.test), max_len=20)} "
        f"{criterion_word(a.criterion).split()[0]} "
        f"{PRIORITY_WORDS.get(a.priority, '?').split()[0]}{' ack' if a.acknowledged else ''}"
        for a in alerts[1:]
    )
    return BannerModel(
        top=alert_line(top, labels.get(top.test, top.test), now_t),
        others=others,
        acknowledged=sum(a.acknowledged for a in alerts),
        system=system,
        muted=muted,
        hint=hint,
    )


def banner_text(model: BannerModel, styles: Mapping[str, Style] = DEFAULT_STYLES) -> Text:
    """Two lines: the top alert (or the calm state), then the rest and the bell state."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if model.system:
        text.append(f" !!! CONSOLE: {literal(model.system, max_len=200)} ", styles["system"])
    elif model.top is None:
        text.append(" ✓ no active alerts", styles["calm"])
    else:
        a = model.top
        word = PRIORITY_WORDS.get(a.priority, "!!! ?")
        state = "" if a.confirmed else "  unconfirmed"
        age = f"  {fmt.duration(a.age_s)}" if a.age_s is not None else ""
        line = f" {word}  {a.label}  {a.criterion} {a.detail}{state}{age}"
        if a.acknowledged:
            text.append(f" ACK{line} ", styles["ack"])
        else:
            text.append(f"{line} ", styles.get(a.priority, styles["high"]))
    text.append("\n")
    rest: list[str] = []
    if model.top is not None and model.system:
        rest.append(f"{PRIORITY_WORDS.get(model.top.priority, '?')} {model.top.label}")
    n_more = len(model.others)
    if n_more:
        ack = f", {model.acknowledged} acknowledged" if model.acknowledged else ""
        rest.append(f"+{n_more} more{ack}: " + "; ".join(model.others))
    elif model.top is not None and model.top.acknowledged:
        rest.append("acknowledged")
    elif model.top is not None:
        rest.append(model.hint)
    text.append(" " + "  ".join(rest), styles["more"])
    if model.muted:
        text.append("  [bell muted]", styles["muted"])
    return text
