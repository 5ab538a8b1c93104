"""The alert schema: criterion keys, the quantities they judge, and how they map onto the engine."""

from __future__ import annotations

from dataclasses import dataclass

from ionm_tui.engine.specs import CRITERION_KINDS, PRIORITIES, AlertSpec

from .fields import AVERAGED, EEG, EMG, FAMILIES, REQUIRED, SINGLE, FieldDoc, engine_default

QUANTITIES: dict[str, tuple[str, ...]] = {
    AVERAGED: ("amplitude_uv", "latency_ms", "snr", "noise_uv", "fsp", "sweeps"),
    SINGLE: ("amplitude_uv", "latency_ms", "snr", "noise_uv", "present", "area_uvms",
             "intensity_v", "intensity_ma", "threshold_v", "threshold_ma"),
    EMG: ("events_per_min", "train_time_s", "current_train_s", "longest_train_s"),
    EEG: ("delta_uv2", "theta_uv2", "alpha_uv2", "beta_uv2", "total_uv2", "relative_alpha",
          "alpha_delta_ratio", "sef95_hz", "bsr_pct", "asymmetry_pct"),
}  # fmt: skip
"""Trend quantities a criterion may judge, per modality family (units in the names)."""

WARN_PRIORITY, ALARM_PRIORITY = "medium", "high"
"""Priorities of the two criteria a ``{ warn = …, alarm = … }`` pair makes."""


@dataclass(frozen=True, slots=True)
class CriterionKey:
    """A friendly alert key and the engine criterion it becomes.

    Attributes:
        key: the TOML key under ``alert`` (e.g. ``amplitude_drop_pct``).
        name: the criterion's name in alerts (``amplitude_drop``); ``_warn`` / ``_alarm`` are
            appended for a warn/alarm pair.
        quantity: the trend quantity judged.
        kind: the engine's kind (``drop_pct``, ``rise_pct``, ``rise_abs``, ``below``,
            ``above``).
        unit: unit of the limit.
        families: modality families that accept the key.
        priority: priority when the key is written as a plain number.
        meaning: what it means, with the usual value and its source.
        lo, hi, lo_open: allowed limit range.
        flag: written ``= true`` (fixed ``limit``) rather than with a number.
        limit: the fixed limit of a flag.
        negate: the engine's limit is minus the written one (``asymmetry_below_pct = 30`` →
            below −30).
        needs_unit: the test's ``intensity_unit`` this key requires (``V`` / ``mA``), or ``""``.
    """

    key: str
    name: str
    quantity: str
    kind: str
    unit: str
    families: tuple[str, ...]
    priority: str
    meaning: str
    lo: float = 0.0
    hi: float | None = None
    lo_open: bool = True
    flag: bool = False
    limit: float = 0.0
    negate: bool = False
    needs_unit: str = ""

    def as_field(self) -> FieldDoc:
        """The key as a plain number field (for range checks and docs)."""
        return FieldDoc(self.key, "number", self.meaning, unit=self.unit, lo=self.lo,
                        hi=self.hi, lo_open=self.lo_open, families=self.families)  # fmt: skip


_EP = (AVERAGED, SINGLE)
CRITERION_KEYS: tuple[CriterionKey, ...] = (
    CriterionKey("amplitude_drop_pct", "amplitude_drop", "amplitude_uv", "drop_pct", "%", _EP,
                 "high", "Amplitude this many % below baseline. SSEP 50 (Nuwer 1995; Toleikis "
                 "2024), 60 in scoliosis (PubMed 27241092); TcMEP 80 (MacDonald 2017); D-wave "
                 "50 (MacDonald 2017).", hi=100),
    CriterionKey("latency_rise_pct", "latency_rise", "latency_ms", "rise_pct", "%", _EP,
                 "medium", "Latency this many % above baseline. SSEP 10 (Nuwer 1995; Toleikis "
                 "2024). Averaged tests need a peak (the latency trended is the first "
                 "amplitude peak's).", hi=100),
    CriterionKey("latency_shift_ms", "latency_shift", "latency_ms", "rise_abs", "ms", _EP,
                 "medium", "Latency this many ms later than baseline. BAEP wave V: 1 ms (Park "
                 "2018; Thirumala 2015 — together with a 50 % drop, see limits).", hi=100),
    CriterionKey("snr_floor", "loss_of_response", "snr", "below", "", (AVERAGED,), "high",
                 "Loss of response: SNR of the average below this (0 = no response; the SNR "
                 "is √(P_mean/P_± − 1), Fsp ≈ SNR² + 1).", hi=100),
    CriterionKey("loss_of_response", "loss_of_response", "present", "below", "", (SINGLE,),
                 "high", "`true`: alert when a sweep has no response (peak-to-peak below "
                 "`present_uv`). TcMEP loss is always major (MacDonald 2017).", flag=True,
                 limit=0.5),
    CriterionKey("loss_below_uv", "loss_of_signal", "amplitude_uv", "below", "µV", (SINGLE,),
                 "high", "Loss of signal: response peak-to-peak below this. RLN/vagal: 100 µV "
                 "(INMSG 2018).", hi=100000),
    CriterionKey("threshold_rise_v", "threshold_rise", "threshold_v", "rise_abs", "V",
                 (SINGLE,), "medium", "Stimulation threshold this many volts above baseline. "
                 "TcMEP 100 V (MacDonald 2017).", hi=2000, needs_unit="V"),
    CriterionKey("threshold_rise_ma", "threshold_rise", "threshold_ma", "rise_abs", "mA",
                 (SINGLE,), "medium", "Stimulation threshold this many mA above baseline.",
                 hi=200, needs_unit="mA"),
    CriterionKey("threshold_below_ma", "threshold_low", "threshold_ma", "below", "mA",
                 (SINGLE,), "high", "Threshold below this many mA: a current path close to "
                 "the nerve. Pedicle screws (lumbar): warn below 8, alarm below 4 (Raynor).",
                 hi=200, needs_unit="mA"),
    CriterionKey("train_time_above_s", "train_time", "train_time_s", "above", "s", (EMG,),
                 "high", "Cumulative neurotonic train time (A-train \"traintime\", Prell 2006) "
                 "above this many seconds.", hi=36000),
    CriterionKey("train_duration_above_s", "train_duration", "current_train_s", "above", "s",
                 (EMG,), "medium", "A neurotonic train lasting longer than this.", hi=3600),
    CriterionKey("events_per_min_above", "event_rate", "events_per_min", "above", "/min",
                 (EMG,), "low", "EMG events (spikes, bursts) per minute above this.", hi=1e6),
    CriterionKey("relative_alpha_drop_pct", "relative_alpha_drop", "relative_alpha",
                 "drop_pct", "%", (EEG,), "high", "Relative alpha power this many % below "
                 "baseline. Carotid surgery: 14 (Zhao 2023).", hi=100),
    CriterionKey("alpha_delta_drop_pct", "alpha_delta_drop", "alpha_delta_ratio", "drop_pct",
                 "%", (EEG,), "high", "Alpha/delta ratio this many % below baseline. Carotid "
                 "surgery: 21 (Zhao 2023).", hi=100),
    CriterionKey("sef_drop_pct", "sef95_drop", "sef95_hz", "drop_pct", "%", (EEG,), "medium",
                 "Spectral edge (SEF95) this many % below baseline (slowing).", hi=100),
    CriterionKey("asymmetry_above_pct", "asymmetry_high", "asymmetry_pct", "above", "%", (EEG,),
                 "medium", "This channel has this many % MORE total power than its homologue "
                 "(needs `asymmetry_with`).", hi=100),
    CriterionKey("asymmetry_below_pct", "asymmetry_low", "asymmetry_pct", "below", "%", (EEG,),
                 "medium", "This channel has this many % LESS total power than its homologue "
                 "(written positive; needs `asymmetry_with`).", hi=100, negate=True),
    CriterionKey("bsr_above_pct", "burst_suppression", "bsr_pct", "above", "%", (EEG,),
                 "medium", "Burst-suppression ratio above this many %.", hi=100),
)  # fmt: skip

ALERT_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("confirm", "integer", "Consecutive updates that must meet a criterion before it "
             "is confirmed, and inside its limit before it clears: replication (ISIN 2019; "
             "MacDonald 2005/2017). 2 = two consecutive averages.",
             default=engine_default(AlertSpec, "confirm"), lo=1, hi=1000),
    FieldDoc("persist_s", "number", "EEG and free-run EMG only: the change must persist this "
             "long; sets `confirm` = ceil(persist_s / update_s). Only persisting EEG asymmetry "
             "predicted stroke (Blume 1986). Give `confirm` or `persist_s`, not both.", unit="s",
             default=None, lo=0, lo_open=True, hi=3600, families=(EMG, EEG)),
    FieldDoc("clear_margin_pct", "number", "Hysteresis: a confirmed alert clears only inside the "
             "limit pulled back by this % of itself (a 50 % drop limit with 10 % margin clears "
             "below a 45 % drop).", unit="%", default=engine_default(AlertSpec, "clear_margin_pct"),
             lo=0, hi=100, hi_open=True),
    FieldDoc("criterion", "tables", "Further criteria written out in full (see "
             "`alert.criterion`): any quantity the modality trends.", default=None),
)  # fmt: skip

CRITERION_TABLE_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("limit", "number", "The limit (unit of the key)."),
    FieldDoc("warn", "number", "Limit of the `<name>_warn` criterion (priority medium)."),
    FieldDoc("alarm", "number", "Limit of the `<name>_alarm` criterion (priority high); "
             "stricter than `warn`."),
    FieldDoc("priority", "choice", "Priority once confirmed (with `limit` or a flag).",
             choices=PRIORITIES),
    FieldDoc("confirm", "integer", "Confirmation count for this criterion only.", lo=1,
             hi=1000),
)  # fmt: skip
"""Keys of a friendly criterion written as a table (``{ limit = 80, priority = "medium" }``)."""

GENERIC_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("name", "text", "Criterion name shown in alerts; unique within the test.",
             default=REQUIRED, example='name = "area_drop"'),
    FieldDoc("quantity", "text", "Trend quantity judged (see the quantities per family).",
             default=REQUIRED, example='quantity = "area_uvms"'),
    FieldDoc("kind", "choice", "`drop_pct` / `rise_pct`: fall / rise by at least `limit` % vs "
             "baseline; `rise_abs`: rise by at least `limit` (quantity's unit) vs baseline; "
             "`below` / `above`: an absolute limit, no baseline needed.", default=REQUIRED,
             choices=CRITERION_KINDS),
    FieldDoc("limit", "number", "The limit, in % or in the quantity's unit.", default=REQUIRED),
    FieldDoc("priority", "choice", "Priority once confirmed.", default="high",
             choices=PRIORITIES),
    FieldDoc("confirm", "integer", "Confirmation count; unset = the alert's `confirm`.",
             default=None, lo=1, hi=1000),
)  # fmt: skip


def criterion_keys(family: str | None) -> dict[str, CriterionKey]:
    """Friendly criterion keys by name, for one family (all when ``family`` is None)."""
    return {c.key: c for c in CRITERION_KEYS if family is None or family in c.families}


def alert_keys(family: str | None) -> dict[str, object]:
    """Every key an ``alert`` table of this family accepts."""
    fam = FAMILIES if family is None else (family,)
    out: dict[str, object] = {f.key: f for f in ALERT_FIELDS if set(fam) & set(f.families)}
    out.update(criterion_keys(family))
    return out
