"""``ionm-tui review`` under Pilot: the cursor moves through a recorded case; nothing changes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_scenario import FrozenClock, settle
from review_case import HOSTILE, LAG_S, T0, TEST, case_records, write_case
from textual.pilot import Pilot
from textual.widgets import OptionList

from ionm_tui.app import IonmApp, make_app
from ionm_tui.app.review_feed import ReviewFeed
from ionm_tui.app.screens.case_events import CaseEventsScreen
from ionm_tui.app.screens.confirm import ConfirmScreen
from ionm_tui.app.screens.help import HelpScreen
from ionm_tui.app.screens.review import ReviewScreen
from ionm_tui.app.widgets.alert_banner import AlertBanner
from ionm_tui.app.widgets.event_log import EventLog
from ionm_tui.app.widgets.status_bar import StatusBar
from ionm_tui.app.widgets.test_table import TestTable
from ionm_tui.session.review import ReviewCase

SIZE = (120, 40)


@pytest.fixture
def review(tmp_path: Path) -> tuple[IonmApp, ReviewFeed, FrozenClock]:
    case = ReviewCase.open(write_case(tmp_path / "results.jsonl", case_records()))
    feed = ReviewFeed(case)
    clock = FrozenClock()
    app = make_app(
        feed, title="review test", profile_name=case.profile.id, clock=clock, review=True
    )
    return app, feed, clock


async def _press(pilot: Pilot, *keys: str) -> ReviewScreen:
    """Press keys, then wait until the screen shows the snapshot at the new cursor."""
    screen = await settle(pilot)
    before = screen.shown_seq
    await pilot.press(*keys)
    for _ in range(500):  # up to 10 s: CI machines are slow and shared
        await pilot.pause(0.02)
        if screen.shown_seq != before:
            break
    return await settle(pilot)  # type: ignore[return-value]


def _log(app: IonmApp) -> str:
    return "\n".join(app.screen.query_one(EventLog).history)


def _row(app: IonmApp, test: str) -> str:
    table = app.screen.query_one(TestTable)
    i = next(i for i, r in enumerate(table.rows) if r.test == test)
    return table.render_line(i - table._top + 1).text


def _banner(app: IonmApp) -> str:
    return app.screen.query_one(AlertBanner).render().plain


def _status(app: IonmApp) -> str:
    return app.screen.query_one(StatusBar).render().plain


async def test_opens_at_the_end_of_the_case(review) -> None:
    app, feed, _ = review
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        assert isinstance(screen, ReviewScreen)
        assert feed.cursor_t == pytest.approx(T0 + 91.0 + LAG_S)
        assert "no active alerts" in _banner(app)
        assert "cleared" in _log(app)
        assert "REVIEW: end of case" in _status(app)
        assert "recorded" in _status(app)
        assert "case 00:01:31" in _status(app)


async def test_event_keys_walk_through_the_alert(review) -> None:
    """[ steps back through the alert's transitions: cleared, acknowledged, confirmed."""
    app, feed, _ = review
    async with app.run_test(size=SIZE) as pilot:
        await _press(pilot, "left_square_bracket")
        assert feed.cursor_t == pytest.approx(T0 + 90.0 + LAG_S)
        assert "no active alerts" in _banner(app)
        await _press(pilot, "left_square_bracket")
        assert feed.cursor_t == pytest.approx(T0 + 65.0)
        assert "ACK" in _banner(app)
        assert "ACK" in _row(app, TEST)
        await _press(pilot, "left_square_bracket")
        assert feed.cursor_t == pytest.approx(T0 + 60.0 + LAG_S)
        banner = _banner(app)
        assert "HIGH" in banner
        assert "[ ]: previous/next event" in banner  # not "a: acknowledge": review is read-only
        assert "ALERT" in _row(app, TEST)
        log = _log(app)
        assert "confirmed" in log
        assert "acknowledged" not in log  # the log ends at the cursor
        await _press(pilot, "right_square_bracket")
        assert feed.cursor_t == pytest.approx(T0 + 65.0)


async def test_update_keys_follow_the_selected_test(review) -> None:
    app, feed, _ = review
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        while screen.selected_test != TEST:
            await pilot.press("down")
        await _press(pilot, "left")
        assert feed.cursor_t == pytest.approx(T0 + 80.0 + LAG_S)
        assert screen._views[TEST].latest.seq == 8  # type: ignore[union-attr]
        await _press(pilot, "home")
        assert feed.cursor_t == pytest.approx(T0 + 10.0 + LAG_S)
        await _press(pilot, "right")
        assert feed.cursor_t == pytest.approx(T0 + 20.0 + LAG_S)
        await _press(pilot, "end")
        assert feed.cursor_t == pytest.approx(T0 + 91.0 + LAG_S)


async def test_annotation_shows_literally_at_its_time(review) -> None:
    app, _, _ = review
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):  # cleared, acknowledged, confirmed, raised, the note
            await _press(pilot, "left_square_bracket")
        log = _log(app)
        assert "NOTE [bolus]" in log
        assert "\x1b" not in log
        assert "\x07" not in log
        assert "[bold]markup[/bold]" in log  # shown as typed, never interpreted
        assert HOSTILE not in log  # the escapes were made visible, not passed through


async def test_commands_that_would_change_the_case_do_nothing(review) -> None:
    app, feed, _ = review
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        for key in ("a", "b", "B", "n", "p", "r", "m", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, f"{key} opened {app.screen}"
        assert feed.refused == []
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Next event", "Previous update", "End of case"} <= titles
        assert not any("Acknowledge" in t or "baseline" in t.lower() for t in titles)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Close the review?" in str(app.screen.query("Static").first().render())


async def test_never_stale_however_long_it_stays_open(review) -> None:
    app, _, clock = review
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.now += 3600.0
        await pilot.pause(0.3)
        assert "STALE" not in _row(app, TEST)
        assert "STALE" not in _status(app)


async def test_events_list_goes_to_the_chosen_event(review) -> None:
    """e lists every alert transition and note; Enter moves the cursor to the one picked."""
    app, feed, _ = review
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CaseEventsScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 5  # the note, raised, confirmed, acknowledged, cleared
        assert options.highlighted == 4  # the newest at or before the cursor (the end)
        await pilot.press("up", "up", "up", "up", "enter")  # the note
        for _ in range(100):
            await pilot.pause(0.02)
            if feed.cursor_t == pytest.approx(T0 + 40.0):
                break
        assert feed.cursor_t == pytest.approx(T0 + 40.0)
        await settle(pilot)
        assert "NOTE [bolus]" in _log(app).splitlines()[-1]
