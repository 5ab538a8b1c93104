"""Free-run EMG frames: peak, RMS, crest factor and zero-crossing frequency; their classes."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .modality_specs import FreeRunEmgSpec

ZC_HYSTERESIS = 0.25
"""Zero crossings are counted between ±this × the frame's RMS, so noise riding on a slow zero
crossing is not counted as several crossings (a fixed µV band would depend on amplitude)."""


def zero_crossing_hz(
    frames: NDArray[np.float64], rms_uv: NDArray[np.float64], fs: float
) -> NDArray[np.float64]:
    """Frequency of each frame from its zero crossings (with hysteresis).

    A crossing is a change of sign between samples beyond ±``ZC_HYSTERESIS``·RMS. With K ≥ 2
    crossings, first at sample a and last at sample b, the frequency is (K − 1)·fs / (2(b − a))
    — half a period between crossings, measured over the span they cover, so a frame holding a
    fraction of a cycle more or less does not bias it. With fewer crossings, K / (2·frame).

    Args:
        frames: (n_frames, frame_len) samples, µV.
        rms_uv: (n_frames,) their RMS.
        fs: sampling rate, Hz.

    Returns:
        (n_frames,) frequencies, Hz.
    """
    n, length = frames.shape
    h = (ZC_HYSTERESIS * rms_uv)[:, np.newaxis]
    s = (frames > h).astype(np.int8) - (frames < -h).astype(np.int8)
    r, c = np.nonzero(s)  # row-major: rows ascending, columns ascending within a row
    v = s[r, c]
    change = (r[1:] == r[:-1]) & (v[1:] != v[:-1])
    rows = r[1:][change]
    cols = c[1:][change]
    k = np.bincount(rows, minlength=n)
    first = np.searchsorted(rows, np.arange(n), side="left")
    last = np.searchsorted(rows, np.arange(n), side="right") - 1
    hz = k * fs / (2.0 * length)
    many = k >= 2
    if many.any():
        span = cols[last[many]] - cols[first[many]]
        hz[many] = (k[many] - 1) * fs / (2.0 * span)
    return hz


class FrameClassifier:
    """Measures and classifies frames.

    Classes: *artefact* (peak ≥ ``artifact_uv``); *event* (peak ≥ ``event_uv``, not artefact);
    *train-like* (not artefact, RMS ≥ ``train_uv``, crest factor peak/RMS ≤ ``train_crest_max``
    — a sinusoid has √2, spikes and the interference pattern of voluntary EMG are peakier — and
    zero-crossing frequency within ``train_band_hz``).

    Frames come ~50 times a second, usually one or none per chunk, where a numpy call costs more
    than the comparisons: two reductions per chunk, the comparisons on Python floats, and the
    zero crossings (the costly feature) once per chunk for the train candidates only.

    Args:
        spec: the test.
        fs: sampling rate, Hz.
    """

    def __init__(self, spec: FreeRunEmgSpec, fs: float) -> None:
        self.fs = fs
        self.artifact_uv = spec.artifact_uv
        self.event_uv = spec.event_uv
        self.train_uv = spec.train_uv
        self.crest_max = spec.train_crest_max
        self.band_hz = spec.train_band_hz

    def __call__(
        self, frames: NDArray[np.float64]
    ) -> tuple[list[float], list[bool], list[bool], list[bool]]:
        """Classify (n_frames, frame_len) high-passed samples, µV.

        Returns:
            Per frame: sum of squares (µV², for the RMS of an update), artefact, event,
            train-like.
        """
        n, length = frames.shape
        sumsq = np.einsum("ij,ij->i", frames, frames).tolist()
        peaks = np.abs(frames).max(axis=1).tolist()
        art, event, train = [False] * n, [False] * n, [False] * n
        cand: list[int] = []
        rms: list[float] = []
        for j, (ss, pk) in enumerate(zip(sumsq, peaks, strict=True)):
            if pk >= self.artifact_uv:
                art[j] = True
                continue
            event[j] = pk >= self.event_uv
            r = math.sqrt(ss / length)
            if r >= self.train_uv and pk <= self.crest_max * r:
                cand.append(j)
                rms.append(r)
        if cand:
            hz = zero_crossing_hz(frames[cand], np.array(rms), self.fs)
            lo, hi = self.band_hz
            for j, f in zip(cand, hz.tolist(), strict=True):
                train[j] = lo <= f <= hi
        return sumsq, art, event, train
