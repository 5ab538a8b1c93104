"""The test table: one line-API row per test; only cells that changed are repainted."""

from __future__ import annotations

from typing import ClassVar

from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ..render.table import STYLE_KEYS, Layout, Row, header_cells, layout_for, row_cells, to_strip


class TestTable(Widget):
    """Label, amplitude, latency, change, sweeps, SNR, detail, status and a sparkline per test."""

    __test__ = False  # not a pytest class

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"test-table--{k}" for k in STYLE_KEYS}
    """One style per cell kind and status word (``ok``, ``alert-high``, ``lost`` …)."""

    DEFAULT_CSS = """
    TestTable { height: auto; }
    """

    rows: reactive[tuple[Row, ...]] = reactive((), repaint=False)
    """One row per test, in display order; the watcher repaints only the changed cells."""

    selected: reactive[str | None] = reactive(None, repaint=False)
    """Id of the selected test (drawn highlighted and kept in view)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._top = 0
        self._layout: Layout | None = None
        self._styles: dict[str, object] | None = None
        self._cells: dict[tuple[Row, bool, int], list[tuple[int, str, str]]] = {}

    # --- geometry -----------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A header line plus one line per row (at least one for the waiting note)."""
        return 1 + max(1, len(self.rows))

    def _visible_rows(self) -> int:
        return max(0, self.content_size.height - 1)

    def _scroll_to_selected(self) -> bool:
        """Adjust the first row shown so the selection is visible; True when it moved."""
        ids = [r.test for r in self.rows]
        n = self._visible_rows()
        top = min(self._top, max(0, len(ids) - n))
        if self.selected in ids and n:
            i = ids.index(self.selected)
            top = min(max(top, i - n + 1), i)
        moved, self._top = top != self._top, top
        return moved

    # --- repaint ------------------------------------------------------------------------------

    def _get_layout(self) -> Layout:
        w = self.content_size.width
        if self._layout is None or self._layout.width != w:
            self._layout = layout_for(w)
        return self._layout

    def _row_cells(self, row: Row) -> list[tuple[int, str, str]]:
        key = (row, row.test == self.selected, self.content_size.width)
        cells = self._cells.get(key)
        if cells is None:
            if len(self._cells) > 512:
                self._cells.clear()
            cells = self._cells[key] = row_cells(row, self._get_layout(), key[1])
        return cells

    def watch_rows(self, old: tuple[Row, ...], new: tuple[Row, ...]) -> None:
        """Repaint the cells that changed (the whole widget when the rows themselves changed)."""
        if len(old) != len(new) or [r.test for r in old] != [r.test for r in new]:
            self._scroll_to_selected()
            self.refresh(layout=True)
            return
        if self._scroll_to_selected():
            self.refresh()
            return
        n = self._visible_rows()
        if any(
            a.status != b.status
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            if not self._top <= i < self._top + n
        ):
            self.refresh(Region(0, 0, self.content_size.width, 1))  # the header counts alerts
        width = self.content_size.width
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            y = i - self._top + 1
            if a == b or not 1 <= y <= self._visible_rows():
                continue
            before, after = self._row_cells(a), self._row_cells(b)
            if [c[0] for c in before] != [c[0] for c in after]:
                self.refresh(Region(0, y, width, 1))
                continue
            for (x, t0, s0), (_, t1, s1) in zip(before, after, strict=True):
                if t0 != t1 or s0 != s1:
                    self.refresh(Region(x, y, max(len(t0), len(t1)), 1))

    def watch_selected(self) -> None:
        """Redraw: two rows change their highlight (and the view may scroll)."""
        self._scroll_to_selected()
        self.refresh()

    def on_resize(self) -> None:
        """Keep the selection in view at the new size."""
        self._scroll_to_selected()

    def notify_style_update(self) -> None:
        """Forget cached styles when the theme or CSS changes."""
        self._styles = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        """The header (y = 0) or one row."""
        width = self.content_size.width
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = {k: get(f"test-table--{k}") for k in STYLE_KEYS}
            self._styles["selected"] = self.get_component_rich_style(
                "test-table--selected", partial=True
            )
        styles = self._styles
        layout = self._get_layout()
        if y == 0:
            n = self._visible_rows()
            above, below = self._top, max(0, len(self.rows) - self._top - n)
            outside = self.rows[: self._top] + self.rows[self._top + n :]
            alerts = sum(r.status == "ALERT" for r in outside)
            cells = header_cells(layout, (above, below), alerts)
            return to_strip(cells, width, styles)  # type: ignore[arg-type]
        i = self._top + y - 1
        if not self.rows:
            if y == 1:
                note = [(0, "  waiting for the engine…", "dim")]
                return to_strip(note, width, styles)  # type: ignore[arg-type]
            return Strip.blank(width, self.rich_style)
        if i >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[i]
        extra = styles["selected"] if row.test == self.selected else None
        return to_strip(self._row_cells(row), width, styles, extra=extra)  # type: ignore[arg-type]
