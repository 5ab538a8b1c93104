"""Specs for responses that are not averaged: single sweeps (MEP, triggered EMG, nerve
stimulation), free-run EMG, and EEG. Same rules as ``specs``: frozen, validated, units in names."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .specs import AlertSpec, RejectSpec, check_positive, check_range


def _check_common(spec_id: str, channels: tuple[str, ...]) -> None:
    if not spec_id:
        raise ValueError("test id must not be empty")
    if not channels:
        raise ValueError(f"test {spec_id}: channels must name at least one channel")


@dataclass(frozen=True, slots=True)
class SingleSweepSpec:
    """A response judged sweep by sweep: TcMEP, facial MEP, triggered EMG, RLN/vagal stimulation.

    Each marker cuts one sweep, processed as an averaged test's sweeps are (cut, raw checks,
    derive, blank, reject, baseline), then measured on its first channel inside ``response_ms``:
    peak-to-peak amplitude, rectified area, onset latency (first sample whose |x| exceeds
    ``max(onset_sd × σ_pre, present_uv / 2)``) and presence (peak-to-peak ≥
    ``max(present_uv, present_sd × σ_pre)``), σ_pre being the SD over ``noise_ms``.
    The intensity in the marker (``350V``, ``7.5mA``) makes the threshold: the lowest intensity
    with a response among the last ``threshold_window`` stimuli (of the same ``site=`` when the
    markers name one).

    Attributes:
        id: stable test id.
        marker: stimulus code.
        channels: channel expressions; the first is measured.
        window_ms: [t0, t1] ms cut around the stimulus (inclusive).
        response_ms: where the response is searched, ms.
        noise_ms: pre-stimulus interval for σ_pre, ms (inside the window).
        label, modality, side: as for ``TestSpec``.
        blank_ms: stimulus-artefact blanking, ms, or None.
        baseline_ms: pre-stimulus mean subtraction interval, ms, or None.
        reject: raw-input rejection limits (peak-to-peak limits would reject real CMAPs; leave
            ``peak_to_peak_uv`` unset).
        present_uv: smallest peak-to-peak that counts as a response, µV.
        present_sd: …and at least this many pre-stimulus SDs.
        onset_sd: onset threshold in pre-stimulus SDs.
        intensity_unit: ``"V"`` or ``"mA"``: the unit of the threshold (``threshold_v`` /
            ``threshold_ma``); markers in another unit count as malformed.
        threshold_window: stimuli considered for the threshold.
        alert: criteria (on ``present``, ``amplitude_uv``, ``threshold_v`` / ``threshold_ma``).
        auto_baseline: capture the first response that is present as baseline ``"auto"``.
    """

    __test__ = False

    id: str
    marker: str
    channels: tuple[str, ...]
    window_ms: tuple[float, float]
    response_ms: tuple[float, float]
    noise_ms: tuple[float, float]
    label: str = ""
    modality: str = "tcmep"
    side: str = ""
    blank_ms: tuple[float, float] | None = None
    baseline_ms: tuple[float, float] | None = None
    reject: RejectSpec = field(default_factory=RejectSpec)
    present_uv: float = 50.0
    present_sd: float = 10.0
    onset_sd: float = 5.0
    intensity_unit: str = "V"
    threshold_window: int = 10
    alert: AlertSpec | None = None
    auto_baseline: bool = True

    def __post_init__(self) -> None:
        _check_common(self.id, self.channels)
        if not self.marker:
            raise ValueError(f"test {self.id}: marker must not be empty")
        check_range(f"test {self.id}: window_ms", self.window_ms)
        lo, hi = self.window_ms
        for name in ("response_ms", "noise_ms", "blank_ms", "baseline_ms"):
            rng = getattr(self, name)
            if rng is None:
                continue
            check_range(f"test {self.id}: {name}", rng, allow_equal=name == "blank_ms")
            if rng[0] < lo or rng[1] > hi:
                raise ValueError(
                    f"test {self.id}: {name} {rng!r} lies outside window_ms {self.window_ms!r}"
                )
        check_positive(f"test {self.id}: present_uv", self.present_uv)
        check_positive(f"test {self.id}: present_sd", self.present_sd)
        check_positive(f"test {self.id}: onset_sd", self.onset_sd)
        if self.intensity_unit not in ("V", "mA"):
            raise ValueError(f"test {self.id}: intensity_unit must be 'V' or 'mA'")
        if not isinstance(self.threshold_window, int) or self.threshold_window < 1:
            raise ValueError(f"test {self.id}: threshold_window must be an integer ≥ 1")

    @property
    def display_label(self) -> str:
        """The label shown to people."""
        return self.label or self.id


@dataclass(frozen=True, slots=True)
class FreeRunEmgSpec:
    """Continuous (free-run) EMG of one channel: events and neurotonic trains.

    The first channel is high-passed causally (state carried across chunks), cut into frames of
    ``frame_ms`` at fixed sample positions, and each frame classified: *artefact* (peak |x| ≥
    ``artifact_uv``: electrocautery, saturation), *event* (peak |x| ≥ ``event_uv``), and
    *train-like* (RMS ≥ ``train_uv``, a sinusoid-like crest factor ≤ ``train_crest_max`` and a
    zero-crossing rate within ``train_band_hz``). Event and artefact frames separated by at most
    ``burst_gap_ms`` of quiet form one burst, one event unless it holds an artefact frame. A
    neurotonic train is a run of train-like frames lasting at least ``min_train_ms``. A trend
    point every ``update_s`` of data carries ``events_per_min``, ``train_time_s`` (cumulative),
    ``current_train_s`` and ``longest_train_s`` (see ``EmgTracker`` for all of them).

    Attributes:
        id, channels, label, modality, side: as for ``TestSpec`` (modality ``"emg"``).
        highpass_hz: causal high-pass corner, Hz.
        event_uv: event threshold (spikes, bursts), µV.
        train_uv: RMS a frame needs to be train-like, µV.
        train_band_hz: discharge frequencies of trains, Hz (A-trains: ~60–210 Hz).
        min_train_ms: shortest run that counts as a train, ms.
        frame_ms: analysis frame, ms.
        artifact_uv: frames with peak |x| at or above this are artefact and never events, µV.
        update_s: seconds of data between trend points.
        alert: criteria (on ``current_train_s``, ``train_time_s``, ``events_per_min``).
        burst_gap_ms: active frames separated by at most this much quiet are one burst, ms.
        train_crest_max: largest peak/RMS of a train-like frame (a sinusoid has √2 ≈ 1.41;
            spikes and the interference pattern of voluntary EMG have ≳ 1.8).
    """

    __test__ = False

    id: str
    channels: tuple[str, ...]
    label: str = ""
    modality: str = "emg"
    side: str = ""
    highpass_hz: float = 30.0
    event_uv: float = 100.0
    train_uv: float = 30.0
    train_band_hz: tuple[float, float] = (50.0, 250.0)
    min_train_ms: float = 100.0
    frame_ms: float = 20.0
    artifact_uv: float = 3000.0
    update_s: float = 1.0
    alert: AlertSpec | None = None
    burst_gap_ms: float = 40.0
    train_crest_max: float = 1.8

    def __post_init__(self) -> None:
        _check_common(self.id, self.channels)
        if not (math.isfinite(self.burst_gap_ms) and self.burst_gap_ms >= 0):
            raise ValueError(f"test {self.id}: burst_gap_ms must be ≥ 0; got {self.burst_gap_ms!r}")
        if not (math.isfinite(self.train_crest_max) and self.train_crest_max >= 1):
            raise ValueError(
                f"test {self.id}: train_crest_max must be ≥ 1; got {self.train_crest_max!r}"
            )
        for name in (
            "highpass_hz",
            "event_uv",
            "train_uv",
            "min_train_ms",
            "frame_ms",
            "artifact_uv",
            "update_s",
        ):
            check_positive(f"test {self.id}: {name}", getattr(self, name))
        check_range(f"test {self.id}: train_band_hz", self.train_band_hz)

    @property
    def display_label(self) -> str:
        """The label shown to people."""
        return self.label or self.id


EEG_BANDS_HZ: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
}
"""Classic EEG bands, Hz, lower edge inclusive."""


@dataclass(frozen=True, slots=True)
class EegSpec:
    """Processed EEG of one (derived) channel in rolling windows.

    The channel is low-passed causally and decimated by q = max(1, ⌊fs / ``analysis_hz``⌋), then
    high-passed at 0.5 Hz (state carried across chunks, see ``EegTracker``); every ``update_s`` of
    data a Welch spectrum (Hann, 2 s segments, 50 % overlap) over the last ``window_s`` gives
    band powers (``delta_uv2`` … ``beta_uv2``, ``total_uv2`` over 1–30 Hz), ``relative_alpha``,
    ``alpha_delta_ratio``, ``sef95_hz`` (spectral edge), ``bsr_pct`` (burst suppression: share
    of the window in suppressions, |x| < ``suppression_uv`` for ≥ ``suppression_min_s``) and,
    with ``asymmetry_with``, ``asymmetry_pct`` = 100·(P − P_other)/(P + P_other) of total power.
    Windows holding a gap or non-finite samples are not analysed (spectra never pretend a gap was
    signal).

    Attributes:
        id, channels, label, modality, side: as for ``TestSpec`` (modality ``"eeg"``).
        asymmetry_with: the homologous channel expression on the other hemisphere, or None.
        window_s: analysis window, s.
        update_s: seconds of data between trend points.
        analysis_hz: target rate after decimation, Hz.
        suppression_uv: suppression amplitude limit, µV.
        suppression_min_s: shortest suppression, s.
        alert: criteria (e.g. ``relative_alpha`` drop %, ``alpha_delta_ratio`` drop %,
            ``asymmetry_pct`` above a limit), persistence via ``confirm`` updates.
        auto_baseline: capture the first update as baseline ``"auto"``.
    """

    __test__ = False

    id: str
    channels: tuple[str, ...]
    label: str = ""
    modality: str = "eeg"
    side: str = ""
    asymmetry_with: str | None = None
    window_s: float = 4.0
    update_s: float = 2.0
    analysis_hz: float = 250.0
    suppression_uv: float = 5.0
    suppression_min_s: float = 0.5
    alert: AlertSpec | None = None
    auto_baseline: bool = True

    def __post_init__(self) -> None:
        _check_common(self.id, self.channels)
        for name in ("window_s", "update_s", "analysis_hz", "suppression_uv", "suppression_min_s"):
            check_positive(f"test {self.id}: {name}", getattr(self, name))
        if self.update_s > self.window_s:
            raise ValueError(f"test {self.id}: update_s must not exceed window_s")
        if self.analysis_hz < 2 * 30.0 or not math.isfinite(self.analysis_hz):
            raise ValueError(f"test {self.id}: analysis_hz must be ≥ 60 Hz (bands reach 30 Hz)")

    @property
    def display_label(self) -> str:
        """The label shown to people."""
        return self.label or self.id
