"""Pedicle-screw testing: which muscles a screw's root supplies and the ascending current ramp."""

from __future__ import annotations

import re
from typing import Any

SITE_RE = re.compile(r"^(T1[0-2]|T[1-9]|L[1-5]|S[12])_[LR]$")


def myotome(site: str) -> tuple[str, ...]:
    """Muscles a pedicle screw at ``site`` (e.g. ``"L4_L"``) would stimulate through its root."""
    level, side = site.split("_")
    by_level = {
        "L2": ("VL",),
        "L3": ("VL",),
        "L4": ("VL", "TA"),
        "L5": ("TA", "AH"),
        "S1": ("GAS", "AH"),
        "S2": ("GAS", "EAS"),
    }
    return tuple(m if m == "EAS" else f"{m}_{side}" for m in by_level.get(level, ()))


def screw_currents(p: dict[str, Any], site: str) -> tuple[list[float], float | None]:
    """The ascending currents (mA) of a screw test and the threshold it stops at.

    The ramp goes from ``start_ma`` by ``step_ma`` to ``stop_ma`` and stops at the first current
    that evokes a response in any muscle (``repeat`` stimuli per step).

    Returns:
        (one current per stimulus, the lowest threshold among the myotome's muscles or None).
    """
    thr = dict(p.get("thresholds") or {})
    lowest = min(thr.values()) if thr else None
    out: list[float] = []
    k = 0
    while True:
        current = round(p["start_ma"] + k * p["step_ma"], 3)
        if current > p["stop_ma"] + 1e-9:
            break
        out.extend([current] * int(p["repeat"]))
        if lowest is not None and current >= lowest:
            break
        k += 1
    return out, lowest
