"""Find exactly one LSL stream by name/type/source_id/hostname, and read its channel labels."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ionm_tui.errors import StreamError
from ionm_tui.streams.lsl_config import ensure_lsl

if TYPE_CHECKING:
    from pylsl import StreamInfo

StreamKind = Literal["data", "markers"]

# liblsl channel_format codes (pylsl.cf_*), spelled as in StreamInfo XML.
_FORMATS = {1: "float32", 2: "double64", 3: "string", 4: "int32", 5: "int16", 6: "int8", 7: "int64"}
_STRING_FORMAT = 3


def _xpath_literal(value: str) -> str:
    """Quote ``value`` as an XPath 1.0 string literal (which has no escape character)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in value.split("'")) + ")"


@dataclass(frozen=True, slots=True)
class StreamQuery:
    """Which stream to attach to: every field given must match exactly.

    Attributes:
        name: the LSL stream name.
        type: the LSL content type, e.g. ``"EEG"`` or ``"Markers"``.
        source_id: the sender's unique source id (the most reliable choice).
        hostname: the machine the stream comes from.
    """

    name: str | None = None
    type: str | None = None
    source_id: str | None = None
    hostname: str | None = None

    def __post_init__(self) -> None:
        fields = self._fields()
        if not fields:
            raise ValueError("StreamQuery: give at least one of name, type, source_id, hostname")
        for key, value in fields:
            # The predicate travels inside a line-based query packet.
            if "\n" in value or "\r" in value:
                raise ValueError(f"StreamQuery.{key} must not contain line breaks: {value!r}")

    def _fields(self) -> list[tuple[str, str]]:
        pairs = [
            ("name", self.name),
            ("type", self.type),
            ("source_id", self.source_id),
            ("hostname", self.hostname),
        ]
        return [(key, value) for key, value in pairs if value is not None]

    def predicate(self) -> str:
        """The XPath predicate for ``pylsl.resolve_bypred``, e.g. ``name='EMG' and type='EEG'``."""
        return " and ".join(f"{key}={_xpath_literal(value)}" for key, value in self._fields())


def describe(info: StreamInfo) -> str:
    """One line naming a stream: name, type, source_id, host, channels, rate and format."""
    rate = info.nominal_srate()
    rate_text = "irregular" if rate == 0 else f"{rate:g} Hz"
    fmt = _FORMATS.get(info.channel_format(), "undefined")
    return (
        f"name={info.name()!r} type={info.type()!r} source_id={info.source_id()!r} "
        f"host={info.hostname()!r} ({info.channel_count()} ch, {rate_text}, {fmt})"
    )


def resolve(
    query: StreamQuery,
    timeout_s: float = 5.0,
    *,
    settle_s: float = 1.0,
    listing_wait_s: float = 1.0,
) -> StreamInfo:
    """Find the one stream matching ``query``; never pick one of several silently.

    Args:
        query: the fields to match.
        timeout_s: how long to wait for the first match.
        settle_s: after a first match, how long to wait for a second one (duplicates).
            Measured on this machine's scope: a second outlet in the same process often
            answers only in liblsl's next query wave, ~0.5 s later.
        listing_wait_s: on no match, how long to listen for the streams that are visible.

    Returns:
        The resolved StreamInfo (it carries no ``desc()``; see :func:`read_channels`).

    Raises:
        StreamError: no stream matches (lists the visible ones) or several do (lists them).
    """
    pylsl = ensure_lsl()
    predicate = query.predicate()
    found = list(pylsl.resolve_bypred(predicate, 1, timeout_s))
    if found:
        # resolve_bypred returns as soon as `minimum` answered; give duplicates time to answer.
        found += pylsl.resolve_bypred(predicate, 2, settle_s)
    unique = list({info.uid(): info for info in found}.values())
    if len(unique) == 1:
        return unique[0]
    if unique:
        listing = "\n".join(f"  {describe(info)}" for info in unique)
        raise StreamError(
            f"{len(unique)} LSL streams match [{predicate}]; refusing to pick one. Make the "
            f"query more specific (source_id is unique per sender):\n{listing}",
            title="Ambiguous LSL stream",
        )
    visible = pylsl.resolve_streams(listing_wait_s)
    listing = "\n".join(f"  {describe(info)}" for info in visible) or "  (none)"
    raise StreamError(
        f"No LSL stream matches [{predicate}] after {timeout_s:g} s. Streams visible now:\n"
        f"{listing}",
        title="LSL stream not found",
    )


def read_channels(info: StreamInfo) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Channel labels and units from a full StreamInfo (``inlet.info()``, not a resolved one).

    Returns:
        ``(labels, units, complete)``: one label and one unit per channel; a missing label
        becomes ``"ch<i>"`` (1-based) and a missing unit ``""``. ``complete`` is False when
        any label was missing.
    """
    n_channels = info.channel_count()
    labels: list[str] = []
    units: list[str] = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty() and len(labels) < n_channels:
        labels.append(channel.child_value("label").strip())
        units.append(channel.child_value("unit").strip())
        channel = channel.next_sibling("channel")
    labels += [""] * (n_channels - len(labels))
    units += [""] * (n_channels - len(units))
    complete = all(labels)
    labels = [label or f"ch{i + 1}" for i, label in enumerate(labels)]
    return tuple(labels), tuple(units), complete


def check_stream(
    info: StreamInfo,
    kind: StreamKind,
    expect_channels: int | None = None,
    expect_srate_hz: float | None = None,
) -> str | None:
    """Why ``info`` cannot serve as a ``kind`` stream, or None if it can.

    Args:
        info: the stream to check.
        kind: ``"data"`` needs a regular-rate numeric stream, ``"markers"`` an irregular
            string stream.
        expect_channels: the channel count the caller needs (data only), or None.
        expect_srate_hz: the sampling rate the caller needs in Hz (data only), or None.
    """
    name = info.name()
    is_string = info.channel_format() == _STRING_FORMAT
    rate = info.nominal_srate()
    n_channels = info.channel_count()
    if kind == "markers":
        if not is_string:
            return (
                f"Stream {name!r} carries numbers ({_FORMATS.get(info.channel_format())}), "
                "but markers must be a string stream."
            )
        if rate != 0:
            return f"Stream {name!r} declares {rate:g} Hz; a marker stream must be irregular."
        return None
    if is_string:
        return f"Stream {name!r} carries strings (a marker stream?), but data must be numeric."
    if rate == 0:
        return f"Stream {name!r} has an irregular rate; data must have a fixed sampling rate."
    if expect_channels is not None and n_channels != expect_channels:
        return f"Stream {name!r} has {n_channels} channels, but {expect_channels} are expected."
    if expect_srate_hz is not None and not math.isclose(rate, expect_srate_hz, rel_tol=1e-6):
        return f"Stream {name!r} samples at {rate:g} Hz, but {expect_srate_hz:g} Hz is expected."
    return None
