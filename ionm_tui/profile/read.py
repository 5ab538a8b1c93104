"""Reading a profile file: bytes → text → parsed TOML, every failure turned into a problem."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from .problems import Problems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def read_text(path: Path, problems: Problems) -> str | None:
    """The file's text, or None after recording why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add((), "no such file")
        return None
    except IsADirectoryError:
        problems.add((), "this is a folder, not a profile file")
        return None
    except OSError as err:
        problems.add((), f"cannot be read: {err.strerror or err}")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.add((), "not a text file (not UTF-8): is this really a TOML profile?", line=line)
        return None


def parse_toml(text: str, problems: Problems) -> dict[str, Any] | None:
    """The parsed document, or None after recording the syntax error with its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomli ≥ 2 has lineno/colno; 3.11's tomllib only puts "(at line N, column M)" in the text.
        msg = str(getattr(err, "msg", None) or err)
        line = getattr(err, "lineno", None)
        col = getattr(err, "colno", None)
        at = _AT.search(msg)
        if at:
            line, col = int(at.group(1)), int(at.group(2))
            msg = msg[: at.start()]
        where = f" (column {col})" if col else ""
        problems.add(
            (),
            f"this is not valid TOML: {msg}{where}. Look for a missing quote, bracket, comma or "
            "'=' on this line or the one before",
            line=line,
        )
        return None
