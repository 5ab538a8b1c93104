"""The trend view of the selected test."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..render.trend import STYLE_KEYS, TrendModel, trend_text


class TrendPanel(Widget):
    """Recent updates of one test: time, amplitude, latency, changes, alerts."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"trend-panel--{k}" for k in STYLE_KEYS}
    """Styles of the title, header, rows and alert marks."""

    model: reactive[TrendModel] = reactive(TrendModel)
    """The rows shown, newest first."""

    def render(self) -> Text:
        """Delegate to the pure trend renderer."""
        styles = {k: self.get_component_rich_style(f"trend-panel--{k}") for k in STYLE_KEYS}
        w, h = self.content_size
        return trend_text(self.model, w, h, styles)
