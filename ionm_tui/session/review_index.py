"""Read a results file or journal for review: small records in memory, averages by file offset.

An 8-hour case holds thousands of averages (each n_times × n_channels floats, ~100 kB of JSON);
keeping them all parsed would take gigabytes. The index keeps every trend point, alert, baseline,
annotation and quality record as engine records, and only the byte offset of each average, which
:meth:`ResultsIndex.average` reads back on demand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson

from ..engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    PeakMeasure,
    QualityEvent,
    TrendPoint,
)
from ..errors import SessionError

# orjson writes keys in insertion order, so an average line starts like this; reading these few
# bytes instead of parsing ~100 kB of numbers makes indexing a long case fast. Lines that do not
# match (another writer) are parsed whole.
_AVERAGE_HEAD = re.compile(
    rb'^\{"type":"average","t":(null|-?[0-9.eE+-]+),"test":"((?:[^"\\]|\\.)*)","seq":([0-9]+)'
)
_HEAD_BYTES = 512


@dataclass(frozen=True, slots=True)
class AverageRef:
    """Where one average is in the file.

    Attributes:
        test: test id.
        seq: update number (matches the trend point's).
        t: LSL seconds (NaN when unknown).
        offset: byte offset of its line.
    """

    test: str
    seq: int
    t: float
    offset: int


@dataclass
class ResultsIndex:
    """Everything in a results file or journal, ready for review.

    Attributes:
        path: the file.
        header: its first line (``{}`` when it has none).
        streams: its ``stream`` records.
        trends: per test, trend points in file order.
        trend_offsets: per test, the byte offset of each trend point's line.
        averages: per test, where its averages are, in file order.
        events: alerts, baselines, annotations and quality records, in file order.
        event_offsets: the byte offset of each event's line.
        problems: lines that could not be used, one sentence each (the rest is still shown).
    """

    path: Path
    header: dict[str, Any] = field(default_factory=dict)
    streams: list[dict[str, Any]] = field(default_factory=list)
    trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    trend_offsets: dict[str, list[int]] = field(default_factory=dict)
    averages: dict[str, list[AverageRef]] = field(default_factory=dict)
    events: list[AlertEvent | BaselineRecord | AnnotationRecord | QualityEvent] = field(
        default_factory=list
    )
    event_offsets: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def average(self, ref: AverageRef) -> AverageRecord:
        """Read one average back from the file.

        Raises:
            SessionError: the file changed or cannot be read any more.
        """
        try:
            with self.path.open("rb") as fh:
                fh.seek(ref.offset)
                line = fh.readline()
            return _average(orjson.loads(line))
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise SessionError(
                f"{self.path}: the average {ref.seq} of {ref.test} cannot be read back "
                f"({err}); was the file changed while it was open?"
            ) from err

    @property
    def data_start_t(self) -> float:
        """LSL seconds of the case start: the data stream's first sample, else the first record."""
        for s in self.streams:
            t = s.get("t")
            if s.get("kind") == "data" and isinstance(t, int | float) and math.isfinite(t):
                return float(t)
        times = [p.t for pts in self.trends.values() for p in pts[:1]]
        times += [e.t for e in self.events[:50]]
        finite = [t for t in times if math.isfinite(t)]
        return min(finite) if finite else math.nan

    @property
    def end_t(self) -> float:
        """LSL seconds of the newest record (NaN when there is none)."""
        times = [pts[-1].t for pts in self.trends.values() if pts]
        times += [e.t for e in self.events[-50:]]
        finite = [t for t in times if math.isfinite(t)]
        return max(finite) if finite else math.nan


def read_index(path: str | Path) -> ResultsIndex:
    """Index a results file or journal.

    A torn last line (a crashed console) is skipped silently; any other unreadable line is
    skipped and named in ``problems``: review shows what can be shown.

    Raises:
        SessionError: the file cannot be opened, or it is not a results file at all.
    """
    p = Path(path)
    try:
        fh = p.open("rb")
    except OSError as err:
        raise SessionError(f"cannot read {p}: {err.strerror or err}") from err
    index = ResultsIndex(p)
    with fh:
        for number, offset, line, last in _lines(fh):
            try:
                _add(index, line, offset)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
                if last and not line.endswith(b"\n"):
                    break  # the torn last line of a crashed journal: nothing was lost before it
                index.problems.append(f"line {number} skipped: {_why(err)}")
    if not index.header and not index.trends and not index.events:
        raise SessionError(
            f"{p} holds no ionm-tui records; review needs a results.jsonl (from "
            "`ionm-tui analyze`) or a case folder's journal.jsonl"
        )
    return index


def _why(err: Exception) -> str:
    if isinstance(err, orjson.JSONDecodeError):
        return "not JSON"
    if isinstance(err, KeyError):
        return f"missing key {err}"
    return str(err) or type(err).__name__


def _lines(fh: BinaryIO) -> Iterator[tuple[int, int, bytes, bool]]:
    """(line number, byte offset, line, is last) for every non-blank line."""
    offset = 0
    pending: tuple[int, int, bytes] | None = None
    for number, line in enumerate(fh, start=1):
        if pending is not None:
            yield (*pending, False)
            pending = None
        if line.strip():
            pending = (number, offset, line)
        offset += len(line)
    if pending is not None:
        yield (*pending, True)


def _add(index: ResultsIndex, line: bytes, offset: int) -> None:
    if line.startswith(b'{"type":"average"'):
        m = _AVERAGE_HEAD.match(line[:_HEAD_BYTES])
        if m is not None:
            if not line.endswith(b"\n"):
                orjson.loads(line)  # a torn last average: let the caller see it
            t = math.nan if m.group(1) == b"null" else float(m.group(1))
            test = orjson.loads(b'"' + m.group(2) + b'"')
            ref = AverageRef(test, int(m.group(3)), t, offset)
            index.averages.setdefault(test, []).append(ref)
            return
    r = orjson.loads(line)
    if not isinstance(r, dict) or "type" not in r:
        raise ValueError('a record must be an object with a "type"')
    kind = r["type"]
    if kind == "header":
        index.header = r
    elif kind == "stream":
        index.streams.append(r)
    elif kind == "trend":
        point = _trend(r)
        index.trends.setdefault(point.test, []).append(point)
        index.trend_offsets.setdefault(point.test, []).append(offset)
    elif kind == "average":
        a = _average(r)
        ref = AverageRef(a.test, a.seq, a.t, offset)
        index.averages.setdefault(a.test, []).append(ref)
    elif kind == "alert":
        _event(index, _alert(r), offset)
    elif kind == "baseline":
        _event(
            index,
            BaselineRecord(
                str(r["test"]),
                str(r["name"]),
                str(r["action"]),
                _float(r.get("t")),
                _float(r.get("amplitude_uv")),
                _float(r.get("latency_ms")),
            ),
            offset,
        )
    elif kind == "annotation":
        tags = tuple(str(x) for x in r.get("tags") or ())
        _event(index, AnnotationRecord(_float(r.get("t")), str(r.get("text", "")), tags), offset)
    elif kind == "quality":
        dur = r.get("duration_s")
        _event(
            index,
            QualityEvent(
                str(r.get("kind", "?")),
                _float(r.get("t")),
                str(r.get("detail", "")),
                test=_opt_str(r.get("test")),
                duration_s=None if dur is None else _float(dur),
            ),
            offset,
        )
    # Unknown types: later versions only add; readers ignore what they do not know.


def _event(
    index: ResultsIndex,
    event: AlertEvent | BaselineRecord | AnnotationRecord | QualityEvent,
    offset: int,
) -> None:
    index.events.append(event)
    index.event_offsets.append(offset)


def _float(v: object) -> float:
    """A JSON number (null → NaN)."""
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"expected a number, found {v!r}")
    return float(v)


def _opt_str(v: object) -> str | None:
    if v is not None and not isinstance(v, str):
        raise TypeError(f"expected a string, found {v!r}")
    return v


def _opt(v: object) -> float | None:
    return None if v is None else _float(v)


def _array(v: object) -> np.ndarray:
    """A nested JSON list as a read-only float array (null → NaN)."""
    a = np.array([] if v is None else v, dtype=np.float64)
    a.setflags(write=False)
    return a


def _trend(r: dict[str, Any]) -> TrendPoint:
    peaks = tuple(
        PeakMeasure(
            str(name),
            str(p.get("channel", "")),
            _float(p.get("latency_ms")),
            _float(p.get("amplitude_uv")),
            bool(p.get("at_edge", False)),
        )
        for name, p in (r.get("peaks") or {}).items()
    )
    by_reason = r.get("rejected_by_reason") or {}
    return TrendPoint(
        test=str(r["test"]),
        seq=int(r["seq"]),
        t=_float(r.get("t")),
        amplitude_uv=_float(r.get("amplitude_uv")),
        latency_ms=_float(r.get("latency_ms")),
        peaks=peaks,
        amplitude_change_pct=_opt(r.get("change_pct")),
        latency_change_pct=_opt(r.get("latency_change_pct")),
        baseline=r.get("baseline"),
        sweeps=_float(r.get("sweeps")),
        accepted=int(r.get("accepted") or 0),
        rejected=int(r.get("rejected") or 0),
        rejected_by_reason=tuple((str(k), int(v)) for k, v in by_reason.items()),
        snr=_float(r.get("snr")),
        noise_uv=_float(r.get("noise_uv")),
        fsp=_float(r.get("fsp")),
        mode=str(r.get("mode", "")),
        values=tuple((str(k), _float(v)) for k, v in (r.get("values") or {}).items()),
        primary=str(r.get("primary") or "amplitude_uv"),
    )


def _average(r: dict[str, Any]) -> AverageRecord:
    times = _array(r.get("times_ms"))
    values = _array(r.get("values_uv"))
    pm = r.get("pm_uv")
    pm_uv = _array(pm) if pm is not None else _array(np.full(values.shape, np.nan).tolist())
    channels = tuple(str(c) for c in r.get("channels") or ())
    if times.ndim != 1 or times.size < 2:
        raise ValueError(f"times_ms must list at least two sample times, found shape {times.shape}")
    if values.shape != (times.size, len(channels)):
        raise ValueError(
            f"values_uv has shape {values.shape}, expected ({times.size}, {len(channels)}): "
            "one row per time, one column per channel"
        )
    if pm_uv.shape != values.shape:
        raise ValueError(f"pm_uv has shape {pm_uv.shape}, values_uv {values.shape}")
    return AverageRecord(
        test=str(r["test"]),
        seq=int(r["seq"]),
        t=_float(r.get("t")),
        times_ms=times,
        channels=channels,
        values_uv=values,
        pm_uv=pm_uv,
        sweeps=_float(r.get("sweeps")),
        mode=str(r.get("mode", "")),
    )


def _alert(r: dict[str, Any]) -> AlertEvent:
    if r.get("priority") not in ("high", "medium", "low"):
        raise ValueError(f"alert priority {r.get('priority')!r} is not high, medium or low")
    if r.get("state") not in ("raised", "confirmed", "acknowledged", "cleared"):
        raise ValueError(f"alert state {r.get('state')!r} is unknown")
    return AlertEvent(
        test=str(r["test"]),
        criterion=str(r["criterion"]),
        state=str(r["state"]),
        priority=str(r["priority"]),
        t=_float(r.get("t")),
        onset_t=_float(r.get("onset_t")),
        measured=_float(r.get("measured")),
        baseline_value=_opt(r.get("baseline_value")),
        change_pct=_opt(r.get("change_pct")),
        threshold=_float(r.get("threshold")),
        baseline=r.get("baseline"),
        message=str(r.get("message", "")),
        quantity=str(r.get("quantity", "")),
    )
