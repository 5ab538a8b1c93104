"""Processed EEG: band powers, relative alpha, spectral edge, suppression, asymmetry in windows."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .continuous import SampleTracker
from .iir import SosFilter
from .modality_specs import EegSpec
from .specs import StreamSpec
from .spectra import eeg_measures
from .tracking import Record
from .trends import TrendPoint, change_pct

HIGHPASS_HZ = 0.5
"""Causal high-pass after decimation: removes electrode offset and drift, so that suppression
(|x| < ``suppression_uv``) is judged around zero. 2nd-order Butterworth: −0.3 dB at 1 Hz."""

ANTIALIAS_ORDER = 8
ANTIALIAS_FRACTION = 0.4
"""Anti-alias low-pass: Butterworth of this order at this fraction of the decimated rate (100 Hz
for 250 Hz), ≥ 55 dB down where content would fold into the 1–30 Hz bands."""


class EegTracker(SampleTracker):
    """One EEG channel (and its homologue for asymmetry) in rolling windows (see ``EegSpec``).

    Processing, in this order: derive the channel(s) (µV); causal anti-alias low-pass
    (``ANTIALIAS_ORDER`` Butterworth, when decimating); keep every q-th sample, q =
    max(1, ⌊fs / analysis_hz⌋) — the samples numbered q−1, 2q−1, … of the tracker's numbering,
    whatever the chunking; causal ``HIGHPASS_HZ`` high-pass; a rolling window of the last
    W = round(window_s·fs/q) samples. Every U = round(update_s·fs/q) decimated samples (those
    numbered U−1, 2U−1, …) the window is analysed when it holds W samples since the last gap,
    non-finite run or pause (each restarts both filters at steady state for the next sample and
    empties the window); an update falling before that is skipped, counted in
    ``rejected["gap" | "non_finite" | "paused"]`` (not at the start of the recording).

    A trend point (mode ``"continuous"``, ``t`` = the window's last sample, ``sweeps`` = 1
    window, ``accepted`` = windows analysed so far, ``primary`` = ``"relative_alpha"``) carries
    ``amplitude_uv`` = √total_uv2 (the RMS of the 1–30 Hz activity), latency/SNR/noise/Fsp NaN
    and the values of :func:`~.spectra.eeg_measures`. The first one becomes baseline ``"auto"``
    when ``auto_baseline``.

    Args:
        spec: the test.
        stream: the data stream.
        history: trend points kept for snapshots.

    Raises:
        ValueError: a channel is missing, or the stream is too slow for the 1–30 Hz bands.
    """

    def __init__(self, spec: EegSpec, stream: StreamSpec, *, history: int) -> None:
        channels = spec.channels[:1]
        if spec.asymmetry_with is not None:
            channels = (*channels, spec.asymmetry_with)
        super().__init__(
            spec,
            stream,
            channels,
            alert=spec.alert,
            auto_baseline=spec.auto_baseline,
            history=history,
        )
        self.test = spec
        fs = self.fs
        if fs < 60.0:
            raise ValueError(f"test {spec.id}: EEG needs ≥ 60 Hz sampling (bands reach 30 Hz)")
        n_ch = len(channels)
        self.q = max(1, math.floor(fs / spec.analysis_hz))
        self.fs_dec = fs / self.q
        self._lp = (
            SosFilter(
                signal.butter(
                    ANTIALIAS_ORDER, ANTIALIAS_FRACTION * self.fs_dec, fs=fs, output="sos"
                ),
                n_ch,
            )
            if self.q > 1
            else None
        )
        self._hp = SosFilter(
            signal.butter(2, HIGHPASS_HZ, "highpass", fs=self.fs_dec, output="sos"), n_ch
        )
        self._hp_restart = True
        self.window_n = max(2, round(spec.window_s * self.fs_dec))
        self._per_update = max(1, round(spec.update_s * self.fs_dec))
        self._ring = np.zeros((self.window_n, n_ch))
        self._pos = 0
        self._filled = 0  # samples in the window since the last restart
        self._lost: str | None = None  # why the window was emptied, until it is full again

    @property
    def in_progress(self) -> int:
        """Samples in the window (full at ``window_n``)."""
        return self._filled

    def _process(
        self, ts: NDArray[np.float64], y: NDArray[np.float64], i0: int, restart: str | None
    ) -> list[Record]:
        q = self.q
        if restart is not None:
            self._filled = 0
            self._lost = None if restart == "start" else restart
            if self._lp is not None:
                self._lp.restart(y[0])
            self._hp_restart = True
        z = self._lp(y) if self._lp is not None else y
        first = (q - 1 - i0) % q  # offset of the first kept sample in this piece
        zd = z[first::q]
        n = zd.shape[0]
        if n == 0:
            return []
        if self._hp_restart:
            self._hp.restart(zd[0])
            self._hp_restart = False
        zd = self._hp(zd)
        d0 = (i0 + first) // q  # decimated number of zd[0]
        per = self._per_update
        out: list[Record] = []
        j = 0
        while j < n:
            slot = j + (per - 1 - (d0 + j) % per)  # the next update's offset in zd
            stop = min(n, slot + 1)
            self._write(zd[j:stop])
            if slot < n:
                out.extend(self._update(float(ts[first + slot * q])))
            j = stop
        return out

    def _write(self, block: NDArray[np.float64]) -> None:
        """Append samples to the rolling window."""
        w, k = self.window_n, block.shape[0]
        if k >= w:
            self._ring[:] = block[k - w :]
            self._pos = 0
        else:
            head = min(k, w - self._pos)
            self._ring[self._pos : self._pos + head] = block[:head]
            self._ring[: k - head] = block[head:]
            self._pos = (self._pos + k) % w
        self._filled = min(w, self._filled + k)

    def _update(self, t: float) -> list[Record]:
        """Analyse the window ending at ``t`` (LSL seconds), or count why it cannot be."""
        if self._filled < self.window_n:
            if self._lost is not None:
                self.rejected[self._lost] = self.rejected.get(self._lost, 0) + 1
                self._view = None
            return []
        self._lost = None
        window = np.concatenate((self._ring[self._pos :], self._ring[: self._pos]))
        spec = self.test
        values = eeg_measures(
            window,
            self.fs_dec,
            suppression_uv=spec.suppression_uv,
            suppression_min_s=spec.suppression_min_s,
        )
        amp = math.sqrt(dict(values)["total_uv2"])
        self.accepted += 1
        b = self.baseline
        point = TrendPoint(
            test=self.id,
            seq=self.seq + 1,
            t=t,
            amplitude_uv=amp,
            latency_ms=math.nan,
            peaks=(),
            amplitude_change_pct=change_pct(amp, b.amplitude_uv) if b else None,
            latency_change_pct=None,
            baseline=b.name if b else None,
            sweeps=1.0,
            accepted=self.accepted,
            rejected=sum(self.rejected.values()),
            rejected_by_reason=tuple((k, v) for k, v in self.rejected.items() if v),
            snr=math.nan,
            noise_uv=math.nan,
            fsp=math.nan,
            mode="continuous",
            values=values,
            primary="relative_alpha",
        )
        return self._publish(point, None, None)
