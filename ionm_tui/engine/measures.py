"""Measurements on an average: named peaks, the trended amplitude and latency, SNR and Fsp."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .specs import PeakSpec, TestSpec


@dataclass(frozen=True, slots=True)
class PeakMeasure:
    """One named peak found in an average.

    Attributes:
        name: the peak's name (e.g. ``"N20"``).
        channel: the channel expression it was measured on.
        latency_ms: ms after the stimulus (parabolic interpolation between samples).
        amplitude_uv: value of the average at the peak, µV (signed; baseline-relative).
        at_edge: True when the extreme sits on the edge of the search window, i.e. no true
            turning point was found there (the value is still reported).
    """

    name: str
    channel: str
    latency_ms: float
    amplitude_uv: float
    at_edge: bool


def design_bandpass(band_hz: tuple[float, float], sfreq_hz: float) -> NDArray[np.float64]:
    """Second-order-section Butterworth band-pass (order 2; low edge 0 means low-pass).

    Raises:
        ValueError: the high edge is not below Nyquist.
    """
    lo, hi = band_hz
    nyq = sfreq_hz / 2.0
    if hi >= nyq:
        raise ValueError(f"bandpass_hz high edge {hi} Hz must be below Nyquist ({nyq:g} Hz)")
    if lo <= 0:
        return np.asarray(signal.butter(2, hi, btype="lowpass", fs=sfreq_hz, output="sos"))
    return np.asarray(signal.butter(2, (lo, hi), btype="bandpass", fs=sfreq_hz, output="sos"))


def zero_phase(sos: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Filter (n_times, n_channels) forwards and backwards along time (zero phase)."""
    padlen = min(3 * (2 * sos.shape[0] + 1), x.shape[0] - 1)
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=padlen))


class ZeroPhase:
    """:func:`zero_phase` with one filter, bit for bit, for filtering many arrays.

    ``sosfiltfilt`` solves for the filter's initial conditions (``sosfilt_zi``) on every call,
    which is most of the cost of filtering one average; here they are solved once. The rest is
    ``sosfiltfilt``'s own sequence of operations (odd extension, forward pass started from
    ``zi·x[0]``, backward pass started from ``zi·y[-1]``, trim), so every value and the
    result's memory layout are the same (``tests/engine/test_measure_exact.py`` checks it).

    Args:
        sos: second-order sections, shape (n_sections, 6).
    """

    def __init__(self, sos: NDArray[np.float64]) -> None:
        self.sos = sos
        self._zi = signal.sosfilt_zi(sos)  # (n_sections, 2)
        self._padlen = 3 * (2 * sos.shape[0] + 1)

    def __call__(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Filter ``x`` (n_times, …) along axis 0, as ``zero_phase(sos, x)``."""
        x = np.asarray(x)
        edge = min(self._padlen, x.shape[0] - 1)
        if edge > 0:  # odd extension: the ends mirrored through the end samples
            head = 2 * x[0:1] - x[edge:0:-1]
            tail = 2 * x[-1:] - x[-2 : -(edge + 2) : -1]
            x = np.concatenate((head, x, tail), axis=0)
        zi = self._zi.reshape(self._zi.shape + (1,) * (x.ndim - 1))
        y, _ = signal.sosfilt(self.sos, x, axis=0, zi=zi * x[0:1])
        y, _ = signal.sosfilt(self.sos, y[::-1], axis=0, zi=zi * y[-1:])
        y = y[::-1]
        return y[edge:-edge] if edge > 0 else y


def find_peak(
    y: NDArray[np.float64], times_ms: NDArray[np.float64], spec: PeakSpec, channel: str
) -> PeakMeasure:
    """Locate one peak in a single-channel average ``y`` (n_times,) µV."""
    lo, hi = spec.search_ms
    eps = 1e-9
    idx = np.flatnonzero((times_ms >= lo - eps) & (times_ms <= hi + eps))
    if idx.size == 0:
        return PeakMeasure(spec.name, channel, math.nan, math.nan, True)
    seg = y[idx] * spec.sign
    k = int(np.argmax(seg))
    i = int(idx[k])
    at_edge = k == 0 or k == idx.size - 1
    lat, amp = float(times_ms[i]), float(y[i])
    if not at_edge:
        y0, y1, y2 = float(y[i - 1]), float(y[i]), float(y[i + 1])
        den = y0 - 2.0 * y1 + y2
        if den != 0.0:
            d = 0.5 * (y0 - y2) / den
            lat += d * float(times_ms[1] - times_ms[0])
            amp = y1 - 0.25 * (y0 - y2) * d
    return PeakMeasure(spec.name, channel, lat, amp, at_edge)


@dataclass(frozen=True, slots=True)
class Measures:
    """Everything measured on one average.

    Attributes:
        peaks: the named peaks, in the spec's order.
        amplitude_uv: the trended amplitude (peak-to-peak between the two amplitude peaks, or
            |baseline-to-peak| of one; without peaks, the peak-to-peak of the post-stimulus part).
        latency_ms: latency of the first amplitude peak (NaN without peaks).
        snr: estimated signal/noise amplitude ratio, √max(P_mean/P_± − 1, 0) over the
            post-stimulus window of the measured channel (0 ≈ no response).
        noise_uv: RMS of the ± average there, µV.
        fsp: Elberling & Don's Fsp of the measured channel (≥ 3.1: response present, 99 %).
    """

    peaks: tuple[PeakMeasure, ...]
    amplitude_uv: float
    latency_ms: float
    snr: float
    noise_uv: float
    fsp: float


class Measurer:
    """Compiled measurement plan for one test.

    Args:
        test: the test spec.
        times_ms: (n_times,) sample times of its sweeps.
        sfreq_hz: sampling rate (for the band-pass design).
    """

    def __init__(self, test: TestSpec, times_ms: NDArray[np.float64], sfreq_hz: float) -> None:
        self.times_ms = times_ms
        self.peaks = test.peaks
        self.sos = design_bandpass(test.bandpass_hz, sfreq_hz) if test.bandpass_hz else None
        self._zero_phase = ZeroPhase(self.sos) if self.sos is not None else None
        ch = list(test.channels)
        self._peak_ch = [ch.index(p.channel) if p.channel else 0 for p in test.peaks]
        names = [p.name for p in test.peaks]
        amp = test.amplitude or ((names[0],) if names else ())
        self._amp_idx = [names.index(a) for a in amp]
        self.channel_index = self._peak_ch[self._amp_idx[0]] if self._amp_idx else 0
        # The channels of an average that measure() reads: the peaks' and the trended one.
        self._read = sorted({*self._peak_ch, self.channel_index})
        self._channels = test.channels
        post_start = max(0.0, test.blank_ms[1] if test.blank_ms else 0.0)
        post = np.flatnonzero(times_ms > post_start)
        if post.size < 2:
            post = np.arange(times_ms.shape[0])
        self._post = slice(int(post[0]), int(post[-1]) + 1)
        sp_index = int(post[post.size // 2])
        self.sp_index = sp_index
        """The Fsp single point's sample index: the middle of the post-stimulus window."""
        if self._zero_phase is None:
            weights = np.zeros(times_ms.shape[0])
            weights[sp_index] = 1.0
        else:
            # Row sp of the (linear) zero-phase filter: the filtered sweep's value at sp.
            weights = self._zero_phase(np.eye(times_ms.shape[0]))[sp_index]
        self.sp_weights: NDArray[np.float64] = weights
        """The single point for Fsp, mid post-stimulus window, as weights over a sweep's samples."""

    def filtered(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """The average as measured: band-passed when the test asks for it."""
        return self._zero_phase(x) if self._zero_phase is not None else x

    def measure(
        self,
        mean_f: NDArray[np.float64],
        pm_f: NDArray[np.float64],
        sweeps: float,
        sp_var: NDArray[np.float64],
    ) -> Measures:
        """Measure an average.

        Args:
            mean_f: (n_times, n_channels) µV, the average as measured (filtered if asked).
            pm_f: the ± average, filtered the same way.
            sweeps: sweeps behind the average (effective for EWMA).
            sp_var: (n_channels,) single-point variance across sweeps, µV², in the same band
                (see ``sp_weights``).
        """
        c = self.channel_index
        waves = [mean_f[:, k] for k in self._peak_ch]
        return self._measure(waves, mean_f[:, c], pm_f[:, c], sweeps, sp_var)

    def measure_average(
        self,
        mean_uv: NDArray[np.float64],
        pm_uv: NDArray[np.float64],
        sweeps: float,
        sp_var: NDArray[np.float64],
    ) -> Measures:
        """``measure(filtered(mean_uv), filtered(pm_uv), sweeps, sp_var)``: measure an unfiltered
        average (n_times, n_channels) µV and its ± average.

        Only the channels :meth:`measure` reads are band-passed (usually one of the mean's and
        one of the ± average's, not all of both): the filter runs on each channel on its own, so
        the numbers are the same, for a fraction of the cost.
        """
        if self._zero_phase is None:
            return self.measure(mean_uv, pm_uv, sweeps, sp_var)
        c = self.channel_index
        read = self._read
        f = self._zero_phase(np.concatenate((mean_uv[:, read], pm_uv[:, c : c + 1]), axis=1))
        col = {k: f[:, j] for j, k in enumerate(read)}
        return self._measure([col[k] for k in self._peak_ch], col[c], f[:, -1], sweeps, sp_var)

    def _measure(
        self,
        waves: list[NDArray[np.float64]],
        mean_c: NDArray[np.float64],
        pm_c: NDArray[np.float64],
        sweeps: float,
        sp_var: NDArray[np.float64],
    ) -> Measures:
        """Measure an average from the channels it is read on (all as measured, µV).

        Args:
            waves: per named peak, (n_times,) the average on the peak's channel.
            mean_c: (n_times,) the average on the trended channel (``channel_index``).
            pm_c: (n_times,) the ± average there.
            sweeps: sweeps behind the average (effective for EWMA).
            sp_var: (n_channels,) single-point variance across sweeps, µV².
        """
        peaks = tuple(
            find_peak(w, self.times_ms, p, self._channels[k])
            for w, p, k in zip(waves, self.peaks, self._peak_ch, strict=True)
        )
        c = self.channel_index
        if len(self._amp_idx) == 2:
            a, b = peaks[self._amp_idx[0]], peaks[self._amp_idx[1]]
            amplitude = abs(a.amplitude_uv - b.amplitude_uv)
            latency = a.latency_ms
        elif self._amp_idx:
            a = peaks[self._amp_idx[0]]
            amplitude, latency = abs(a.amplitude_uv), a.latency_ms
        else:
            seg = mean_c[self._post]
            amplitude, latency = float(seg.max() - seg.min()), math.nan
        m = mean_c[self._post]
        q = pm_c[self._post]
        p_mean = float(np.mean(m * m))
        p_pm = float(np.mean(q * q))
        if not math.isfinite(p_pm):
            snr = math.nan  # no noise estimate (fewer than two sweeps)
        elif p_pm > 0:
            snr = math.sqrt(max(p_mean / p_pm - 1.0, 0.0))
        else:
            snr = math.inf
        var_sp = float(sp_var[c])
        fsp = float(np.var(m)) / (var_sp / sweeps) if var_sp > 0 and sweeps > 0 else math.nan
        return Measures(peaks, float(amplitude), float(latency), snr, math.sqrt(p_pm), fsp)
