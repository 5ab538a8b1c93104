"""Snapshot tests (SVG) of the monitor at 80×24 and 120×40 and the too-small notice at 40×12."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from app_scenario import Scenario, settle

from ionm_tui.app import IonmApp, ScriptedFeed

Make = Callable[..., tuple[IonmApp, ScriptedFeed]]
Compare = Callable[..., bool]


def _matches(snap_compare: Compare, make: Make, scenario: Scenario, size: tuple[int, int]) -> bool:
    # First and last snapshot: the case clock runs from the first; the records fill the log.
    # The clock is frozen, so nothing turns stale while the screenshot is taken.
    app, _ = make((scenario.snapshots[0], scenario.final), scenario.records)
    shown = partial(settle, seq=scenario.final.seq)
    return snap_compare(app, terminal_size=size, run_before=shown)


class TestMonitorSnapshots:
    def test_80x24(self, snap_compare: Compare, make: Make, scenario: Scenario) -> None:
        """The compact layout: banner, table, waveform panel, status, footer."""
        assert _matches(snap_compare, make, scenario, (80, 24))

    def test_120x40(self, snap_compare: Compare, make: Make, scenario: Scenario) -> None:
        """The rich layout: waveform and waterfall beside the trend and the event log."""
        assert _matches(snap_compare, make, scenario, (120, 40))

    def test_too_small(self, snap_compare: Compare, make: Make, scenario: Scenario) -> None:
        """At 40×12 a notice says how big the terminal must be."""
        assert _matches(snap_compare, make, scenario, (40, 12))
