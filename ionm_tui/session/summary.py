"""A short human summary of a case, built from its records as they stream past."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..engine import AlertEvent, QualityEvent, TrendPoint


def case_clock(t: float, t0: float | None) -> str:
    """LSL seconds as the case clock ``HH:MM:SS`` from ``t0`` (``--:--:--`` when unknown)."""
    if t0 is None or not math.isfinite(t) or not math.isfinite(t0):
        return "--:--:--"
    s = int(max(t - t0, 0.0))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


@dataclass
class Summary:
    """Collects what a reader wants first: per-test status, confirmed alerts, data quality."""

    t0: float | None = None
    t_last: float = math.nan
    updates: dict[str, int] = field(default_factory=dict)
    last: dict[str, TrendPoint] = field(default_factory=dict)
    confirmed: list[AlertEvent] = field(default_factory=list)
    quality: dict[str, int] = field(default_factory=dict)
    gaps: list[QualityEvent] = field(default_factory=list)

    def add(self, records: list[object]) -> None:
        """Take a batch of engine records."""
        for r in records:
            t = getattr(r, "t", math.nan)
            if isinstance(t, float) and math.isfinite(t):
                if self.t0 is None:
                    self.t0 = t
                self.t_last = t if math.isnan(self.t_last) else max(self.t_last, t)
            if isinstance(r, TrendPoint):
                self.updates[r.test] = self.updates.get(r.test, 0) + 1
                self.last[r.test] = r
            elif isinstance(r, AlertEvent) and r.state == "confirmed":
                self.confirmed.append(r)
            elif isinstance(r, QualityEvent):
                self.quality[r.kind] = self.quality.get(r.kind, 0) + 1
                if r.kind == "gap":
                    self.gaps.append(r)

    def text(self, *, title: str, test_ids: tuple[str, ...], extra: list[str]) -> str:
        """The summary as plain text."""
        lines = [title, ""]
        lines.append("Tests (updates, last value, change vs baseline):")
        for tid in test_ids:
            p = self.last.get(tid)
            if p is None:
                lines.append(f"  {tid:<16} no update")
                continue
            q = p.primary if p.primary != "amplitude_uv" else "amplitude"
            v = p.primary_value
            chg = (
                f"{p.amplitude_change_pct:+.0f} % vs {p.baseline}"
                if p.amplitude_change_pct is not None
                else "no baseline"
            )
            rej = f", rejected {p.rejected}" if p.rejected else ""
            lines.append(f"  {tid:<16} {self.updates[tid]:>5} updates  {q} {v:.3g}  ({chg}{rej})")
        lines.append("")
        if self.confirmed:
            lines.append("Confirmed alerts:")
            for a in self.confirmed:
                lines.append(f"  {case_clock(a.t, self.t0)}  {a.priority.upper():<6} {a.message}")
        else:
            lines.append("Confirmed alerts: none")
        lines.append("")
        q = (
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.quality.items()))
            or "nothing to report"
        )
        lines.append(f"Data quality: {q}")
        for g in self.gaps:
            lines.append(f"  gap at {case_clock(g.t, self.t0)}: {g.detail}")
        lines.extend(extra)
        return "\n".join(lines) + "\n"
