"""The monitor under Pilot: every action sends its engine command; states show as they should."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from app_scenario import FrozenClock, Scenario, health, settle
from textual.widgets import SelectionList

from ionm_tui.app import IonmApp, ScriptedFeed
from ionm_tui.app.screens.annotate import AnnotateScreen
from ionm_tui.app.screens.averaging import AveragingScreen
from ionm_tui.app.screens.baseline import CaptureBaselineScreen, SelectBaselineScreen
from ionm_tui.app.screens.confirm import ConfirmScreen
from ionm_tui.app.screens.error import ErrorScreen
from ionm_tui.app.screens.help import HelpScreen
from ionm_tui.app.widgets.alert_banner import AlertBanner
from ionm_tui.app.widgets.event_log import EventLog
from ionm_tui.app.widgets.test_table import TestTable
from ionm_tui.app.widgets.waveform_panel import WaveformPanel
from ionm_tui.engine import (
    AcknowledgeAlert,
    Annotate,
    AveragingSpec,
    CaptureBaseline,
    EngineSnapshot,
    PauseTest,
    ResetAverage,
    SelectBaseline,
    SetAveraging,
)

Make = Callable[..., tuple[IonmApp, ScriptedFeed]]
SIZE = (120, 40)


def _rows_text(app: IonmApp) -> dict[str, str]:
    """Each table row as drawn on screen, by test id."""
    table = app.screen.query_one(TestTable)
    return {
        row.test: table.render_line(i - table._top + 1).text
        for i, row in enumerate(table.rows)
        if 0 <= i - table._top < table.content_size.height - 1
    }


def _log_text(app: IonmApp) -> str:
    return "\n".join(app.screen.query_one(EventLog).history)


def _next(snap: EngineSnapshot, **changes: object) -> EngineSnapshot:
    """The same snapshot one step later, with changes."""
    changes.setdefault("seq", snap.seq + 1)
    return dataclasses.replace(snap, **changes)  # type: ignore[arg-type]


# --- Baselines ---------------------------------------------------------------------------------


class TestBaselines:
    async def test_capture_sends_the_typed_name_for_all_tests(self, make: Make) -> None:
        """b opens the dialog; a typed name + Enter sends CaptureBaseline for every test."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b")
            assert isinstance(app.screen, CaptureBaselineScreen)
            await pilot.press(*"pre-x", "enter")
            await pilot.pause()
            assert not isinstance(app.screen, CaptureBaselineScreen)
            assert "you: capture baseline 'pre-x' for all tests" in _log_text(app)
        assert feed.sent == [CaptureBaseline("pre-x", None)]

    async def test_capture_for_the_selected_test_with_the_default_name(self, make: Make) -> None:
        """The scope radio picks the selected test; the default name is the next standard one."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b", "tab", "down", "enter", "shift+tab", "enter")
            await pilot.pause()
        assert feed.sent == [CaptureBaseline("post-induction", "ssep-ul-l")]

    async def test_escape_cancels(self, make: Make) -> None:
        """Esc closes the dialog without sending anything."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b", "escape")
            await pilot.pause()
        assert feed.sent == []

    async def test_select_an_earlier_baseline(self, make: Make) -> None:
        """B lists captured baselines; Enter compares with the highlighted one."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("B")
            assert isinstance(app.screen, SelectBaselineScreen)
            await pilot.press("enter")
            await pilot.pause()
        assert feed.sent == [SelectBaseline("auto", None)]


# --- Notes, alerts -----------------------------------------------------------------------------


class TestAnnotateAndAcknowledge:
    async def test_annotate_with_a_quick_tag(self, make: Make) -> None:
        """n opens the note dialog; text plus a ticked tag is sent as Annotate."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n")
            assert isinstance(app.screen, AnnotateScreen)
            await pilot.press(*"p 5", "tab", "down", "space")
            assert app.screen.query_one(SelectionList).selected == ["bolus"]
            await pilot.press("shift+tab", "enter")
            await pilot.pause()
        assert feed.sent == [Annotate("p 5", ("bolus",))]

    async def test_empty_note_is_not_sent(self, make: Make) -> None:
        """Enter with no text and no tag keeps the dialog open and sends nothing."""
        app, feed = make()
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("n", "enter")
            await pilot.pause()
            assert isinstance(app.screen, AnnotateScreen)
        assert feed.sent == []

    async def test_acknowledge_all(self, make: Make) -> None:
        """a sends AcknowledgeAlert for every alert."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await pilot.pause()
        assert feed.sent == [AcknowledgeAlert()]

    async def test_acknowledged_alert_stays_listed_but_calms(
        self, make: Make, scenario: Scenario
    ) -> None:
        """After acknowledgement the banner says ACK, the row ACK!!!, the band is not red."""
        snap = scenario.final
        acked = _next(
            snap,
            alerts=tuple(dataclasses.replace(a, acknowledged=True) for a in snap.alerts),
            tests=tuple(
                dataclasses.replace(
                    v, alerts=tuple(dataclasses.replace(a, acknowledged=True) for a in v.alerts)
                )
                for v in snap.tests
            ),
        )
        app, _ = make((snap,))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            banner = app.screen.query_one(AlertBanner)
            assert banner.has_class("-high")
            assert "ALERT!!!" in _rows_text(app)["ssep-ll-l"]
            app.feed.push(acked)  # type: ignore[attr-defined]
            await settle(pilot, seq=acked.seq)
            assert banner.has_class("-ack")
            assert banner.render().plain.startswith(" ACK !!! HIGH  ssep-ll-l")
            assert "ACK!!!" in _rows_text(app)["ssep-ll-l"]


# --- Test controls -----------------------------------------------------------------------------


class TestControls:
    async def test_pause_then_resume(self, make: Make, scenario: Scenario) -> None:
        """p pauses the selected test; once the snapshot says paused, p resumes it."""
        snap = scenario.final
        app, feed = make((snap,))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("p")
            paused = _next(
                snap,
                tests=tuple(
                    dataclasses.replace(v, paused=v.spec.id == "ssep-ul-l") for v in snap.tests
                ),
            )
            feed.push(paused)
            await settle(pilot, seq=paused.seq)
            assert "PAUSED" in _rows_text(app)["ssep-ul-l"]
            await pilot.press("p")
            await pilot.pause()
        assert feed.sent == [PauseTest(True, "ssep-ul-l"), PauseTest(False, "ssep-ul-l")]

    async def test_reset_asks_first(self, make: Make) -> None:
        """r asks; n sends nothing, y sends ResetAverage for the selected test."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("r")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n", "r", "y")
            await pilot.pause()
        assert feed.sent == [ResetAverage("ssep-ul-l")]

    async def test_averaging_change(self, make: Make) -> None:
        """m picks a mode and a number of sweeps; Enter sends SetAveraging."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("m")
            assert isinstance(app.screen, AveragingScreen)
            await pilot.press("down", "enter", "tab")
            await pilot.press("ctrl+a", *"50", "enter")  # ctrl+a: start of the field
            await pilot.pause()
        assert len(feed.sent) == 1
        sent = feed.sent[0]
        assert isinstance(sent, SetAveraging)
        assert sent.test == "ssep-ul-l"
        assert sent.averaging.mode == "moving"
        assert sent.averaging.sweeps in (50, 5010)  # depends on where the cursor lands

    async def test_averaging_sweeps_are_validated(self, make: Make) -> None:
        """Zero sweeps is refused: the dialog stays, nothing is sent."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("m", "tab", "ctrl+u", "0", "enter")  # ctrl+u: clear
            await pilot.pause()
            assert isinstance(app.screen, AveragingScreen)
            await pilot.press("ctrl+u", *"64", "enter")
            await pilot.pause()
        assert feed.sent == [SetAveraging("ssep-ul-l", AveragingSpec("block", 64))]

    async def test_select_zoom_and_channel(self, make: Make) -> None:
        """↓/↑ select tests, +/− zoom the waveform, c cycles its channel."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            screen = await settle(pilot)
            panel = app.screen.query_one(WaveformPanel)
            assert screen.selected_test == "ssep-ul-l"
            await pilot.press("down")
            assert screen.selected_test == "ssep-ll-l"
            assert panel.model is not None
            assert panel.model.label == "ssep-ll-l"
            assert app.screen.query_one(TestTable).selected == "ssep-ll-l"
            await pilot.press("up", "up")
            assert screen.selected_test == "ssep-ul-l"
            await pilot.press("plus", "plus", "minus")
            assert screen.zoom == 1
            assert panel.model.zoom == 1
            await pilot.press("c")
            assert panel.model.channel == "C5S-FPz"
            await pilot.press("c", "c")
            assert panel.model.channel == "C4p-Fz"
        assert feed.sent == []

    async def test_mute_and_bell(
        self, make: Make, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A new high alert rings the bell once; muted (s), a newer one does not."""
        snap = scenario.final
        quiet = dataclasses.replace(
            snap, alerts=(), tests=tuple(dataclasses.replace(v, alerts=()) for v in snap.tests)
        )
        app, feed = make((quiet,))
        rings: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(1))
        async with app.run_test(size=SIZE) as pilot:
            screen = await settle(pilot)
            assert rings == []
            loud = _next(snap, seq=quiet.seq + 1)
            feed.push(loud)
            await settle(pilot, seq=loud.seq)
            assert rings == [1]
            await pilot.press("s")
            assert screen.muted
            assert "bell muted" in app.screen.query_one(AlertBanner).render().plain
            again = _next(
                snap,
                seq=loud.seq + 1,
                alerts=tuple(dataclasses.replace(a, onset_t=a.onset_t + 9) for a in snap.alerts),
            )
            feed.push(again)
            await settle(pilot, seq=again.seq)
            assert rings == [1]
            await pilot.press("s")
            assert not screen.muted

    async def test_view_cycles_on_small_terminals(self, make: Make) -> None:
        """At 80×24, v shows the waveform, the trend, then the log."""
        app, _ = make()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settle(pilot)
            visible = {w.id for w in screen.query("#waveform, #trend, #log") if w.display}
            assert visible == {"waveform"}
            await pilot.press("v")
            assert screen.view_name == "trend"
            assert {w.id for w in screen.query("#waveform, #trend, #log") if w.display} == {"trend"}
            await pilot.press("v")
            assert {w.id for w in screen.query("#waveform, #trend, #log") if w.display} == {"log"}


# --- Help, palette, quit -----------------------------------------------------------------------


class TestNavigation:
    @pytest.mark.parametrize("key", ["question_mark", "f1"])
    async def test_help_opens_and_closes(self, make: Make, key: str) -> None:
        """? and F1 open the help; Esc closes it."""
        app, _ = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press(key)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    async def test_palette_runs_actions_by_name(self, make: Make) -> None:
        """Every action is in the command palette; choosing one sends its command."""
        app, feed = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {"Capture baseline…", "Annotate…", "Mute / unmute bell", "Help"} <= titles
            await pilot.press("ctrl+p")
            await pilot.press(*"ack all")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.2)
        assert feed.sent == [AcknowledgeAlert()]

    async def test_quit_asks_first(self, make: Make) -> None:
        """q asks; n keeps the console running; q then y quits."""
        app, _ = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("q")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            assert not isinstance(app.screen, ConfirmScreen)
            assert not app._exit
            await pilot.press("q", "y")
            await pilot.pause()
            assert app._exit


# --- Liveness, errors, literal text ------------------------------------------------------------


class TestLiveness:
    async def test_lost_stream_shows_signal_lost(self, make: Make, scenario: Scenario) -> None:
        """When the data stream's health says lost, every row says SIGNAL LOST, values hidden."""
        snap = scenario.final
        app, feed = make((snap,))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "1.17 µV" in _rows_text(app)["ssep-ll-l"]
            lost = _next(snap, streams=(health("ionm-sim-data", "data", "lost"), snap.streams[1]))
            feed.push(lost)
            await settle(pilot, seq=lost.seq)
            rows = _rows_text(app)
            assert all("SIGNAL LOST · ionm-sim-data" in text for text in rows.values())
            assert all("LOST" in text for text in rows.values())
            assert "1.17 µV" not in rows["ssep-ll-l"]
            assert "ionm-sim-data: connected → lost" in _log_text(app)

    async def test_lost_markers_spare_free_run_rows(self, make: Make, scenario: Scenario) -> None:
        """A lost marker stream hits the stimulated tests, not free-run EEG/EMG."""
        snap = scenario.final
        app, feed = make((snap,))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            lost = _next(snap, streams=(snap.streams[0], health("m", "markers", "lost")))
            feed.push(lost)
            await settle(pilot, seq=lost.seq)
            rows = _rows_text(app)
            assert "SIGNAL LOST · m" in rows["ssep-ul-l"]
            assert "SIGNAL LOST" not in rows["eeg-f3p3"]

    async def test_data_clock_stall_turns_rows_stale(self, make: Make, clock: FrozenClock) -> None:
        """No new data for more than 2 s: rows say STALE (numbers dimmed, not live)."""
        app, _ = make()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "STALE" not in _rows_text(app)["ssep-ul-l"]
            clock.now += 2.5
            await pilot.pause(0.25)
            assert all("STALE" in text for text in _rows_text(app).values())

    async def test_worker_error_is_visible(self, make: Make, scenario: Scenario) -> None:
        """A feed that raises opens an error dialog; the banner and rows keep saying so."""
        app, _ = make((scenario.final,), fail_with=RuntimeError("amplifier [red]gone"))
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(100):
                await pilot.pause(0.02)
                if isinstance(app.screen, ErrorScreen):
                    break
            assert isinstance(app.screen, ErrorScreen)
            assert app.feed_state == "error"
            await pilot.press("escape")
            await pilot.pause(0.2)
            banner = app.screen.query_one(AlertBanner).render().plain
            assert "ENGINE STOPPED: RuntimeError: amplifier [red]gone" in banner
            assert all("SIGNAL LOST · engine stopped" in t for t in _rows_text(app).values())

    async def test_finite_feed_end_is_reported(self, make: Make) -> None:
        """A feed that finishes (a replayed file) shows "feed ended" in the status bar."""
        app, _ = make(hold=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for _ in range(50):
                await pilot.pause(0.02)
                if app.feed_state == "ended":
                    break
            assert app.feed_state == "ended"


class TestLiteralText:
    async def test_annotation_and_label_markup_is_shown_literally(
        self, make: Make, scenario: Scenario
    ) -> None:
        """Notes and labels with markup/escapes appear as typed, never interpreted."""
        snap = scenario.final
        view = snap.tests[0]
        hostile = dataclasses.replace(view, spec=dataclasses.replace(view.spec, label="[b]x\x07"))
        snap2 = dataclasses.replace(snap, tests=(hostile, *snap.tests[1:]))
        app, _ = make((scenario.snapshots[0], snap2), scenario.records)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, seq=snap2.seq)
            log = _log_text(app)
            assert "NOTE [bolus] propofol [red]50 mg[/red] \\x1b]0;pwned\\x07" in log
            assert "\x1b" not in log
            row = _rows_text(app)["ssep-ul-l"]
            assert "[b]x\\x07" in row
            assert not app._exit

    async def test_no_color_runs(self, make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
        """With NO_COLOR set the console runs and draws (monochrome)."""
        monkeypatch.setenv("NO_COLOR", "1")
        app, _ = make()
        assert app.no_color
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "ALERT!!!" in _rows_text(app)["ssep-ll-l"]
            assert "<svg" in app.export_screenshot()

    async def test_tiny_terminal_shows_the_notice(self, make: Make) -> None:
        """Below 60×16 a notice replaces the layout; growing the terminal brings it back."""
        app, _ = make()
        async with app.run_test(size=(40, 12)) as pilot:
            screen = await settle(pilot)
            assert screen.query_one("#too-small").display
            assert not screen.query_one("#main").display
            await pilot.resize_terminal(80, 24)
            await pilot.pause(0.1)
            assert not screen.query_one("#too-small").display
            assert screen.query_one("#main").display


class TestDialogs:
    async def test_banner_stays_live_under_dialogs(self, make: Make, scenario: Scenario) -> None:
        """An alert raised while a dialog is open appears on the banner above the dialog."""
        snap = scenario.final
        quiet = dataclasses.replace(
            snap, alerts=(), tests=tuple(dataclasses.replace(v, alerts=()) for v in snap.tests)
        )
        app, feed = make((quiet,))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            assert isinstance(app.screen, AnnotateScreen)
            feed.push(_next(snap, seq=quiet.seq + 1))
            for _ in range(50):
                await pilot.pause(0.02)
                if "HIGH" in app.export_screenshot():
                    break
            svg = app.export_screenshot().replace("&#160;", " ")
            assert "!!! HIGH  ssep-ll-l  AMPLITUDE" in svg
            assert isinstance(app.screen, AnnotateScreen)
