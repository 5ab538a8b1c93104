"""Where the suite finds the project's shared recordings (laid beside the clone)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
"""The project's shared recordings (laid beside the clone on CI and developer machines)."""
