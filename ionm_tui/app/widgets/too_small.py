"""The notice shown instead of a broken layout when the terminal is too small."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

MIN_WIDTH = 60
MIN_HEIGHT = 16


class TooSmall(Widget):
    """Says how big the terminal must be, and how big it is."""

    DEFAULT_CSS = """
    TooSmall { content-align: center middle; text-align: center; }
    """

    def on_resize(self) -> None:
        """Re-render with the new size."""
        self.refresh()

    def render(self) -> Text:
        """The notice."""
        w, h = self.app.size
        return Text(
            f"terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, now {w}×{h})\n"
            "enlarge the window · q quits",
            justify="center",
        )
