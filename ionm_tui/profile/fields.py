"""Field records: one per TOML key, read by both the loader and the generated user docs."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

AVERAGED, SINGLE, EMG, EEG = "averaged", "single", "emg", "eeg"
FAMILIES: tuple[str, ...] = (AVERAGED, SINGLE, EMG, EEG)
"""How a modality is processed: averaged sweeps, single sweeps, free-run EMG, EEG."""

MODALITIES: dict[str, str] = {
    "ssep": AVERAGED,
    "baep": AVERAGED,
    "vep": AVERAGED,
    "dwave": AVERAGED,
    "tcmep": SINGLE,
    "temg": SINGLE,
    "nerve": SINGLE,
    "emg": EMG,
    "eeg": EEG,
}
"""Every modality a profile may name, and its family."""

FAMILY_WORDS: dict[str, str] = {
    AVERAGED: "averaged (ssep, baep, vep, dwave)",
    SINGLE: "single-sweep (tcmep, temg, nerve)",
    EMG: "free-run EMG (emg)",
    EEG: "EEG (eeg)",
}


class _Required:
    """Marks a field without a default."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

KINDS: dict[str, str] = {
    "text": "text in quotes",
    "number": "a number",
    "integer": "a whole number",
    "bool": "true or false",
    "interval": "two numbers [start, end]",
    "choice": "one of",
    "texts": "a list of text in quotes",
    "table": "a table",
    "tables": "a list of tables",
}
"""What each kind of value is called in messages and docs (TOML's words, not Python's)."""


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """One TOML key: its type, unit, range, default and meaning.

    Attributes:
        key: the key as written in TOML.
        kind: one of ``KINDS``.
        meaning: what it means clinically and technically (one or two sentences).
        unit: unit of the value (``"ms"``, ``"µV"``, ``"%"`` …), or ``""``.
        default: the value used when the key is absent; ``REQUIRED`` when it must be given;
            None when absent means "not set" (the check it drives is off).
        lo, hi: allowed range (numbers; both ends of intervals); None for unbounded.
        lo_open, hi_open: whether ``lo`` / ``hi`` themselves are excluded.
        choices: allowed values of a ``choice``.
        families: modality families whose tests accept the key (tests and defaults only).
        allow_equal: an ``interval`` may have start == end.
        items: (min, max) number of items of ``texts`` / ``interval`` lists.
        example: a TOML example for messages and docs.
        by_modality: per-modality defaults overriding ``default``, as (modality, value) pairs.
    """

    key: str
    kind: str
    meaning: str
    unit: str = ""
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[Any, ...] = ()
    families: tuple[str, ...] = FAMILIES
    allow_equal: bool = False
    items: tuple[int, int] = (1, 1000)
    example: str = ""
    by_modality: tuple[tuple[str, Any], ...] = ()

    @property
    def required(self) -> bool:
        """True when the key must be written."""
        return self.default is REQUIRED

    def default_for(self, modality: str | None) -> Any:
        """The default for a test of this modality."""
        for mod, value in self.by_modality:
            if mod == modality:
                return value
        return self.default

    def expected(self) -> str:
        """What the value must be, in words: ``a number of ms more than 0``."""
        if self.kind == "choice":
            return "one of " + ", ".join(show_value(c) for c in self.choices)
        words = KINDS[self.kind]
        if self.unit and self.kind in ("number", "integer", "interval"):
            words += f" in {self.unit}" if self.kind == "interval" else f" of {self.unit}"
        rng = self.range_text()
        return f"{words}, {rng}" if rng else words

    def range_text(self) -> str:
        """The allowed range in words (``more than 0 and at most 100``), or ``""``."""
        parts = []
        if self.lo is not None:
            parts.append(f"{'more than' if self.lo_open else 'at least'} {num(self.lo)}")
        if self.hi is not None:
            parts.append(f"{'less than' if self.hi_open else 'at most'} {num(self.hi)}")
        text = " and ".join(parts)
        if self.kind == "interval" and text:
            text = f"each end {text}"
        return text

    def in_range(self, v: float) -> bool:
        """True when ``v`` lies in [lo, hi] (open ends excluded)."""
        if self.lo is not None and (v < self.lo or (self.lo_open and v == self.lo)):
            return False
        return not (self.hi is not None and (v > self.hi or (self.hi_open and v == self.hi)))


def num(v: float) -> str:
    """A number as a technologist writes it: ``50`` not ``50.0``."""
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def show_value(v: Any) -> str:
    """A value written as in TOML (``"text"``, ``50``, ``true``, ``[0, 60]``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, int | float):
        return num(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(show_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {show_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def engine_default(cls: type, name: str) -> Any:
    """The default of an engine spec field, so docs and loader never drift from the engine."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    raise KeyError(f"{cls.__name__} has no field with a default named {name!r}")


def by_key(docs: tuple[FieldDoc, ...], family: str | None = None) -> dict[str, FieldDoc]:
    """Field docs by key, restricted to those a family accepts (all when ``family`` is None)."""
    return {d.key: d for d in docs if family is None or family in d.families}
