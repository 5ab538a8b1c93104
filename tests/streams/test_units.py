"""Declared channel units become µV factors; unknown units are assumed µV and reported."""

from __future__ import annotations

from ionm_tui.streams.units import scale_to_uv


def test_known_units() -> None:
    """Volts, millivolts, microvolts (any spelling) and nanovolts scale to µV."""
    factors, notes = scale_to_uv(("V", "mV", "microvolts", "µV", "uV", "nV"), 6)
    assert factors == (1e6, 1e3, 1.0, 1.0, 1.0, 1e-3)
    assert notes == []


def test_missing_or_odd_units_are_reported() -> None:
    """Missing and non-voltage units count as µV, and each assumption is named."""
    factors, notes = scale_to_uv(("counts",), 3)
    assert factors == (1.0, 1.0, 1.0)
    assert notes == [
        "2 channel(s) with unit '(none)' taken as microvolts",
        "1 channel(s) with unit 'counts' taken as microvolts",
    ]
