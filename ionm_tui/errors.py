"""The project's small exception tree: one base, one subclass per area."""

from __future__ import annotations


class IonmError(Exception):
    """Base of every error this package raises on purpose.

    Args:
        message: what went wrong and how to fix it, in words a technologist understands.
        title: a short heading for dialogs and CLI output.
    """

    def __init__(self, message: str, title: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.title = title or type(self).__name__


class ProfileError(IonmError):
    """A procedure profile could not be read or is invalid."""


class StreamError(IonmError):
    """A data source (LSL stream, XDF file, simulator) cannot be used."""


class SessionError(IonmError):
    """A case record (journal, results, export) cannot be read or written."""
