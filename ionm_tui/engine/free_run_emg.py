"""Free-run EMG: events, bursts and neurotonic trains from the continuous signal."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .continuous import SampleTracker
from .emg_frames import FrameClassifier
from .iir import SosFilter
from .modality_specs import FreeRunEmgSpec
from .specs import StreamSpec
from .tracking import Record
from .trends import TrendPoint, change_pct

RATE_WINDOW_S = 60.0
"""``events_per_min`` counts the events of the last this many seconds of analysed data."""


class EmgTracker(SampleTracker):
    """One free-run EMG channel (see ``FreeRunEmgSpec`` for the frame classes).

    Processing: the first channel (µV) is high-passed (2nd-order Butterworth at ``highpass_hz``,
    causal, state carried) and cut into frames of L = round(frame_ms·fs) samples at fixed
    positions: frame k holds samples kL … kL + L − 1 of the tracker's sample numbering. A gap or
    a non-finite run ends everything in progress (a burst, a train), restarts the filter at the
    next sample and drops the partial frame on each side of it; the frame grid is not moved.

    Bursts and events: frames that are events or artefact, separated by at most ``burst_gap_ms``
    of quiet frames, make one burst. When it ends, a burst without an artefact frame counts as
    one event (so a burst, or a train, is one event however long; an electrocautery burst with
    sub-threshold edges counts as none). An event is thus counted ``burst_gap_ms`` after its
    last active frame.

    Trains: consecutive train-like frames. A single non-train-like frame (not artefact) after at
    least two consecutive train-like ones is bridged and counted in the duration (an
    amplitude-modulated train is one train); otherwise a non-train-like frame ends the run at its
    last train-like frame (so an irregular pattern, one train-like frame in two, never adds up to
    a train). An artefact frame, a gap or a non-finite run ends it at once. A run qualifies as a
    train once it lasts ``min_train_ms``.

    Updates: one trend point per ``update_s`` of data, at every U = round(update_s/frame) frames
    of the grid (frames U−1, 2U−1, …), or at the first restart after that point when the frame
    closing it was lost. Mode ``"continuous"``; ``t`` = the last analysed sample; ``sweeps`` =
    frames analysed in the update; ``amplitude_uv`` = their RMS (all frames, artefacts
    included); latency, SNR, noise and Fsp NaN; ``primary`` = ``"train_time_s"``. ``values``:

    - ``events_per_min``: events in the last 60 s of analysed data (× 60 / seconds analysed,
      while fewer than 60 s have been analysed).
    - ``events``: events counted so far; ``event_time_s``: their cumulative duration.
    - ``event_start_t`` / ``event_stop_t``: LSL seconds of the first and last sample of the
      latest event (NaN before the first); with ``update_s`` = ``frame_ms`` every event shows.
    - ``train_time_s``: cumulative train time, the ongoing train included once it qualifies.
    - ``current_train_s``: duration of the ongoing train (0 when none, or not yet qualified).
    - ``longest_train_s``: the longest train so far (the ongoing one included).
    - ``trains``: trains so far (counted when they qualify).
    - ``train_start_t`` / ``train_stop_t``: LSL seconds of the first sample of the ongoing or
      latest train and the last sample of the latest finished one (NaN while one is ongoing, or
      before the first). A view sees a train start when ``trains`` rises and its stop when
      ``train_stop_t`` becomes finite.
    - ``artifact_s``: cumulative duration of artefact frames (also counted, in frames, as
      ``rejected["artifact"]``).

    The first point becomes baseline ``"auto"``, for criteria relative to a baseline (say
    ``events_per_min`` ``rise_abs``); absolute limits (``above`` on ``current_train_s`` or
    ``train_time_s``) need none. Leave ``AlertSpec``'s evoked-potential shorthands
    (``amplitude_drop_pct``, ``latency_rise_pct``) unset for free-run EMG.

    Args:
        spec: the test.
        stream: the data stream.
        history: trend points kept for snapshots.

    Raises:
        ValueError: a channel is missing, or ``highpass_hz`` is not below Nyquist.
    """

    def __init__(self, spec: FreeRunEmgSpec, stream: StreamSpec, *, history: int) -> None:
        super().__init__(
            spec,
            stream,
            spec.channels[:1],
            alert=spec.alert,
            auto_baseline=True,
            history=history,
        )
        self.test = spec
        fs = self.fs
        if not spec.highpass_hz < fs / 2:
            raise ValueError(
                f"test {spec.id}: highpass_hz {spec.highpass_hz} must be below Nyquist ({fs / 2})"
            )
        self._hp = SosFilter(signal.butter(2, spec.highpass_hz, "highpass", fs=fs, output="sos"), 1)
        self._len = max(1, round(spec.frame_ms * fs / 1000.0))
        self._classify = FrameClassifier(spec, fs)
        self.frame_s = self._len / fs
        self._per_update = max(1, round(spec.update_s / self.frame_s))
        self._min_train = max(1, math.ceil(spec.min_train_ms / 1000.0 / self.frame_s - 1e-9))
        self._hold = math.floor(spec.burst_gap_ms / 1000.0 / self.frame_s + 1e-9)
        self._rate_frames = round(RATE_WINDOW_S / self.frame_s)
        self._buf = np.empty(0)  # high-passed samples of the current, incomplete frame
        self._next = 0  # number of the first sample of the next frame after a restart
        self.frames = 0  # frames analysed
        self.rejected = {"artifact": 0}
        # the update being accumulated
        self._slot = -1
        self._n = 0
        self._sumsq = 0.0
        self._t = math.nan
        # bursts and events
        self._burst = False
        self._burst_art = False
        self._burst_len = 0  # frames from its first to its last active frame
        self._idle = 0
        self._burst_start_t = math.nan
        self._burst_end_t = math.nan
        self.events = 0
        self._ev_start_t = math.nan
        self._ev_stop_t = math.nan
        self._event_frames = 0
        self._recent: deque[int] = deque()  # analysed-frame count at each event
        # trains
        self._run = 0  # frames in the ongoing run, up to its last train-like frame (0: none)
        self._miss = False
        self._streak = 0  # train-like frames since the run began or since its last dropout
        self._run_start_t = math.nan
        self._run_end_t = math.nan
        self._qualified = False
        self.trains = 0
        self._train_frames = 0  # finished trains
        self._longest = 0
        self._start_t = math.nan
        self._stop_t = math.nan
        self._artifact_frames = 0

    @property
    def in_progress(self) -> int:
        """Frames analysed towards the next update."""
        return self._n

    def _process(
        self, ts: NDArray[np.float64], y: NDArray[np.float64], i0: int, restart: str | None
    ) -> list[Record]:
        out: list[Record] = []
        length = self._len
        if restart is not None:
            self._end_burst()
            self._end_train()
            self._buf = np.empty(0)
            self._hp.restart(y[0])
            self._next = i0 + -i0 % length  # resume at the next frame of the grid
            if self._n and self._next // length // self._per_update != self._slot:
                out.extend(self._update())  # the frame closing that update was lost
        # Every sample goes through the filter (its state must not depend on the chunking);
        # those before the next frame of the grid are then left out.
        skip = min(max(0, self._next - i0), y.shape[0])
        hp = self._hp(y)[skip:, 0]
        start = i0 + skip - self._buf.shape[0]  # sample number of the buffer's first sample
        data = np.concatenate((self._buf, hp)) if self._buf.shape[0] else hp
        n_full = data.shape[0] // length
        self._buf = data[n_full * length :]
        if n_full == 0:
            return out
        k0 = start // length
        sumsq, art, ev, tr = self._classify(data[: n_full * length].reshape(n_full, length))
        per = self._per_update
        for j in range(n_full):
            k = k0 + j
            t_end = float(ts[(k + 1) * length - 1 - i0])  # the frame's last sample
            if self._n and k // per != self._slot:
                out.extend(self._update())
            self._slot = k // per
            self.frames += 1
            self._n += 1
            self._sumsq += sumsq[j]
            self._t = t_end
            self._frame(art[j], ev[j], tr[j], t_end)
            if (k + 1) % per == 0:
                out.extend(self._update())
        return out

    def _frame(self, art: bool, ev: bool, tr: bool, t_end: float) -> None:
        """Advance the burst and train state by one analysed frame."""
        if art:
            self._artifact_frames += 1
            self.rejected["artifact"] += 1
        if art or ev:
            if self._burst:
                self._burst_len += self._idle + 1
                self._burst_art |= art
            else:
                self._burst, self._burst_art, self._burst_len = True, art, 1
                self._burst_start_t = t_end - (self._len - 1) / self.fs
            self._burst_end_t = t_end
            self._idle = 0
        elif self._burst:
            self._idle += 1
            if self._idle > self._hold:
                self._end_burst()
        if tr:
            if self._run:
                self._run += 2 if self._miss else 1  # a bridged dropout counts in the duration
                self._streak = 1 if self._miss else self._streak + 1
            else:
                self._run, self._streak = 1, 1
                self._run_start_t = t_end - (self._len - 1) / self.fs
            self._miss = False
            self._run_end_t = t_end
            if not self._qualified and self._run >= self._min_train:
                self._qualified = True
                self.trains += 1
                self._start_t, self._stop_t = self._run_start_t, math.nan
        elif self._run:
            if art or self._miss or self._streak < 2:
                self._end_train()
            else:
                self._miss = True

    def _end_burst(self) -> None:
        if self._burst and not self._burst_art:
            self.events += 1
            self._ev_start_t, self._ev_stop_t = self._burst_start_t, self._burst_end_t
            self._event_frames += self._burst_len
            self._recent.append(self.frames)
        self._burst, self._burst_art, self._burst_len, self._idle = False, False, 0, 0

    def _end_train(self) -> None:
        if self._run and self._qualified:
            self._train_frames += self._run
            self._longest = max(self._longest, self._run)
            self._stop_t = self._run_end_t
        self._run, self._miss, self._qualified = 0, False, False

    def _update(self) -> list[Record]:
        """Emit the trend point of the frames accumulated since the last one."""
        n, fr = self._n, self.frame_s
        rms = math.sqrt(self._sumsq / (n * self._len))
        recent = self._recent
        while recent and recent[0] <= self.frames - self._rate_frames:
            recent.popleft()
        seen_s = min(self.frames, self._rate_frames) * fr
        ongoing = self._run if self._qualified else 0
        values = (
            ("events_per_min", len(recent) * 60.0 / seen_s),
            ("events", float(self.events)),
            ("event_start_t", self._ev_start_t),
            ("event_stop_t", self._ev_stop_t),
            ("event_time_s", self._event_frames * fr),
            ("train_time_s", (self._train_frames + ongoing) * fr),
            ("current_train_s", ongoing * fr),
            ("longest_train_s", max(self._longest, ongoing) * fr),
            ("trains", float(self.trains)),
            ("train_start_t", self._start_t),
            ("train_stop_t", self._stop_t),
            ("artifact_s", self._artifact_frames * fr),
        )
        b = self.baseline
        self.accepted = self.frames
        point = TrendPoint(
            test=self.id,
            seq=self.seq + 1,
            t=self._t,
            amplitude_uv=rms,
            latency_ms=math.nan,
            peaks=(),
            amplitude_change_pct=change_pct(rms, b.amplitude_uv) if b else None,
            latency_change_pct=None,
            baseline=b.name if b else None,
            sweeps=float(n),
            accepted=self.frames,
            rejected=self.rejected["artifact"],
            rejected_by_reason=tuple((k, v) for k, v in self.rejected.items() if v),
            snr=math.nan,
            noise_uv=math.nan,
            fsp=math.nan,
            mode="continuous",
            values=values,
            primary="train_time_s",
        )
        self._n, self._sumsq = 0, 0.0
        return self._publish(point, None, None)
