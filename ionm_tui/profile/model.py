"""The loaded profile: frozen, typed, and able to build the engine's spec for an actual stream."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from ionm_tui.engine.engine_spec import AnyTestSpec, EngineSpec
from ionm_tui.engine.specs import StreamSpec

from .fields import num
from .problems import InvalidProfile, Location, Problem
from .stream_check import check_labels, check_rate


@dataclass(frozen=True, slots=True)
class StreamMatch:
    """How to find one LSL stream: every field given must match exactly.

    Attributes:
        name, type, source_id, hostname: LSL stream properties (None = any).
    """

    name: str | None = None
    type: str | None = None
    source_id: str | None = None
    hostname: str | None = None

    def fields(self) -> dict[str, str]:
        """The given fields, e.g. ``{"name": "ionm-sim-data", "type": "EEG"}`` (for a query)."""
        pairs = (
            ("name", self.name),
            ("type", self.type),
            ("source_id", self.source_id),
            ("hostname", self.hostname),
        )
        return {k: v for k, v in pairs if v is not None}


@dataclass(frozen=True, slots=True)
class DataStream:
    """The data stream a profile expects.

    Attributes:
        match: how to find it.
        sfreq_hz: the rate it must have, Hz, or None for any.
        channel_count: the channel count it must have, or None for any.
        scale_to_uv: stream units → µV when the source does not say.
        stim_channel: trigger channel label, or None.
    """

    match: StreamMatch
    sfreq_hz: float | None = None
    channel_count: int | None = None
    scale_to_uv: float = 1.0
    stim_channel: str | None = None


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Engine sizes (``[engine]``): buffer, pending markers, trend history, waterfall depth."""

    buffer_s: float = 10.0
    max_pending: int = 2000
    trend_history: int = 240
    waterfall_depth: int = 12


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated procedure profile.

    Attributes:
        id: profile id.
        name: human name.
        description: what is monitored.
        mains_hz: 50 or 60.
        data: the data stream.
        markers: the marker stream, or None (trigger channel only, or no stimuli).
        engine: engine sizes.
        tests: the engine specs of every test, in file order.
        source: the file it was read from (``""`` for text).
        where: ``"<test id>/<field>"`` and ``"streams.data.<key>"`` → where it was written.
    """

    id: str
    name: str
    description: str
    mains_hz: int
    data: DataStream
    markers: StreamMatch | None
    engine: EngineSettings
    tests: tuple[AnyTestSpec, ...]
    source: str = ""
    where: Mapping[str, Location] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def test(self, test_id: str) -> AnyTestSpec:
        """The test with this id (KeyError naming the ids there are)."""
        for t in self.tests:
            if t.id == test_id:
                return t
        raise KeyError(f"no test {test_id!r}; the tests are: {', '.join(self.test_ids)}")

    @property
    def test_ids(self) -> tuple[str, ...]:
        """Every test id, in file order."""
        return tuple(t.id for t in self.tests)

    def _loc(self, test: AnyTestSpec | None, key: str) -> Location:
        if test is None:
            return self.where.get(f"streams.data.{key}") or Location(self.source, "streams.data")
        return (
            self.where.get(f"{test.id}/{key}")
            or self.where.get(f"{test.id}/")
            or Location(self.source, f'test "{test.id}"')
        )

    def check_stream(
        self, labels: Sequence[str], sfreq_hz: float, channel_count: int | None = None
    ) -> tuple[Problem, ...]:
        """Every problem this profile has with an actual stream (empty when it fits).

        Args:
            labels: the stream's channel labels, in order.
            sfreq_hz: its sampling rate, Hz.
            channel_count: the channel count it declares (checked against ``labels``).
        """
        out: list[Problem] = []

        def emit(test: AnyTestSpec | None, key: str, message: str) -> None:
            out.append(Problem.at(self._loc(test, key), message))

        labels = tuple(labels)
        if not (isinstance(sfreq_hz, int | float) and math.isfinite(sfreq_hz) and sfreq_hz > 0):
            emit(None, "sfreq_hz", f"the stream's rate must be a positive number; got {sfreq_hz!r}")
            return tuple(out)
        want = self.data.sfreq_hz
        if want is not None and not math.isclose(want, sfreq_hz, rel_tol=1e-3):
            emit(
                None,
                "sfreq_hz",
                f"the stream runs at {num(sfreq_hz)} Hz but this profile is "
                f"made for {num(want)} Hz",
            )
        if channel_count is not None and channel_count != len(labels):
            emit(
                None,
                "channel_count",
                f"the stream declares {channel_count} channels but names {len(labels)} labels",
            )
        n_want = self.data.channel_count
        if n_want is not None and n_want != len(labels):
            emit(
                None,
                "channel_count",
                f"the stream has {len(labels)} channels but this profile expects {n_want}",
            )
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            emit(None, "", f"the stream's labels must be unique; duplicated: {', '.join(dupes)}")
        stim = self.data.stim_channel
        if stim is not None and stim not in labels:
            emit(
                None,
                "stim_channel",
                f'the stream has no trigger channel "{stim}"; the stream has: {", ".join(labels)}',
            )
        check_labels(self.tests, labels, emit)
        check_rate(self.tests, float(sfreq_hz), emit)
        return tuple(out)

    def engine_spec(
        self,
        labels: Sequence[str],
        sfreq_hz: float,
        scale_to_uv: float | tuple[float, ...] | None = None,
    ) -> EngineSpec:
        """The engine's spec for an actual stream.

        Args:
            labels: the stream's channel labels, in order.
            sfreq_hz: its sampling rate, Hz.
            scale_to_uv: stream units → µV (one factor or one per channel); None uses the
                profile's ``streams.data.scale_to_uv``.

        Raises:
            InvalidProfile: the profile does not fit the stream (every problem listed).
        """
        problems = self.check_stream(labels, sfreq_hz)
        if problems:
            raise InvalidProfile(problems, f"Profile {self.id} does not fit the stream")
        scale = self.data.scale_to_uv if scale_to_uv is None else scale_to_uv
        try:
            stream = StreamSpec(tuple(labels), float(sfreq_hz), scale, self.data.stim_channel)
            e = self.engine
            return EngineSpec(
                stream,
                self.tests,
                buffer_s=e.buffer_s,
                max_pending=e.max_pending,
                trend_history=e.trend_history,
                waterfall_depth=e.waterfall_depth,
            )
        except ValueError as err:
            loc = Location(self.source, "streams.data")
            raise InvalidProfile(
                [Problem.at(loc, f"the engine refused the stream: {err}")]
            ) from None
