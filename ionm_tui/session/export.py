"""Export a results file or journal to CSV: trends, alerts and annotations, one file each."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..errors import SessionError
from .results import read_results

TREND_COLUMNS = (
    "t", "case_time_s", "test", "seq", "amplitude_uv", "latency_ms", "change_pct",
    "latency_change_pct", "baseline", "sweeps", "accepted", "rejected", "snr", "noise_uv", "fsp",
    "mode",
)  # fmt: skip
ALERT_COLUMNS = (
    "t", "case_time_s", "test", "state", "priority", "criterion", "quantity", "measured",
    "baseline_value", "change_pct", "threshold", "baseline", "onset_t", "message",
)  # fmt: skip
ANNOTATION_COLUMNS = ("t", "case_time_s", "text", "tags")


def export_csv(results: str | Path, out: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``trends.csv``, ``alerts.csv`` and ``annotations.csv`` into ``out``.

    Trend rows also carry one column per named peak (``<peak>_latency_ms``,
    ``<peak>_amplitude_uv``) and per modality value (``threshold_v``, ``train_time_s`` …).
    ``case_time_s`` counts from the data stream's first sample (or the first record).

    Raises:
        SessionError: the results cannot be read, or a CSV exists and ``force`` is not set.
    """
    out_dir = Path(out)
    names = {"trends": "trends.csv", "alerts": "alerts.csv", "annotations": "annotations.csv"}
    paths = {k: out_dir / v for k, v in names.items()}
    existing = [p for p in paths.values() if p.exists()]
    if existing and not force:
        raise SessionError(f"{existing[0]} exists; choose another folder or add --force")
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in names}
    t0: float | None = None
    for r in read_results(results):
        kind = r.get("type")
        t = r.get("t")
        if kind == "stream" and r.get("kind") == "data" and isinstance(t, int | float):
            t0 = float(t)
        if t0 is None and isinstance(t, int | float):
            t0 = float(t)
        case_s = round(t - t0, 3) if isinstance(t, int | float) and t0 is not None else None
        if kind == "trend":
            row = {k: r.get(k) for k in TREND_COLUMNS} | {"case_time_s": case_s}
            for name, p in (r.get("peaks") or {}).items():
                row[f"{name}_latency_ms"] = p.get("latency_ms")
                row[f"{name}_amplitude_uv"] = p.get("amplitude_uv")
            row.update(r.get("values") or {})
            rows["trends"].append(row)
        elif kind == "alert":
            rows["alerts"].append({k: r.get(k) for k in ALERT_COLUMNS} | {"case_time_s": case_s})
        elif kind == "annotation":
            tags = " ".join(r.get("tags") or ())
            rows["annotations"].append(
                {"t": t, "case_time_s": case_s, "text": r.get("text"), "tags": tags}
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    fixed = {"trends": TREND_COLUMNS, "alerts": ALERT_COLUMNS, "annotations": ANNOTATION_COLUMNS}
    for kind, path in paths.items():
        columns = list(fixed[kind])
        for row in rows[kind]:  # peaks and modality values add columns, in order of appearance
            columns.extend(k for k in row if k not in columns)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            for row in rows[kind]:
                w.writerow({k: "" if v is None else v for k, v in row.items()})
    return list(paths.values())
