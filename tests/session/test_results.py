"""The results format: every engine record serialises to strict JSON and reads back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ionm_tui.engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    PeakMeasure,
    QualityEvent,
    TrendPoint,
)
from ionm_tui.errors import SessionError
from ionm_tui.session.results import FORMAT, VERSION, dumps, header, read_results, to_dict

POINT = TrendPoint(
    test="ssep-ll-l",
    seq=3,
    t=1234.5,
    amplitude_uv=1.25,
    latency_ms=38.5,
    peaks=(
        PeakMeasure("P37", "CPz-FPz", 38.5, 0.7, False),
        PeakMeasure("N45", "CPz-FPz", 46.0, -0.55, True),
    ),
    amplitude_change_pct=-62.0,
    latency_change_pct=4.0,
    baseline="post-positioning",
    sweeps=200.0,
    accepted=612,
    rejected=9,
    rejected_by_reason=(("peak_to_peak", 9),),
    snr=2.5,
    noise_uv=0.2,
    fsp=float("nan"),
    mode="ewma",
    values=(("threshold_v", 300.0),),
)


def test_trend_fields() -> None:
    """A trend line carries amplitude, per-peak latencies, change vs baseline, sweeps and SNR."""
    d = json.loads(dumps(POINT))
    assert d["type"] == "trend"
    assert d["test"] == "ssep-ll-l"
    assert d["t"] == 1234.5
    assert d["amplitude_uv"] == 1.25
    assert d["peaks"]["P37"]["latency_ms"] == 38.5
    assert d["peaks"]["N45"]["at_edge"] is True
    assert d["change_pct"] == -62.0
    assert d["baseline"] == "post-positioning"
    assert (d["accepted"], d["rejected"]) == (612, 9)
    assert d["rejected_by_reason"] == {"peak_to_peak": 9}
    assert d["snr"] == 2.5
    assert d["fsp"] is None  # NaN → null
    assert d["values"] == {"threshold_v": 300.0}


def test_every_record_type_has_type_and_t() -> None:
    """Alerts, averages, baselines, quality and annotations all serialise with type and t."""
    records = [
        AlertEvent(
            "ssep-ll-l",
            "amplitude_drop",
            "confirmed",
            "high",
            10.0,
            9.0,
            0.4,
            1.2,
            -66.0,
            50.0,
            "auto",
            "m",
            "amplitude_uv",
        ),
        AverageRecord(
            "t",
            1,
            2.0,
            np.array([0.0, 0.5]),
            ("A",),
            np.array([[1.0], [2.0]]),
            np.zeros((2, 1)),
            4.0,
            "block",
        ),
        BaselineRecord("t", "auto", "captured", 3.0, 1.0, 20.0),
        QualityEvent("gap", 4.0, "no data for 20.000 s", duration_s=20.0),
        AnnotationRecord(5.0, "[red]bolus\x1b]0;x\x07", ("bolus",)),
    ]
    types = [to_dict(r)["type"] for r in records]
    assert types == ["alert", "average", "baseline", "quality", "annotation"]
    assert all("t" in to_dict(r) for r in records)
    alert = to_dict(records[0])
    assert (alert["state"], alert["priority"], alert["criterion"]) == (
        "confirmed",
        "high",
        "amplitude_drop",
    )
    assert (alert["measured"], alert["baseline_value"], alert["baseline"]) == (0.4, 1.2, "auto")
    avg = to_dict(records[1])
    assert avg["times_ms"] == [0.0, 0.5]
    assert avg["values_uv"] == [[1.0], [2.0]]
    # Annotation text is stored literally, escapes and all (display code sanitises, storage never).
    assert json.loads(dumps(records[4]))["text"] == "[red]bolus\x1b]0;x\x07"
    with pytest.raises(TypeError):
        to_dict(object())


def test_read_tolerates_a_torn_last_line_only(tmp_path: Path) -> None:
    """A crash-torn last line is skipped; a corrupt earlier line is an error naming the line."""
    good = tmp_path / "torn.jsonl"
    good.write_text(
        dumps(header(profile="p", source="s")) + "\n" + dumps(POINT) + "\n" + '{"type": "tre'
    )
    recs = list(read_results(good))
    assert [r["type"] for r in recs] == ["header", "trend"]
    assert recs[0]["format"] == FORMAT
    assert recs[0]["version"] == VERSION
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "header"}\nnot json\n{"type": "trend"}\n')
    with pytest.raises(SessionError, match=r"bad.jsonl, line 2"):
        list(read_results(bad))
    with pytest.raises(SessionError, match="cannot read"):
        list(read_results(tmp_path / "missing.jsonl"))
