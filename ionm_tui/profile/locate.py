"""Line numbers for dotted keys, found by scanning the TOML text (the parsers give none)."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYVAL = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)
_INNER_KEY = re.compile(r"""(?:^|[{,]\s*)([A-Za-z0-9_-]+)\s*=""")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")


def _split_key(text: str) -> list[str]:
    """``a."b c".d`` → ``["a", "b c", "d"]``."""
    return [p.strip("\"'") for p in _PART.findall(text)]


def _strip_strings(text: str) -> str:
    """The text with string contents blanked (so brackets and ``#`` inside strings are ignored)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '""', text)


def _depth(text: str) -> int:
    """Net bracket depth change of a line (strings and comments ignored)."""
    code = _strip_strings(text).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")


class LineIndex:
    """Maps key paths (``("test", 2, "alert", "confirm")``) to the line where they are written.

    A heuristic scan, not a parser: it understands ``[table]`` and ``[[array]]`` headers, dotted
    keys, inline tables and arrays of inline tables written one item per line — what profiles
    use. A path it cannot place exactly gets the line of its longest placed prefix.

    Args:
        text: the TOML text.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str | int, ...], int] = {}
        counts: dict[tuple[str | int, ...], int] = {}
        table: tuple[str | int, ...] = ()
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            raw = lines[i]
            lineno = i + 1
            i += 1
            head = _HEADER.match(raw)
            if head and "=" not in _strip_strings(raw).split("#", 1)[0]:
                table = self._header(_split_key(head.group(2)), head.group(1) == "[[", counts)
                self._put(table, lineno)
                continue
            kv = _KEYVAL.match(raw)
            if not kv:
                continue
            path = table + tuple(_split_key(kv.group(1)))
            self._put(path, lineno)
            value = kv.group(2)
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:  # a multi-line string: skip to its end
                    while i < len(lines) and quote not in lines[i]:
                        i += 1
                    i += 1
                    value = ""
            self._inline(path, value, lineno)
            depth = _depth(value)
            item = 0
            while depth > 0 and i < len(lines):  # a value continued over several lines
                cont = lines[i].strip()
                if cont.startswith(("{", "[")):
                    self._put((*path, item), i + 1)
                    self._inline((*path, item), cont, i + 1)
                    item += 1
                depth += _depth(lines[i])
                i += 1

    def _header(
        self, parts: list[str], array: bool, counts: dict[tuple[str | int, ...], int]
    ) -> tuple[str | int, ...]:
        path: tuple[str | int, ...] = ()
        for j, part in enumerate(parts):
            path = (*path, part)
            last = j == len(parts) - 1
            if last and array:
                counts[path] = counts.get(path, 0) + 1
                path = (*path, counts[path] - 1)
            elif path in counts:
                path = (*path, counts[path] - 1)
        return path

    def _inline(self, path: tuple[str | int, ...], value: str, lineno: int) -> None:
        for key in _INNER_KEY.findall(_strip_strings(value)):
            self._put((*path, key), lineno)

    def _put(self, path: tuple[str | int, ...], lineno: int) -> None:
        self._lines.setdefault(path, lineno)

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The line of ``path``, or of its longest placed prefix; None if nothing matches."""
        for n in range(len(path), 0, -1):
            line = self._lines.get(path[:n])
            if line is not None:
                return line
        return None
