"""Imperative commands applied to the engine between chunks (from the UI or a script)."""

from __future__ import annotations

from dataclasses import dataclass

from .specs import AveragingSpec


@dataclass(frozen=True, slots=True)
class CaptureBaseline:
    """Store the latest update of a test (or of all tests) as a named baseline and select it."""

    name: str
    test: str | None = None


@dataclass(frozen=True, slots=True)
class SelectBaseline:
    """Compare a test (or all tests) against an earlier captured baseline."""

    name: str
    test: str | None = None


@dataclass(frozen=True, slots=True)
class ResetAverage:
    """Forget the sweeps of a test's (or every test's) running average."""

    test: str | None = None


@dataclass(frozen=True, slots=True)
class PauseTest:
    """Stop (``paused=True``) or resume accepting sweeps for a test (or all)."""

    paused: bool
    test: str | None = None


@dataclass(frozen=True, slots=True)
class SetAveraging:
    """Change a test's averaging mode or size; its average starts anew."""

    test: str
    averaging: AveragingSpec


@dataclass(frozen=True, slots=True)
class AcknowledgeAlert:
    """Acknowledge active alerts: of one test and criterion, of one test, or all."""

    test: str | None = None
    criterion: str | None = None


@dataclass(frozen=True, slots=True)
class Annotate:
    """Add a timestamped note (free text plus quick tags) to the record."""

    text: str
    tags: tuple[str, ...] = ()


Command = (
    CaptureBaseline
    | SelectBaseline
    | ResetAverage
    | PauseTest
    | SetAveraging
    | AcknowledgeAlert
    | Annotate
)
