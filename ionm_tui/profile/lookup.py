"""Finding profiles by path or id: the user's folder first, then the shipped ones."""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ionm_tui.errors import ProfileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ENV = "IONM_TUI_PROFILES"
"""Environment variable naming the user's profile folder(s) (``os.pathsep``-separated)."""


def user_dirs() -> tuple[Path, ...]:
    """The user's profile folders: ``$IONM_TUI_PROFILES``, else ``~/.config/ionm-tui/profiles``."""
    env = os.environ.get(ENV)
    if env:
        return tuple(Path(p).expanduser() for p in env.split(os.pathsep) if p)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return (Path(base) / "ionm-tui" / "profiles",)


def user_dir() -> Path:
    """The first user profile folder (where new profiles belong)."""
    return user_dirs()[0]


def shipped_dir() -> Path:
    """The shipped profiles: package data when installed, the repo's ``profiles/`` in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "shipped"
    if packaged.is_dir():
        return packaged
    return here.parents[1] / "profiles"


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """One profile file found in a profile folder.

    Attributes:
        id: its ``[profile] id`` (the file stem when it cannot be read).
        name: its ``[profile] name`` (``""`` when it cannot be read).
        path: the file.
        origin: ``"user"`` or ``"shipped"``.
        shadowed: a user profile with the same id comes first, so this one is not used by id.
        error: why its header could not be read (full checks: ``ionm-tui profiles check``).
    """

    id: str
    name: str
    path: Path
    origin: str
    shadowed: bool = False
    error: str = ""


def _entry(path: Path, origin: str) -> ProfileEntry:
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        return ProfileEntry(path.stem, "", path, origin, error=f"unreadable: {err}")
    head = doc.get("profile")
    if not isinstance(head, dict) or not isinstance(head.get("id"), str):
        return ProfileEntry(path.stem, "", path, origin, error="no [profile] id")
    name = head.get("name") if isinstance(head.get("name"), str) else ""
    return ProfileEntry(head["id"], name, path, origin)


def list_profiles() -> list[ProfileEntry]:
    """Every profile in the user folders, then the shipped ones; later duplicates are shadowed."""
    found: list[ProfileEntry] = []
    seen: set[str] = set()
    folders = [(d, "user") for d in user_dirs()] + [(shipped_dir(), "shipped")]
    for folder, origin in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            e = _entry(path, origin)
            if e.id in seen:
                e = ProfileEntry(e.id, e.name, e.path, e.origin, True, e.error)
            seen.add(e.id)
            found.append(e)
    return found


def _looks_like_path(name: str) -> bool:
    return name.endswith(".toml") or os.sep in name or "/" in name or Path(name).exists()


def find_profile(name: str | Path) -> Path:
    """The file of a profile named by path or by id.

    Raises:
        ProfileError: no such file or id (the message lists the ids there are).
    """
    if isinstance(name, Path) or _looks_like_path(name):
        p = Path(name).expanduser()
        if not p.is_file():
            raise ProfileError(f"no profile file {str(p)!r}", "Profile not found")
        return p
    for folder in (*user_dirs(), shipped_dir()):
        p = folder / f"{name}.toml"
        if p.is_file():
            return p
    entries = [e for e in list_profiles() if not e.shadowed]
    for e in entries:
        if e.id == name:
            return e.path
    ids = [e.id for e in entries]
    close = difflib.get_close_matches(name, ids, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    known = ", ".join(ids) or "none"
    raise ProfileError(f"no profile {name!r}{hint} (profiles: {known})", "Profile not found")
