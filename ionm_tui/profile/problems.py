"""Profile problems: where (file, dotted key, line), what was expected and what was found."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ionm_tui.errors import ProfileError

from .fields import show_value
from .locate import LineIndex

KeyPath = tuple[str | int, ...]
"""A key's position in the parsed TOML: ``("test", 2, "alert", "amplitude_drop_pct")``."""

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value was written.

    Attributes:
        file: the profile file (``""`` for text without a file).
        key: the dotted key as people read it (``test "ssep-ll-l".alert.amplitude_drop_pct``).
        line: 1-based line in the file, or None when unknown.
    """

    file: str
    key: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a profile.

    Attributes:
        file: the profile file (``""`` for text without a file).
        key: the dotted key (``""`` for the file as a whole).
        message: what was expected and what was found, in plain words.
        line: 1-based line, or None when unknown.
    """

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<profile>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    @classmethod
    def at(cls, loc: Location, message: str) -> Problem:
        """A problem at a known location."""
        return cls(loc.file, loc.key, message, loc.line)


class InvalidProfile(ProfileError):
    """A profile has problems; ``problems`` holds every one of them.

    Args:
        problems: every problem found, in file order.
        title: heading for dialogs and CLI output.
    """

    def __init__(self, problems: Sequence[Problem], title: str = "Invalid profile") -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the profile:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]), title)


def found(v: Any) -> str:
    """A parsed TOML value described for a message: ``text "50"``, ``the number 120`` …"""
    if isinstance(v, bool):
        return f"{show_value(v)} (true/false)"
    if isinstance(v, str):
        return f"text {show_value(v)}" if v else "empty text"
    if isinstance(v, int | float):
        return "nan (not a number)" if math.isnan(v) else f"{show_value(v)}"
    if isinstance(v, list):
        text = show_value(v)
        return f"the list {text if len(text) < 60 else text[:57] + '…'}"
    if isinstance(v, dict):
        return "a table"
    return f"a date/time ({v})"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``'; did you mean "x"?'`` for the closest option, or ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close and word.lower() in {o.lower() for o in options}:
        close = [o for o in options if o.lower() == word.lower()]
    return f'; did you mean "{close[0]}"?' if close else ""


class Problems:
    """Collects every problem of one profile file, then formats or raises them all at once.

    Paths are formatted lazily, so a test's id registered after a problem was added still names
    it. Identical problems (same key, same message) are reported once: a bad ``[defaults]`` value
    shared by ten tests is one problem.

    Args:
        file: the file name shown in messages.
        text: the TOML text (for line numbers), if any.
    """

    def __init__(self, file: str = "", text: str | None = None) -> None:
        self.file = file
        self._index = LineIndex(text) if text is not None else None
        self._items: list[tuple[KeyPath | Location, str, int | None]] = []
        self._names: dict[KeyPath, str] = {}

    def add(self, path: KeyPath, message: str, *, line: int | None = None) -> None:
        """Record a problem at a key path (its line is looked up unless given)."""
        self._items.append((path, message, line))

    def add_at(self, loc: Location, message: str) -> None:
        """Record a problem at an already resolved location."""
        self._items.append((loc, message, loc.line))

    def name(self, path: KeyPath, label: str) -> None:
        """Show the array item at ``path`` (ending in an index) by name: ``test "ssep-ll-l"``."""
        self._names[path] = label

    def __len__(self) -> int:
        return len(self._items)

    def locate(self, path: KeyPath) -> Location:
        """The file, readable dotted key and line of a key path."""
        line = self._index.line_of(path) if self._index else None
        return Location(self.file, self.key_text(path), line)

    def key_text(self, path: KeyPath) -> str:
        """``("test", 2, "alert", "confirm")`` → ``test "ssep-ll-l".alert.confirm``."""
        out = ""
        for i, part in enumerate(path):
            if isinstance(part, int):
                label = self._names.get(path[: i + 1])
                out += f" {show_value(label)}" if label is not None else f" #{part + 1}"
            else:
                text = part if _BARE.match(part) else show_value(part)
                out += f".{text}" if out else text
        return out

    def problems(self) -> tuple[Problem, ...]:
        """Every problem, deduplicated, in file order (problems without a line last)."""
        seen: set[tuple[str, str]] = set()
        out: list[Problem] = []
        for where, message, line in self._items:
            loc = where if isinstance(where, Location) else self.locate(where)
            if line is not None:
                loc = Location(loc.file, loc.key, line)
            if (loc.key, message) in seen:
                continue
            seen.add((loc.key, message))
            out.append(Problem.at(loc, message))
        order = {id(p): i for i, p in enumerate(out)}
        return tuple(sorted(out, key=lambda p: (p.line is None, p.line or 0, order[id(p)])))

    def raise_if_any(self) -> None:
        """Raise :class:`InvalidProfile` with every problem, if there are any."""
        if self._items:
            raise InvalidProfile(self.problems())
