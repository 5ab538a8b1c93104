"""The shared averaging and trend engine: pure numpy/scipy, no UI, no LSL."""

from .alerts import CRITERIA, AlertEvent, AlertStatus
from .averaging import AverageEstimate, Averager
from .chunk import Chunk, Marker
from .commands import (
    AcknowledgeAlert,
    Annotate,
    CaptureBaseline,
    Command,
    PauseTest,
    ResetAverage,
    SelectBaseline,
    SetAveraging,
)
from .engine import DROP_REASONS, Engine, Record
from .engine_spec import AnyTestSpec, EngineSpec
from .markers import ParsedMarker, parse_marker
from .measures import Measures, PeakMeasure, design_bandpass, find_peak, zero_phase
from .modality_specs import EEG_BANDS_HZ, EegSpec, FreeRunEmgSpec, SingleSweepSpec
from .records import AnnotationRecord, AverageRecord, BaselineRecord, QualityEvent
from .snapshot import DataQuality, EngineSnapshot, TestView
from .specs import (
    AlertSpec,
    AveragingSpec,
    CriterionSpec,
    PeakSpec,
    RejectSpec,
    StreamSpec,
    TestSpec,
)
from .sweep import REJECT_REASONS, SweepProcessor
from .trends import Baseline, TrendPoint
from .triggers import find_rising_edges

__all__ = [
    "CRITERIA",
    "DROP_REASONS",
    "EEG_BANDS_HZ",
    "REJECT_REASONS",
    "AcknowledgeAlert",
    "AlertEvent",
    "AlertSpec",
    "AlertStatus",
    "Annotate",
    "AnnotationRecord",
    "AnyTestSpec",
    "AverageEstimate",
    "AverageRecord",
    "Averager",
    "AveragingSpec",
    "Baseline",
    "BaselineRecord",
    "CaptureBaseline",
    "Chunk",
    "Command",
    "CriterionSpec",
    "DataQuality",
    "EegSpec",
    "Engine",
    "EngineSnapshot",
    "EngineSpec",
    "FreeRunEmgSpec",
    "Marker",
    "Measures",
    "ParsedMarker",
    "PauseTest",
    "PeakMeasure",
    "PeakSpec",
    "QualityEvent",
    "Record",
    "RejectSpec",
    "ResetAverage",
    "SelectBaseline",
    "SetAveraging",
    "SingleSweepSpec",
    "StreamSpec",
    "SweepProcessor",
    "TestSpec",
    "TestView",
    "TrendPoint",
    "design_bandpass",
    "find_peak",
    "find_rising_edges",
    "parse_marker",
    "zero_phase",
]
