"""CSV export: trends with per-peak and modality columns, alerts, annotations quoted safely."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ionm_tui.engine import AlertEvent, AnnotationRecord, PeakMeasure, TrendPoint
from ionm_tui.errors import SessionError
from ionm_tui.session.export import export_csv
from ionm_tui.session.results import dumps, header


def _point(seq: int, t: float, **kw: object) -> TrendPoint:
    base: dict[str, object] = dict(
        test="ssep-ll-l",
        seq=seq,
        t=t,
        amplitude_uv=1.5,
        latency_ms=38.0,
        peaks=(PeakMeasure("P37", "CPz-FPz", 38.0, 0.8, False),),
        amplitude_change_pct=-10.0,
        latency_change_pct=1.0,
        baseline="auto",
        sweeps=300.0,
        accepted=300,
        rejected=2,
        rejected_by_reason=(("flat", 2),),
        snr=2.0,
        noise_uv=0.3,
        fsp=float("nan"),
        mode="ewma",
    )
    base.update(kw)
    return TrendPoint(**base)  # type: ignore[arg-type]


def _results(tmp: Path) -> Path:
    lines = [
        header(profile="spine-deformity", source="test"),
        {
            "type": "stream",
            "t": 1000.0,
            "name": "amp",
            "kind": "data",
            "source_id": "a",
            "hostname": "h",
            "sfreq_hz": 5000.0,
            "channels": ["CPz"],
            "units": ["uV"],
        },
        _point(1, 1060.0),
        _point(
            1, 1061.0, test="mep-ta-l", peaks=(), mode="single", values=(("threshold_v", 300.0),)
        ),
        AlertEvent(
            "ssep-ll-l",
            "amplitude_drop",
            "confirmed",
            "high",
            1120.0,
            1100.0,
            0.5,
            1.5,
            -66.7,
            50.0,
            "auto",
            "ssep-ll-l: confirmed: amplitude, 0.50 µV",
            "amplitude_uv",
        ),
        AnnotationRecord(
            1090.5, 'bolus, "propofol" 50 mg\nsecond line [red]\x1b]0;x\x07', ("bolus",)
        ),
    ]
    path = tmp / "results.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in lines), encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_writes_three_csv_files(tmp_path: Path) -> None:
    """Trends get peak and modality columns and a case clock; alerts and notes survive quoting."""
    trends, alerts, notes = export_csv(_results(tmp_path), tmp_path / "csv")
    t = _read(trends)
    assert [r["test"] for r in t] == ["ssep-ll-l", "mep-ta-l"]
    assert t[0]["case_time_s"] == "60.0"
    assert t[0]["P37_latency_ms"] == "38.0"
    assert t[0]["fsp"] == ""  # NaN is written as an empty cell
    assert t[1]["threshold_v"] == "300.0"
    assert t[1]["P37_latency_ms"] == ""
    a = _read(alerts)
    assert (a[0]["state"], a[0]["priority"], a[0]["case_time_s"]) == ("confirmed", "high", "120.0")
    assert a[0]["message"] == "ssep-ll-l: confirmed: amplitude, 0.50 µV"
    n = _read(notes)
    assert n[0]["text"] == 'bolus, "propofol" 50 mg\nsecond line [red]\x1b]0;x\x07'
    assert n[0]["tags"] == "bolus"


def test_export_refuses_to_overwrite(tmp_path: Path) -> None:
    """Existing CSV files are kept unless --force."""
    src = _results(tmp_path)
    export_csv(src, tmp_path / "csv")
    with pytest.raises(SessionError, match="--force"):
        export_csv(src, tmp_path / "csv")
    assert len(export_csv(src, tmp_path / "csv", force=True)) == 3
