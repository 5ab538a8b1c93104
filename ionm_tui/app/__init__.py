"""The Textual console: the only package that imports textual."""

from __future__ import annotations

from .app import IonmApp, make_app
from .feed import Feed, FeedSink, LocalEngineFeed, ScriptedFeed

__all__ = ["Feed", "FeedSink", "IonmApp", "LocalEngineFeed", "ScriptedFeed", "make_app"]
