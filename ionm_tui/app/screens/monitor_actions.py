"""The monitor's keyboard actions, also in the command palette and the help screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from ...engine import (
    AcknowledgeAlert,
    Annotate,
    AveragingSpec,
    CaptureBaseline,
    Command,
    PauseTest,
    ResetAverage,
    SelectBaseline,
    SetAveraging,
    TestView,
)
from ..render.events import you_text
from ..render.sanitize import literal
from ..render.waveform import measured_channel
from ..widgets.event_log import EventLog
from ..widgets.test_table import TestTable
from .annotate import AnnotateScreen, Note
from .averaging import AveragingScreen
from .baseline import CaptureBaselineScreen, Choice, SelectBaselineScreen, default_name
from .confirm import ConfirmScreen
from .help import HelpScreen

if TYPE_CHECKING:
    from ..app import IonmApp

ZOOM_RANGE = (-3, 6)
VIEWS_COMPACT = ("waveform", "trend", "log")

# (title, help, action, args) for the command palette: what only looks (shared with review).
VIEW_PALETTE: tuple[tuple[str, str, str, tuple[object, ...]], ...] = (
    ("Select next test", "Move the selection down the table", "move", (1,)),
    ("Select previous test", "Move the selection up the table", "move", (-1,)),
    ("Zoom waveform in", "Double the amplitude gain", "zoom", (1,)),
    ("Zoom waveform out", "Halve the amplitude gain", "zoom", (-1,)),
    ("Next channel", "Show the selected test's next channel", "channel", ()),
    ("Next view", "Waveform, trend or log (small terminals)", "view", ()),
    ("Help", "Keys, row states, alert priorities", "help", ()),
)

# The whole live palette; every key action is here too.
PALETTE: tuple[tuple[str, str, str, tuple[object, ...]], ...] = (
    ("Acknowledge all alerts", "Every active alert is seen (stays listed)", "acknowledge", ()),
    ("Acknowledge selected test", "Only the selected test's alerts", "acknowledge_selected", ()),
    ("Capture baseline…", "Store the latest averages as a named baseline", "capture_baseline", ()),
    ("Select baseline…", "Compare with an earlier captured baseline", "select_baseline", ()),
    ("Annotate…", "Add a timestamped note with quick tags", "annotate", ()),
    ("Pause / resume selected test", "Stop or restart accepting its sweeps", "pause", ()),
    ("Reset average of selected test", "Discard its sweeps and start anew", "reset", ()),
    ("Averaging mode…", "Block, moving or EWMA, and the number of sweeps", "averaging", ()),
    ("Mute / unmute bell", "The bell rings on new high-priority alerts", "mute", ()),
    *VIEW_PALETTE,
)  # fmt: skip


class MonitorActions:
    """Key bindings and actions of :class:`~.monitor.MonitorScreen` (mixed into it).

    The screen provides the state these read: the views of the newest snapshot, the selected
    test, zoom, channels and view, and the ``_show_*`` methods that redraw after a change.
    """

    KEYS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Prev", show=False),
        Binding("down,j", "move(1)", "Next", show=False),
        Binding("a", "acknowledge", "Ack"),
        Binding("b", "capture_baseline", "Baseline"),
        Binding("B", "select_baseline", "Use baseline", show=False),
        Binding("n", "annotate", "Note"),
        Binding("p", "pause", "Pause"),
        Binding("r", "reset", "Reset", show=False),
        Binding("m", "averaging", "Averaging", show=False),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", show=False),
        Binding("minus", "zoom(-1)", "Zoom out", show=False),
        Binding("c", "channel", "Channel", show=False),
        Binding("v", "view", "View"),
        Binding("s", "mute", "Mute", show=False),
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]
    HELP_KEYS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("↑/↓  k/j", "select test"),
        ("a", "acknowledge all alerts"),
        ("b", "capture a named baseline (selected test or all)"),
        ("B", "compare with an earlier baseline"),
        ("n", "annotate: free text + quick tags"),
        ("p", "pause / resume the selected test"),
        ("r", "reset the selected test's average"),
        ("m", "averaging mode and sweeps of the selected test"),
        ("+ / −", "zoom the waveform"),
        ("c", "next channel of the selected test"),
        ("v", "next view: waveform, trend, log (small terminals)"),
        ("s", "mute / unmute the alert bell"),
        ("? / F1", "this help"),
        ("q", "quit (asks first)"),
    )
    if TYPE_CHECKING:  # provided by MonitorScreen
        _views: dict[str, TestView]
        _order: list[str]
        _selected: str | None
        _zoom: int
        _channels: dict[str, int]
        _view: str
        _wave_key: tuple[object, ...] | None
        _trend_key: tuple[object, ...] | None
        muted: bool

        @property
        def ionm(self) -> IonmApp: ...
        def _show_detail(self, now: float, *, force: bool = False) -> None: ...
        def _show_banner(self) -> None: ...
        def _show_status(self) -> None: ...
        def _apply_view(self) -> None: ...
        def _wide(self) -> bool: ...
        def _now_stamp(self) -> str: ...

    # --- actions ------------------------------------------------------------------------------

    def _send(self, command: Command, what: str) -> None:
        self.ionm.send(command)
        self.query_one(EventLog).add([you_text(what, time=self._now_stamp())])

    def _selected_view(self) -> TestView | None:
        view = self._views.get(self._selected or "")
        if view is None:
            self.notify("No test selected yet.", severity="warning", markup=False)
        return view

    def action_move(self, delta: int) -> None:
        """Select the previous or next test."""
        if not self._order:
            return
        i = self._order.index(self._selected) if self._selected in self._order else 0
        self._selected = self._order[min(max(i + delta, 0), len(self._order) - 1)]
        self.query_one(TestTable).selected = self._selected
        self._show_detail(self.ionm.clock(), force=True)

    def action_acknowledge(self) -> None:
        """Acknowledge every active alert."""
        self._send(AcknowledgeAlert(), "acknowledge all alerts")

    def action_acknowledge_selected(self) -> None:
        """Acknowledge the selected test's alerts."""
        if (view := self._selected_view()) is not None:
            self._send(AcknowledgeAlert(test=view.spec.id), f"acknowledge {view.spec.id}")

    def action_capture_baseline(self) -> None:
        """Ask for a name and scope, then capture."""
        view = self._views.get(self._selected or "")
        captured = sorted({b for v in self._views.values() for b in v.baselines})
        screen = CaptureBaselineScreen(
            default_name(captured),
            view.spec.id if view else None,
            view.spec.display_label if view else "—",
        )
        self.app.push_screen(screen, self._captured)

    def _captured(self, choice: Choice | None) -> None:
        if choice is not None:
            name, test = choice
            where = test or "all tests"
            self._send(CaptureBaseline(name, test), f"capture baseline {name!r} for {where}")

    def action_select_baseline(self) -> None:
        """Pick an earlier baseline to compare with."""
        view = self._views.get(self._selected or "")
        names = sorted({b for v in self._views.values() for b in v.baselines})
        if not names:
            self.notify("No baseline has been captured yet.", severity="warning", markup=False)
            return
        screen = SelectBaselineScreen(
            names,
            view.baseline if view else None,
            view.spec.id if view else None,
            view.spec.display_label if view else "—",
        )
        self.app.push_screen(screen, self._baseline_selected)

    def _baseline_selected(self, choice: Choice | None) -> None:
        if choice is not None:
            name, test = choice
            where = test or "all tests"
            self._send(SelectBaseline(name, test), f"compare {where} with baseline {name!r}")

    def action_annotate(self) -> None:
        """Write a note with quick tags."""
        self.app.push_screen(AnnotateScreen(), self._annotated)

    def _annotated(self, note: Note | None) -> None:
        if note is not None:
            text, tags = note
            self._send(Annotate(text, tags), f"note {' '.join(tags)} {text}".strip())

    def action_pause(self) -> None:
        """Pause the selected test, or resume it."""
        if (view := self._selected_view()) is not None:
            paused = not view.paused
            word = "pause" if paused else "resume"
            self._send(PauseTest(paused, view.spec.id), f"{word} {view.spec.id}")

    def action_reset(self) -> None:
        """Reset the selected test's average (asks first)."""
        if (view := self._selected_view()) is None:
            return
        test = view.spec.id
        question = (
            f"Reset the average of {literal(view.spec.display_label, max_len=30)}? "
            f"Its {view.accepted} accepted sweeps are discarded."
        )

        def reset(yes: bool | None) -> None:
            if yes:
                self._send(ResetAverage(test), f"reset average of {test}")

        self.app.push_screen(ConfirmScreen(question, yes="Reset"), reset)

    def action_averaging(self) -> None:
        """Change the selected test's averaging mode and size."""
        if (view := self._selected_view()) is None:
            return
        test = view.spec.id
        if view.averaging is None:
            self.app.notify(f"{view.spec.display_label} is not averaged", severity="warning")
            return

        def chosen(spec: AveragingSpec | None) -> None:
            if spec is not None:
                what = f"averaging of {test}: {spec.mode} {spec.sweeps}"
                self._send(SetAveraging(test, spec), what)

        self.app.push_screen(AveragingScreen(view.averaging, view.spec.display_label), chosen)

    def action_zoom(self, step: int) -> None:
        """Change the waveform's amplitude gain."""
        self._zoom = min(max(self._zoom + step, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        self._show_detail(self.ionm.clock(), force=True)

    def action_channel(self) -> None:
        """Show the selected test's next channel."""
        if (view := self._selected_view()) is None:
            return
        current = self._channels.get(view.spec.id, measured_channel(view))
        self._channels[view.spec.id] = (current + 1) % max(1, len(view.spec.channels))
        self._show_detail(self.ionm.clock(), force=True)

    def action_view(self) -> None:
        """Cycle the lower panel: waveform, trend, log (all three show on large terminals)."""
        i = VIEWS_COMPACT.index(self._view)
        self._view = VIEWS_COMPACT[(i + 1) % len(VIEWS_COMPACT)]
        self._apply_view()
        if self._wide():
            self.notify("All panels are shown at this size.", markup=False, timeout=2)
        self._wave_key = self._trend_key = None
        self._show_detail(self.ionm.clock(), force=True)

    def action_mute(self) -> None:
        """Mute or unmute the bell."""
        self.muted = not self.muted
        word = "muted" if self.muted else "unmuted"
        self.query_one(EventLog).add([you_text(f"bell {word}", time=self._now_stamp())])
        self._show_banner()
        self._show_status()

    def action_help(self) -> None:
        """Show keys and legends."""
        self.app.push_screen(HelpScreen(self.HELP_KEYS))

    def palette_commands(self) -> Iterator[SystemCommand]:
        """Every action, by name, for the command palette."""
        for title, help_text, action, args in PALETTE:
            method: Callable[..., None] = getattr(self, f"action_{action}")
            yield SystemCommand(title, help_text, partial(method, *args))
