"""Sinks for the simulator: real LSL outlets paced to the wall clock, and XDF files."""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ionm_tui.streams.lsl_config import configure_lsl, import_pylsl
from ionm_tui.streams.xdf_writer import XdfWriter

from .montage import lsl_type
from .scenario import Scenario
from .scenario_file import load_scenario
from .simulator import Simulator

DATA_NAME, MARKER_NAME = "ionm-sim-data", "ionm-sim-markers"


@dataclass(frozen=True, slots=True)
class PublishStatus:
    """Progress of a running publication.

    Attributes:
        scenario: scenario name; position_s: scenario time reached, s.
        samples: data samples pushed; markers: markers pushed.
        in_dropout: True while a scripted dropout withholds data.
        elapsed_s: wall-clock seconds since the start.
        data_source_id, marker_source_id: the outlets' source ids.
    """

    scenario: str
    position_s: float
    samples: int
    markers: int
    in_dropout: bool
    elapsed_s: float
    data_source_id: str
    marker_source_id: str


@dataclass(frozen=True, slots=True)
class XdfSummary:
    """What :func:`write_xdf` wrote: path, size in bytes, seconds, samples and markers."""

    path: str
    bytes: int
    duration_s: float
    samples: int
    markers: int


def _scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _stream_infos(pylsl: Any, sc: Scenario, seed: int, base: str) -> tuple[Any, Any]:
    """The contract's two StreamInfos, with labels, units and types in ``desc/channels``."""
    proc = sc.procedure
    info = pylsl.StreamInfo(
        DATA_NAME, "EEG", len(proc.labels), proc.sfreq_hz, "float32", f"{base}-data"
    )
    desc = info.desc()
    chans = desc.append_child("channels")
    for label in proc.labels:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "microvolts")
        ch.append_child_value("type", lsl_type(label))
    acq = desc.append_child("acquisition")
    acq.append_child_value("manufacturer", "ionm-tui")
    acq.append_child_value("model", "simulator")
    acq.append_child_value("scenario", sc.name)
    acq.append_child_value("profile", sc.profile)
    acq.append_child_value("seed", str(seed))
    markers = pylsl.StreamInfo(
        MARKER_NAME, "Markers", 1, pylsl.IRREGULAR_RATE, "string", f"{base}-markers"
    )
    return info, markers


def publish_lsl(
    scenario: Scenario | str | os.PathLike[str],
    *,
    duration_s: float | None = None,
    lan: bool = False,
    speed: float = 1.0,
    stop_event: threading.Event | None = None,
    seed: int | None = None,
    start_s: float = 0.0,
    source_id: str | None = None,
    on_status: Callable[[PublishStatus], None] | None = None,
    status_every_s: float = 5.0,
) -> PublishStatus:
    """Publish a scenario as the contract's two LSL streams, paced to real time × ``speed``.

    The machine-only LSL configuration (``lsl_config.configure_lsl``) is applied first unless
    ``lan``. Data are pushed one 50 ms block at a time once the wall clock reaches the block's
    end, with explicit timestamps: sample n of the scenario has ``t0 + n / sfreq_hz`` where
    ``t0`` puts the first sample at the start's ``local_clock()``. At ``speed`` ≠ 1 the
    timestamps keep the scenario's clock (they run ahead of, or behind, ``local_clock()``).
    A scripted dropout pushes no data for its duration (markers continue unless the event
    says otherwise), so the next samples' timestamps jump.

    Args:
        scenario: a Scenario, a shipped name or a file path.
        duration_s: scenario seconds to publish; None runs until ``stop_event`` (or Ctrl-C).
        lan: allow discovery beyond this machine (the built-in config only).
        speed: pacing factor (> 0; 2 = twice real time).
        stop_event: set it to stop; checked between blocks.
        seed: overrides the scenario's seed.
        start_s: scenario time to start at.
        source_id: base of the outlets' source ids (default ``ionm-sim-<scenario>``); the
            streams get ``<base>-data`` and ``<base>-markers``.
        on_status: called about every ``status_every_s`` wall seconds and once at the end.

    Returns:
        The final status.

    Raises:
        StreamError: liblsl unavailable or misconfigured; the scenario cannot be loaded.
        ValueError: ``speed`` or ``duration_s`` not positive.
    """
    if not (math.isfinite(speed) and speed > 0):
        raise ValueError(f"speed must be a positive number; got {speed!r}")
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s >= 0):
        raise ValueError(f"duration_s must be a finite number ≥ 0; got {duration_s!r}")
    sc = _scenario(scenario)
    configure_lsl(lan=lan)
    pylsl = import_pylsl()
    stop = stop_event or threading.Event()
    base = source_id or f"ionm-sim-{sc.name}"
    info, minfo = _stream_infos(pylsl, sc, sc.seed if seed is None else seed, base)
    data_out = pylsl.StreamOutlet(info, 0, 360)
    marker_out = pylsl.StreamOutlet(minfo)
    try:
        wall0 = pylsl.local_clock()
        sim = Simulator(sc, seed, t0=wall0 - start_s, start_s=start_s)
        first = round(start_s * sim.sfreq_hz)
        samples = markers = 0
        in_gap = False
        next_status = wall0 + status_every_s
        remaining = math.inf if duration_s is None else duration_s

        def status() -> PublishStatus:
            return PublishStatus(
                sc.name,
                sim.position_s,
                samples,
                markers,
                in_gap,
                pylsl.local_clock() - wall0,
                f"{base}-data",
                f"{base}-markers",
            )

        while remaining > 0 and not stop.is_set():
            step = min(1.0, remaining)
            for block in sim.blocks(step):
                due = wall0 + (block.stop - first) / sim.sfreq_hz / speed
                wait = due - pylsl.local_clock()
                if wait > 0 and stop.wait(wait):
                    break
                in_gap = block.chunk.n_times == 0
                if not in_gap:
                    data_out.push_chunk(block.chunk.samples, float(block.chunk.timestamps[-1]))
                    samples += block.chunk.n_times
                for m in block.markers:
                    marker_out.push_sample([m.value], m.timestamp)
                markers += len(block.markers)
                if on_status is not None and pylsl.local_clock() >= next_status:
                    next_status += status_every_s
                    on_status(status())
            remaining -= step
        final = status()
        if on_status is not None:
            on_status(final)
        return final
    finally:
        del data_out, marker_out  # destroys the outlets: consumers see the streams go away


def write_xdf(
    scenario: Scenario | str | os.PathLike[str],
    path: str | os.PathLike[str],
    duration_s: float | None = None,
    *,
    seed: int | None = None,
    t0: float = 0.0,
    overwrite: bool = False,
) -> XdfSummary:
    """Write a scenario straight to an XDF file, as fast as it can be generated.

    Memory stays bounded: each 50 ms block is written as it is made (``XdfWriter``). The
    file holds the contract's two streams with explicit timestamps ``t0 + n / sfreq_hz``;
    scripted dropouts leave a hole in the data.

    Args:
        scenario: a Scenario, a shipped name or a file path.
        path: the XDF file to create.
        duration_s: scenario seconds to write (default: the scenario's duration).
        seed: overrides the scenario's seed; t0: LSL time of the first sample.
        overwrite: replace an existing file.

    Raises:
        StreamError: the file cannot be created or written; the scenario cannot be loaded.
    """
    sc = _scenario(scenario)
    duration = sc.duration_s if duration_s is None else duration_s
    sim = Simulator(sc, seed, t0=t0)
    base = f"ionm-sim-{sc.name}"
    samples = markers = 0
    with XdfWriter(path, overwrite=overwrite) as w:
        data_id = w.add_stream(
            DATA_NAME,
            "EEG",
            len(sim.labels),
            sim.sfreq_hz,
            "float32",
            f"{base}-data",
            sim.labels,
            sim.units,
        )
        marker_id = w.add_stream(MARKER_NAME, "Markers", 1, 0.0, "string", f"{base}-markers")
        for block in sim.blocks(duration, block_s=1.0):
            if block.chunk.n_times:
                w.write_samples(data_id, block.chunk.timestamps, block.chunk.samples)
                samples += block.chunk.n_times
            if block.markers:
                w.write_samples(
                    marker_id,
                    [m.timestamp for m in block.markers],
                    [m.value for m in block.markers],
                )
                markers += len(block.markers)
    return XdfSummary(os.fspath(path), w.bytes_written, duration, samples, markers)
