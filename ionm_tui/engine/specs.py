"""Frozen, validated specs the engine runs from (profiles build them; it never reads TOML)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

AveragingMode = Literal["block", "moving", "ewma"]
AVERAGING_MODES: tuple[str, ...] = ("block", "moving", "ewma")
Priority = Literal["high", "medium", "low"]
PRIORITIES: tuple[str, ...] = ("high", "medium", "low")


def check_range(name: str, value: tuple[float, float], *, allow_equal: bool = False) -> None:
    if len(value) != 2 or not all(math.isfinite(v) for v in value):
        raise ValueError(f"{name} must be two finite numbers [start, end]; got {value!r}")
    if value[1] < value[0] or (value[1] == value[0] and not allow_equal):
        raise ValueError(f"{name} must have start < end; got {value!r}")


def check_positive(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number; got {value!r}")


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """The data stream the engine reads.

    Attributes:
        labels: channel labels in stream order (``desc/channels/channel/label``).
        sfreq_hz: nominal sampling rate in Hz.
        scale_to_uv: factor(s) turning stream units into µV (1.0 for µV streams, 1e6 for volts):
            one number, or one per channel.
        stim_channel: label of a stimulus/trigger channel whose rising edges (0 → non-zero)
            are events, their code being the new value (as MNE's ``find_events``); None when
            stimuli arrive only as markers.
    """

    labels: tuple[str, ...]
    sfreq_hz: float
    scale_to_uv: float | tuple[float, ...] = 1.0
    stim_channel: str | None = None

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValueError("labels must name at least one channel")
        if len(set(self.labels)) != len(self.labels):
            dupes = sorted({x for x in self.labels if self.labels.count(x) > 1})
            raise ValueError(f"labels must be unique; duplicated: {', '.join(dupes)}")
        check_positive("sfreq_hz", self.sfreq_hz)
        if isinstance(self.scale_to_uv, tuple):
            if len(self.scale_to_uv) != len(self.labels):
                raise ValueError(
                    f"scale_to_uv has {len(self.scale_to_uv)} factors for "
                    f"{len(self.labels)} channels"
                )
        elif not math.isfinite(self.scale_to_uv) or self.scale_to_uv == 0:
            raise ValueError(
                f"scale_to_uv must be a finite non-zero number; got {self.scale_to_uv!r}"
            )
        if self.stim_channel is not None and self.stim_channel not in self.labels:
            raise ValueError(
                f"stim_channel {self.stim_channel!r} is not one of the stream's labels"
            )


@dataclass(frozen=True, slots=True)
class RejectSpec:
    """Per-sweep rejection limits, in µV; None disables a check. Non-finite samples always reject.

    Attributes:
        saturation_uv: reject when any raw input sample has |x| at or above this (amplifier range).
        peak_to_peak_uv: reject when any derived channel's peak-to-peak (after blanking) exceeds
            this
            (electrocautery, movement).
        flat_uv: reject when any derived channel's peak-to-peak is below this (disconnected or
            shorted electrode).
    """

    saturation_uv: float | None = None
    peak_to_peak_uv: float | None = None
    flat_uv: float | None = None

    def __post_init__(self) -> None:
        check_positive("reject.saturation_uv", self.saturation_uv)
        check_positive("reject.peak_to_peak_uv", self.peak_to_peak_uv)
        check_positive("reject.flat_uv", self.flat_uv)


@dataclass(frozen=True, slots=True)
class AveragingSpec:
    """How accepted sweeps are combined.

    Attributes:
        mode: ``"block"`` (N sweeps, then start anew), ``"moving"`` (the last N) or ``"ewma"``
            (exponentially weighted; weight 2/(N+1), so its noise equals an N-sweep plain average).
        sweeps: N, the block size, window length or effective number of sweeps (≥ 1).
        update_every: accepted sweeps between two updates (trend points) in moving/ewma mode;
            None means N/4 (at least 1). Block mode updates when a block completes.
    """

    mode: AveragingMode = "block"
    sweeps: int = 200
    update_every: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in AVERAGING_MODES:
            raise ValueError(f"averaging.mode must be one of {AVERAGING_MODES}; got {self.mode!r}")
        if not isinstance(self.sweeps, int) or self.sweeps < 1:
            raise ValueError(f"averaging.sweeps must be an integer ≥ 1; got {self.sweeps!r}")
        if self.update_every is not None and (
            not isinstance(self.update_every, int) or self.update_every < 1
        ):
            raise ValueError(
                f"averaging.update_every must be an integer ≥ 1; got {self.update_every!r}"
            )

    @property
    def sweeps_per_update(self) -> int:
        """Accepted sweeps between two updates."""
        if self.mode == "block":
            return self.sweeps
        return self.update_every or max(1, self.sweeps // 4)


@dataclass(frozen=True, slots=True)
class PeakSpec:
    """A named peak searched for in the average.

    Attributes:
        name: e.g. ``"N20"``, ``"P37"``.
        sign: +1 for a positive peak (maximum), -1 for a negative one (minimum).
        search_ms: [start, end] ms after the stimulus, inclusive.
        channel: which of the test's channels to measure; None means its first channel.
    """

    name: str
    sign: int
    search_ms: tuple[float, float]
    channel: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("peak name must not be empty")
        if self.sign not in (1, -1):
            raise ValueError(f"peak {self.name}: sign must be +1 or -1; got {self.sign!r}")
        check_range(f"peak {self.name}: search_ms", self.search_ms)


CRITERION_KINDS: tuple[str, ...] = ("drop_pct", "rise_pct", "rise_abs", "below", "above")


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    """One alert criterion on one trended quantity.

    Attributes:
        name: what fired, in records and banners (e.g. ``"amplitude_drop"``, ``"threshold_low"``).
        quantity: the trend point quantity judged: ``"amplitude_uv"``, ``"latency_ms"``,
            ``"snr"`` or a modality value such as ``"threshold_v"``, ``"relative_alpha"``.
        kind: ``"drop_pct"`` (fall by ≥ limit % vs baseline), ``"rise_pct"`` (rise by ≥ limit %
            vs baseline), ``"rise_abs"`` (rise by ≥ limit, in the quantity's unit, vs baseline),
            ``"below"`` / ``"above"`` (an absolute limit, no baseline needed).
        limit: the limit, in % or in the quantity's unit.
        priority: priority once confirmed (``"high"``, ``"medium"``, ``"low"``).
        confirm: consecutive updates to confirm (and to clear); None uses the test's ``confirm``.
    """

    name: str
    quantity: str
    kind: str
    limit: float
    priority: Priority = "high"
    confirm: int | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.quantity:
            raise ValueError("criterion name and quantity must not be empty")
        if self.kind not in CRITERION_KINDS:
            raise ValueError(f"criterion {self.name}: kind must be one of {CRITERION_KINDS}")
        if not math.isfinite(self.limit):
            raise ValueError(f"criterion {self.name}: limit must be a finite number")
        if self.kind in ("drop_pct", "rise_pct", "rise_abs") and self.limit <= 0:
            raise ValueError(f"criterion {self.name}: limit must be positive; got {self.limit!r}")
        if self.kind == "drop_pct" and self.limit > 100:
            raise ValueError(f"criterion {self.name}: a drop must be ≤ 100 %; got {self.limit!r}")
        if self.priority not in PRIORITIES:
            raise ValueError(f"criterion {self.name}: priority must be one of {PRIORITIES}")
        if self.confirm is not None and (not isinstance(self.confirm, int) or self.confirm < 1):
            raise ValueError(f"criterion {self.name}: confirm must be an integer ≥ 1")

    @property
    def needs_baseline(self) -> bool:
        """True when the criterion compares with a baseline."""
        return self.kind in ("drop_pct", "rise_pct", "rise_abs")


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """Alert criteria of one test, each confirmed over ``confirm`` consecutive updates.

    Attributes:
        amplitude_drop_pct: fire when amplitude falls this many % below baseline (e.g. 50).
        latency_rise_pct: fire when latency rises this many % above baseline (e.g. 10).
        snr_floor: loss of response: fire when the SNR falls below this.
        confirm: consecutive updates that must meet a criterion before it is confirmed (≥ 1).
        clear_margin_pct: hysteresis, as a % of each limit: a confirmed alert clears only after
            ``confirm`` consecutive updates inside the limit pulled back by it (a 50 % drop limit
            with a 10 % margin clears below a 45 % drop; an SNR floor of 1.0 clears at ≥ 1.11).
        amplitude_priority, latency_priority, loss_priority: IEC 60601-1-8 style priority of each
            criterion once confirmed ("high", "medium", "low"); unconfirmed alerts are "low".
        criteria: further criteria (modality-specific: threshold rise, train time, relative
            alpha …), evaluated by the same machinery.
    """

    amplitude_drop_pct: float | None = 50.0
    latency_rise_pct: float | None = 10.0
    snr_floor: float | None = None
    confirm: int = 2
    clear_margin_pct: float = 10.0
    amplitude_priority: Priority = "high"
    latency_priority: Priority = "medium"
    loss_priority: Priority = "high"
    criteria: tuple[CriterionSpec, ...] = ()

    def __post_init__(self) -> None:
        for name, top in (("amplitude_drop_pct", 100), ("latency_rise_pct", 1000)):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and 0 < v <= top):
                raise ValueError(f"alert.{name} must be in (0, {top}]; got {v!r}")
        check_positive("alert.snr_floor", self.snr_floor)
        if not isinstance(self.confirm, int) or self.confirm < 1:
            raise ValueError(f"alert.confirm must be an integer ≥ 1; got {self.confirm!r}")
        if not (math.isfinite(self.clear_margin_pct) and 0 <= self.clear_margin_pct < 100):
            raise ValueError(
                f"alert.clear_margin_pct must be in [0, 100); got {self.clear_margin_pct!r}"
            )
        for name in ("amplitude_priority", "latency_priority", "loss_priority"):
            if getattr(self, name) not in PRIORITIES:
                raise ValueError(f"alert.{name} must be one of {PRIORITIES}")
        names = [c.name for c in self.all_criteria()]
        if len(set(names)) != len(names):
            raise ValueError(f"alert criteria names must be unique; got {names}")

    def all_criteria(self) -> tuple[CriterionSpec, ...]:
        """Every criterion: the evoked-potential shorthands expanded, then ``criteria``."""
        out: list[CriterionSpec] = []
        if self.amplitude_drop_pct is not None:
            out.append(
                CriterionSpec(
                    "amplitude_drop",
                    "amplitude_uv",
                    "drop_pct",
                    self.amplitude_drop_pct,
                    self.amplitude_priority,
                )
            )
        if self.latency_rise_pct is not None:
            out.append(
                CriterionSpec(
                    "latency_rise",
                    "latency_ms",
                    "rise_pct",
                    self.latency_rise_pct,
                    self.latency_priority,
                )
            )
        if self.snr_floor is not None:
            out.append(
                CriterionSpec(
                    "loss_of_response", "snr", "below", self.snr_floor, self.loss_priority
                )
            )
        return (*out, *self.criteria)


@dataclass(frozen=True, slots=True)
class TestSpec:
    """One monitored response: which stimulus, which channels, how to average and judge it.

    Attributes:
        id: stable id used in records and alerts (e.g. ``"ssep-lt"``).
        marker: the stimulus code (first token of a marker string, or a stim-channel value
            as a string) that triggers a sweep.
        channels: channel expressions: a stream label (``"CPz"``) or a difference of two
            (``"CPz-FPz"``). A label containing ``-`` is taken whole when the stream has it.
        window_ms: [t0, t1] ms around the stimulus; both ends inclusive (MNE-C convention).
        label: human label; defaults to the id.
        modality: e.g. ``"ssep"``, ``"baep"``, ``"vep"``, ``"dwave"``.
        side: ``"L"``, ``"R"`` or ``""`` (for grouping in views).
        blank_ms: stimulus-artefact blanking interval [b0, b1] ms (inclusive), replaced by a
            straight line between its neighbours; None for no blanking.
        baseline_ms: pre-stimulus interval [b0, b1] ms (inclusive) whose mean is subtracted per
            channel; None for no baseline correction.
        reject: rejection limits.
        averaging: averaging mode and size.
        peaks: named peaks to measure.
        amplitude: the trended amplitude: ``(A, B)`` = peak-to-peak between named peaks A and B,
            ``(A,)`` = baseline-to-peak of A; empty means the first peak. The trended latency is
            always that of the first named peak here.
        bandpass_hz: optional [low, high] Hz zero-phase band-pass applied to the average before
            measuring (averaging is linear, so this equals filtering each sweep).
        alert: alert criteria, or None for no alerts.
        auto_baseline: capture the first update as baseline ``"auto"`` when none exists.
    """

    __test__ = False  # keep pytest from collecting this class when tests import it

    id: str
    marker: str
    channels: tuple[str, ...]
    window_ms: tuple[float, float]
    label: str = ""
    modality: str = "ssep"
    side: str = ""
    blank_ms: tuple[float, float] | None = None
    baseline_ms: tuple[float, float] | None = None
    reject: RejectSpec = field(default_factory=RejectSpec)
    averaging: AveragingSpec = field(default_factory=AveragingSpec)
    peaks: tuple[PeakSpec, ...] = ()
    amplitude: tuple[str, ...] = ()
    bandpass_hz: tuple[float, float] | None = None
    alert: AlertSpec | None = None
    auto_baseline: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("test id must not be empty")
        if not self.marker:
            raise ValueError(f"test {self.id}: marker must not be empty")
        if not self.channels:
            raise ValueError(f"test {self.id}: channels must name at least one channel")
        check_range(f"test {self.id}: window_ms", self.window_ms)
        lo, hi = self.window_ms
        for name in ("blank_ms", "baseline_ms"):
            rng = getattr(self, name)
            if rng is not None:
                check_range(f"test {self.id}: {name}", rng, allow_equal=True)
                if rng[0] < lo or rng[1] > hi:
                    raise ValueError(
                        f"test {self.id}: {name} {rng!r} lies outside window_ms {self.window_ms!r}"
                    )
        names = [p.name for p in self.peaks]
        if len(set(names)) != len(names):
            raise ValueError(f"test {self.id}: peak names must be unique; got {names}")
        for p in self.peaks:
            if p.search_ms[0] < lo or p.search_ms[1] > hi:
                raise ValueError(
                    f"test {self.id}: peak {p.name} search_ms {p.search_ms!r} lies outside "
                    f"window_ms {self.window_ms!r}"
                )
            if p.channel is not None and p.channel not in self.channels:
                raise ValueError(
                    f"test {self.id}: peak {p.name} channel {p.channel!r} is not one of "
                    f"{self.channels}"
                )
        if len(self.amplitude) > 2:
            raise ValueError(
                f"test {self.id}: amplitude names one or two peaks; got {self.amplitude!r}"
            )
        for a in self.amplitude:
            if a not in names:
                raise ValueError(
                    f"test {self.id}: amplitude peak {a!r} is not one of the peaks {names}"
                )
        if self.bandpass_hz is not None:
            check_range(f"test {self.id}: bandpass_hz", self.bandpass_hz)
            if self.bandpass_hz[0] < 0:
                raise ValueError(
                    f"test {self.id}: bandpass_hz must be ≥ 0; got {self.bandpass_hz!r}"
                )

    @property
    def display_label(self) -> str:
        """The label shown to people."""
        return self.label or self.id
