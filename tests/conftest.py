"""Suite-wide setup: keep LSL on this machine and make property tests reproducible."""

from __future__ import annotations

import os
from pathlib import Path

# Before anything can load liblsl: confine discovery to this machine and silence liblsl's own
# log lines (they are written straight to the terminal). Never send traffic off the machine.
os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parent / "lsl_api.cfg")

from hypothesis import HealthCheck, settings

# CI machines are small and shared: no per-example deadline, a fixed example budget.
settings.register_profile(
    "default", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
