"""A failure of the console itself (the engine worker died), shown until dismissed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..render.sanitize import literal


class ErrorScreen(ModalScreen[None]):
    """Says what failed; the banner keeps saying it after this closes.

    Args:
        title: a short heading.
        message: what went wrong (shown literally).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self._title = title
        self._message = message

    def compose(self) -> ComposeResult:
        """Heading, message, consequence, a close button."""
        with Vertical(classes="dialog error"):
            yield Static(Text(literal(self._title, max_len=80), style="bold"), classes="title")
            yield Static(Text(literal(self._message, max_len=2000)), classes="question")
            yield Static(
                Text(
                    "Monitoring has STOPPED: the numbers on screen are no longer live.\n"
                    "Check the data source and restart the console."
                ),
                classes="hint",
            )
            yield Button("Close (Esc)", id="close", variant="error")

    def on_button_pressed(self) -> None:
        """Close."""
        self.dismiss(None)

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)
