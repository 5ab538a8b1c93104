"""Whether the numbers on screen are live: stream health plus the data clock still advancing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FREE_RUN_MODALITIES = frozenset({"emg", "eeg"})
"""Modalities needing no stimulus markers (free-run EMG, EEG): a lost marker stream spares them."""

_RANK = {"live": 0, "waiting": 1, "stale": 2, "lost": 3}


@dataclass(frozen=True, slots=True)
class Liveness:
    """The worst state of the data and of the marker streams, and which stream caused it.

    Attributes:
        data: ``"live"``, ``"waiting"``, ``"stale"`` or ``"lost"`` for the data stream(s).
        data_cause: the stream (or ``"data clock"``, ``"engine"``) behind a non-live state.
        markers: the same for the marker stream(s).
        markers_cause: its cause.
    """

    data: str = "live"
    data_cause: str = ""
    markers: str = "live"
    markers_cause: str = ""

    def for_modality(self, modality: str) -> tuple[str, str]:
        """``(state, cause)`` for a test of this modality."""
        if modality in FREE_RUN_MODALITIES or _RANK[self.data] >= _RANK[self.markers]:
            return self.data, self.data_cause
        return self.markers, self.markers_cause


def _state_of(health: object) -> str | None:
    state = getattr(health, "state", None)
    if state == "connected":
        return "live"
    if state in ("stale", "lost", "waiting"):
        return str(state)
    return None


def assess(
    streams: Iterable[object], *, data_stalled: bool = False, engine_stopped: bool = False
) -> Liveness:
    """Combine every stream's health with what the app saw of the data clock.

    Args:
        streams: health records (``ionm_tui.streams.health.StreamHealth`` or alike; objects
            without a known ``state`` are ignored).
        data_stalled: the newest snapshot's data time has not advanced for too long.
        engine_stopped: the feed ended in an error; nothing on screen is live any more.

    Returns:
        The combined liveness.
    """
    worst = {"data": ("live", ""), "markers": ("live", "")}
    for h in streams:
        state = _state_of(h)
        if state is None:
            continue
        kind = "markers" if getattr(h, "kind", "data") == "markers" else "data"
        if _RANK[state] > _RANK[worst[kind][0]]:
            worst[kind] = (state, str(getattr(h, "name", kind)))
    if data_stalled and _RANK[worst["data"][0]] < _RANK["stale"]:
        worst["data"] = ("stale", "data clock")
    if engine_stopped:
        worst["data"] = ("lost", "engine stopped")
    return Liveness(*worst["data"], *worst["markers"])
