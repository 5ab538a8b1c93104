"""Export the averages of a results file or journal as EDF+, one file per test, with annotations.

Each EDF data record is one average (the record lasts the average's window), so EDFbrowser, MNE
(``mne.io.read_raw_edf``) or pyedflib page through the updates of a test one record at a time.
The case's notes, the test's alerts and baselines, and which update each record is, are EDF+
annotations (TALs). The layout, its limits and why are in docs/results.md ("Exports").

Written with pyedflib (edflib underneath), imported only when an export runs. What edflib does
that shapes this module (verified on pyedflib 0.1.42 / edflib 1.17):

* a data record lasts a whole number of 10 µs, between 1 ms and 60 s (``setDatarecordDuration``
  takes seconds, multiplies by 1e5 and *truncates* to int: see ``_duration_arg``);
* each annotation text is cut to 40 bytes (``EDFLIB_WRITE_MAX_ANNOTATION_LEN``, a compile-time
  constant of edflib.c that pyedflib does not expose): longer texts are split here into pieces;
* each annotation signal holds one annotation per data record; annotations beyond
  records × signals (at most 64 signals) are dropped silently: counted and capped here;
* ``writePhysicalSamples`` truncates to the digital value (up to 1 LSB of error): the samples are
  rounded here and written as digital values (at most ½ LSB);
* physical minimum/maximum are printed into 8 header characters, truncated: the limits are chosen
  here so that their decimal form is exact and fits.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import unicodedata
import warnings
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import SessionError
from .results import read_results
from .summary import case_clock

ANNOTATION_BYTES = 40
"""edflib keeps this many bytes of each annotation's text (EDFLIB_WRITE_MAX_ANNOTATION_LEN)."""
MAX_PIECES = 8
"""A text longer than one annotation is split into at most this many (≈ 300 bytes in all)."""
MAX_ANNOTATION_SIGNALS = 64
"""edflib's limit; each annotation signal stores one annotation per data record."""
LABEL_CHARS = 16
DIG_MIN, DIG_MAX = -32768, 32767
MARGIN = 0.02
"""Physical limits extend the data's range by this fraction on each side."""
DEFAULT_START = dt.datetime(1985, 1, 1)
"""Start date/time when the results header has no ``created``: EDF's customary "unknown" date."""
_UNIT_S = 100_000  # edflib's data-record duration unit: 10 µs
_ONSET_UNIT_S = 10_000  # edflib's annotation onset unit: 100 µs
_RESERVED_LABELS = {"EDF Annotations", "BDF Annotations"}


@dataclass
class _Group:
    """Averages of one test that share channels and times: one EDF file."""

    channels: list[str]
    times_ms: np.ndarray
    averages: list[dict[str, Any]] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)


@dataclass
class _Note:
    """One annotation to place: at the record of the newest average at or before ``t``."""

    t: float | None
    text: str


def export_edf(results: str | Path, out: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``averages-<test>.edf`` (EDF+) into ``out`` for every test that has averages.

    One data record per average, in time order; signals are the average's channels (µV, 16-bit).
    Annotations: at each record, which update it is (``seq``, mode, sweeps, case time); the
    case's notes and the test's alerts and baselines at the record of the newest average at or
    before them (record 0 before any). A test whose averages change channels or times gets one
    more file per layout (``averages-<test>-2.edf`` …), each with every annotation of the test.

    Raises:
        SessionError: the results cannot be read or hold no averages, an average cannot be
            stored as EDF+, or an EDF file exists and ``force`` is not set.
    """
    src = Path(results)
    out_dir = Path(out)
    t0: float | None = None
    created: str | None = None
    tests: dict[str, list[_Group]] = {}
    notes: list[_Note] = []
    events: dict[str, list[_Note]] = {}
    for r in read_results(src):
        kind = r.get("type")
        t = _num(r.get("t"))
        if kind == "header" and isinstance(r.get("created"), str):
            created = r["created"]
        if kind == "stream" and r.get("kind") == "data" and t is not None:
            t0 = t
        if t0 is None and t is not None:
            t0 = t
        if kind == "average":
            _add_average(src, tests, r)
        elif kind == "annotation":
            notes.append(_Note(t, _note_text(r)))
        elif kind in ("alert", "baseline") and isinstance(r.get("test"), str):
            text = _alert_text(r) if kind == "alert" else _baseline_text(r)
            events.setdefault(r["test"], []).append(_Note(t, text))
    if not tests:
        raise SessionError(
            f"{src} has no averages, so there is no waveform to write as EDF+; "
            "export --csv writes its trends, alerts and annotations"
        )
    plan = _plan_paths(out_dir, tests)
    existing = [p for p in plan.values() if p.exists()]
    if existing and not force:
        raise SessionError(f"{existing[0]} exists; choose another folder or add --force")
    start = _start(created)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SessionError(f"cannot create {out_dir}: {err.strerror or err}") from err
    written = []
    for (test, k), path in plan.items():
        group = tests[test][k]
        for_file = sorted(
            [*notes, *events.get(test, ())], key=lambda n: -math.inf if n.t is None else n.t
        )
        _write(path, _layout(test, group, for_file, t0), start)
        written.append(path)
    return written


# --- reading ----------------------------------------------------------------------------------


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _add_average(src: Path, tests: dict[str, list[_Group]], r: dict[str, Any]) -> None:
    """Check one ``average`` record and file it with the averages of the same layout."""
    test = r.get("test")
    where = f"{src}: average {r.get('seq')} of {test!r}"
    if not isinstance(test, str) or not test:
        raise SessionError(f"{src}: an average record has no test id")
    channels = r.get("channels")
    if not isinstance(channels, list) or not channels:
        raise SessionError(f"{where} has no channels")
    try:
        times = np.asarray(r.get("times_ms"), dtype=np.float64)
        values = np.asarray(r.get("values_uv"), dtype=np.float64)  # null becomes NaN
    except (TypeError, ValueError) as err:
        raise SessionError(f"{where}: times_ms or values_uv are not arrays of numbers") from err
    n = times.shape[0] if times.ndim == 1 else 0
    if n < 2 or not np.isfinite(times).all():
        raise SessionError(f"{where}: times_ms needs at least two finite sample times")
    if values.shape != (n, len(channels)):
        raise SessionError(
            f"{where}: values_uv has shape {values.shape}, expected ({n}, {len(channels)})"
        )
    dt_ms = (times[-1] - times[0]) / (n - 1)
    if not dt_ms > 0 or np.abs(np.diff(times) - dt_ms).max() > 1e-6 * dt_ms + 1e-9:
        raise SessionError(f"{where}: times_ms are not evenly spaced; EDF needs one sample rate")
    names = [str(c) for c in channels]
    groups = tests.setdefault(test, [])
    for g in groups:
        same_shape = g.channels == names and g.times_ms.shape == times.shape
        if same_shape and np.allclose(g.times_ms, times, rtol=0.0, atol=1e-6):
            break
    else:
        g = _Group(names, times)
        groups.append(g)
    # Only what the annotations need: the parsed record's nested lists would hold the whole
    # journal in memory as Python floats (the values are kept once, as an array).
    g.averages.append({k: r.get(k) for k in ("t", "seq", "mode", "sweeps")})
    g.values.append(values)


def _note_text(r: dict[str, Any]) -> str:
    tags = " ".join(str(x) for x in r.get("tags") or ())
    text = str(r.get("text") or "")
    return f"note [{tags}] {text}" if tags else f"note: {text}"


def _alert_text(r: dict[str, Any]) -> str:
    return f"alert {r.get('state')} {r.get('priority')}: {r.get('message') or r.get('criterion')}"


def _baseline_text(r: dict[str, Any]) -> str:
    parts = [f"baseline {r.get('action')}: {r.get('name')}"]
    amp, lat = _num(r.get("amplitude_uv")), _num(r.get("latency_ms"))
    if amp is not None:
        parts.append(f"{amp:.2f} µV")
    if lat is not None:
        parts.append(f"{lat:.1f} ms")
    return " ".join(parts)


# --- names, header fields ---------------------------------------------------------------------


def _plan_paths(out_dir: Path, tests: dict[str, list[_Group]]) -> dict[tuple[str, int], Path]:
    """``averages-<safe id>[-k].edf`` for every (test, layout); ids that clash get a suffix."""
    plan: dict[tuple[str, int], Path] = {}
    used: set[str] = set()
    for test, groups in tests.items():
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", test).strip("._") or "test"
        i = 1
        while True:  # ids that sanitise alike, differ only in case, or look like "<id>-2"
            base = stem if i == 1 else f"{stem}_{i}"
            names = [f"averages-{base}{f'-{k + 1}' if k else ''}.edf" for k in range(len(groups))]
            if not used.intersection(n.lower() for n in names):
                break
            i += 1
        used.update(n.lower() for n in names)
        for k, name in enumerate(names):
            plan[(test, k)] = out_dir / name
    return plan


def _start(created: str | None) -> dt.datetime:
    """The results header's ``created`` (UTC, whole seconds), else :data:`DEFAULT_START`."""
    if created:
        try:
            when = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return DEFAULT_START
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if 1985 <= when.year <= 2084:  # EDF's two-digit year covers 1985–2084
            return when.replace(microsecond=0)
    return DEFAULT_START


def _ascii(text: str, limit: int, *, spaces: bool = True) -> str:
    """Printable ASCII only (EDF header fields): accents folded, anything else ``_``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    lo = 32 if spaces else 33
    out = "".join(c if lo <= ord(c) <= 126 else "_" for c in folded)
    return out.strip()[:limit].rstrip()  # edflib drops trailing spaces anyway


def _labels(channels: Sequence[str]) -> list[str]:
    """EDF labels: ≤ 16 printable ASCII characters, unique, never the annotation signal's."""
    labels: list[str] = []
    for i, ch in enumerate(channels):
        label = _ascii(ch, LABEL_CHARS) or f"ch{i + 1}"
        k = 1
        while label in labels or label in _RESERVED_LABELS:
            k += 1
            tag = f"~{k}"
            label = (_ascii(ch, LABEL_CHARS) or f"ch{i + 1}")[: LABEL_CHARS - len(tag)].rstrip()
            label += tag
        labels.append(label)
    return labels


def _limits(lo: float, hi: float) -> tuple[float, float]:
    """Physical min/max around [lo, hi] (0 included, margin added, never a zero range) whose
    decimal form is exact and at most 8 characters: multiples of a power of two, 2^-9 or more,
    which edflib prints digit for digit and every reader parses back to the same double."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = hi - lo
    if span == 0.0:
        span = 2.0
        lo, hi = lo - 1.0, hi + 1.0
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    k = max(-9, math.floor(math.log2(span / 16.0)))
    while k < 64:
        step = 2.0**k
        pmin, pmax = math.floor(lo / step) * step, math.ceil(hi / step) * step
        if len(_header_number(pmin)) <= 8 and len(_header_number(pmax)) <= 8:
            return pmin, pmax
        k += 1
    raise SessionError(f"values up to {max(abs(lo), abs(hi)):.3g} µV do not fit an EDF header")


def _header_number(v: float) -> str:
    """How a physical limit reads in the header (pyedflib checks ``str()`` against 8 chars)."""
    return str(int(v)) if v == int(v) else repr(v)


# --- annotation text --------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """User text made safe for an EDF+ TAL: control characters (C0 — including the TAL
    delimiters 0x00, 0x14, 0x15 — DEL, C1) and line/paragraph separators become spaces; format
    characters (bidi overrides, zero-width) and lone surrogates are dropped; runs of spaces
    shrink to one."""
    out = []
    for c in text:
        cat = unicodedata.category(c)
        if cat in ("Cs", "Cf"):  # lone surrogates (no UTF-8), invisible format characters
            continue
        out.append(" " if cat in ("Cc", "Zl", "Zp") else c)
    return " ".join("".join(out).split())


def pieces(text: str, limit: int = ANNOTATION_BYTES, most: int = MAX_PIECES) -> list[str]:
    """Split ``text`` into annotation texts of at most ``limit`` UTF-8 bytes, at spaces where
    possible; later pieces start with ``…``; beyond ``most`` pieces the last one ends in ``…``."""
    ell = "…"
    rest = text
    out: list[str] = []
    while rest:
        prefix = ell if out else ""
        room = limit - len(prefix.encode("utf-8"))
        last = len(out) == most - 1
        if len(rest.encode("utf-8")) <= room:
            out.append(prefix + rest)
            break
        if last:
            room -= len(ell.encode("utf-8"))
        cut = _fit(rest, room)
        space = rest.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        out.append(prefix + rest[:cut].rstrip() + (ell if last else ""))
        if last:
            break
        rest = rest[cut:].lstrip()
    return out


def _fit(text: str, room: int) -> int:
    """The most characters of ``text`` whose UTF-8 takes at most ``room`` bytes (at least 1)."""
    used = 0
    for i, c in enumerate(text):
        used += len(c.encode("utf-8"))
        if used > room:
            return max(i, 1)
    return len(text)


# --- writing ----------------------------------------------------------------------------------


@dataclass
class _File:
    """Everything one EDF+ file holds, ready to write."""

    test: str
    labels: list[str]
    channels: list[str]
    units: int  # record duration in 10 µs
    n_times: int
    digital: np.ndarray  # (records, n_times, n_channels) int32
    limits: list[tuple[float, float]]
    annotations: list[tuple[int, str]]  # (record, text ≤ 40 bytes), in record order


def _layout(test: str, group: _Group, notes: list[_Note], t0: float | None) -> _File:
    """Order the averages, scale them to 16 bits and place every annotation at its record."""

    def when(i: int) -> float:
        t = _num(group.averages[i].get("t"))
        return -math.inf if t is None else t

    order = sorted(range(len(group.averages)), key=when)  # stable: file order for equal times
    averages = [group.averages[i] for i in order]
    data = np.stack([group.values[i] for i in order])  # (records, n_times, n_channels)
    n_rec, n, n_ch = data.shape
    times = group.times_ms
    dt_ms = (times[-1] - times[0]) / (n - 1)
    units = round(n * dt_ms / 1000.0 * _UNIT_S)  # whole 10 µs: edflib's resolution
    if not 100 <= units <= 60 * _UNIT_S:
        raise SessionError(
            f"{test}: an average lasts {n * dt_ms:g} ms; an EDF+ data record (edflib) lasts "
            "1 ms to 60 s"
        )
    finite = np.isfinite(data)
    data = np.where(finite, data, 0.0)
    limits = [_limits(float(data[..., c].min()), float(data[..., c].max())) for c in range(n_ch)]
    lo = np.array([pmin for pmin, _ in limits])
    span = np.array([pmax - pmin for pmin, pmax in limits])
    digital = np.rint((data - lo) / span * (DIG_MAX - DIG_MIN)) + DIG_MIN  # round: ≤ ½ LSB
    digital = np.clip(digital, DIG_MIN, DIG_MAX).astype(np.int32)
    labels = _labels(group.channels)

    # (record, essential, text): essential ones survive edflib's annotation limit first.
    placed: list[tuple[int, bool, str]] = [
        (0, True, f"each record: {times[0]:g} to {times[-1]:g} ms")
    ]
    if abs(n * dt_ms / 1000.0 * _UNIT_S - units) > 1e-6:
        stored = n / (units / _UNIT_S)
        placed.append((0, True, f"sample rate {1000.0 / dt_ms:.6g} Hz stored as {stored:.6g} Hz"))
    for label, ch in zip(labels, group.channels, strict=True):
        if label != ch:  # cut to 16 characters or made ASCII: the full expression once
            placed.append((0, True, f"signal {label} = {ch}"))
    for k, a in enumerate(averages):
        placed.append((k, True, f"{_clock(_num(a.get('t')), t0)} avg {a.get('seq')} {_update(a)}"))
        bad = [labels[c] for c in range(n_ch) if not finite[k, :, c].all()]
        if bad:
            placed.append((k, True, f"non-finite → 0 µV: {' '.join(bad)}"))
    known = [(t, k) for k, a in enumerate(averages) if (t := _num(a.get("t"))) is not None]
    starts = [t for t, _ in known]
    for note in notes:
        j = bisect_right(starts, note.t) - 1 if note.t is not None else -1
        k = known[j][1] if j >= 0 else 0
        placed.append((k, False, f"{_clock(note.t, t0)} {note.text}"))
    placed.sort(key=lambda p: p[0])  # stable: within a record, the update comes first
    items = [(k, must, pieces(clean_text(text))) for k, must, text in placed]
    return _File(
        test, labels, group.channels, units, n, digital, limits, _fit_capacity(items, n_rec)
    )


def _clock(t: float | None, t0: float | None) -> str:
    return "--:--:--" if t is None else case_clock(t, t0)


def _write(path: Path, f: _File, start: dt.datetime) -> None:
    """One EDF+ file (through a temporary name): header, data records, annotations."""
    import pyedflib  # a C extension: loaded only when an export runs

    n_rec, n, n_ch = f.digital.shape
    equipment = f"ionm-tui_{_ascii(__version__, 40, spaces=False)}"
    # EDF+ gives "Startdate dd-MMM-yyyy <admin> <technician> <equipment> …" 80 characters.
    room = 80 - len("Startdate dd-MMM-yyyy X X ") - len(equipment) - len(" test=")
    n_annot = min(MAX_ANNOTATION_SIGNALS, max(1, -(-len(f.annotations) // n_rec)))
    tmp = path.with_name(f".{path.name}.partial")
    try:
        writer = pyedflib.EdfWriter(str(tmp), n_ch, file_type=pyedflib.FILETYPE_EDFPLUS)
    except OSError as err:
        raise SessionError(f"cannot write {path}: {err}") from err
    try:
        with warnings.catch_warnings():
            # Both are about forcing the record duration, which is the point here; the samples
            # per record are checked below instead.
            warnings.filterwarnings("ignore", message="Forcing a specific record_duration")
            warnings.filterwarnings("ignore", message="Sample frequency .* can not be repr")
            writer.setDatarecordDuration(_duration_arg(f.units))
            writer.setSignalHeaders(
                [
                    {
                        "label": label,
                        "dimension": "uV",
                        "sample_frequency": n / (f.units / _UNIT_S),
                        "physical_min": _header_value(pmin),
                        "physical_max": _header_value(pmax),
                        "digital_min": DIG_MIN,
                        "digital_max": DIG_MAX,
                        "transducer": _ascii(ch, 80),
                        "prefilter": "",
                    }
                    for label, ch, (pmin, pmax) in zip(f.labels, f.channels, f.limits, strict=True)
                ]
            )
            writer.setEquipment(equipment)
            writer.setRecordingAdditional(f"test={_ascii(f.test, room, spaces=False)}")
            writer.setStartdatetime(start)
            writer.set_number_of_annotation_signals(n_annot)
        if any(writer.get_smp_per_record(c) != n for c in range(n_ch)):
            raise SessionError(f"{f.test}: pyedflib would not store {n} samples per record")
        for k in range(n_rec):  # one record: all samples of signal 0, then of signal 1 …
            block = np.ascontiguousarray(f.digital[k].T).ravel()
            if writer.blockWriteDigitalSamples(block) != 0:
                raise SessionError(f"cannot write {path} (record {k + 1})")
        for k, text in f.annotations:
            # Onsets are in 100 µs: rounded up, so that none falls before its record's start.
            onset = -(-k * f.units // (_UNIT_S // _ONSET_UNIT_S)) / _ONSET_UNIT_S
            if writer.writeAnnotation(onset, -1, text) != 0:
                raise SessionError(f"cannot write {path} (annotation at record {k + 1})")
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(tmp, path)


def _duration_arg(units: int) -> float:
    """Seconds that pyedflib turns into exactly ``units`` (it multiplies by 1e5, truncates)."""
    seconds = units / _UNIT_S
    while int(seconds * _UNIT_S) < units:
        seconds = math.nextafter(seconds, math.inf)
    return seconds


def _header_value(v: float) -> float | int:
    return int(v) if v == int(v) else v


def _update(a: dict[str, Any]) -> str:
    sweeps = _num(a.get("sweeps"))
    n = "?" if sweeps is None else f"{sweeps:.1f}".removesuffix(".0")
    return f"{a.get('mode')} n={n}"


def _fit_capacity(items: list[tuple[int, bool, list[str]]], n_rec: int) -> list[tuple[int, str]]:
    """Annotations as (record, text), trimmed to what edflib stores: records × 64 at most.

    Over the limit, texts keep their first piece only; if that is still too many, the updates
    and the file's own notes stay and the last case notes give way to one annotation saying how
    many are left out (the results file and the CSV have them all).
    """
    cap = MAX_ANNOTATION_SIGNALS * n_rec
    flat = [(k, p) for k, _, ps in items for p in ps]
    if len(flat) <= cap:
        return flat
    firsts = [(k, must, ps[0] if len(ps) == 1 else _ended(ps[0])) for k, must, ps in items if ps]
    if len(firsts) <= cap:
        return [(k, p) for k, _, p in firsts]
    room = max(0, cap - 1 - sum(must for _, must, _ in firsts))
    kept: list[tuple[int, str]] = []
    left = 0
    for k, must, p in firsts:
        if must or room > 0:
            room -= not must
            kept.append((k, p))
        else:
            left += 1
    last = max(k for k, _ in kept)
    return [*kept, (last, f"{left} more notes: see the results file")]


def _ended(piece: str) -> str:
    """A first piece marked as cut short."""
    room = ANNOTATION_BYTES - len("…".encode())
    return piece[: _fit(piece, room)].rstrip() + "…"
