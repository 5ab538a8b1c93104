"""A scenario: its settings, scripted events and the procedure it runs (read by scenario_file)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .events import Event
from .montage import PROCEDURES, Procedure

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Signal:
    """Signal-to-noise knobs (``[signal]``). Amplitudes are RMS µV unless said otherwise.

    Attributes:
        eeg_uv: scalp background EEG (1/f² plus delta, alpha, beta rhythms), per channel.
        scalp_hf_uv: broadband scalp activity (muscle, high-frequency EEG) per scalp channel.
        white_uv: amplifier noise on every channel.
        mains_uv: mains hum amplitude (peak), varied ×0.5–2 per channel.
        emg_floor_uv: resting muscle channel noise.
        emg_spike_rate_hz: spontaneous single spikes per muscle channel per second.
        emg_spike_uv: their typical peak-to-peak (kept below usual 50–100 µV event thresholds).
        cortical_gain: scales every cortical evoked response (1 = the real SpharaPy size).
        drift_pct: slow anaesthetic drift of cortical SSEP amplitude, ± % (latency ± drift/5 %).
        range_uv: amplifier range; samples are clipped (saturated) at ± this.
    """

    eeg_uv: float = 20.0
    scalp_hf_uv: float = 5.0
    white_uv: float = 0.8
    mains_uv: float = 3.0
    emg_floor_uv: float = 3.0
    emg_spike_rate_hz: float = 0.02
    emg_spike_uv: float = 30.0
    cortical_gain: float = 1.0
    drift_pct: float = 5.0
    range_uv: float = 20000.0


@dataclass(frozen=True, slots=True)
class Stimulation:
    """Stimulation settings (``[stimulation]``); a procedure uses those of its modalities.

    Attributes:
        ssep_rate_hz: rate of each interleaved pair (upper L/R, lower L/R), Hz.
        ssep_ul_ma, ssep_ll_ma: median / posterior tibial intensity, mA.
        tcmep_interval_s: seconds between TcMEP trains (sides alternate).
        tcmep_v, tcmep_train, tcmep_isi_ms: train intensity (V), pulses, inter-pulse interval.
        dwave_interval_s, dwave_v: single transcranial pulses for the D-wave.
        baep_rate_hz: clicks per second per ear (ears alternate, polarity alternates per ear).
        vagus_interval_s, vagus_ma: continuous vagal stimulation, each side.
        fmep_interval_s, fmep_v, fmep_train: facial corticobulbar MEP trains.
    """

    ssep_rate_hz: float = 4.7
    ssep_ul_ma: float = 25.0
    ssep_ll_ma: float = 40.0
    tcmep_interval_s: float = 60.0
    tcmep_v: float = 400.0
    tcmep_train: int = 5
    tcmep_isi_ms: float = 2.0
    dwave_interval_s: float = 5.0
    dwave_v: float = 400.0
    baep_rate_hz: float = 11.1
    vagus_interval_s: float = 1.0
    vagus_ma: float = 1.0
    fmep_interval_s: float = 60.0
    fmep_v: float = 200.0
    fmep_train: int = 4


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """One line of ``list_scenarios()``: name, profile id and a one-line description."""

    name: str
    profile: str
    description: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario.

    Attributes:
        name: scenario name (``[scenario] name``, default the file stem).
        profile: the procedure id of docs/montages.md.
        description: one line.
        duration_s: scripted length, s (events lie inside it; generation may run longer).
        seed: default seed.
        mains_hz: 50 or 60.
        signal: noise and gain settings.
        stimulation: stimulation settings.
        events: scripted events in file order.
        source: the file it was read from.
    """

    name: str
    profile: str
    description: str
    duration_s: float
    seed: int = 0
    mains_hz: float = 60.0
    signal: Signal = field(default_factory=Signal)
    stimulation: Stimulation = field(default_factory=Stimulation)
    events: tuple[Event, ...] = ()
    source: str = ""

    @property
    def procedure(self) -> Procedure:
        """The procedure (montage, tests) this scenario runs."""
        return PROCEDURES[self.profile]

    @property
    def info(self) -> ScenarioInfo:
        """Name, profile and description."""
        return ScenarioInfo(self.name, self.profile, self.description)


def parse_time(value: Any) -> float:
    """Seconds from a number or a ``"mm:ss"`` / ``"hh:mm:ss"`` string.

    Raises:
        ValueError: anything else, or a negative time.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"expected a time ≥ 0, got {value!r}")
        return float(value)
    m = _CLOCK.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f'expected seconds or "mm:ss", got {value!r}')
    h, mi, s = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
    return h * 3600.0 + mi * 60.0 + s
