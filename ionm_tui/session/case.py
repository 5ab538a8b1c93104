"""Setting up a case: a profile and a source (live LSL or a recorded file) → a ready engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine import Chunk, Engine, Marker
from ..engine.runner import Source
from ..profile import Profile
from ..streams.units import scale_to_uv

if TYPE_CHECKING:
    from ..streams.xdf_replay import XdfReplaySource


def load_profile(name: str | Path) -> Profile:
    """A validated profile by id (shipped or user) or by path.

    Raises:
        ProfileError: not found, or invalid (``InvalidProfile`` lists every problem).
    """
    from ..profile import find_profile, load

    return load(find_profile(name))


def profile_text(profile: Profile) -> dict[str, str]:
    """The profile's TOML text for a results header (``profile_toml``), so a case can be reviewed
    and audited with exactly the profile it was monitored with; empty if the file is unreadable."""
    try:
        return {"profile_toml": Path(profile.source).read_text(encoding="utf-8")}
    except (OSError, UnicodeDecodeError, ValueError):
        return {}


@dataclass
class Case:
    """Everything a front end needs to monitor one case.

    Attributes:
        profile: the profile in force.
        engine: the engine built for the actual data stream.
        source: where chunks and markers come from.
        notes: assumptions made on the way (e.g. units taken as µV), one sentence each.
        streams: one ``stream`` record per input, for results files and journals.
    """

    profile: Profile
    engine: Engine
    source: Source
    notes: list[str] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)


def _scale(
    profile: Profile, units: Sequence[str], n: int
) -> tuple[float | tuple[float, ...], list[str]]:
    """Use the stream's declared voltage units when it has them, else the profile's factor."""
    factors, notes = scale_to_uv(tuple(units), n)
    if notes and all(not u.strip() for u in units):
        return profile.data.scale_to_uv, [
            f"the data stream declares no units; the profile's scale_to_uv "
            f"({profile.data.scale_to_uv:g}) is used"
        ]
    return factors, notes


def stream_record(
    *,
    t: float | None,
    name: str,
    kind: str,
    source_id: str,
    hostname: str,
    sfreq_hz: float,
    channels: Sequence[str],
    units: Sequence[str],
) -> dict[str, Any]:
    """A ``stream`` line of the results format."""
    return {
        "type": "stream",
        "t": t,
        "name": name,
        "kind": kind,
        "source_id": source_id,
        "hostname": hostname,
        "sfreq_hz": sfreq_hz,
        "channels": list(channels),
        "units": list(units),
    }


def open_replay(path: str | Path, profile: Profile, *, speed: float | None) -> Case:
    """A recorded XDF case fed at ``speed`` (None: as fast as possible).

    Raises:
        StreamError: the file cannot be read or its streams do not match the profile.
        InvalidProfile: the profile does not fit the recorded data stream.
    """
    from ..streams.xdf_replay import XdfReplaySource

    # Flat out, bigger blocks halve the per-call overhead; paced replay keeps small ones so the
    # console sees data arrive smoothly. Either way memory is bounded by the block.
    block = 8192 if speed is None else 1024
    src = XdfReplaySource(
        path, data=profile.data.match, markers=profile.markers, speed=speed, block_samples=block
    )
    try:
        return _replay_case(profile, src, speed)
    except BaseException:
        src.close()  # its reader process, if it started one
        raise


def _replay_case(profile: Profile, src: XdfReplaySource, speed: float | None) -> Case:
    d = src.data
    scale, notes = _scale(profile, d.units, d.channel_count)
    # Flat out, sweeps are judged in batches (same records, same order, less overhead per sweep).
    engine = Engine(
        profile.engine_spec(src.labels, src.sfreq_hz, scale), batch_sweeps=speed is None
    )
    streams = [
        stream_record(
            t=d.first_timestamp,
            name=d.name,
            kind="data",
            source_id=d.source_id,
            hostname=d.hostname,
            sfreq_hz=d.nominal_srate,
            channels=src.labels,
            units=d.units,
        )
    ]
    if src.markers is not None:
        m = src.markers
        streams.append(
            stream_record(
                t=m.first_timestamp,
                name=m.name,
                kind="markers",
                source_id=m.source_id,
                hostname=m.hostname,
                sfreq_hz=0.0,
                channels=m.labels,
                units=(),
            )
        )
    return Case(profile, engine, src, notes, streams)


class LiveSource:
    """Live LSL inlets in the shape of the engine worker's ``Source``."""

    def __init__(self, lsl: Any) -> None:
        self.lsl = lsl

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        """Everything received, data then markers (the engine copes with either order)."""
        return self.lsl.get(timeout_s)

    @property
    def finished(self) -> bool:
        """A live case never finishes by itself."""
        return False

    def health(self) -> tuple[object, ...]:
        """Each stream's health."""
        return tuple(self.lsl.health())

    def close(self) -> None:
        """Stop the acquisition threads."""
        self.lsl.close()


def open_live(profile: Profile, *, resolve_timeout_s: float = 10.0) -> Case:
    """Attach to the live LSL streams the profile names.

    Raises:
        StreamError: a stream is missing or ambiguous (listing what is visible), or does not
            have the rate/channels the profile expects.
        InvalidProfile: the profile does not fit the stream's labels or rate.
    """
    from ..streams.lsl_source import LslSource, StreamQuery

    data_q = StreamQuery(**profile.data.match.fields())
    marker_q = StreamQuery(**profile.markers.fields()) if profile.markers else None
    lsl = LslSource(
        data_q,
        marker_q,
        expect_channels=profile.data.channel_count,
        expect_srate_hz=profile.data.sfreq_hz,
        resolve_timeout_s=resolve_timeout_s,
    )
    try:
        inlet = lsl.data
        labels = tuple(inlet.channel_labels)
        scale, notes = _scale(profile, inlet.channel_units, len(labels))
        engine = Engine(profile.engine_spec(labels, inlet.nominal_srate_hz, scale))
    except BaseException:
        lsl.close()
        raise
    h = lsl.health()
    streams = [
        stream_record(
            t=None,
            name=x.name,
            kind=x.kind,
            source_id=x.source_id,
            hostname=x.hostname,
            sfreq_hz=x.nominal_srate_hz,
            channels=labels if x.kind == "data" else (),
            units=inlet.channel_units if x.kind == "data" else (),
        )
        for x in h
    ]
    return Case(profile, engine, LiveSource(lsl), notes, streams)
