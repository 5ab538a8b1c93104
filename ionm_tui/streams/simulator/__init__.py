"""A deterministic multimodal operating-room simulator driven by scripted scenarios.

It produces exactly the streams, channel labels and markers of ``docs/montages.md`` for the
six procedures, with realistic signals: cortical, cervical and peripheral SSEPs (the cortical
upper-limb response is a real SEP, SpharaPy, BSD-3), TcMEP and facial MEP trains with variable
polyphasic CMAPs and a threshold, D-waves, BAEPs with a cochlear microphonic that flips with
click polarity, free-run EMG with spikes, bursts and neurotonic A-trains, triggered EMG on
pedicle screws, vagal/RLN responses, per-channel EEG, mains hum, stimulus artefacts,
electrocautery, anaesthetic drift and amplifier noise. Scenarios and their format are in
``docs/scenarios.md``.

Public API::

    list_scenarios() -> list[ScenarioInfo]          # shipped scenarios: name, profile, description
    load_scenario(name_or_path) -> Scenario         # a shipped name or a TOML file
    sim = Simulator(scenario, seed=None, *, t0=0.0, start_s=0.0)
    sim.labels, sim.sfreq_hz                         # channel labels (stream order), Hz
    sim.generate(duration_s, *, block_s=None)        # -> Iterator[(Chunk, list[Marker])]
    sim.ground_truth() -> list[TruthEvent]           # every scripted event, machine-readable
    ground_truth(scenario), truth_document(scenario) # the same without a Simulator; --truth JSON
    publish_lsl(scenario, *, duration_s=None, lan=False, speed=1.0, stop_event=None, ...)
    write_xdf(scenario, path, duration_s=None, *, seed=None, t0=0.0, overwrite=False)

``generate`` yields 50 ms blocks (``block_s`` changes that) on the scenario's own clock: sample n
has timestamp ``t0 + n / sfreq_hz``, samples are float32 µV of shape (n, n_channels), and each
block carries the markers whose timestamps lie inside it. Successive calls continue where the
last one ended. The same scenario and seed give bit-identical samples and markers however the
generation is chunked. A scripted data dropout yields empty chunks (markers may continue).

Invalid scenario files raise ``ionm_tui.errors.StreamError`` naming the file, the key and what
was expected. ``command.py`` holds the ``ionm-tui simulate`` subcommand (``configure``/``run``).
"""

from __future__ import annotations

from .events import Event
from .publish import PublishStatus, XdfSummary, publish_lsl, write_xdf
from .scenario import Scenario, ScenarioInfo, Signal, Stimulation
from .scenario_file import UnknownScenarioError, list_scenarios, load_scenario, read_scenario
from .simulator import Block, Simulator
from .truth import TruthEvent, ground_truth, truth_document

__all__ = [
    "Block",
    "Event",
    "PublishStatus",
    "Scenario",
    "ScenarioInfo",
    "Signal",
    "Simulator",
    "Stimulation",
    "TruthEvent",
    "UnknownScenarioError",
    "XdfSummary",
    "ground_truth",
    "list_scenarios",
    "load_scenario",
    "publish_lsl",
    "read_scenario",
    "truth_document",
    "write_xdf",
]
