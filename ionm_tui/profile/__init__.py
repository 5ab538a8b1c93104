"""Procedure profiles: TOML → validated, frozen specs the engine understands (never Textual)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import check_file, load, loads, parse
    from .lookup import ProfileEntry, find_profile, list_profiles, shipped_dir, user_dir
    from .model import DataStream, EngineSettings, Profile, StreamMatch
    from .problems import InvalidProfile, Location, Problem

# Imported on first use, so `ionm-tui --help` and `profiles list` stay light (no numpy/scipy).
_LAZY = {
    "check_file": "loader",
    "load": "loader",
    "loads": "loader",
    "parse": "loader",
    "ProfileEntry": "lookup",
    "find_profile": "lookup",
    "list_profiles": "lookup",
    "shipped_dir": "lookup",
    "user_dir": "lookup",
    "DataStream": "model",
    "EngineSettings": "model",
    "Profile": "model",
    "StreamMatch": "model",
    "InvalidProfile": "problems",
    "Location": "problems",
    "Problem": "problems",
}

__all__ = [
    "DataStream",
    "EngineSettings",
    "InvalidProfile",
    "Location",
    "Problem",
    "Profile",
    "ProfileEntry",
    "StreamMatch",
    "check_file",
    "find_profile",
    "list_profiles",
    "load",
    "loads",
    "parse",
    "shipped_dir",
    "user_dir",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
