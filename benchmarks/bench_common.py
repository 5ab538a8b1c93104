"""What the benchmarks share: peak memory, the machine's description, MNE's epoch-and-average."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Set to 1 by every benchmark before numpy loads: the targets are "on one core"."""


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> list[str]:
    """Lines describing the machine and software."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    aff = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load1, load5, _ = os.getloadavg()
    scipy_v = importlib.metadata.version("scipy")
    return [
        f"machine : {cpu}, {os.cpu_count()} CPUs ({aff} usable){mem}; "
        f"load avg {load1:.2f} (1 min) {load5:.2f} (5 min) at start",
        f"software: {platform.platform()}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy_v}",
        f"threads : {'='.join(THREAD_VARS)}=1 in every subprocess (one core)",
    ]


def mne_epochs_average(
    raw: Any,
    samples: NDArray[np.int64],
    site: NDArray[np.int64],
    sites: Sequence[str],
    window_ms: tuple[float, float],
    baseline_ms: tuple[float, float],
    out: Path,
) -> dict[str, Any]:
    """Time ``mne.Epochs(..., preload=True).average()`` per site on an in-memory RawArray.

    Each site's average is saved as ``<out.stem>-<site>.npy`` in µV, (n_times, n_channels), for
    the caller's correctness check.

    Returns:
        ``wall`` and ``cpu`` seconds of epoching + averaging, and ``sites``: per site the epochs
        kept and its wall time.

    Raises:
        RuntimeError: MNE dropped epochs (the comparison would not be like for like).
    """
    import mne

    wall = cpu = 0.0
    per_site: dict[str, dict[str, float]] = {}
    for si, name in enumerate(sites):
        ev = samples[site == si]
        events = np.column_stack((ev, np.zeros_like(ev), np.full_like(ev, si + 1)))
        t, c = time.perf_counter(), time.process_time()
        epochs = mne.Epochs(
            raw,
            events,
            event_id={name: si + 1},
            tmin=window_ms[0] / 1000.0,
            tmax=window_ms[1] / 1000.0,
            baseline=(baseline_ms[0] / 1000.0, baseline_ms[1] / 1000.0),
            preload=True,
            reject=None,
            flat=None,
            proj=False,
            reject_by_annotation=False,
            verbose="ERROR",
        )
        evoked = epochs.average()
        dt, dc = time.perf_counter() - t, time.process_time() - c
        wall += dt
        cpu += dc
        n_ep = len(epochs)
        per_site[name] = {"epochs": n_ep, "wall": dt}
        np.save(out.with_name(f"{out.stem}-{name}.npy"), evoked.data.T * 1e6)
        del epochs, evoked
        if n_ep != ev.size:
            raise RuntimeError(f"MNE kept {n_ep} of {ev.size} epochs for {name}")
    return {"wall": wall, "cpu": cpu, "sites": per_site}
