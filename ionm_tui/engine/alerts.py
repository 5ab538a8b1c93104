"""Alert criteria per test: onset, confirmation over K updates, acknowledgement, hysteresis clear.

Each criterion of a test has its own small state machine, driven once per update:

``idle`` → (criterion met) → ``raised`` (priority low) → (met K consecutive updates, counting the
first) → ``confirmed`` (the criterion's priority). A raised alert whose next update no longer meets
the criterion is ``cleared`` at once. A confirmed alert clears only after K consecutive updates
inside the limit pulled back by ``clear_margin_pct`` % of itself (hysteresis).
``acknowledged`` marks an active alert as seen: it stays listed, it stops demanding attention
(until it escalates from raised to confirmed, which demands attention again). Every transition is
an :class:`AlertEvent` saying which criterion, the measured and baseline values, which baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .specs import AlertSpec
from .trends import Baseline, TrendPoint

CRITERIA: tuple[str, ...] = ("amplitude_drop", "latency_rise", "loss_of_response")
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One transition of one alert.

    Attributes:
        test: test id.
        criterion: ``"amplitude_drop"``, ``"latency_rise"`` or ``"loss_of_response"``.
        state: ``"raised"``, ``"confirmed"``, ``"acknowledged"`` or ``"cleared"``.
        priority: ``"high"``, ``"medium"`` or ``"low"`` at this transition.
        t: LSL seconds of the update (or of the acknowledgement).
        onset_t: LSL seconds when the alert was first raised.
        measured: the measured value (µV for amplitude, ms for latency, SNR for loss).
        baseline_value: the baseline's value of the same quantity (None for loss of response).
        change_pct: change vs baseline, % (None for loss of response).
        threshold: the criterion's limit (% for changes, SNR floor for loss).
        baseline: name of the baseline compared with.
        message: one plain sentence for people.
    """

    test: str
    criterion: str
    state: str
    priority: str
    t: float
    onset_t: float
    measured: float
    baseline_value: float | None
    change_pct: float | None
    threshold: float
    baseline: str | None
    message: str


@dataclass(frozen=True, slots=True)
class AlertStatus:
    """An active (raised or confirmed) alert as shown in snapshots."""

    test: str
    criterion: str
    state: str
    priority: str
    acknowledged: bool
    onset_t: float
    latest: AlertEvent


class _Criterion:
    """State of one criterion of one test."""

    def __init__(self, name: str, priority: str) -> None:
        self.name = name
        self.priority = priority
        self.state = "idle"
        self.met_run = 0
        self.ok_run = 0
        self.onset_t = math.nan
        self.acknowledged = False
        self.latest: AlertEvent | None = None


class AlertTracker:
    """Evaluates one test's criteria on each update.

    Args:
        test: test id.
        spec: the criteria.
    """

    def __init__(self, test: str, spec: AlertSpec) -> None:
        self.test = test
        self.spec = spec
        self._crit = {
            "amplitude_drop": _Criterion("amplitude_drop", spec.amplitude_priority),
            "latency_rise": _Criterion("latency_rise", spec.latency_priority),
            "loss_of_response": _Criterion("loss_of_response", spec.loss_priority),
        }

    def _evaluate(
        self, name: str, point: TrendPoint, baseline: Baseline | None
    ) -> tuple[bool, bool, float, float | None, float | None, float] | None:
        """(met, inside_clear_band, measured, baseline_value, change_pct, threshold); None: n/a."""
        s = self.spec
        keep = 1.0 - s.clear_margin_pct / 100.0  # hysteresis: the limit pulled back by the margin
        if name == "amplitude_drop":
            if (
                s.amplitude_drop_pct is None
                or baseline is None
                or point.amplitude_change_pct is None
            ):
                return None
            c = point.amplitude_change_pct
            thr = s.amplitude_drop_pct
            return c <= -thr, c > -thr * keep, point.amplitude_uv, baseline.amplitude_uv, c, thr
        if name == "latency_rise":
            if s.latency_rise_pct is None or baseline is None or point.latency_change_pct is None:
                return None
            c = point.latency_change_pct
            thr = s.latency_rise_pct
            return c >= thr, c < thr * keep, point.latency_ms, baseline.latency_ms, c, thr
        if s.snr_floor is None or math.isnan(point.snr):
            return None
        floor = s.snr_floor
        return point.snr < floor, point.snr >= floor / keep, point.snr, None, None, floor

    def update(self, point: TrendPoint, baseline: Baseline | None) -> list[AlertEvent]:
        """Evaluate every criterion on a new trend point; return the transitions."""
        events: list[AlertEvent] = []
        k = self.spec.confirm
        for name, c in self._crit.items():
            ev = self._evaluate(name, point, baseline)
            if ev is None:
                # Not evaluable (no baseline, no latency): an unconfirmed alert lapses; a confirmed
                # one stays, since we cannot show it resolved.
                if c.state == "raised":
                    events.append(
                        self._event(c, "cleared", point.t, math.nan, None, None, math.nan, None)
                    )
                continue
            met, inside, measured, base_val, chg, thr = ev
            bname = baseline.name if baseline else None
            if c.state == "idle":
                if met:
                    c.state, c.met_run, c.onset_t, c.acknowledged = "raised", 1, point.t, False
                    events.append(
                        self._event(c, "raised", point.t, measured, base_val, chg, thr, bname)
                    )
                    if k == 1:
                        c.state = "confirmed"
                        events.append(
                            self._event(
                                c, "confirmed", point.t, measured, base_val, chg, thr, bname
                            )
                        )
            elif c.state == "raised":
                if met:
                    c.met_run += 1
                    if c.met_run >= k:
                        # Escalation demands attention again, even if the raised alert was seen.
                        c.state, c.acknowledged = "confirmed", False
                        events.append(
                            self._event(
                                c, "confirmed", point.t, measured, base_val, chg, thr, bname
                            )
                        )
                else:
                    c.state = "idle"
                    events.append(
                        self._event(c, "cleared", point.t, measured, base_val, chg, thr, bname)
                    )
            else:  # confirmed
                c.ok_run = c.ok_run + 1 if inside else 0
                if c.ok_run >= k:
                    c.state, c.ok_run, c.met_run = "idle", 0, 0
                    events.append(
                        self._event(c, "cleared", point.t, measured, base_val, chg, thr, bname)
                    )
        return events

    def acknowledge(self, criterion: str | None, t: float) -> list[AlertEvent]:
        """Mark active alerts (one criterion, or all) as acknowledged; return the transitions."""
        events = []
        for name, c in self._crit.items():
            if (
                (criterion is None or criterion == name)
                and c.state != "idle"
                and not c.acknowledged
            ):
                c.acknowledged = True
                last = c.latest
                assert last is not None  # an active criterion has had an event
                events.append(
                    self._event(
                        c,
                        "acknowledged",
                        t,
                        last.measured,
                        last.baseline_value,
                        last.change_pct,
                        last.threshold,
                        last.baseline,
                    )
                )
        return events

    def reset(self, t: float, why: str) -> list[AlertEvent]:
        """End every active alert (the baseline or the average changed); return the clears."""
        events = []
        for c in self._crit.values():
            last = c.latest
            if c.state != "idle" and last is not None:
                c.state = "idle"
                ev = self._event(
                    c,
                    "cleared",
                    t,
                    last.measured,
                    last.baseline_value,
                    last.change_pct,
                    last.threshold,
                    last.baseline,
                )
                events.append(AlertEvent(**{**_fields(ev), "message": f"{ev.message} ({why})"}))
            c.state, c.met_run, c.ok_run, c.acknowledged, c.latest = "idle", 0, 0, False, None
        return events

    def active(self) -> tuple[AlertStatus, ...]:
        """The raised and confirmed alerts of this test."""
        out = []
        for c in self._crit.values():
            if c.state != "idle" and c.latest is not None:
                prio = c.priority if c.state == "confirmed" else "low"
                out.append(
                    AlertStatus(
                        self.test, c.name, c.state, prio, c.acknowledged, c.onset_t, c.latest
                    )
                )
        return tuple(out)

    def _event(
        self,
        c: _Criterion,
        state: str,
        t: float,
        measured: float,
        base_val: float | None,
        chg: float | None,
        thr: float,
        bname: str | None,
    ) -> AlertEvent:
        active_state = c.state if state == "acknowledged" else state
        prio = c.priority if active_state == "confirmed" else "low"
        ev = AlertEvent(
            test=self.test,
            criterion=c.name,
            state=state,
            priority=prio,
            t=t,
            onset_t=c.onset_t,
            measured=measured,
            baseline_value=base_val,
            change_pct=chg,
            threshold=thr,
            baseline=bname,
            message=_describe(self.test, c.name, state, measured, base_val, chg, thr, bname),
        )
        c.latest = ev
        return ev


def _fields(ev: AlertEvent) -> dict[str, object]:
    return {name: getattr(ev, name) for name in AlertEvent.__slots__}


def _describe(
    test: str,
    criterion: str,
    state: str,
    measured: float,
    base_val: float | None,
    chg: float | None,
    thr: float,
    bname: str | None,
) -> str:
    if criterion == "loss_of_response":
        what = f"SNR {measured:.2f} below floor {thr:g} (loss of response)"
    elif criterion == "amplitude_drop":
        what = (
            f"amplitude {measured:.2f} µV vs {base_val:.2f} µV ({chg:+.0f} %, limit −{thr:g} %)"
            if chg is not None
            else "amplitude not measurable"
        )
    else:
        what = (
            f"latency {measured:.2f} ms vs {base_val:.2f} ms ({chg:+.1f} %, limit +{thr:g} %)"
            if chg is not None
            else "latency not measurable"
        )
    ref = f" [baseline {bname}]" if bname else ""
    return f"{test}: {state}: {what}{ref}"
