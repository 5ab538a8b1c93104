"""A finished or crashed case, read-only: the engine's snapshot at any moment, rebuilt from records.

Review shows a case through the same views as live monitoring. :meth:`ReviewCase.snapshot_at`
rebuilds what the engine's snapshot was at a chosen moment from the case's records: each test's
latest update and the trend up to then, the average behind it (band-passed as the engine measured
it) with the waterfall of the ones before, the baseline in force and its waveform, and the alerts
active then (replayed from their transitions). Nothing is re-computed from raw data, so review
shows exactly what was recorded, and works for a crashed case whose recording is cut short.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..engine import (
    AlertEvent,
    AlertStatus,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    DataQuality,
    EngineSnapshot,
    QualityEvent,
    TestSpec,
    TestView,
    TrendPoint,
    design_bandpass,
    zero_phase,
)
from ..engine.alerts import PRIORITY_RANK
from ..errors import SessionError
from ..profile import Profile
from .review_index import AverageRef, ResultsIndex, read_index

Event = AlertEvent | BaselineRecord | AnnotationRecord | QualityEvent
STEPS = ("update", "event", "minutes", "start", "end")
"""How the review cursor moves (see :meth:`ReviewCase.step`)."""

_MAX_NOTES = 20
"""Unreadable lines named one by one; more are counted."""
_CACHED_AVERAGES = 64
"""Averages kept parsed beyond one snapshot's worth (every test's waterfall and baseline)."""
_EMPTY = np.empty(0)
_EMPTY.setflags(write=False)
_BAD_DATA = ("bad_timestamps", "channel_mismatch")


def find_results(path: str | Path) -> Path:
    """The records file behind a review path.

    ``path`` may be a case folder (its ``journal.jsonl``), an analysis folder (its
    ``results.jsonl``), or either file itself.

    Raises:
        SessionError: nothing reviewable there, saying what was found and what to do.
    """
    p = Path(path)
    if p.is_dir():
        for name in ("journal.jsonl", "results.jsonl"):
            if (p / name).is_file():
                return p / name
        found = ", ".join(sorted(x.name for x in p.iterdir())[:8]) or "nothing"
        xdf = next(iter(sorted(p.glob("*.xdf"))), None)
        hint = (
            f"; to review the recording, analyse it first: ionm-tui analyze {xdf} "
            "--profile PROFILE --out DIR, then ionm-tui review DIR"
            if xdf
            else ""
        )
        raise SessionError(f"{p} has no journal.jsonl or results.jsonl (it holds: {found}){hint}")
    if not p.exists():
        raise SessionError(f"{p} does not exist; give a case folder or a results/journal file")
    if p.suffix.lower() == ".xdf":
        raise SessionError(
            f"{p} is a recording, not a record of results: analyse it first with "
            f"ionm-tui analyze {p} --profile PROFILE --out DIR, then ionm-tui review DIR"
        )
    return p


def review_profile(index: ResultsIndex, override: str | Path | None = None) -> Profile:
    """The profile a case was monitored with.

    Order: ``override``; else the profile text stored in the header (``profile_toml``); else the
    installed profile with the header's id.

    Raises:
        ProfileError: the override or the stored text is invalid.
        SessionError: no profile can be found, saying how to give one.
    """
    from ..errors import ProfileError
    from ..profile import loads
    from .case import load_profile

    if override is not None:
        return load_profile(override)
    text = index.header.get("profile_toml")
    if isinstance(text, str) and text.strip():
        return loads(text, file=f"{index.path.name} (profile stored in its header)")
    name = index.header.get("profile")
    if isinstance(name, str) and name:
        try:
            return load_profile(name)
        except ProfileError as err:
            raise SessionError(
                f"{index.path} was made with profile {name!r}, which is not installed here "
                f"({err.message}); give it with --profile FILE"
            ) from err
    raise SessionError(f"{index.path} does not name its profile; give it with --profile FILE")


@dataclass(frozen=True, slots=True)
class _TestRecords:
    """One test's records, as arrays for fast lookup by time."""

    spec: object
    points: tuple[TrendPoint, ...]
    offsets: NDArray[np.int64]
    shown: NDArray[np.float64]
    t: NDArray[np.float64]
    amplitude_uv: NDArray[np.float64]
    latency_ms: NDArray[np.float64]
    primary: NDArray[np.float64]
    averages: dict[int, AverageRef]
    average_shown: NDArray[np.float64]
    average_refs: tuple[AverageRef, ...]


def _ro(values: Sequence[float]) -> NDArray[np.float64]:
    a = np.asarray(values, dtype=np.float64)
    a.setflags(write=False)
    return a


class ReviewCase:
    """A case opened for review (the index of its records plus its profile).

    Args:
        index: the case's records.
        profile: the profile it was monitored with.
    """

    def __init__(self, index: ResultsIndex, profile: Profile) -> None:
        self.index = index
        self.profile = profile
        self.case_start_t = index.data_start_t
        self.waterfall_depth = profile.engine.waterfall_depth
        problems = index.problems
        self.notes: list[str] = problems[:_MAX_NOTES]
        if len(problems) > _MAX_NOTES:
            self.notes.append(f"{len(problems) - _MAX_NOTES} more lines skipped")
        known = set(profile.test_ids)
        of_tests = set(index.trends) | set(index.averages)
        of_tests |= {t for e in index.events if (t := getattr(e, "test", None)) is not None}
        for test in sorted(of_tests - known):
            self.notes.append(
                f"records of test {test!r} are not in profile {profile.id}: not shown"
            )
        shown_points, shown_averages, shown_events = _shown_times(index, profile)
        self._tests = {
            s.id: self._test_records(s, shown_points.get(s.id), shown_averages.get(s.id))
            for s in profile.tests
        }
        # Events of tests the profile lacks are left out: no row would show them.
        keep = [i for i, e in enumerate(index.events) if getattr(e, "test", None) in known | {None}]
        self.events: tuple[Event, ...] = tuple(index.events[i] for i in keep)
        """Alerts, baselines, notes and quality records, in file order."""
        self._event_offsets = np.asarray([index.event_offsets[i] for i in keep], dtype=np.int64)
        shown_events = _ro(shown_events[keep]) if keep else _EMPTY
        self._event_shown = shown_events
        self._alerts_by_test: dict[str, tuple[NDArray[np.float64], tuple[AlertEvent, ...]]] = {}
        for test in known:
            idx = [
                i for i, e in enumerate(self.events) if isinstance(e, AlertEvent) and e.test == test
            ]
            self._alerts_by_test[test] = (
                shown_events[idx] if idx else _EMPTY,
                tuple(self.events[i] for i in idx),  # type: ignore[misc]
            )
        self._bad_averages: set[tuple[str, int]] = set()
        self.update_times = _ro(
            sorted({float(x) for r in self._tests.values() for x in r.shown if math.isfinite(x)})
        )
        self.mark_times = _ro(
            sorted(
                {
                    float(x)
                    for e, x in zip(self.events, shown_events, strict=True)
                    if isinstance(e, AlertEvent | AnnotationRecord) and math.isfinite(x)
                }
            )
        )
        finite = [float(x[-1]) for x in (shown_events, *shown_points.values()) if x.size]
        self.end_t = max((x for x in finite if math.isfinite(x)), default=index.end_t)
        self._cache: OrderedDict[tuple[str, int], AverageRecord] = OrderedDict()
        # One snapshot reads every test's waterfall, latest and baseline: the cache must hold
        # that much, or stepping through the case re-reads them all at every step.
        self._cache_size = _CACHED_AVERAGES + len(self._tests) * (self.waterfall_depth + 2)
        self._sos: dict[str, NDArray[np.float64] | None] = {}
        self._seq = 0

    @classmethod
    def open(cls, path: str | Path, profile: str | Path | None = None) -> ReviewCase:
        """Open a case folder, analysis folder or records file (see :func:`find_results`).

        Raises:
            SessionError: nothing reviewable, or no profile.
            ProfileError: the profile is invalid.
        """
        index = read_index(find_results(path))
        return cls(index, review_profile(index, profile))

    def _test_records(
        self,
        spec: object,
        shown: NDArray[np.float64] | None,
        average_shown: NDArray[np.float64] | None,
    ) -> _TestRecords:
        test = spec.id  # type: ignore[attr-defined]
        points = tuple(self.index.trends.get(test, ()))
        refs = tuple(self.index.averages.get(test, ()))
        return _TestRecords(
            spec=spec,
            points=points,
            offsets=np.asarray(self.index.trend_offsets.get(test, ()), dtype=np.int64),
            shown=shown if shown is not None else _EMPTY,
            t=_ro([p.t for p in points]),
            amplitude_uv=_ro([p.amplitude_uv for p in points]),
            latency_ms=_ro([p.latency_ms for p in points]),
            primary=_ro([p.primary_value for p in points]),
            averages={a.seq: a for a in refs},
            average_shown=average_shown if average_shown is not None else _EMPTY,
            average_refs=refs,
        )

    # --- moving the cursor ----------------------------------------------------------------------

    @property
    def start_t(self) -> float:
        """The first moment worth showing: the first update (or the case start)."""
        if self.update_times.size:
            return float(self.update_times[0])
        return self.case_start_t

    def clamp(self, t: float) -> float:
        """``t`` within the case (−∞: the start; NaN or +∞: the end)."""
        lo, hi = self.start_t, self.end_t
        if t == -math.inf:  # e.g. a note made before the first data sample
            return lo if math.isfinite(lo) else hi
        if not math.isfinite(t):
            return hi if math.isfinite(hi) else lo
        if math.isfinite(hi):
            t = min(t, hi)
        if math.isfinite(lo):
            t = max(t, lo)
        return t

    def step(self, t: float, how: str, n: int = 1, test: str | None = None) -> float:
        """Where the cursor goes from ``t``.

        Args:
            t: the cursor now, LSL seconds.
            how: ``"update"`` (``n`` updates of ``test``, or of any test), ``"event"`` (``n``
                alerts or annotations), ``"minutes"`` (``n`` minutes), ``"start"``, ``"end"``.
            n: how many steps; negative goes back.
            test: for ``"update"``, whose updates (None: every test's).

        Raises:
            ValueError: an unknown ``how``.
        """
        if how not in STEPS:
            raise ValueError(f"how must be one of {', '.join(STEPS)}, not {how!r}")
        if how == "start":
            return self.clamp(self.start_t)
        if how == "end":
            return self.clamp(math.inf)
        if how == "minutes":
            return self.clamp(t + 60.0 * n)
        if how == "event":
            return self.clamp(_nth(self.mark_times, t, n))
        times = self._tests[test].shown if test in self._tests else self.update_times
        if n < 0:  # step back from the update on show (the newest at or before the cursor)
            i = int(np.searchsorted(times, t, side="right"))
            t = float(times[i - 1]) if i else t
        return self.clamp(_nth(times, t, n))

    # --- what was true at the cursor --------------------------------------------------------------

    def snapshot_at(self, t: float) -> EngineSnapshot:
        """The engine's state at ``t`` (LSL seconds), rebuilt from the records up to then."""
        t = self.clamp(t)
        k = int(np.searchsorted(self._event_shown, t, side="right"))
        events = self.events[:k]
        alerts = _active_alerts(e for e in events if isinstance(e, AlertEvent))
        by_test: dict[str, list[AlertStatus]] = {}
        for a in alerts:
            by_test.setdefault(a.test, []).append(a)
        baselines = _baselines(
            (e, int(off))
            for e, off in zip(events, self._event_offsets[:k], strict=True)
            if isinstance(e, BaselineRecord)
        )
        views = tuple(
            self._view(rec, t, tuple(by_test.get(test, ())), baselines.get(test))
            for test, rec in self._tests.items()
        )
        kinds = Counter(e.kind for e in events if isinstance(e, QualityEvent))
        self._seq += 1
        return EngineSnapshot(
            seq=self._seq,
            t=t,
            tests=views,
            alerts=tuple(
                sorted(
                    alerts,
                    key=lambda a: (a.acknowledged, PRIORITY_RANK[a.priority], -a.onset_t),
                )
            ),
            quality=DataQuality(
                samples=0,
                markers=0,
                unknown_markers=0,
                gaps=kinds["gap"],
                clock_resets=kinds["clock_reset"],
                bad_chunks=sum(kinds[k] for k in _BAD_DATA),
                pending=0,
            ),
        )

    def events_until(self, t: float, limit: int = 200) -> tuple[Event, ...]:
        """The last ``limit`` events (alerts, baselines, annotations, quality) up to ``t``."""
        k = int(np.searchsorted(self._event_shown, t, side="right"))
        return self.events[max(0, k - limit) : k]

    def marks(self) -> list[tuple[float, Event]]:
        """Every alert transition and note with the time it showed (what ``[``/``]`` visit)."""
        return [
            (float(x), e)
            for e, x in zip(self.events, self._event_shown, strict=True)
            if isinstance(e, AlertEvent | AnnotationRecord)
        ]

    def alert_events_until(self, t: float, test: str) -> tuple[AlertEvent, ...]:
        """One test's alert transitions up to ``t`` (for the trend's alert marks)."""
        shown, events = self._alerts_by_test.get(test, (_EMPTY, ()))
        return events[: int(np.searchsorted(shown, t, side="right"))]

    def average(self, test: str, seq: int) -> AverageRecord | None:
        """One recorded average (read from the file, then cached)."""
        rec = self._tests.get(test)
        ref = rec.averages.get(seq) if rec else None
        if ref is None:
            return None
        key = (test, seq)
        if key in self._bad_averages:
            return None
        hit = self._cache.get(key)
        if hit is None:
            try:
                hit = self._cache[key] = self.index.average(ref)
            except SessionError as err:  # one bad line must not stop the review
                self._bad_averages.add(key)
                self.notes.append(f"average {seq} of {test} not shown: {err.message}")
                return None
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit

    def _as_measured(self, spec: object, avg: AverageRecord) -> NDArray[np.float64]:
        """The average as the engine measured it: band-passed when the test asks for it."""
        test = avg.test
        if test not in self._sos:
            sos = None
            band = spec.bandpass_hz if isinstance(spec, TestSpec) else None
            dt = np.diff(avg.times_ms)
            if band and dt.size and np.all(dt > 0):
                try:
                    sos = design_bandpass(band, 1000.0 / float(np.median(dt)))
                except ValueError:
                    self.notes.append(f"{test}: band-pass {band} Hz does not fit; shown unfiltered")
            self._sos[test] = sos
        sos = self._sos[test]
        if sos is None or avg.values_uv.shape[0] < 16:
            return avg.values_uv
        out = zero_phase(sos, avg.values_uv)
        out.setflags(write=False)
        return out

    def _view(
        self,
        rec: _TestRecords,
        t: float,
        alerts: tuple[AlertStatus, ...],
        baseline: _BaselineState | None,
    ) -> TestView:
        spec = rec.spec
        k = int(np.searchsorted(rec.shown, t, side="right"))
        latest = rec.points[k - 1] if k else None
        average = self.average(latest.test, latest.seq) if latest else None
        ka = int(np.searchsorted(rec.average_shown, t, side="right"))
        waterfall = tuple(
            a
            for ref in rec.average_refs[max(0, ka - self.waterfall_depth) : ka]
            if (a := self.average(ref.test, ref.seq)) is not None
        )
        name = baseline.current if baseline else (latest.baseline if latest else None)
        base_avg = None
        if baseline and name in baseline.captured_at:
            i = _baseline_point(rec, *baseline.captured_at[name])
            if i is not None:
                base_avg = self.average(rec.points[i].test, rec.points[i].seq)
        times = average.times_ms if average is not None else _EMPTY
        if average is None and waterfall:
            times = waterfall[-1].times_ms
        return TestView(
            spec=spec,  # type: ignore[arg-type]
            averaging=getattr(spec, "averaging", None),  # type: ignore[arg-type]
            times_ms=times,
            average_uv=self._as_measured(spec, average) if average is not None else None,
            baseline_uv=self._as_measured(spec, base_avg) if base_avg is not None else None,
            baseline=name,
            baselines=tuple(baseline.captured_at) if baseline else (),
            latest=latest,
            trend_t=rec.t[:k],
            trend_amplitude_uv=rec.amplitude_uv[:k],
            trend_latency_ms=rec.latency_ms[:k],
            trend_primary=rec.primary[:k],
            waterfall=waterfall,
            accepted=latest.accepted if latest else 0,
            in_progress=-1,  # between updates nothing was recorded
            rejected=latest.rejected_by_reason if latest else (),
            dropped=(),  # the records name the first drop per reason only, not a count
            paused=False,
            alerts=alerts,
        )


def _lag_s(spec: object) -> float:
    """How long after its stimulus a test's update is known: the end of its sweep window (the
    engine cuts a sweep once that sample has arrived). Free-run tests: their time is the end of
    the data they summarise already."""
    window = getattr(spec, "window_ms", None)
    return max(0.0, float(window[1]) / 1000.0) if window else 0.0


def _shown_times(
    index: ResultsIndex, profile: Profile
) -> tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """When each record first showed on the console (the data clock), for trend points,
    averages and events.

    A record's ``t`` is when its data happened: an update's is its stimulus, known only once the
    sweep window has passed. And records are written in the order they were made, so none
    showed before the records above it. So: ``t`` plus the test's window end for updates (and
    the automatic baseline taken from one), ``t`` for everything else, then the running maximum
    in file order. Rebuilt snapshots then equal the engine's own at the same data time.
    """
    lags = {s.id: _lag_s(s) for s in profile.tests}
    point_t = {test: {p.t for p in pts} for test, pts in index.trends.items()}
    offsets: list[int] = []
    values: list[float] = []
    for test, pts in index.trends.items():
        lag = lags.get(test, 0.0)
        offsets += index.trend_offsets[test]
        values += [p.t + lag for p in pts]
    for test, refs in index.averages.items():
        lag = lags.get(test, 0.0)
        offsets += [a.offset for a in refs]
        values += [a.t + lag for a in refs]
    for e, off in zip(index.events, index.event_offsets, strict=True):
        lag = 0.0
        if isinstance(e, QualityEvent) and e.kind == "gap" and e.duration_s is not None:
            lag = e.duration_s  # the console learns of a gap when the data resume
        elif (
            isinstance(e, BaselineRecord)
            and e.action == "captured"
            and e.t in point_t.get(e.test, ())
        ):
            lag = lags.get(e.test, 0.0)
        offsets.append(off)
        values.append(e.t + lag)
    order = np.argsort(np.asarray(offsets, dtype=np.int64), kind="stable")
    raw = np.asarray(values, dtype=np.float64)[order]
    raw[~np.isfinite(raw)] = -np.inf  # no time of its own: shows with what came before it
    shown = np.empty_like(raw)
    shown[order] = np.maximum.accumulate(raw) if raw.size else raw
    out_points: dict[str, NDArray[np.float64]] = {}
    out_averages: dict[str, NDArray[np.float64]] = {}
    i = 0
    for test, pts in index.trends.items():
        out_points[test] = _ro(shown[i : i + len(pts)])
        i += len(pts)
    for test, refs in index.averages.items():
        out_averages[test] = _ro(shown[i : i + len(refs)])
        i += len(refs)
    return out_points, out_averages, _ro(shown[i:])


def _nth(times: NDArray[np.float64], t: float, n: int) -> float:
    """The ``n``-th time after ``t`` (before it when ``n`` < 0), stopping at the last one there
    is; ``t`` itself when there is none in that direction."""
    if n > 0:
        i = int(np.searchsorted(times, t, side="right"))  # first time after t
        return t if i >= times.size else float(times[min(i + n - 1, times.size - 1)])
    if n < 0:
        i = int(np.searchsorted(times, t, side="left"))  # times[:i] are before t
        return t if i == 0 else float(times[max(i + n, 0)])
    return t


@dataclass
class _BaselineState:
    """One test's baselines up to the cursor: which is in force, and when each was captured
    (the review clock of its record)."""

    current: str | None
    captured_at: dict[str, tuple[int, float]]
    """name → (byte offset of its record, its ``t``)."""


def _baselines(records: Iterable[tuple[BaselineRecord, int]]) -> dict[str, _BaselineState]:
    out: dict[str, _BaselineState] = {}
    for b, offset in records:
        state = out.setdefault(b.test, _BaselineState(None, {}))
        if b.action == "captured":
            state.captured_at[b.name] = (offset, b.t)
        state.current = b.name
    return out


def _baseline_point(rec: _TestRecords, offset: int, t: float) -> int | None:
    """Index of the update a baseline was taken from, by file order: the automatic baseline is
    written just before its own update (same ``t``); a captured one holds the newest update
    written before the capture."""
    i = int(np.searchsorted(rec.offsets, offset))
    if i < len(rec.points) and rec.points[i].t == t:
        return i
    return i - 1 if i > 0 else None


def _active_alerts(events: object) -> list[AlertStatus]:
    """Replay alert transitions: what is raised or confirmed (and acknowledged) at the end."""
    active: dict[tuple[str, str], AlertStatus] = {}
    for e in events:  # type: ignore[attr-defined]
        key = (e.test, e.criterion)
        old = active.get(key)
        if e.state == "cleared":
            active.pop(key, None)
        elif e.state == "acknowledged":
            if old is not None:
                active[key] = AlertStatus(
                    old.test, old.criterion, old.state, old.priority, True, old.onset_t, old.latest
                )
        else:  # raised or confirmed: escalation demands attention again
            prio = e.priority if e.state == "confirmed" else "low"
            active[key] = AlertStatus(e.test, e.criterion, e.state, prio, False, e.onset_t, e)
    return list(active.values())
