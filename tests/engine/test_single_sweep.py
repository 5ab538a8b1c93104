"""Single-sweep responses: MEP presence and loss, thresholds from marker intensities, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ionm_tui.engine import (
    AlertEvent,
    AlertSpec,
    Chunk,
    CriterionSpec,
    Engine,
    EngineSpec,
    Marker,
    StreamSpec,
    TrendPoint,
    parse_marker,
)
from ionm_tui.engine.modality_specs import SingleSweepSpec

FS = 5000.0


def _cmap(amplitude_uv: float, latency_ms: float) -> np.ndarray:
    """A biphasic muscle response (n,) starting at latency_ms in a 100 ms post-stimulus window."""
    t = np.arange(int(0.1 * FS)) / FS * 1000.0
    return amplitude_uv * (
        np.exp(-0.5 * ((t - latency_ms - 3.0) / 1.5) ** 2)
        - 0.8 * np.exp(-0.5 * ((t - latency_ms - 7.0) / 2.0) ** 2)
    )


def _run(
    spec: SingleSweepSpec, stimuli: list[tuple[str, float]], noise_uv: float = 2.0
) -> tuple[list[TrendPoint], list[AlertEvent], Engine]:
    """Stimuli (marker string, response amplitude µV) one per second; returns points and alerts."""
    rng = np.random.default_rng(4)
    n = int(FS * (len(stimuli) + 1))
    ts = 10.0 + np.arange(n) / FS
    x = rng.normal(0.0, noise_uv, (n, 1))
    markers = []
    for k, (value, amp) in enumerate(stimuli):
        s = int(FS * (k + 0.5))
        x[s : s + int(0.1 * FS), 0] += _cmap(amp, 25.0)
        markers.append(Marker(float(ts[s]), value))
    engine = Engine(EngineSpec(StreamSpec(("TA_L",), FS), (spec,)))
    engine.feed_markers(markers)
    for i in range(0, n, 250):
        engine.feed(Chunk(ts[i : i + 250], x[i : i + 250]))
    records = engine.drain_records()
    return (
        [r for r in records if isinstance(r, TrendPoint)],
        [r for r in records if isinstance(r, AlertEvent)],
        engine,
    )


def _mep(**kw: object) -> SingleSweepSpec:
    base: dict[str, object] = dict(
        id="mep-ta-l",
        marker="TCMEP_L",
        channels=("TA_L",),
        window_ms=(-20.0, 100.0),
        response_ms=(10.0, 90.0),
        noise_ms=(-20.0, -2.0),
        blank_ms=(0.0, 2.0),
        baseline_ms=(-20.0, -2.0),
    )
    base.update(kw)
    return SingleSweepSpec(**base)  # type: ignore[arg-type]


def test_parse_marker_grammar() -> None:
    """The marker grammar yields code, intensity (µA as mA), key=value params and bad tokens."""
    m = parse_marker("TEMG 750uA site=L4_L 7,5mA")
    assert (m.code, m.intensity, m.unit) == ("TEMG", 0.75, "mA")
    assert m.param("site") == "L4_L"
    assert m.malformed == ("7,5mA",)
    assert parse_marker("").code == ""
    assert math.isnan(parse_marker("TCMEP_L").intensity)


def test_mep_present_measures() -> None:
    """A 400 µV CMAP is present with its peak-to-peak, onset near its start and positive area."""
    points, _, _ = _run(_mep(), [("TCMEP_L 300V", 400.0)])
    [p] = points
    assert p.value("present") == 1.0
    cmap = _cmap(400.0, 25.0)
    assert p.amplitude_uv == pytest.approx(cmap.max() - cmap.min(), rel=0.05)
    assert 24.0 <= p.latency_ms <= 27.0  # the response rises from ~25 ms
    assert p.value("area_uvms") > 0
    assert p.value("intensity_v") == 300.0
    assert p.value("threshold_v") == 300.0
    assert p.mode == "single"


def test_mep_loss_confirms_an_alert() -> None:
    """After the response disappears, loss of response is raised and confirmed after two sweeps."""
    loss = CriterionSpec("loss_of_response", "present", "below", 0.5, "high")
    spec = _mep(alert=AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, criteria=(loss,)))
    stimuli = [("TCMEP_L 300V", 400.0)] * 3 + [("TCMEP_L 300V", 0.0)] * 3
    points, alerts, engine = _run(spec, stimuli)
    assert [p.value("present") for p in points] == [1, 1, 1, 0, 0, 0]
    assert [(a.criterion, a.state) for a in alerts] == [
        ("loss_of_response", "raised"),
        ("loss_of_response", "confirmed"),
    ]
    assert alerts[1].t == points[4].t
    assert alerts[1].priority == "high"
    assert "response absent" in alerts[1].message
    assert engine.snapshot().alerts[0].criterion == "loss_of_response"


def test_no_auto_baseline_from_an_absent_response() -> None:
    """The automatic baseline waits for the first sweep with a response."""
    points, _, engine = _run(_mep(), [("TCMEP_L 100V", 0.0), ("TCMEP_L 300V", 400.0)])
    assert points[0].baseline is None
    assert points[1].baseline == "auto"
    assert engine.snapshot().tests[0].baseline == "auto"


def test_triggered_emg_threshold_sequence() -> None:
    """Ascending screw stimulation: the threshold is the lowest current that evoked a response,
    per site; a threshold below 8 mA warns and below 4 mA alarms."""
    warn = CriterionSpec("threshold_low_warn", "threshold_ma", "below", 8.0, "medium", confirm=1)
    alarm = CriterionSpec("threshold_low_alarm", "threshold_ma", "below", 4.0, "high", confirm=1)
    spec = _mep(
        id="temg-ta-l",
        marker="TEMG",
        modality="temg",
        intensity_unit="mA",
        alert=AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, criteria=(warn, alarm)),
    )
    stimuli = [
        ("TEMG 2mA site=L4_L", 0.0),
        ("TEMG 6mA site=L4_L", 0.0),
        ("TEMG 10mA site=L4_L", 300.0),  # intact screw: threshold 10 mA
        ("TEMG 2mA site=L5_L", 0.0),
        ("TEMG 3.5mA site=L5_L", 250.0),  # breach: threshold 3.5 mA
        ("TEMG 5mA site=L5_L", 400.0),
    ]
    points, alerts, _ = _run(spec, stimuli)
    thresholds = [p.value("threshold_ma") for p in points]
    assert all(math.isnan(v) for v in thresholds[:2])
    assert thresholds[2] == 10.0
    assert math.isnan(thresholds[3])
    assert thresholds[4:] == [3.5, 3.5]
    fired = [(a.criterion, a.state, a.priority) for a in alerts if a.state == "confirmed"]
    assert ("threshold_low_alarm", "confirmed", "high") in fired
    assert ("threshold_low_warn", "confirmed", "medium") in fired
    assert all(a.t >= points[4].t for a in alerts)


def test_threshold_rise_against_baseline() -> None:
    """A TcMEP threshold 100 V above its baseline's fires the threshold-rise criterion."""
    rise = CriterionSpec("threshold_rise", "threshold_v", "rise_abs", 100.0, "medium", confirm=1)
    spec = _mep(
        threshold_window=2,
        alert=AlertSpec(amplitude_drop_pct=None, latency_rise_pct=None, criteria=(rise,)),
    )
    stimuli = [("TCMEP_L 200V", 0.0), ("TCMEP_L 250V", 400.0)]  # baseline threshold 250 V
    stimuli += [("TCMEP_L 250V", 0.0), ("TCMEP_L 300V", 0.0), ("TCMEP_L 350V", 400.0)]
    points, alerts, _ = _run(spec, stimuli)
    assert points[1].value("threshold_v") == 250.0
    assert points[4].value("threshold_v") == 350.0
    confirmed = [a for a in alerts if a.state == "confirmed"]
    assert [(a.criterion, a.measured, a.baseline_value) for a in confirmed] == [
        ("threshold_rise", 350.0, 250.0)
    ]


def test_malformed_intensity_is_flagged_not_fatal() -> None:
    """A marker with an unreadable or wrong-unit intensity still yields its sweep; it is counted."""
    points, _, engine = _run(
        _mep(), [("TCMEP_L 3OOV", 400.0), ("TCMEP_L 20mA", 400.0), ("TCMEP_L 300V", 400.0)]
    )
    assert len(points) == 3
    assert math.isnan(points[0].value("intensity_v"))
    assert math.isnan(points[1].value("intensity_v"))
    assert points[2].value("threshold_v") == 300.0
    assert engine.snapshot().tests[0].flags == (("malformed_intensity", 2),)
