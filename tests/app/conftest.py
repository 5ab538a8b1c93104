"""App-test fixtures: the synthetic case, a frozen clock and an app factory."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable

import pytest
from app_scenario import FrozenClock, Scenario, build_scenario

from ionm_tui.app import IonmApp, ScriptedFeed, make_app
from ionm_tui.engine import EngineSnapshot, Record


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Pilot tests) in a fresh event loop; no async plugin needed."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The synthetic case run through the real engine."""
    return build_scenario()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock that stands still."""
    return FrozenClock()


@pytest.fixture
def make(clock: FrozenClock) -> Callable[..., tuple[IonmApp, ScriptedFeed]]:
    """Build an app on a scripted feed of the scenario's final snapshot (or the given ones)."""

    def build(
        snapshots: tuple[EngineSnapshot, ...] | None = None,
        records: tuple[Record, ...] = (),
        **feed_kw: object,
    ) -> tuple[IonmApp, ScriptedFeed]:
        snaps = snapshots if snapshots is not None else (build_scenario().final,)
        feed = ScriptedFeed(snaps, records, **feed_kw)  # type: ignore[arg-type]
        return make_app(feed, title="ionm-tui test", profile_name="synthetic", clock=clock), feed

    return build
