"""The waveform panel: current average over baseline with peaks, and the waterfall."""

from __future__ import annotations

from typing import ClassVar

from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ..render.waveform import STYLE_KEYS, WaveformModel, render_waveform


class WaveformPanel(Widget):
    """Braille traces drawn from numpy; redrawn only when its model or size changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"waveform-panel--{k}" for k in STYLE_KEYS}
    """Styles of the current trace, baseline, waterfall, peak labels, axis and title."""

    model: reactive[WaveformModel | None] = reactive(None)
    """The selected test and channel; the screen replaces it at most twice a second."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._strips: list[Strip] = []
        self._drawn: tuple[object, int, int] | None = None

    def notify_style_update(self) -> None:
        """Forget the drawing when the theme or CSS changes."""
        self._drawn = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        """One line of the drawing (drawn once per model and size)."""
        w, h = self.content_size
        key = (self.model, w, h)
        if self._drawn != key:
            styles = {k: self.get_component_rich_style(f"waveform-panel--{k}") for k in STYLE_KEYS}
            self._strips = render_waveform(self.model, w, h, styles)
            self._drawn = key
        return self._strips[y] if 0 <= y < len(self._strips) else Strip.blank(w, self.rich_style)
