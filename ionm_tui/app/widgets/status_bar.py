"""The status bar: stream health, sweep totals, recording and clocks."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..render.status import STYLE_KEYS, StatusModel, status_text


class StatusBar(Widget):
    """Two lines at the bottom of the monitor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"status-bar--{k}" for k in STYLE_KEYS}
    """One style per element (stream states, warnings, dim text)."""

    DEFAULT_CSS = """
    StatusBar { height: 2; }
    """

    model: reactive[StatusModel] = reactive(StatusModel)
    """What the bar shows; unchanged models cost nothing (it is compared, then skipped)."""

    def render(self) -> Text:
        """Delegate to the pure status renderer."""
        styles = {k: self.get_component_rich_style(f"status-bar--{k}") for k in STYLE_KEYS}
        return status_text(self.model, self.content_size.width, styles)
