"""The reviewed case's alerts and notes as a list: pick one to move the cursor there."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class CaseEventsScreen(ModalScreen[float | None]):
    """Every alert transition and note of the case, oldest first; Enter goes there, Esc closes.

    Args:
        lines: (review time in LSL seconds, the event's log line, already literal).
        current: the cursor now (the list opens at the last event at or before it).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,e", "close", "Close")]

    def __init__(self, lines: list[tuple[float, Text]], current: float) -> None:
        super().__init__()
        self._times = [t for t, _ in lines]
        self._lines = [line for _, line in lines]
        self._current = current

    def compose(self) -> ComposeResult:
        """A title, the list, a hint."""
        with Vertical(classes="dialog events"):
            yield Static(Text(f"Alerts and notes of this case ({len(self._lines)})"))
            yield OptionList(*(Option(line) for line in self._lines), id="events")
            yield Static(Text("Enter: go there · Esc: close"), classes="hint")

    def on_mount(self) -> None:
        """Highlight the event at or before the cursor."""
        options = self.query_one(OptionList)
        before = [i for i, t in enumerate(self._times) if t <= self._current]
        if self._lines:
            options.highlighted = before[-1] if before else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Go to the chosen event."""
        self.dismiss(self._times[event.option_index])

    def action_close(self) -> None:
        """Close without moving."""
        self.dismiss(None)
