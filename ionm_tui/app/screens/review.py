"""The monitor, read-only, over a recorded case: a time cursor instead of engine commands."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from functools import partial
from typing import ClassVar, cast

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from ..render.events import event_text
from ..review_feed import ReviewFeed
from ..widgets.event_log import EventLog
from .case_events import CaseEventsScreen
from .monitor import MonitorScreen
from .monitor_actions import VIEW_PALETTE

LOG_EVENTS = 200
"""Events up to the cursor shown in the log (the newest last)."""
PAGE_MINUTES = 5

# (title, help, action, args): every review action, for the command palette.
REVIEW_PALETTE: tuple[tuple[str, str, str, tuple[object, ...]], ...] = (
    ("Previous update", "Cursor to the selected test's previous update", "seek", ("update", -1)),
    ("Next update", "Cursor to the selected test's next update", "seek", ("update", 1)),
    ("Previous event", "Cursor to the previous alert or annotation", "seek", ("event", -1)),
    ("Next event", "Cursor to the next alert or annotation", "seek", ("event", 1)),
    ("Alerts and notes…", "List them all and go to one", "events", ()),
    ("Back 5 minutes", "Move the cursor 5 minutes back", "seek", ("minutes", -PAGE_MINUTES)),
    ("Forward 5 minutes", "Move the cursor 5 minutes on", "seek", ("minutes", PAGE_MINUTES)),
    ("Start of case", "Cursor to the first update", "seek", ("start", 0)),
    ("End of case", "Cursor to the last record", "seek", ("end", 0)),
    *VIEW_PALETTE,
)  # fmt: skip


class ReviewScreen(MonitorScreen, inherit_bindings=False):
    """Banner, table, waveform/trend/log and status as they were at the review cursor.

    Everything that would change the case (acknowledge, baselines, notes, pause, reset,
    averaging) is absent: the bindings below replace the monitor's.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Prev", show=False),
        Binding("down,j", "move(1)", "Next", show=False),
        Binding("left,h", "seek('update', -1)", "◀ upd"),
        Binding("right,l", "seek('update', 1)", "upd ▶"),
        Binding("left_square_bracket", "seek('event', -1)", "◀ event"),
        Binding("right_square_bracket", "seek('event', 1)", "event ▶"),
        Binding("e", "events", "Events"),
        Binding("pageup", f"seek('minutes', {-PAGE_MINUTES})", "−5 min", show=False),
        Binding("pagedown", f"seek('minutes', {PAGE_MINUTES})", "+5 min", show=False),
        Binding("home,g", "seek('start', 0)", "Start", show=False),
        Binding("end,G", "seek('end', 0)", "End", show=False),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", show=False),
        Binding("minus", "zoom(-1)", "Zoom out", show=False),
        Binding("c", "channel", "Channel", show=False),
        Binding("v", "view", "View"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]
    BANNER_HINT: ClassVar[str] = "active at the cursor · [ ]: previous/next event · ?: help"
    HELP_KEYS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("REVIEW", "read-only: the case as it was at the cursor"),
        ("↑/↓  k/j", "select test"),
        ("←/→  h/l", "previous / next update of the selected test"),
        ("[ / ]", "previous / next alert or annotation"),
        ("e", "list every alert and note; Enter goes there"),
        ("PgUp / PgDn", f"{PAGE_MINUTES} minutes back / on"),
        ("Home / End", "start / end of the case (also g / G)"),
        ("+ / −", "zoom the waveform"),
        ("c", "next channel of the selected test"),
        ("v", "next view: waveform, trend, log (small terminals)"),
        ("? / F1", "this help"),
        ("q", "close the review"),
    )

    def __init__(self, *, refresh_hz: float = 10.0, waveform_hz: float = 2.0) -> None:
        super().__init__(refresh_hz=refresh_hz, waveform_hz=waveform_hz)
        self._log_seq = -1
        self._notes: list[Text] = []

    @property
    def review(self) -> ReviewFeed:
        """The review feed, typed."""
        return cast("ReviewFeed", self.ionm.feed)

    def action_seek(self, how: str, n: int) -> None:
        """Move the cursor; the feed sends the snapshot there."""
        test = self._selected if how == "update" else None
        self.review.seek(how, n, test)

    def action_events(self) -> None:
        """List the case's alerts and notes; go to the one picked."""
        labels = self._labels()
        lines = []
        for t, record in self.review.case.marks():
            line = event_text(record, case_start_t=self._case_start, labels=labels)
            if line is not None:
                lines.append((t, line))
        if not lines:
            self.notify("This case has no alerts or notes.", markup=False, timeout=3)
            return
        current = self._snapshot.t if self._snapshot else float("inf")

        def chosen(t: float | None) -> None:
            if t is not None:
                self.review.seek_to(t)

        self.app.push_screen(CaseEventsScreen(lines, current), chosen)

    def _show_log(self) -> None:
        """The events up to the cursor, newest last, after the review's own notes."""
        labels = self._labels()
        for record in self.ionm.take_records(LOG_EVENTS):  # notes about the file, once
            line = event_text(record, case_start_t=self._case_start, labels=labels)
            if line is not None:
                self._notes.append(line)
        if self._seq == self._log_seq or self._snapshot is None:
            return
        self._log_seq = self._seq
        case, t = self.review.case, self._snapshot.t
        self._alert_events = {}
        for test in self._views:
            events = case.alert_events_until(t, test)
            if events:
                self._alert_events[test] = deque(events, maxlen=200)
        lines = list(self._notes)
        for record in case.events_until(t, LOG_EVENTS):
            line = event_text(record, case_start_t=self._case_start, labels=labels)
            if line is not None:
                lines.append(line)
        log = self.query_one(EventLog)
        log.clear()
        log.history.clear()
        log.add(lines)
        self._trend_key = None  # the trend's alert marks follow the cursor

    def _ring_bell(self) -> None:
        """Never: nothing in a review is happening now."""

    def palette_commands(self) -> Iterator[SystemCommand]:
        """Every review action, by name, for the command palette."""
        for title, help_text, action, args in REVIEW_PALETTE:
            method: Callable[..., None] = getattr(self, f"action_{action}")
            yield SystemCommand(title, help_text, partial(method, *args))
