"""The event log: alerts, annotations, baselines, data quality, stream health, user actions."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog


class EventLog(RichLog):
    """An append-only, bounded log of literal lines (never markup, never highlighted); long
    lines wrap so nothing is hidden.

    Args:
        max_lines: lines kept; older ones scroll away.
        id: widget id.
        classes: CSS classes.
    """

    def __init__(
        self, *, max_lines: int = 500, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            max_lines=max_lines,
            wrap=True,
            markup=False,
            highlight=False,
            min_width=40,
            id=id,
            classes=classes,
        )
        self.can_focus = False
        self.history: deque[str] = deque(maxlen=max_lines)
        """The plain text of the lines written (newest last), for searching and tests."""

    def on_resize(self) -> None:
        """Keep the newest events in view when the layout changes the log's height."""
        if self.auto_scroll:
            self.scroll_end(animate=False, immediate=False)

    def add(self, lines: Iterable[Text]) -> None:
        """Append lines (already sanitised ``Text``; a plain ``str`` is never passed)."""
        for line in lines:
            self.history.append(line.plain)
            self.write(line, scroll_end=True)
