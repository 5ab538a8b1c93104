"""Make strings from outside (markers, notes, labels, errors) safe to show literally."""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls, DEL, zero-width and bidirectional overrides (which can reorder what people
# read), the BOM, and lone surrogates (which cannot be encoded for the terminal).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch == "\t":
        return " "
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(value: object, *, max_len: int | None = 300) -> str:
    """A one-line, printable form of ``value``: control characters become visible escapes.

    The result is meant for ``rich.text.Text(...)`` (never markup), so ``[red]x`` or
    ``[@click=quit]`` stay as typed, and terminal escapes (``\\x1b]0;…``) can't reach the terminal.

    Args:
        value: any object; ``str(value)`` is shown.
        max_len: longest result in characters (an ellipsis marks a cut); None for no limit.

    Returns:
        The escaped string.
    """
    text = _UNSAFE.sub(_escape, str(value))
    if max_len is not None and len(text) > max_len:
        text = text[: max(0, max_len - 1)] + "…"
    return text


def literal_text(value: object, style: str = "", *, max_len: int | None = 300) -> Text:
    """``literal(value)`` as a Rich ``Text`` with one style (no markup is ever parsed)."""
    return Text(literal(value, max_len=max_len), style=style, no_wrap=True, end="")
