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

from .specs import AlertSpec, CriterionSpec
from .trends import Baseline, TrendPoint, change_pct

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
        baseline: name of the baseline compared with (None for absolute limits).
        message: one plain sentence for people.
        quantity: the quantity judged (``"amplitude_uv"``, ``"threshold_v"`` …).
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
    quantity: str = ""


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

    def __init__(self, spec: CriterionSpec, confirm: int) -> None:
        self.spec = spec
        self.name = spec.name
        self.priority = spec.priority
        self.confirm = spec.confirm or confirm
        self.state = "idle"
        self.met_run = 0
        self.ok_run = 0
        self.onset_t = math.nan
        self.acknowledged = False
        self.latest: AlertEvent | None = None


_Evaluation = tuple[bool, bool, float, float | None, float | None, float]


def evaluate(
    spec: CriterionSpec, point: TrendPoint, baseline: Baseline | None, clear_margin_pct: float
) -> _Evaluation | None:
    """Judge one criterion on one trend point.

    Returns:
        (met, inside_clear_band, measured, baseline_value, change_pct, limit), or None when the
        criterion cannot be judged (no baseline, a non-finite value).
    """
    v = point.value(spec.quantity)
    if math.isnan(v):
        return None
    keep = 1.0 - clear_margin_pct / 100.0  # hysteresis: the limit pulled back by the margin
    lim = spec.limit
    if not spec.needs_baseline:
        if spec.kind == "below":
            return v < lim, v >= lim / keep if lim > 0 else v >= lim, v, None, None, lim
        return v > lim, v <= lim * keep, v, None, None, lim
    if baseline is None:
        return None
    b = baseline.value(spec.quantity)
    if not math.isfinite(b):
        return None
    if spec.kind == "rise_abs":
        d = v - b
        return d >= lim, d < lim * keep, v, b, change_pct(v, b), lim
    c = change_pct(v, b)
    if c is None:
        return None
    if spec.kind == "drop_pct":
        return c <= -lim, c > -lim * keep, v, b, c, lim
    return c >= lim, c < lim * keep, v, b, c, lim


class AlertTracker:
    """Evaluates one test's criteria on each update.

    Args:
        test: test id.
        spec: the criteria.
    """

    def __init__(self, test: str, spec: AlertSpec) -> None:
        self.test = test
        self.spec = spec
        self._crit = {c.name: _Criterion(c, spec.confirm) for c in spec.all_criteria()}

    def update(self, point: TrendPoint, baseline: Baseline | None) -> list[AlertEvent]:
        """Evaluate every criterion on a new trend point; return the transitions."""
        events: list[AlertEvent] = []
        for c in self._crit.values():
            k = c.confirm
            ev = evaluate(c.spec, point, baseline, self.spec.clear_margin_pct)
            if ev is None:
                # Not evaluable (no baseline, no latency): an unconfirmed alert lapses; a confirmed
                # one stays, since we cannot show it resolved.
                if c.state == "raised":
                    c.state = "idle"
                    events.append(
                        self._event(c, "cleared", point.t, math.nan, None, None, math.nan, None)
                    )
                continue
            met, inside, measured, base_val, chg, thr = ev
            bname = baseline.name if baseline and c.spec.needs_baseline else None
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
            message=describe(self.test, c.spec, state, measured, base_val, chg, bname),
            quantity=c.spec.quantity,
        )
        c.latest = ev
        return ev


def _fields(ev: AlertEvent) -> dict[str, object]:
    return {name: getattr(ev, name) for name in AlertEvent.__slots__}


_UNITS = {"_uv": "µV", "_ms": "ms", "_v": "V", "_ma": "mA", "_s": "s", "_hz": "Hz", "_pct": "%"}


def split_unit(quantity: str) -> tuple[str, str]:
    """A quantity's name and unit (``latency_ms`` → ``("latency", "ms")``; no unit: ``""``)."""
    for suffix, unit in _UNITS.items():
        if quantity.endswith(suffix):
            return quantity.removesuffix(suffix), unit
    return quantity, ""


def _num(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 1000 else f"{v:.0f}"


def describe(
    test: str,
    spec: CriterionSpec,
    state: str,
    measured: float,
    base_val: float | None,
    chg: float | None,
    bname: str | None,
) -> str:
    """One plain sentence for an alert transition."""
    q = spec.quantity
    label, unit = split_unit(q)
    label = {"snr": "SNR", "present": "response"}.get(label, label.replace("_", " "))
    u = f" {unit}" if unit else ""
    if math.isnan(measured):
        what = f"{label} not measurable"
    elif q == "present":
        what = "response absent" if measured < 0.5 else "response present"
    elif spec.kind in ("below", "above"):
        word = "below" if spec.kind == "below" else "above"
        what = f"{label} {_num(measured)}{u} {word} limit {spec.limit:g}{u}"
    elif spec.kind == "rise_abs":
        assert base_val is not None  # baseline criteria always carry the baseline value
        what = f"{label} {_num(measured)}{u} vs {_num(base_val)}{u} (limit +{spec.limit:g}{u})"
    else:
        sign = "−" if spec.kind == "drop_pct" else "+"
        c = f"{chg:+.0f} %" if chg is not None else "n/a"
        assert base_val is not None
        lim = f"limit {sign}{spec.limit:g} %"
        what = f"{label} {_num(measured)}{u} vs {_num(base_val)}{u} ({c}, {lim})"
    if spec.name == "loss_of_response":
        what += " (loss of response)"
    ref = f" [baseline {bname}]" if bname else ""
    return f"{test}: {state}: {what}{ref}"
