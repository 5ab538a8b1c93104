"""Profile tests: never read the developer's own profile folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user profile folder at an empty temporary one (harlequin's habit)."""
    folder = tmp_path / "user-profiles"
    folder.mkdir()
    monkeypatch.setenv("IONM_TUI_PROFILES", str(folder))
    return folder
