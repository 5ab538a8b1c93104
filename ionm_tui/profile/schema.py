"""The profile schema: every key of every table, with unit, range, default and meaning."""

from __future__ import annotations

from ionm_tui.engine.engine_spec import EngineSpec
from ionm_tui.engine.modality_specs import EegSpec, FreeRunEmgSpec, SingleSweepSpec
from ionm_tui.engine.specs import AVERAGING_MODES, AveragingSpec, StreamSpec

from .fields import AVERAGED, EEG, EMG, MODALITIES, REQUIRED, SINGLE, FieldDoc, engine_default

SLUG = r"^[a-z0-9][a-z0-9._-]*$"
"""Ids: lower-case letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit."""
MARKER_CODE = r"^[A-Z0-9_]+$"
"""A marker code (docs/montages.md grammar): capitals, digits and ``_``."""
SWEEP = (AVERAGED, SINGLE)
TOP_KEYS = ("profile", "streams", "engine", "defaults", "test")

PROFILE_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("id", "text", "Stable profile id, used to pick the profile (`--profile ID`) and "
             "written into every case record. Lower-case letters, digits, `.`, `_`, `-`.",
             default=REQUIRED, example='id = "spine-deformity"'),
    FieldDoc("name", "text", "Human name of the procedure, shown in the header and reports.",
             default=REQUIRED, example='name = "Posterior spinal fusion / scoliosis"'),
    FieldDoc("description", "text", "One or two sentences: what is monitored and why.",
             default=""),
    FieldDoc("mains_hz", "choice", "Mains frequency where the case runs (50 in most of the "
             "world, 60 in the Americas). Recorded with the case; free-run EMG train bands must "
             "start above it (hum from a loose electrode would count as a train), and stimulus "
             "rates should not be exact sub-harmonics of it.",
             unit="Hz", default=REQUIRED, choices=(50, 60), example="mains_hz = 60"),
)  # fmt: skip

_MATCH = (
    FieldDoc("name", "text", "LSL stream name that must match exactly.", default=None,
             example='name = "ionm-sim-data"'),
    FieldDoc("type", "text", "LSL content type that must match exactly (`EEG`, `Markers`).",
             default=None),
    FieldDoc("source_id", "text", "LSL source id that must match exactly: the most reliable "
             "way to pick one amplifier among several.", default=None),
    FieldDoc("hostname", "text", "Host the stream must come from.", default=None),
)  # fmt: skip

DATA_STREAM_FIELDS: tuple[FieldDoc, ...] = (
    *_MATCH,
    FieldDoc("sfreq_hz", "number", "Sampling rate the profile was designed for. When given, a "
             "stream at another rate is refused, and filters are checked against this rate "
             "already when the file is checked.", unit="Hz", default=None, lo=0, lo_open=True),
    FieldDoc("channel_count", "integer", "Number of channels the stream must have, when given.",
             default=None, lo=1),
    FieldDoc("scale_to_uv", "number", "Factor turning the stream's units into µV: 1 for µV "
             "streams, 1000000 for volts. Overridden by the unit the stream declares, when the "
             "source knows it.", default=engine_default(StreamSpec, "scale_to_uv")),
    FieldDoc("stim_channel", "text", "Label of a trigger channel whose rising edges are "
             "stimuli (its new value is the marker code, e.g. \"3\"); unset when stimuli arrive "
             "only as markers.", default=None),
)  # fmt: skip

MARKER_STREAM_FIELDS: tuple[FieldDoc, ...] = _MATCH

ENGINE_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("buffer_s", "number", "Seconds of data kept for cutting sweeps. Every sweep window "
             "must fit inside it; markers arriving later than this are dropped as too old.",
             unit="s", default=engine_default(EngineSpec, "buffer_s"), lo=0, lo_open=True,
             hi=600),
    FieldDoc("max_pending", "integer", "Stimuli allowed to wait for their data before the "
             "oldest are dropped (a silent data stream).",
             default=engine_default(EngineSpec, "max_pending"), lo=1),
    FieldDoc("trend_history", "integer", "Trend points kept per test for the trend views.",
             default=engine_default(EngineSpec, "trend_history"), lo=1),
    FieldDoc("waterfall_depth", "integer", "Past averages (or sweeps) kept per test for the "
             "stacked view.", default=engine_default(EngineSpec, "waterfall_depth"), lo=1),
)  # fmt: skip

_ALL = (AVERAGED, SINGLE, EMG, EEG)
_ms = "ms"
_emg = FreeRunEmgSpec
_eeg = EegSpec
_ss = SingleSweepSpec

TEST_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("id", "text", "Stable test id used in journals, results and alerts "
             "(e.g. `ssep-ll-l`). Unique within the profile; never rename during a case.",
             default=REQUIRED, families=_ALL, example='id = "ssep-ll-l"'),
    FieldDoc("modality", "choice", "What is monitored; decides which keys apply (see the "
             "tables per family).", default=REQUIRED, choices=tuple(MODALITIES), families=_ALL,
             example='modality = "ssep"'),
    FieldDoc("label", "text", "Name shown to people; the id when empty.", default="",
             families=_ALL),
    FieldDoc("side", "choice", "Body side, for grouping in views: `L`, `R` or empty.",
             default="", choices=("L", "R", ""), families=_ALL),
    FieldDoc("channels", "texts", "Channel expressions: a stream label (`CPz`) or a bipolar "
             "derivation `A-B` (`CPz-FPz`). The FIRST one is measured and trended; the others "
             "are shown and may carry peaks (controls such as Erb's point).", default=REQUIRED,
             families=_ALL, example='channels = ["CPz-FPz", "C5S-FPz", "PFL-PFR"]'),
    FieldDoc("channel", "text", "Shorthand for a single channel: `channel = \"APB_L\"` is "
             "`channels = [\"APB_L\"]`. Give one of `channel` or `channels`.", default=None,
             families=_ALL),
    FieldDoc("marker", "text", "Stimulus marker code that cuts a sweep: the first word of the "
             "marker string (`SSEP_LL_L` in `SSEP_LL_L 40mA`). Several tests may share a marker "
             "(one stimulus, several muscles) if they agree on the sweep (see conflicts).",
             default=REQUIRED, families=SWEEP, example='marker = "SSEP_LL_L"'),
    FieldDoc("window_ms", "interval", "Sweep window around the stimulus, both ends included. "
             "Must end after the stimulus and fit inside `engine.buffer_s`.", unit=_ms,
             default=REQUIRED, families=SWEEP, example="window_ms = [-10, 100]"),
    FieldDoc("blank_ms", "interval", "Stimulus-artefact blanking: samples in it become a "
             "straight line, so the artefact neither rejects the sweep nor enters the average. "
             "Tests sharing a marker must blank alike.", unit=_ms, default=None, families=SWEEP,
             allow_equal=True, example="blank_ms = [0, 2]"),
    FieldDoc("baseline_ms", "interval", "Pre-stimulus interval whose mean is subtracted from "
             "each sweep (DC offset). Must end at or before 0 ms.", unit=_ms, default=None,
             families=SWEEP, example="baseline_ms = [-10, -1]"),
    FieldDoc("reject", "table", "Per-sweep rejection limits (see `reject`).", default=None,
             families=SWEEP),
    FieldDoc("auto_baseline", "bool", "Take the first update (for single sweeps: the first "
             "response present) as baseline `auto` until a named baseline is captured.",
             default=True, families=(AVERAGED, SINGLE, EEG)),
    FieldDoc("average", "table", "How sweeps are averaged (see `average`).", default=None,
             families=(AVERAGED,)),
    FieldDoc("peaks", "tables", "Named peaks measured in the average (see `peaks`).",
             default=None, families=(AVERAGED,)),
    FieldDoc("amplitude", "texts", "The trended amplitude: two peak names = peak-to-peak "
             "between them, one = baseline-to-peak. The trended LATENCY is that of the first "
             "name. Default: the first peak.", default=None, families=(AVERAGED,),
             items=(1, 2), example='amplitude = ["N20", "P25"]'),
    FieldDoc("bandpass_hz", "interval", "Zero-phase band-pass applied to the average before "
             "measuring (equal to filtering each sweep: averaging is linear). Low edge 0 = "
             "low-pass only. The high edge must be below Nyquist (half the stream's rate).",
             unit="Hz", default=None, families=(AVERAGED,), lo=0,
             example="bandpass_hz = [30, 1500]"),
    FieldDoc("response_ms", "interval", "Where the muscle or nerve response is searched.",
             unit=_ms, default=REQUIRED, families=(SINGLE,), lo=0,
             example="response_ms = [10, 80]"),
    FieldDoc("noise_ms", "interval", "Pre-stimulus interval whose SD (σ) sets the presence and "
             "onset thresholds. Must end at or before 0 ms.", unit=_ms, default=REQUIRED,
             families=(SINGLE,), example="noise_ms = [-10, -1]"),
    FieldDoc("present_uv", "number", "Smallest peak-to-peak that counts as a response.",
             unit="µV", default=engine_default(_ss, "present_uv"), lo=0, lo_open=True,
             families=(SINGLE,)),
    FieldDoc("present_sd", "number", "…and at least this many pre-stimulus SDs.",
             default=engine_default(_ss, "present_sd"), lo=0, lo_open=True, families=(SINGLE,)),
    FieldDoc("onset_sd", "number", "Onset latency = first sample above this many SDs (and "
             "above half of `present_uv`).", default=engine_default(_ss, "onset_sd"), lo=0,
             lo_open=True, families=(SINGLE,)),
    FieldDoc("intensity_unit", "choice", "Unit of the intensity in the marker, hence of the "
             "threshold (`threshold_v` or `threshold_ma`). Markers in another unit count as "
             "malformed.", default=engine_default(_ss, "intensity_unit"), choices=("V", "mA"),
             families=(SINGLE,), by_modality=(("temg", "mA"), ("nerve", "mA"))),
    FieldDoc("threshold_window", "integer", "Stimuli considered for the threshold: the lowest "
             "intensity with a response among the last N (per `site=` when markers name one).",
             default=engine_default(_ss, "threshold_window"), lo=1, families=(SINGLE,)),
    FieldDoc("highpass_hz", "number", "Causal high-pass corner applied before detection; must "
             "be below Nyquist.", unit="Hz", default=engine_default(_emg, "highpass_hz"), lo=0,
             lo_open=True, families=(EMG,)),
    FieldDoc("event_uv", "number", "Event threshold (spikes, bursts): frames whose peak |x| "
             "reaches it count as events.", unit="µV", default=engine_default(_emg, "event_uv"),
             lo=0, lo_open=True, families=(EMG,)),
    FieldDoc("train_uv", "number", "RMS a frame needs to be train-like (neurotonic discharge).",
             unit="µV", default=engine_default(_emg, "train_uv"), lo=0, lo_open=True,
             families=(EMG,)),
    FieldDoc("train_band_hz", "interval", "Discharge frequencies of trains (A-trains: about "
             "60–210 Hz); the high edge must be below Nyquist.", unit="Hz",
             default=engine_default(_emg, "train_band_hz"), lo=0, lo_open=True,
             families=(EMG,)),
    FieldDoc("min_train_ms", "number", "Shortest run of train-like frames that counts as a "
             "train.", unit=_ms, default=engine_default(_emg, "min_train_ms"), lo=0,
             lo_open=True, families=(EMG,)),
    FieldDoc("frame_ms", "number", "Analysis frame.", unit=_ms,
             default=engine_default(_emg, "frame_ms"), lo=0, lo_open=True, hi=1000,
             families=(EMG,)),
    FieldDoc("artifact_uv", "number", "Frames with peak |x| at or above this are artefact "
             "(electrocautery, saturation), never events. Must exceed `event_uv`.", unit="µV",
             default=engine_default(_emg, "artifact_uv"), lo=0, lo_open=True, families=(EMG,)),
    FieldDoc("update_s", "number", "Seconds of data between trend points (and alert checks).",
             unit="s", default=engine_default(_emg, "update_s"), lo=0, lo_open=True,
             families=(EMG, EEG), by_modality=(("eeg", engine_default(_eeg, "update_s")),)),
    FieldDoc("burst_gap_ms", "number", "Event and artefact frames separated by at most this "
             "much quiet form one burst, counted as one event (none if it holds an artefact).",
             unit=_ms, default=engine_default(_emg, "burst_gap_ms"), lo=0, families=(EMG,)),
    FieldDoc("train_crest_max", "number", "Largest peak/RMS ratio of a train-like frame: a "
             "sinusoid has √2 ≈ 1.41; spikes and voluntary EMG have about 1.8 or more.",
             default=engine_default(_emg, "train_crest_max"), lo=1, families=(EMG,)),
    FieldDoc("asymmetry_with", "text", "The homologous channel on the other hemisphere "
             "(`F4-P4` for `F3-P3`): gives `asymmetry_pct` = 100·(P − P_other)/(P + P_other) "
             "of total power, negative when THIS side has less power.", default=None,
             families=(EEG,)),
    FieldDoc("window_s", "number", "EEG analysis window (Welch spectrum).", unit="s",
             default=engine_default(_eeg, "window_s"), lo=0, lo_open=True, hi=600,
             families=(EEG,)),
    FieldDoc("analysis_hz", "number", "Rate the EEG is decimated to before analysis; at least "
             "60 Hz (bands reach 30 Hz) and at most the stream's rate.", unit="Hz",
             default=engine_default(_eeg, "analysis_hz"), lo=60, families=(EEG,)),
    FieldDoc("suppression_uv", "number", "Burst suppression: |x| below this is suppressed.",
             unit="µV", default=engine_default(_eeg, "suppression_uv"), lo=0, lo_open=True,
             families=(EEG,)),
    FieldDoc("suppression_min_s", "number", "Shortest suppression counted.", unit="s",
             default=engine_default(_eeg, "suppression_min_s"), lo=0, lo_open=True,
             families=(EEG,)),
    FieldDoc("alert", "table", "Alert criteria (see `alert`). `alert = false` switches off "
             "criteria inherited from `[defaults]`; no `alert` at all means no alerts.",
             default=None, families=_ALL),
)  # fmt: skip

REJECT_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("saturation_uv", "number", "Reject a sweep when any raw input sample reaches this "
             "magnitude (amplifier range): set it just below your amplifier's range.", unit="µV",
             default=None, lo=0, lo_open=True),
    FieldDoc("peak_to_peak_uv", "number", "Reject when any derived channel's peak-to-peak "
             "(after blanking) exceeds this: electrocautery, movement. Leave unset for muscle "
             "responses (it would reject real CMAPs).", unit="µV", default=None, lo=0,
             lo_open=True),
    FieldDoc("flat_uv", "number", "Reject when any derived channel's peak-to-peak is below "
             "this: a disconnected or shorted electrode. Must be below `peak_to_peak_uv`.",
             unit="µV", default=None, lo=0, lo_open=True),
)  # fmt: skip

AVERAGE_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("mode", "choice", "`block`: N sweeps, then start anew. `moving`: the last N. "
             "`ewma`: exponentially weighted, weight 2/(N+1), as noisy as an N-sweep average but "
             "tracking change faster (Rossi 2007).", default=engine_default(AveragingSpec, "mode"),
             choices=AVERAGING_MODES),
    FieldDoc("sweeps", "integer", "N: block size, window length or effective number of sweeps. "
             "SSEP 100–500, BAEP 500–2000, D-wave a few.", unit="sweeps",
             default=engine_default(AveragingSpec, "sweeps"), lo=1, hi=100000),
    FieldDoc("update_every", "integer", "Accepted sweeps between two updates (trend points) of "
             "a moving or ewma average; unset = N/4. Not used by `block` averages.",
             unit="sweeps", default=None, lo=1, hi=100000),
)  # fmt: skip

PEAK_FIELDS: tuple[FieldDoc, ...] = (
    FieldDoc("name", "text", "Peak name as readers say it (`N20`, `P37`, `V`); unique per "
             "test.", default=REQUIRED, example='name = "N20"'),
    FieldDoc("sign", "choice", "`+` finds the maximum, `-` the minimum, in the channel as "
             "derived (A minus B).", default=REQUIRED, choices=("+", "-")),
    FieldDoc("search_ms", "interval", "Where the peak is searched, ms after the stimulus; "
             "inside `window_ms`.", unit=_ms, default=REQUIRED, example="search_ms = [15, 25]"),
    FieldDoc("channel", "text", "Which of the test's channels carries the peak; default the "
             "first.", default=None),
)  # fmt: skip

DEFAULTS_EXCLUDED: tuple[str, ...] = ("id", "modality", "label", "side", "channels", "channel")
"""Keys a ``[defaults.<modality>]`` table may not set: they identify a single test."""
