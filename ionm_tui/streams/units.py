"""Channel units as streams declare them (``desc/channels/channel/unit``) → factors to µV."""

from __future__ import annotations

_TO_UV: dict[str, float] = {
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,  # Greek mu, as some devices write it
    "microvolt": 1.0,
    "microvolts": 1.0,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "nv": 1e-3,
    "nanovolt": 1e-3,
    "nanovolts": 1e-3,
}


def scale_to_uv(units: tuple[str, ...], n_channels: int) -> tuple[tuple[float, ...], list[str]]:
    """Per-channel factors turning stream values into µV.

    Channels without a unit, or with one that is not a voltage, are taken as µV (the LSL ExG
    convention) and reported, so a wrongly scaled amplifier is visible rather than silent.

    Args:
        units: the declared units, one per channel (may be shorter or empty).
        n_channels: the stream's channel count.

    Returns:
        (factors, notes): one factor per channel, and one sentence per assumption made.
    """
    factors: list[float] = []
    unknown: dict[str, int] = {}
    for i in range(n_channels):
        raw = units[i].strip() if i < len(units) else ""
        f = _TO_UV.get(raw.lower())
        if f is None:
            unknown[raw or "(none)"] = unknown.get(raw or "(none)", 0) + 1
            f = 1.0
        factors.append(f)
    notes = [
        f"{n} channel(s) with unit {u!r} taken as microvolts" for u, n in sorted(unknown.items())
    ]
    return tuple(factors), notes
