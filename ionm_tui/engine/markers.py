"""The marker grammar: ``CODE [INTENSITY] [key=value …]`` (see docs/montages.md)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_INTENSITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(mA|uA|V)$")
_PARAM = re.compile(r"^([a-z_]+)=(\S+)$")


@dataclass(frozen=True, slots=True)
class ParsedMarker:
    """A marker string taken apart.

    Attributes:
        code: the first token; selects the tests whose ``marker`` equals it.
        intensity: the stimulus intensity (NaN when absent or malformed).
        unit: ``"mA"`` (µA are converted), ``"V"``, or ``""``.
        params: ``key=value`` pairs, e.g. ``(("site", "L4_L"),)``.
        malformed: tokens that fit neither an intensity nor ``key=value`` (e.g. ``"7,5mA"``).
    """

    code: str
    intensity: float
    unit: str
    params: tuple[tuple[str, str], ...]
    malformed: tuple[str, ...]

    def param(self, key: str) -> str | None:
        """A ``key=value`` parameter's value, or None."""
        for k, v in self.params:
            if k == key:
                return v
        return None


def parse_marker(value: str) -> ParsedMarker:
    """Split a marker string; never raises (bad parts land in ``malformed``).

    Examples:
        >>> parse_marker("TEMG 7.5mA site=L4_L").intensity
        7.5
        >>> parse_marker("TCMEP_L 350V").unit
        'V'
    """
    tokens = value.split()
    if not tokens:
        return ParsedMarker("", math.nan, "", (), ())
    intensity, unit = math.nan, ""
    params: list[tuple[str, str]] = []
    malformed: list[str] = []
    for tok in tokens[1:]:
        m = _INTENSITY.match(tok)
        if m and math.isnan(intensity):
            intensity, unit = float(m.group(1)), m.group(2)
            if unit == "uA":
                intensity, unit = intensity / 1000.0, "mA"
            continue
        p = _PARAM.match(tok)
        if p:
            params.append((p.group(1), p.group(2)))
        else:
            malformed.append(tok)
    return ParsedMarker(tokens[0], intensity, unit, tuple(params), tuple(malformed))
