"""The monitor: lays out the panels and fans the newest snapshot out to them once per tick."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from ...engine import (
    AlertEvent,
    EngineSnapshot,
    TestView,
)
from ..liveness import Liveness, assess
from ..render.banner import ACK_HINT, banner_model
from ..render.events import event_text, health_text, stamp
from ..render.status import status_model
from ..render.table import Row, build_row, order_views
from ..render.trend import trend_model
from ..render.waveform import measured_channel, waveform_model
from ..widgets.alert_banner import AlertBanner
from ..widgets.event_log import EventLog
from ..widgets.status_bar import StatusBar
from ..widgets.test_table import TestTable
from ..widgets.too_small import TooSmall
from ..widgets.trend_panel import TrendPanel
from ..widgets.waveform_panel import WaveformPanel
from .monitor_actions import VIEWS_COMPACT, MonitorActions

if TYPE_CHECKING:
    from ..app import IonmApp

LOG_LINES_PER_TICK = 25
"""Event-log lines written per tick; the rest wait for the next tick (never dropped)."""


class MonitorScreen(MonitorActions, Screen[None]):
    """Banner, test table, waveform/trend/log panels and status bar; every action by keyboard.

    Args:
        refresh_hz: UI updates per second (one batched update per tick).
        waveform_hz: most waveform redraws per second.
    """

    # Textual reads BINDINGS from DOM classes only, not from the (plain) actions mixin.
    BINDINGS: ClassVar[list[BindingType]] = MonitorActions.KEYS
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-w-tiny"),
        (60, "-w-small"),
        (100, "-w-wide"),
    ]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-h-tiny"),
        (16, "-h-small"),
        (30, "-h-tall"),
    ]

    BANNER_HINT: ClassVar[str] = ACK_HINT
    """Under an unacknowledged alert: the keys that deal with it."""

    def __init__(self, *, refresh_hz: float = 10.0, waveform_hz: float = 2.0) -> None:
        super().__init__()
        self._refresh_s = 1.0 / refresh_hz
        self._waveform_s = 1.0 / waveform_hz
        self._snapshot: EngineSnapshot | None = None
        self._case_start = math.nan
        self._seq = -1
        self._views: dict[str, TestView] = {}
        self._order: list[str] = []
        self._selected: str | None = None
        self._last_t = math.nan
        self._t_changed_at: float | None = None
        self._zoom = 0
        self._channels: dict[str, int] = {}
        self._view = "waveform"
        self._wave_key: tuple[object, ...] | None = None
        self._wave_at = -math.inf
        self._wave_pending = False
        self._trend_key: tuple[object, ...] | None = None
        self._rows: dict[str, tuple[TestView, tuple[str, str], Row]] = {}
        self._rung: set[tuple[str, str, float]] = set()
        self._health: dict[str, str] = {}
        self._alert_events: dict[str, deque[AlertEvent]] = {}
        self.muted = False
        """The bell stays silent on new high-priority alerts."""

    @property
    def ionm(self) -> IonmApp:
        """The app, typed."""
        return cast("IonmApp", self.app)

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Banner, table, lower panels, status bar, footer; a notice for tiny terminals."""
        yield AlertBanner(id="banner")
        with Vertical(id="main"):
            yield TestTable(id="table")
            with Horizontal(id="lower"):
                yield WaveformPanel(id="waveform")
                with Vertical(id="side"):
                    yield TrendPanel(id="trend")
                    yield EventLog(id="log")
        yield StatusBar(id="status")
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Start the display tick."""
        self._apply_view()
        self.set_interval(self._refresh_s, self._tick, name="monitor-tick")

    def _wide(self) -> bool:
        return self.has_class("-w-wide") and self.has_class("-h-tall")

    def _apply_view(self) -> None:
        for v in VIEWS_COMPACT:
            self.set_class(self._view == v, f"-view-{v}")

    # --- the tick -----------------------------------------------------------------------------

    def _tick(self) -> None:
        """Take the newest snapshot (if any) and update every panel in one batch."""
        app = self.ionm
        now = app.clock()
        msg = app.latest
        if msg is not None and msg.snapshot.seq != self._seq:
            self._take(msg.snapshot, msg.case_start_t)
        snap = self._snapshot
        if snap is not None and math.isfinite(snap.t) and snap.t != self._last_t:
            self._last_t, self._t_changed_at = snap.t, now
        stalled = self._t_changed_at is not None and now - self._t_changed_at > app.stale_after_s
        live = assess(
            snap.streams if snap else (),
            data_stalled=stalled,
            engine_stopped=app.feed_state == "error",
        )
        with app.batch_update():
            self._show_table(live)
            self._show_banner()
            self._show_status()
            self._show_detail(now)
            self._show_log()
        self._ring_bell()

    def _take(self, snap: EngineSnapshot, case_start_t: float) -> None:
        self._snapshot, self._seq, self._case_start = snap, snap.seq, case_start_t
        self._views = {v.spec.id: v for v in snap.tests}
        self._order = [v.spec.id for v in order_views(snap.tests)]
        if self._selected not in self._views:
            self._selected = self._order[0] if self._order else None

    def _labels(self) -> dict[str, str]:
        return {k: v.spec.display_label for k, v in self._views.items()}

    def _show_table(self, live: Liveness) -> None:
        rows = []
        for test in self._order:
            view = self._views[test]
            state = live.for_modality(view.spec.modality)
            cached = self._rows.get(test)
            if cached is None or cached[0] is not view or cached[1] != state:
                cached = (view, state, build_row(view, *state))
                self._rows[test] = cached
            rows.append(cached[2])
        table = self.query_one(TestTable)
        table.rows = tuple(rows)
        table.selected = self._selected

    def _show_banner(self) -> None:
        app = self.ionm
        snap = self._snapshot
        system = f"ENGINE STOPPED: {app.feed_error}" if app.feed_state == "error" else ""
        self.query_one(AlertBanner).model = banner_model(
            snap.alerts if snap else (),
            self._labels(),
            snap.t if snap else math.nan,
            system=system,
            muted=self.muted,
            hint=self.BANNER_HINT,
        )

    def _show_status(self) -> None:
        app = self.ionm
        self.query_one(StatusBar).model = status_model(
            self._snapshot,
            case_start_t=self._case_start,
            recording=app.feed.recording,
            feed=app.feed_state,
            muted=self.muted,
        )

    def _show_detail(self, now: float, *, force: bool = False) -> None:
        view = self._views.get(self._selected or "")
        wide = self._wide()
        if wide or self._view == "waveform":
            self._show_waveform(view, force)
        if view is not None and (wide or self._view == "trend"):
            # Views hold arrays: compare them by identity, never with == (ambiguous for arrays).
            n_events = len(self._alert_events.get(view.spec.id, ()))
            start = None if math.isnan(self._case_start) else self._case_start
            old = self._trend_key
            if old is None or old[0] is not view or old[1:] != (n_events, start):
                self._trend_key = (view, n_events, start)
                self.query_one(TrendPanel).model = trend_model(
                    view,
                    case_start_t=self._case_start,
                    alert_events=tuple(self._alert_events.get(view.spec.id, ())),
                )

    def _show_waveform(self, view: TestView | None, force: bool) -> None:
        panel = self.query_one(WaveformPanel)
        if view is None:
            panel.model = None
            return
        channel = self._channels.get(view.spec.id, measured_channel(view))
        latest = view.latest
        key = (
            view.spec.id,
            latest.seq if latest else -1,
            view.baseline,
            len(view.waterfall),
            channel,
            self._zoom,
            view.in_progress if view.average_uv is None else -1,
        )
        # The redraw limit is about terminal output, so it runs on the real clock (the injected
        # one may stand still in tests).
        wall = time.monotonic()
        self._wave_pending = key != self._wave_key
        if not self._wave_pending or (not force and wall - self._wave_at < self._waveform_s):
            return
        self._wave_key, self._wave_at, self._wave_pending = key, wall, False
        panel.model = waveform_model(view, channel, self._zoom)

    def _show_log(self) -> None:
        lines = []
        labels = self._labels()
        for record in self.ionm.take_records(LOG_LINES_PER_TICK):
            if isinstance(record, AlertEvent):
                self._alert_events.setdefault(record.test, deque(maxlen=200)).append(record)
            line = event_text(record, case_start_t=self._case_start, labels=labels)
            if line is not None:
                lines.append(line)
        snap = self._snapshot
        for h in snap.streams if snap else ():
            name, state = str(getattr(h, "name", "?")), getattr(h, "state", None)
            if not isinstance(state, str) or self._health.get(name) == state:
                continue
            old = self._health.get(name)
            self._health[name] = state
            if old is None and state == "connected":
                continue  # the normal start is not news
            message = str(getattr(h, "message", ""))
            lines.append(health_text(name, old, state, message, time=self._now_stamp()))
        if lines:
            self.query_one(EventLog).add(lines)

    def _ring_bell(self) -> None:
        snap = self._snapshot
        keys = {
            (a.test, a.criterion, a.onset_t)
            for a in (snap.alerts if snap else ())
            if a.priority == "high" and not a.acknowledged
        }
        new, self._rung = keys - self._rung, keys
        if new and not self.muted:
            self.app.bell()

    def _now_stamp(self) -> str:
        return stamp(self._snapshot.t if self._snapshot else math.nan, self._case_start)

    @property
    def redraw_pending(self) -> bool:
        """The waveform waits for its redraw slot (at most ``waveform_hz`` per second)."""
        return self._wave_pending

    @property
    def shown_seq(self) -> int:
        """``seq`` of the snapshot on screen (-1 before the first)."""
        return self._seq

    @property
    def selected_test(self) -> str | None:
        """Id of the selected test."""
        return self._selected

    @property
    def zoom(self) -> int:
        """Waveform zoom steps."""
        return self._zoom

    @property
    def view_name(self) -> str:
        """The lower panel shown on small terminals."""
        return self._view
