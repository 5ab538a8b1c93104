"""The alert banner at the top of the monitor."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..render.banner import STYLE_KEYS, BannerModel, banner_text

_LEVEL_CLASSES = ("-high", "-medium", "-low", "-ack", "-calm", "-system")


class AlertBanner(Widget):
    """The highest-priority active alert, the rest summarised; calm when there are none."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"alert-banner--{k}" for k in STYLE_KEYS}
    """One style per banner element (``high``, ``medium``, ``low``, ``ack``, ``calm``, …)."""

    DEFAULT_CSS = """
    AlertBanner { height: 2; }
    """

    model: reactive[BannerModel] = reactive(BannerModel)
    """What the banner shows; replaced (not mutated) by the screen on every tick."""

    def watch_model(self, model: BannerModel) -> None:
        """Set the level class that colours the whole banner."""
        if model.system:
            level = "-system"
        elif model.top is None:
            level = "-calm"
        elif model.top.acknowledged:
            level = "-ack"
        else:
            level = f"-{model.top.priority}"
        if not self.has_class(level):
            self.remove_class(*_LEVEL_CLASSES)
            self.add_class(level)

    def render(self) -> Text:
        """Delegate to the pure banner renderer."""
        styles = {k: self.get_component_rich_style(f"alert-banner--{k}") for k in STYLE_KEYS}
        return banner_text(self.model, styles)
