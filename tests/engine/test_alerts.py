"""AlertTracker: onset, confirmation over K updates, hysteresis clear, acknowledgement, reset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ionm_tui.engine.alerts import AlertEvent, AlertTracker
from ionm_tui.engine.specs import AlertSpec
from ionm_tui.engine.trends import Baseline, TrendPoint, change_pct

BASE = Baseline(
    test="ssep-lt",
    name="post-induction",
    t=100.0,
    average_uv=np.zeros((3, 1)),
    amplitude_uv=100.0,
    latency_ms=20.0,
    snr=8.0,
    sweeps=200.0,
)


class _Driver:
    """Feeds hand-made trend points to a tracker, one per second, and keeps every event."""

    def __init__(self, spec: AlertSpec, baseline: Baseline | None = BASE) -> None:
        self.tracker = AlertTracker("ssep-lt", spec)
        self.baseline = baseline
        self.seq = 0
        self.events: list[AlertEvent] = []

    def step(
        self, amplitude_uv: float = 100.0, latency_ms: float = 20.0, snr: float = 10.0
    ) -> list[tuple[str, str]]:
        """One update; returns its (criterion, state) transitions."""
        self.seq += 1
        b = self.baseline
        point = TrendPoint(
            test="ssep-lt",
            seq=self.seq,
            t=1000.0 + self.seq,
            amplitude_uv=amplitude_uv,
            latency_ms=latency_ms,
            peaks=(),
            amplitude_change_pct=change_pct(amplitude_uv, b.amplitude_uv) if b else None,
            latency_change_pct=change_pct(latency_ms, b.latency_ms) if b else None,
            baseline=b.name if b else None,
            sweeps=200.0,
            accepted=200 * self.seq,
            rejected=0,
            rejected_by_reason=(),
            snr=snr,
            noise_uv=0.1,
            fsp=10.0,
            mode="ewma",
        )
        evs = self.tracker.update(point, b)
        self.events.extend(evs)
        return [(e.criterion, e.state) for e in evs]

    def states(self) -> dict[str, str]:
        return {a.criterion: a.state for a in self.tracker.active()}


def _amp_only(confirm: int = 2, margin: float = 10.0) -> AlertSpec:
    return AlertSpec(
        amplitude_drop_pct=50.0, latency_rise_pct=None, confirm=confirm, clear_margin_pct=margin
    )


class TestOnsetAndConfirmation:
    def test_quiet_inside_limits(self) -> None:
        """Updates inside every limit produce no events and no active alerts."""
        d = _Driver(AlertSpec(snr_floor=1.0))
        for amp in (100.0, 60.0, 51.0, 140.0):
            assert d.step(amplitude_uv=amp, latency_ms=21.0) == []
        assert d.tracker.active() == ()

    def test_confirmed_after_k_consecutive(self) -> None:
        """A drop at the limit is raised at once and confirmed on the K-th consecutive update."""
        d = _Driver(_amp_only(confirm=3))
        assert d.step(amplitude_uv=50.0) == [("amplitude_drop", "raised")]
        assert d.states() == {"amplitude_drop": "raised"}
        assert d.step(amplitude_uv=40.0) == []
        assert d.step(amplitude_uv=45.0) == [("amplitude_drop", "confirmed")]
        assert d.states() == {"amplitude_drop": "confirmed"}

    def test_priorities(self) -> None:
        """A raised alert is low priority; once confirmed it takes its criterion's priority."""
        d = _Driver(_amp_only(confirm=2))
        d.step(amplitude_uv=30.0)
        d.step(amplitude_uv=30.0)
        raised, confirmed = d.events
        assert (raised.priority, confirmed.priority) == ("low", "high")
        [status] = d.tracker.active()
        assert status.priority == "high"

    def test_transient_never_confirmed(self) -> None:
        """A single update below the limit is raised, then cleared, and never confirmed."""
        d = _Driver(_amp_only(confirm=2))
        assert d.step(amplitude_uv=20.0) == [("amplitude_drop", "raised")]
        assert d.step(amplitude_uv=90.0) == [("amplitude_drop", "cleared")]
        for _ in range(5):
            assert d.step(amplitude_uv=90.0) == []
        assert all(e.state != "confirmed" for e in d.events)
        assert d.tracker.active() == ()

    def test_interrupted_run_starts_over(self) -> None:
        """An interrupted run of met updates must reach K again from its new onset."""
        d = _Driver(_amp_only(confirm=3))
        assert d.step(amplitude_uv=40.0) == [("amplitude_drop", "raised")]
        assert d.step(amplitude_uv=40.0) == []
        assert d.step(amplitude_uv=80.0) == [("amplitude_drop", "cleared")]
        assert d.step(amplitude_uv=40.0) == [("amplitude_drop", "raised")]
        assert d.step(amplitude_uv=40.0) == []
        assert d.step(amplitude_uv=40.0) == [("amplitude_drop", "confirmed")]
        assert d.events[-1].onset_t == 1004.0

    def test_confirm_one(self) -> None:
        """With confirm = 1 one update is raised and confirmed together, in that order."""
        d = _Driver(_amp_only(confirm=1))
        assert d.step(amplitude_uv=10.0) == [
            ("amplitude_drop", "raised"),
            ("amplitude_drop", "confirmed"),
        ]
        assert d.step(amplitude_uv=100.0) == [("amplitude_drop", "cleared")]

    def test_disabled_criteria(self) -> None:
        """Criteria set to None never fire."""
        d = _Driver(AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, snr_floor=None))
        for _ in range(4):
            assert d.step(amplitude_uv=1.0, latency_ms=40.0, snr=0.0) == []


class TestHysteresis:
    def _confirmed(self) -> _Driver:
        d = _Driver(_amp_only(confirm=2, margin=10.0))
        d.step(amplitude_uv=45.0)
        d.step(amplitude_uv=45.0)
        assert d.states() == {"amplitude_drop": "confirmed"}
        return d

    def test_no_clear_inside_margin_band(self) -> None:
        """A confirmed 50 % drop alert does not clear at a 47 % drop (inside the 10 % margin)."""
        d = self._confirmed()
        for _ in range(6):
            assert d.step(amplitude_uv=53.0) == []
        assert d.states() == {"amplitude_drop": "confirmed"}

    def test_boundary_of_clear_band(self) -> None:
        """The clear limit is 50 × (1 − 10/100) = 45 %: exactly a 45 % drop does not clear."""
        d = self._confirmed()
        for _ in range(4):
            assert d.step(amplitude_uv=55.0) == []
        assert d.states() == {"amplitude_drop": "confirmed"}

    def test_clears_after_k_updates_below_clear_limit(self) -> None:
        """It clears on the K-th consecutive update with a drop below 45 %."""
        d = self._confirmed()
        assert d.step(amplitude_uv=56.0) == []
        assert d.step(amplitude_uv=56.0) == [("amplitude_drop", "cleared")]
        assert d.tracker.active() == ()

    def test_band_update_restarts_clear_count(self) -> None:
        """An update back in the band restarts the count of updates towards clearing."""
        d = self._confirmed()
        assert d.step(amplitude_uv=60.0) == []
        assert d.step(amplitude_uv=52.0) == []
        assert d.step(amplitude_uv=60.0) == []
        assert d.step(amplitude_uv=60.0) == [("amplitude_drop", "cleared")]

    def test_zero_margin(self) -> None:
        """With clear_margin_pct = 0 a confirmed alert clears just inside the limit itself."""
        d = _Driver(_amp_only(confirm=1, margin=0.0))
        d.step(amplitude_uv=50.0)
        assert d.step(amplitude_uv=50.5) == [("amplitude_drop", "cleared")]

    def test_raised_clears_without_hysteresis(self) -> None:
        """A raised (unconfirmed) alert clears at once when the limit is no longer met."""
        d = _Driver(_amp_only(confirm=3))
        d.step(amplitude_uv=45.0)
        assert d.step(amplitude_uv=52.0) == [("amplitude_drop", "cleared")]


class TestLatencyAndLoss:
    def test_latency_rise(self) -> None:
        """A 10 % latency rise (20 → 22 ms) confirms; it clears below a 9 % rise after K updates."""
        d = _Driver(AlertSpec(amplitude_drop_pct=None, latency_rise_pct=10.0, confirm=2))
        assert d.step(latency_ms=22.0) == [("latency_rise", "raised")]
        assert d.step(latency_ms=23.0) == [("latency_rise", "confirmed")]
        assert d.events[-1].priority == "medium"
        assert d.step(latency_ms=21.9) == []  # 9.5 %: inside the margin band
        assert d.step(latency_ms=21.7) == []
        assert d.step(latency_ms=21.7) == [("latency_rise", "cleared")]

    def test_latency_not_measurable_raised_lapses(self) -> None:
        """A raised latency alert lapses (cleared) when the latency cannot be measured."""
        d = _Driver(AlertSpec(amplitude_drop_pct=None, latency_rise_pct=10.0, confirm=2))
        d.step(latency_ms=25.0)
        assert d.step(latency_ms=math.nan) == [("latency_rise", "cleared")]

    def test_loss_of_response_via_snr_floor(self) -> None:
        """An SNR below the floor fires loss_of_response, with no baseline value or change."""
        spec = AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, snr_floor=1.0, confirm=2)
        d = _Driver(spec)
        assert d.step(snr=0.5) == [("loss_of_response", "raised")]
        assert d.step(snr=0.2) == [("loss_of_response", "confirmed")]
        ev = d.events[-1]
        assert (ev.measured, ev.baseline_value, ev.change_pct, ev.threshold) == (
            0.2,
            None,
            None,
            1.0,
        )
        assert ev.priority == "high"
        assert "loss of response" in ev.message

    def test_loss_of_response_hysteresis(self) -> None:
        """A confirmed loss clears only at SNR ≥ floor/(1 − margin) = 1.11 for K updates."""
        spec = AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, snr_floor=1.0, confirm=2)
        d = _Driver(spec)
        d.step(snr=0.5)
        d.step(snr=0.5)
        for _ in range(3):
            assert d.step(snr=1.1) == []
        assert d.step(snr=1.12) == []
        assert d.step(snr=1.12) == [("loss_of_response", "cleared")]

    def test_loss_of_response_without_baseline(self) -> None:
        """Loss of response needs no baseline; amplitude and latency criteria do."""
        d = _Driver(AlertSpec(snr_floor=1.0, confirm=1), baseline=None)
        assert d.step(amplitude_uv=1.0, latency_ms=90.0, snr=0.1) == [
            ("loss_of_response", "raised"),
            ("loss_of_response", "confirmed"),
        ]
        assert d.events[-1].baseline is None

    def test_nan_snr_not_evaluated(self) -> None:
        """A NaN SNR neither raises nor clears loss of response."""
        spec = AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, snr_floor=1.0, confirm=1)
        d = _Driver(spec)
        assert d.step(snr=math.nan) == []
        d.step(snr=0.1)
        assert d.step(snr=math.nan) == []
        assert d.states() == {"loss_of_response": "confirmed"}


class TestEventContents:
    def test_event_carries_provenance(self) -> None:
        """Every event names criterion, measured and baseline values, change, limit and baseline."""
        d = _Driver(_amp_only(confirm=2))
        d.step(amplitude_uv=40.0)
        d.step(amplitude_uv=30.0)
        d.step(amplitude_uv=60.0)
        d.step(amplitude_uv=60.0)
        assert [e.state for e in d.events] == ["raised", "confirmed", "cleared"]
        for e, measured in zip(d.events, (40.0, 30.0, 60.0), strict=True):
            assert e.test == "ssep-lt"
            assert e.criterion == "amplitude_drop"
            assert e.measured == measured
            assert e.baseline_value == 100.0
            assert e.change_pct == pytest.approx(measured - 100.0, abs=1e-12)
            assert e.threshold == 50.0
            assert e.baseline == "post-induction"
            assert e.onset_t == 1001.0
            assert "[baseline post-induction]" in e.message
            assert e.state in e.message
        assert d.events[1].t == 1002.0

    def test_message_is_plain_sentence(self) -> None:
        """The message states the measured and baseline amplitudes and the limit."""
        d = _Driver(_amp_only(confirm=1))
        d.step(amplitude_uv=40.0)
        assert d.events[0].message == (
            "ssep-lt: raised: amplitude 40.00 µV vs 100.00 µV (-60 %, limit −50 %) "
            "[baseline post-induction]"
        )


class TestAcknowledge:
    def test_acknowledged_stays_active(self) -> None:
        """An acknowledged alert stays active and listed, with acknowledged=True."""
        d = _Driver(_amp_only(confirm=2))
        d.step(amplitude_uv=30.0)
        d.step(amplitude_uv=30.0)
        [ev] = d.tracker.acknowledge(None, 1010.0)
        assert (ev.state, ev.priority, ev.t, ev.criterion) == (
            "acknowledged",
            "high",
            1010.0,
            "amplitude_drop",
        )
        assert (ev.measured, ev.baseline_value, ev.baseline) == (30.0, 100.0, "post-induction")
        [status] = d.tracker.active()
        assert status.acknowledged
        assert status.state == "confirmed"
        assert status.latest is ev
        assert d.step(amplitude_uv=30.0) == []
        assert d.tracker.active()[0].acknowledged

    def test_acknowledge_twice_is_silent(self) -> None:
        """Acknowledging an already acknowledged alert emits nothing."""
        d = _Driver(_amp_only(confirm=1))
        d.step(amplitude_uv=30.0)
        assert len(d.tracker.acknowledge(None, 1.0)) == 1
        assert d.tracker.acknowledge(None, 2.0) == []

    def test_acknowledge_one_criterion(self) -> None:
        """Acknowledging one criterion leaves the others unacknowledged."""
        d = _Driver(AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=10.0, confirm=1))
        d.step(amplitude_uv=30.0, latency_ms=30.0)
        [ev] = d.tracker.acknowledge("latency_rise", 5.0)
        assert ev.criterion == "latency_rise"
        acked = {a.criterion: a.acknowledged for a in d.tracker.active()}
        assert acked == {"amplitude_drop": False, "latency_rise": True}

    def test_acknowledge_nothing_active(self) -> None:
        """Acknowledging with no active alert emits nothing."""
        assert _Driver(_amp_only()).tracker.acknowledge(None, 1.0) == []

    def test_new_onset_is_unacknowledged(self) -> None:
        """After an acknowledged alert clears, a new onset demands attention again."""
        d = _Driver(_amp_only(confirm=1))
        d.step(amplitude_uv=30.0)
        d.tracker.acknowledge(None, 1.0)
        d.step(amplitude_uv=90.0)
        d.step(amplitude_uv=30.0)
        assert not d.tracker.active()[0].acknowledged


class TestReset:
    def test_reset_clears_active_alerts(self) -> None:
        """reset() (e.g. on a new baseline) emits a cleared event per active alert, with why."""
        d = _Driver(AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=10.0, confirm=2))
        d.step(amplitude_uv=30.0, latency_ms=30.0)
        d.step(amplitude_uv=30.0, latency_ms=20.0)
        assert d.states() == {"amplitude_drop": "confirmed"}
        d.step(amplitude_uv=30.0, latency_ms=30.0)
        assert d.states() == {"amplitude_drop": "confirmed", "latency_rise": "raised"}
        evs = d.tracker.reset(2000.0, "new baseline late")
        assert sorted((e.criterion, e.state) for e in evs) == [
            ("amplitude_drop", "cleared"),
            ("latency_rise", "cleared"),
        ]
        for e in evs:
            assert e.t == 2000.0
            assert e.baseline == "post-induction"
            assert e.message.endswith("(new baseline late)")
        assert d.tracker.active() == ()

    def test_reset_then_fresh_onset(self) -> None:
        """After reset() a criterion must be raised and confirmed again from scratch."""
        d = _Driver(_amp_only(confirm=2))
        d.step(amplitude_uv=30.0)
        d.step(amplitude_uv=30.0)
        d.tracker.reset(1.0, "x")
        assert d.step(amplitude_uv=30.0) == [("amplitude_drop", "raised")]
        assert d.step(amplitude_uv=30.0) == [("amplitude_drop", "confirmed")]

    def test_reset_when_idle(self) -> None:
        """reset() with nothing active emits nothing."""
        assert _Driver(_amp_only()).tracker.reset(1.0, "x") == []

    def test_confirmed_kept_without_baseline(self) -> None:
        """A confirmed alert stays when a later update cannot be evaluated (no baseline)."""
        d = _Driver(_amp_only(confirm=1))
        d.step(amplitude_uv=30.0)
        d.baseline = None
        assert d.step(amplitude_uv=100.0) == []
        assert d.states() == {"amplitude_drop": "confirmed"}
