"""First pass: each value's type and range against its field record, and unknown keys."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fields import FieldDoc, num, show_value
from .problems import KeyPath, Problems, did_you_mean, found


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
"""Stands for a value that had a problem (already reported)."""


@dataclass(frozen=True, slots=True)
class Sourced:
    """A value and the key path it was written at (a test's own key or a ``[defaults]`` one).

    Attributes:
        value: the parsed TOML value; a nested table is a ``dict[str, Sourced]``.
        path: where it was written.
    """

    value: Any
    path: KeyPath


def sourced(
    table: Mapping[str, Any], path: KeyPath, nested: tuple[str, ...] = ()
) -> dict[str, Sourced]:
    """Wrap a parsed table's values with their paths (``nested`` tables one level deep too)."""
    out: dict[str, Sourced] = {}
    for k, v in table.items():
        p = (*path, k)
        out[k] = Sourced(sourced(v, p) if k in nested and isinstance(v, dict) else v, p)
    return out


def merge(
    base: Mapping[str, Sourced], own: Mapping[str, Sourced], nested: tuple[str, ...]
) -> dict[str, Sourced]:
    """``own`` over ``base``; tables named in ``nested`` are merged key by key."""
    out = dict(base)
    for k, s in own.items():
        b = out.get(k)
        if (
            k in nested
            and b is not None
            and isinstance(b.value, dict)
            and isinstance(s.value, dict)
        ):
            out[k] = Sourced({**b.value, **s.value}, s.path)
        else:
            out[k] = s
    return out


def is_number(v: Any) -> bool:
    """True for TOML integers and floats (not booleans)."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def _wrong(doc: FieldDoc, v: Any, path: KeyPath, problems: Problems, hint: str = "") -> Any:
    problems.add(path, f"expected {doc.expected()}, found {found(v)}{hint}")
    return INVALID


def _quoted_number_hint(v: Any) -> str:
    if isinstance(v, str):
        try:
            float(v)
        except ValueError:
            return ""
        return " (remove the quotes: numbers are written bare)"
    return ""


def _number(doc: FieldDoc, v: Any, path: KeyPath, problems: Problems) -> Any:
    if not is_number(v):
        return _wrong(doc, v, path, problems, _quoted_number_hint(v))
    if not math.isfinite(v):
        return _wrong(doc, v, path, problems, " (a finite number is needed)")
    if doc.kind == "integer":
        if isinstance(v, float) and not v.is_integer():
            return _wrong(doc, v, path, problems)
        v = int(v)
    else:
        v = float(v)
    if not doc.in_range(v):
        return _wrong(doc, v, path, problems)
    return v


def _interval(doc: FieldDoc, v: Any, path: KeyPath, problems: Problems) -> Any:
    if not (isinstance(v, list) and len(v) == 2 and all(is_number(x) for x in v)):
        return _wrong(doc, v, path, problems, " (e.g. " + (doc.example or "[0, 10]") + ")")
    a, b = float(v[0]), float(v[1])
    if not (math.isfinite(a) and math.isfinite(b)):
        return _wrong(doc, v, path, problems, " (finite numbers are needed)")
    unit = f" {doc.unit}" if doc.unit else ""
    if b < a:
        problems.add(
            path,
            f"the start ({num(a)}{unit}) must come before the end ({num(b)}{unit}); "
            f"found {show_value(v)}: did you mean [{num(b)}, {num(a)}]?",
        )
        return INVALID
    if b == a and not doc.allow_equal:
        problems.add(path, f"start and end are both {num(a)}{unit}: the interval is empty")
        return INVALID
    if not (doc.in_range(a) and doc.in_range(b)):
        return _wrong(doc, v, path, problems)
    return (a, b)


def check_value(doc: FieldDoc, v: Any, path: KeyPath, problems: Problems) -> Any:
    """The value converted to its Python form, or ``INVALID`` after recording the problem."""
    k = doc.kind
    if k in ("number", "integer"):
        return _number(doc, v, path, problems)
    if k == "interval":
        return _interval(doc, v, path, problems)
    if k == "text":
        return v if isinstance(v, str) else _wrong(doc, v, path, problems)
    if k == "bool":
        return v if isinstance(v, bool) else _wrong(doc, v, path, problems)
    if k == "choice":
        for c in doc.choices:
            if v == c and isinstance(v, bool) == isinstance(c, bool):
                return c
        hint = did_you_mean(v, [str(c) for c in doc.choices]) if isinstance(v, str) else ""
        return _wrong(doc, v, path, problems, hint)
    if k == "texts":
        lo, hi = doc.items
        if isinstance(v, str) and lo == 1:
            return _wrong(doc, v, path, problems, f" (write [{show_value(v)}])")
        if not (isinstance(v, list) and all(isinstance(x, str) and x for x in v)):
            return _wrong(doc, v, path, problems)
        if not lo <= len(v) <= hi:
            many = f"{lo} to {hi}" if hi < 1000 else f"at least {lo}"
            problems.add(path, f"expected {many} entries, found {len(v)}")
            return INVALID
        return tuple(v)
    if k == "table":
        return v if isinstance(v, dict) else _wrong(doc, v, path, problems)
    if k == "tables":
        if isinstance(v, list) and all(isinstance(x, dict) for x in v):
            return v
        return _wrong(doc, v, path, problems)
    raise ValueError(f"unknown field kind {k!r}")  # a schema bug, not a user error


def check_pattern(v: Any, path: KeyPath, problems: Problems, pattern: str, words: str) -> Any:
    """Check text against a regular expression; ``words`` says what is allowed."""
    if v is INVALID or re.match(pattern, v):
        return v
    problems.add(path, f"{words}; found {found(v)}")
    return INVALID


def check_keys(
    table: Mapping[str, Any],
    allowed: Mapping[str, object],
    path: KeyPath,
    problems: Problems,
    elsewhere: Mapping[str, str] | None = None,
) -> None:
    """Report every key of ``table`` not in ``allowed``, with the closest allowed key.

    Args:
        elsewhere: keys valid in another context, with where (``"single-sweep tests"``).
    """
    for key in table:
        if key in allowed:
            continue
        where = (elsewhere or {}).get(key)
        if where:
            problems.add((*path, key), f'"{key}" is not used here: it belongs to {where}')
            continue
        hint = did_you_mean(key, allowed)
        listing = "" if hint else "; the keys here are: " + ", ".join(allowed)
        problems.add((*path, key), f'unknown key "{key}"{hint}{listing}')


def check_fields(
    values: Mapping[str, Sourced],
    docs: Mapping[str, FieldDoc],
    path: KeyPath,
    problems: Problems,
    modality: str | None = None,
) -> dict[str, Any]:
    """Check every documented key of a table; fill defaults; report missing required keys.

    Returns:
        key → converted value (``INVALID`` where a problem was recorded). Keys not in ``docs``
        are ignored here (``check_keys`` reports them).
    """
    out: dict[str, Any] = {}
    for key, doc in docs.items():
        s = values.get(key)
        if s is None:
            if doc.required:
                eg = f" (e.g. {doc.example})" if doc.example else ""
                what = doc.meaning.split(". ")[0].rstrip(".").replace("`", "")
                problems.add((*path, key), f'missing required key "{key}": {what}{eg}')
                out[key] = INVALID
            else:
                out[key] = doc.default_for(modality)
            continue
        out[key] = check_value(doc, s.value, s.path, problems)
    return out
