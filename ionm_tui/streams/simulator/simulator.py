"""The simulator: a scenario rendered frame by frame into data chunks and stimulus markers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ionm_tui.engine.chunk import Chunk, Marker

from .artefacts import Artefacts
from .effects import Effects
from .emg import FreeRunEmg
from .montage import lsl_type
from .noise import Background, Mains
from .responses import Responses
from .scenario import Scenario
from .schedule import Schedule
from .truth import TruthEvent, ground_truth

FRAME_S = 0.05  # the fixed internal grid: every random draw is tied to one frame
TAIL_S = 0.3  # how far a response may reach past the frame its stimulus falls in
WARMUP_S = 10.0  # frames rendered (and discarded) before start_s, to settle filters and tails


@dataclass(frozen=True, slots=True)
class Block:
    """One output block on the scenario clock.

    Attributes:
        start, stop: absolute sample indices covered, [start, stop).
        chunk: the data (empty inside a scripted dropout).
        markers: stimulus markers whose sample lies in [start, stop).
    """

    start: int
    stop: int
    chunk: Chunk
    markers: list[Marker]


class Simulator:
    """A deterministic multimodal OR signal generator for one scenario.

    The same scenario and seed give bit-identical samples and markers however the output is
    chunked (``generate`` calls of any duration, any ``block_s``): everything random is drawn
    per fixed 50 ms frame from a generator seeded by (seed, frame index).

    Args:
        scenario: what to simulate.
        seed: overrides the scenario's seed.
        t0: LSL time of scenario time 0 (sample n has timestamp ``t0 + n / sfreq_hz``).
        start_s: begin at this scenario time. The ten seconds before it are rendered and
            discarded, so the output matches a run from 0 to float32 rounding (~1e-5 µV).

    Attributes:
        labels: channel labels (stream order); sfreq_hz: sampling rate, Hz.
        channel_types: ``EEG``, ``EMG`` or ``ENG`` per channel; units: ``microvolts`` each.
        seed: the seed in use.
    """

    def __init__(
        self, scenario: Scenario, seed: int | None = None, *, t0: float = 0.0, start_s: float = 0.0
    ) -> None:
        if not (math.isfinite(t0) and math.isfinite(start_s) and start_s >= 0):
            raise ValueError(f"t0 must be finite and start_s ≥ 0; got {t0!r}, {start_s!r}")
        if seed is not None and (not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be an integer ≥ 0; got {seed!r}")
        proc = scenario.procedure
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.labels: tuple[str, ...] = proc.labels
        self.sfreq_hz = proc.sfreq_hz
        self.channel_types = tuple(lsl_type(x) for x in self.labels)
        self.units = ("microvolts",) * len(self.labels)
        self.t0 = float(t0)
        fs, n = self.sfreq_hz, len(self.labels)
        self._frame_n = round(FRAME_S * fs)
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(5)]
        sig = scenario.signal
        self.effects = Effects(scenario, self.labels, fs, rngs[0])
        self.schedule = Schedule(scenario, fs, self.effects)
        self._responses = Responses(proc, self.labels, fs, sig, self.schedule.screws, rngs[1])
        self._background = Background(self.labels, fs, self._frame_n, sig, rngs[2], self.seed)
        self._mains = Mains(n, fs, scenario.mains_hz, sig.mains_uv, rngs[3])
        self._emg = FreeRunEmg(self.labels, fs, sig)
        self._artefacts = Artefacts(n, fs, scenario.mains_hz, sig.range_uv, rngs[4])
        self._acc = np.zeros((self._frame_n + round(TAIL_S * fs), n))
        self._dropouts = [
            (iv.start, iv.stop, bool(iv.event.params["markers"]))
            for iv in self.effects.intervals.get("dropout", ())
        ]
        self._pos = round(start_s * fs)
        first = self._pos // self._frame_n
        self._next_frame = max(0, first - round(WARMUP_S / FRAME_S))
        self._cur: tuple[int, NDArray[np.float32], list[tuple[int, str]]] | None = None
        while self._next_frame < first:
            self._render()

    @property
    def position_s(self) -> float:
        """Scenario time of the next sample to be generated, s."""
        return self._pos / self.sfreq_hz

    def ground_truth(self) -> list[TruthEvent]:
        """Every scripted event with its affected channels, test ids and expected effect."""
        return ground_truth(self.scenario)

    def _render(self) -> tuple[int, NDArray[np.float32], list[tuple[int, str]]]:
        """Render the next frame: (start sample, (frame_n, n_channels) float32 µV, markers)."""
        f, fn = self._next_frame, self._frame_n
        start = f * fn
        rng = np.random.default_rng([self.seed, f])
        t = (start + fn / 2) / self.sfreq_hz
        fx = self.effects
        x = self._background.frame(f, rng, fx.eeg_gains(t))
        x += self._mains.frame(start, fn)
        blockade = float(fx.anaesthesia(t)[3])
        stims = self.schedule.stimuli(start, start + fn)
        acc = self._acc
        for st in stims:
            self._responses.render(st, acc, st.sample - start, rng, fx)
        self._emg.spikes(acc, fn, rng, blockade)
        self._emg.bursts(acc, start, fn, rng, fx, blockade)
        x += acc[:fn]
        acc[:-fn] = acc[fn:]  # numpy copes with the overlap
        acc[-fn:] = 0.0
        self._emg.trains(x, start, fx, blockade)
        self._artefacts.apply(x, start, rng, fx)
        self._next_frame += 1
        self._cur = (start, x.astype(np.float32), [(s.sample, s.marker) for s in stims])
        return self._cur

    def _take(self, p: int, q: int) -> tuple[NDArray[np.float32], list[tuple[int, str]]]:
        """Samples [p, q) and their markers, rendering frames as needed."""
        pieces, marks = [], []
        while p < q:
            cur = self._cur
            if cur is None or p >= cur[0] + self._frame_n:
                cur = self._render()
            start, data, markers = cur
            stop = min(q, start + self._frame_n)
            pieces.append(data[p - start : stop - start])
            marks.extend(m for m in markers if p <= m[0] < stop)
            p = stop
        return (pieces[0] if len(pieces) == 1 else np.concatenate(pieces)), marks

    def blocks(self, duration_s: float, *, block_s: float | None = None) -> Iterator[Block]:
        """Like :meth:`generate`, with each block's sample range (for pacing and gaps)."""
        if not (math.isfinite(duration_s) and duration_s >= 0):
            raise ValueError(f"duration_s must be a finite number ≥ 0; got {duration_s!r}")
        if block_s is not None and not (math.isfinite(block_s) and block_s > 0):
            raise ValueError(f"block_s must be a positive number; got {block_s!r}")
        fs = self.sfreq_hz
        end = self._pos + round(duration_s * fs)
        bn = self._frame_n if block_s is None else max(1, round(block_s * fs))
        while self._pos < end:
            p = self._pos
            q = min((p // bn + 1) * bn, end)
            for edges in self._dropouts:  # a block never straddles a dropout edge
                for s in edges[:2]:
                    if p < s < q:
                        q = s
            data, marks = self._take(p, q)
            gap = [keep for s0, s1, keep in self._dropouts if s0 <= p < s1]
            if gap and not all(gap):
                marks = []
            markers = [Marker(self.t0 + s / fs, text) for s, text in marks]
            n = 0 if gap else q - p
            ts = self.t0 + np.arange(p, p + n) / fs
            self._pos = q
            yield Block(p, q, Chunk(ts, data[:n], "ionm-sim-data"), markers)

    def generate(
        self, duration_s: float, *, block_s: float | None = None
    ) -> Iterator[tuple[Chunk, list[Marker]]]:
        """The next ``duration_s`` seconds, as (data chunk, markers) per block.

        Args:
            duration_s: how much scenario time to produce, from where the last call ended.
            block_s: block length (default 50 ms); blocks lie on a fixed grid of this size
                and are also cut at the edges of scripted dropouts.

        Yields:
            ``Chunk`` with timestamps ``t0 + n / sfreq_hz`` (regular within the chunk; empty
            inside a dropout) and samples (n, n_channels) float32 µV, and the markers whose
            timestamps fall inside the block.
        """
        for b in self.blocks(duration_s, block_s=block_s):
            yield b.chunk, b.markers
