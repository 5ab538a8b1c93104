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
from .measures import Measures, PeakMeasure, design_bandpass, find_peak, zero_phase
from .records import AnnotationRecord, AverageRecord, BaselineRecord, QualityEvent
from .snapshot import DataQuality, EngineSnapshot, TestView
from .specs import AlertSpec, AveragingSpec, EngineSpec, PeakSpec, RejectSpec, StreamSpec, TestSpec
from .sweep import REJECT_REASONS, SweepProcessor
from .trends import Baseline, TrendPoint
from .triggers import find_rising_edges

__all__ = [
    "CRITERIA",
    "DROP_REASONS",
    "REJECT_REASONS",
    "AcknowledgeAlert",
    "AlertEvent",
    "AlertSpec",
    "AlertStatus",
    "Annotate",
    "AnnotationRecord",
    "AverageEstimate",
    "AverageRecord",
    "Averager",
    "AveragingSpec",
    "Baseline",
    "BaselineRecord",
    "CaptureBaseline",
    "Chunk",
    "Command",
    "DataQuality",
    "Engine",
    "EngineSnapshot",
    "EngineSpec",
    "Marker",
    "Measures",
    "PauseTest",
    "PeakMeasure",
    "PeakSpec",
    "QualityEvent",
    "Record",
    "RejectSpec",
    "ResetAverage",
    "SelectBaseline",
    "SetAveraging",
    "StreamSpec",
    "SweepProcessor",
    "TestSpec",
    "TestView",
    "TrendPoint",
    "design_bandpass",
    "find_peak",
    "find_rising_edges",
    "zero_phase",
]
