"""Number formatting for people: units, signs, and "—" for anything missing or non-finite."""

from __future__ import annotations

import math

MISSING = "—"
"""Shown for None, NaN and ±inf."""

MINUS = "\u2212"
"""The true minus sign, which lines up with "+"."""


def finite(value: object) -> float | None:
    """``value`` as a float when it is a finite real number, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def amplitude(uv: object) -> str:
    """µV with sensible precision, or mV from 1000 µV: ``"0.42 µV"``, ``"1.50 mV"``."""
    v = finite(uv)
    if v is None:
        return MISSING
    a = abs(v)
    if a >= 1000.0:
        return _signed(f"{v / 1000.0:.2f} mV")
    if a >= 100.0:
        return _signed(f"{v:.0f} µV")
    if a >= 10.0:
        return _signed(f"{v:.1f} µV")
    return _signed(f"{v:.2f} µV")


def latency(ms: object) -> str:
    """Milliseconds with one decimal: ``"20.1 ms"``."""
    v = finite(ms)
    return MISSING if v is None else _signed(f"{v:.1f} ms")


def percent(pct: object, *, signed: bool = True) -> str:
    """A change in percent with a sign: ``"−68 %"``, ``"+12 %"``."""
    v = finite(pct)
    if v is None:
        return MISSING
    return _signed(f"{v:+.0f} %" if signed else f"{v:.0f} %")


def number(value: object, digits: int = 1) -> str:
    """A plain number with ``digits`` decimals."""
    v = finite(value)
    return MISSING if v is None else _signed(f"{v:.{digits}f}")


def count(value: object) -> str:
    """A whole count (sweeps may be effective, i.e. fractional): ``"200"``."""
    v = finite(value)
    return MISSING if v is None else f"{v:.0f}"


def duration(seconds: object) -> str:
    """A compact elapsed time: ``"45s"``, ``"2m14s"``, ``"1h02m"``."""
    v = finite(seconds)
    if v is None:
        return MISSING
    s = max(0, int(v))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def clock(seconds: object) -> str:
    """Elapsed time as ``HH:MM:SS`` (``--:--:--`` when unknown)."""
    v = finite(seconds)
    if v is None:
        return "--:--:--"
    s = max(0, int(v))
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}:{s % 60:02d}"


def rate(hz: object) -> str:
    """A rate in Hz, kHz from 1000: ``"4.7 Hz"``, ``"5.00 kHz"``."""
    v = finite(hz)
    if v is None:
        return MISSING
    if abs(v) >= 1000.0:
        return f"{v / 1000.0:.2f} kHz"
    return f"{v:.1f} Hz" if abs(v) < 100 else f"{v:.0f} Hz"


# Short names of the modality measures in ``TrendPoint.values`` (the unit comes from the suffix).
_SHORT = {
    "threshold": "thr",
    "train_time": "train",
    "relative_alpha": "rel α",
    "alpha_delta_ratio": "α/δ",
    "spectral_edge": "SEF",
    "sef95": "SEF95",
    "asymmetry": "asym",
    "area": "area",
    "onset_latency": "onset",
    "suppression_ratio": "BSR",
}
_UNITS = {
    "uv": "µV",
    "mv": "mV",
    "ms": "ms",
    "s": "s",
    "v": "V",
    "ma": "mA",
    "hz": "Hz",
    "pct": "%",
    "uvms": "µV·ms",
}


def measure(name: str, value: object) -> str:
    """One named modality measure, unit from the name's suffix: ``"thr 300 V"``, ``"rel α 0.31"``.

    Unknown names are shown as they are, underscores as spaces.
    """
    stem, _, suffix = name.rpartition("_")
    unit = _UNITS.get(suffix.lower())
    if unit is None or not stem:
        stem, unit = name, ""
    short = _SHORT.get(stem, stem.replace("_", " "))
    v = finite(value)
    if v is None:
        return f"{short} {MISSING}"
    a = abs(v)
    digits = 0 if a >= 100 else 1 if a >= 10 else 2
    text = _signed(f"{v:.{digits}f}")
    return f"{short} {text} {unit}".rstrip()


_DEFAULT_QUANTITY = {
    "amplitude_drop": "amplitude_uv",
    "latency_rise": "latency_ms",
    "loss_of_response": "snr",
}


def quantity_of(criterion: str, quantity: str = "") -> str:
    """The quantity an alert criterion judges (older records name only the criterion)."""
    return quantity or _DEFAULT_QUANTITY.get(criterion, "")


def quantity_value(quantity: str, value: object) -> str:
    """A value of a named quantity with its unit: ``"0.42 µV"``, ``"21.3 ms"``, ``"300 V"``."""
    if quantity == "amplitude_uv":
        return amplitude(value)
    if quantity == "latency_ms":
        return latency(value)
    if quantity == "snr":
        return f"SNR {number(value, 2)}"
    _, _, suffix = quantity.rpartition("_")
    unit = _UNITS.get(suffix.lower(), "") if "_" in quantity else ""
    v = finite(value)
    if v is None:
        return MISSING
    a = abs(v)
    digits = 0 if a >= 100 else 1 if a >= 10 else 2
    return f"{_signed(f'{v:.{digits}f}')} {unit}".rstrip()
