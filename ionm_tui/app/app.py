"""The console app: composes the monitor, runs the feed in a worker, routes errors."""

from __future__ import annotations

import gc
import math
import time
from collections import deque
from collections.abc import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ..engine import Command, EngineSnapshot, Record
from .feed import Feed
from .messages import RecordsReady, SnapshotReady
from .screens.confirm import ConfirmScreen
from .screens.error import ErrorScreen
from .screens.monitor import MonitorScreen
from .screens.review import ReviewScreen

MAX_PENDING_RECORDS = 5000
"""Log records waiting for the display; beyond this the oldest go (the journal keeps them all)."""


class _Sink:
    """Hands the feed's output to the UI thread as messages (thread-safe, never blocks)."""

    def __init__(self, app: IonmApp) -> None:
        self._app = app

    def snapshot(self, snapshot: EngineSnapshot, case_start_t: float) -> None:
        self._app.post_message(SnapshotReady(snapshot, case_start_t))

    def records(self, records: tuple[Record, ...]) -> None:
        self._app.post_message(RecordsReady(records))


class IonmApp(App[None]):
    """The IONM console.

    Args:
        feed: where snapshots and records come from and commands go.
        title: shown in the terminal title.
        profile_name: the procedure profile, shown as the sub-title.
        clock: monotonic seconds (inject a fixed clock for deterministic tests).
        stale_after_s: rows turn STALE when the data clock has not advanced for this long.
        refresh_hz: display updates per second.
        review: show a recorded case read-only (the feed is a ``ReviewFeed``): the review
            screen's cursor keys replace the engine commands, and nothing turns STALE.
    """

    CSS_PATH = "ionm.tcss"

    def __init__(
        self,
        feed: Feed,
        *,
        title: str = "ionm-tui",
        profile_name: str = "",
        clock: Callable[[], float] = time.monotonic,
        stale_after_s: float = 2.0,
        refresh_hz: float = 10.0,
        review: bool = False,
    ) -> None:
        super().__init__()
        self.review = review
        self.feed = feed
        self.title = title
        self.sub_title = profile_name
        self.clock = clock
        # A reviewed case's data clock stands still by design: never call it stale.
        self.stale_after_s = math.inf if review else stale_after_s
        self._refresh_hz = refresh_hz
        self.latest: SnapshotReady | None = None
        """The newest snapshot message (older ones were replaced in the queue or here)."""
        self.feed_state = "starting"
        """``starting``, ``running``, ``ended`` (finite source done), ``stopped`` or ``error``."""
        self.feed_error = ""
        self._records: deque[Record] = deque(maxlen=MAX_PENDING_RECORDS)

    def on_mount(self) -> None:
        """Show the monitor and start the feed."""
        screen = ReviewScreen if self.review else MonitorScreen
        self.push_screen(screen(refresh_hz=self._refresh_hz))
        self._run_feed()
        # Full garbage-collection passes over everything Textual and numpy built at start-up
        # took 90-145 ms, the worst keypress-to-screen delays measured; freezing what exists
        # once the screen is up keeps them out of every later pass.
        self.set_timer(2.0, gc.freeze)

    @work(thread=True, exit_on_error=False, group="feed", name="feed", exclusive=True)
    def _run_feed(self) -> None:
        worker = get_current_worker()
        self.feed.run(_Sink(self), lambda: worker.is_cancelled)

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        """Keep the newest; the monitor takes it on its next tick."""
        self.latest = message

    def on_records_ready(self, message: RecordsReady) -> None:
        """Queue records for the event log."""
        self._records.extend(message.records)

    def take_records(self, limit: int) -> list[Record]:
        """Up to ``limit`` queued records, oldest first."""
        n = min(limit, len(self._records))
        return [self._records.popleft() for _ in range(n)]

    @property
    def records_waiting(self) -> int:
        """Log records not yet shown."""
        return len(self._records)

    def send(self, command: Command) -> None:
        """Send a command to the engine through the feed."""
        self.feed.send(command)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Turn the feed worker's end into visible state; an error also opens a dialog."""
        if event.worker.group != "feed":
            return
        state = event.state
        if state == WorkerState.RUNNING:
            self.feed_state = "running"
        elif state == WorkerState.SUCCESS:
            self.feed_state = "ended"
        elif state == WorkerState.CANCELLED:
            self.feed_state = "stopped"
        elif state == WorkerState.ERROR:
            error = event.worker.error
            self.feed_state = "error"
            self.feed_error = f"{type(error).__name__}: {error}"
            self.push_screen(ErrorScreen("The engine stopped", self.feed_error))

    async def action_quit(self) -> None:
        """Quit after confirmation: monitoring stops when the console closes."""
        if isinstance(self.screen, ConfirmScreen):
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        question = "Close the review?" if self.review else "Quit the console? Monitoring stops."
        self.push_screen(ConfirmScreen(question, yes="Quit"), answer)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands plus every monitor action."""
        yield from super().get_system_commands(screen)
        monitor = next((s for s in self.screen_stack if isinstance(s, MonitorScreen)), None)
        if monitor is not None:
            yield from monitor.palette_commands()


def make_app(
    feed: Feed,
    *,
    title: str = "ionm-tui",
    profile_name: str = "",
    clock: Callable[[], float] = time.monotonic,
    stale_after_s: float = 2.0,
    refresh_hz: float = 10.0,
    review: bool = False,
) -> IonmApp:
    """Build the console for a feed (used by the CLI and the tests)."""
    return IonmApp(
        feed,
        title=title,
        profile_name=profile_name,
        clock=clock,
        stale_after_s=stale_after_s,
        refresh_hz=refresh_hz,
        review=review,
    )
