"""The results format: one JSON object per line for every engine record (versioned, documented).

Every line has ``"type"`` and ``"t"`` (LSL seconds, or null when unknown) and, where it applies,
``"test"`` (the profile's test id). The first line is a ``"header"`` naming the format and its
version. Non-finite numbers (NaN, ±inf) are written as ``null``: JSON has no NaN. Arrays are
nested lists with time as the outer axis. The full field list is in docs/results.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    QualityEvent,
    TrendPoint,
)
from ..errors import SessionError

FORMAT = "ionm-tui-results"
VERSION = 1


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _array(a: np.ndarray, as_numpy: bool = False) -> Any:
    """A numpy array as nested lists, non-finite values as None (``as_numpy``: a contiguous
    float64 array, for orjson, which writes NaN/inf as null itself)."""
    out = np.asarray(a, dtype=np.float64)
    if as_numpy:
        return np.ascontiguousarray(out)
    if np.isfinite(out).all():
        return out.tolist()  # the common case: one C-level conversion
    return _nan_to_none(out.tolist())


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value if math.isfinite(value) else None


def header(*, profile: str, source: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The first line of a results file."""
    return {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "profile": profile,
        "source": source,
        **(extra or {}),
    }


def to_dict(record: object, *, numpy_arrays: bool = False) -> dict[str, Any]:
    """One engine record as a JSON-ready dict (``numpy_arrays``: arrays left as numpy arrays).

    Raises:
        TypeError: for an object that is not an engine record.
    """
    if isinstance(record, TrendPoint):
        return {
            "type": "trend",
            "t": _num(record.t),
            "test": record.test,
            "seq": record.seq,
            "amplitude_uv": _num(record.amplitude_uv),
            "latency_ms": _num(record.latency_ms),
            "peaks": {
                p.name: {
                    "latency_ms": _num(p.latency_ms),
                    "amplitude_uv": _num(p.amplitude_uv),
                    "channel": p.channel,
                    "at_edge": p.at_edge,
                }
                for p in record.peaks
            },
            "change_pct": _num(record.amplitude_change_pct),
            "latency_change_pct": _num(record.latency_change_pct),
            "baseline": record.baseline,
            "sweeps": _num(record.sweeps),
            "accepted": record.accepted,
            "rejected": record.rejected,
            "rejected_by_reason": dict(record.rejected_by_reason),
            "snr": _num(record.snr),
            "noise_uv": _num(record.noise_uv),
            "fsp": _num(record.fsp),
            "mode": record.mode,
            "values": {k: _num(v) for k, v in record.values},
            "primary": record.primary,
        }
    if isinstance(record, AlertEvent):
        return {
            "type": "alert",
            "t": _num(record.t),
            "test": record.test,
            "state": record.state,
            "priority": record.priority,
            "criterion": record.criterion,
            "quantity": record.quantity,
            "measured": _num(record.measured),
            "baseline_value": _num(record.baseline_value),
            "change_pct": _num(record.change_pct),
            "threshold": _num(record.threshold),
            "baseline": record.baseline,
            "onset_t": _num(record.onset_t),
            "message": record.message,
        }
    if isinstance(record, AverageRecord):
        return {
            "type": "average",
            "t": _num(record.t),
            "test": record.test,
            "seq": record.seq,
            "mode": record.mode,
            "sweeps": _num(record.sweeps),
            "channels": list(record.channels),
            "times_ms": _array(record.times_ms, numpy_arrays),
            "values_uv": _array(record.values_uv, numpy_arrays),
            "pm_uv": _array(record.pm_uv, numpy_arrays),
        }
    if isinstance(record, BaselineRecord):
        return {
            "type": "baseline",
            "t": _num(record.t),
            "test": record.test,
            "name": record.name,
            "action": record.action,
            "amplitude_uv": _num(record.amplitude_uv),
            "latency_ms": _num(record.latency_ms),
        }
    if isinstance(record, QualityEvent):
        d: dict[str, Any] = {
            "type": "quality",
            "t": _num(record.t),
            "kind": record.kind,
            "detail": record.detail,
        }
        if record.test is not None:
            d["test"] = record.test
        if record.duration_s is not None:
            d["duration_s"] = _num(record.duration_s)
        return d
    if isinstance(record, AnnotationRecord):
        return {
            "type": "annotation",
            "t": _num(record.t),
            "text": record.text,
            "tags": list(record.tags),
        }
    raise TypeError(f"not an engine record: {type(record).__name__}")


def encode(record: object) -> bytes:
    """One record as one line of JSON in UTF-8 (no trailing newline); plain dicts pass through.

    orjson writes the arrays of averages ~20× faster than the standard library (it was 30 % of
    a case's analysis time), and writes NaN and infinities as null, as the format requires.
    """
    d = record if isinstance(record, dict) else to_dict(record, numpy_arrays=True)
    return orjson.dumps(d, option=orjson.OPT_SERIALIZE_NUMPY)


def dumps(record: object) -> str:
    """:func:`encode` as text."""
    return encode(record).decode("utf-8")


def read_results(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read a results file or journal line by line.

    A last line cut off mid-write (a crash) is skipped: everything before it is returned. Any
    other unreadable line raises.

    Raises:
        SessionError: the file is missing, or a line other than the last is not JSON, naming the
            file and the line number.
    """
    p = Path(path)
    try:
        fh = p.open("r", encoding="utf-8", errors="replace")
    except OSError as err:
        raise SessionError(f"cannot read {p}: {err.strerror or err}") from err
    with fh:
        pending: tuple[int, str] | None = None
        for number, line in enumerate(fh, start=1):
            if pending is not None:
                yield _parse(p, *pending)
            pending = (number, line) if line.strip() else None
        if pending is not None:
            number, line = pending
            if line.endswith("\n"):
                yield _parse(p, number, line)
            else:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    return  # the torn last line of a crashed journal


def _parse(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise SessionError(f"{path}, line {number}: not a JSON record ({err.msg})") from err
    if not isinstance(obj, dict) or "type" not in obj:
        raise SessionError(f'{path}, line {number}: a record must be an object with a "type"')
    return obj
