"""The annotation dialog: free text plus quick tags, timestamped by the engine."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, SelectionList, Static

QUICK_TAGS: tuple[tuple[str, str], ...] = (
    ("anaesthetic_change", "anaesthetic change"),
    ("bolus", "bolus"),
    ("blood_pressure_drop", "blood-pressure drop"),
    ("positioning", "positioning"),
    ("incision", "incision"),
    ("hardware_placed", "hardware placed"),
    ("closing", "closing"),
)
"""(tag stored in the record, words shown) for the confounders and events teams note most."""

Note = tuple[str, tuple[str, ...]]
"""(text, tags)."""


class AnnotateScreen(ModalScreen[Note | None]):
    """Type a note, tick tags (Tab to the list, Space to tick), Enter in the text field saves."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        """Text field, tag list, buttons."""
        with Vertical(classes="dialog"):
            yield Static(Text("Annotate", style="bold"), classes="title")
            yield Input(placeholder="what happened (e.g. propofol 50 mg)", id="text")
            yield SelectionList[str](*((words, tag) for tag, words in QUICK_TAGS), id="tags")
            yield Static("Enter: save · Tab: tags, Space: tick · Esc: cancel", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start typing at once."""
        self.query_one("#text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        tags = tuple(self.query_one("#tags", SelectionList).selected)
        if not text and not tags:
            self.notify("Type a note or tick a tag.", severity="warning", markup=False)
            return
        self.dismiss((text, tags))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
