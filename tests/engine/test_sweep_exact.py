"""SweepProcessor.process is bit-identical to the documented pipeline written plainly.

``reference`` below is the per-sweep pipeline as it was first written (a copy, numpy call for numpy
call). The processor has since been made faster — windows cut in the layout they are processed
in, copies skipped for windows the engine owns, the blanking ramp precomputed — and none of that
may change a single bit: the baseline mean and the averager's dot products add up in an order
that follows the array's memory layout, so layouts matter too. Results files of analyses are
compared byte for byte across versions.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ionm_tui.engine import RejectSpec, StreamSpec, SweepProcessor, TestSpec
from ionm_tui.engine.ring import SampleRing

FS = 2000.0
LABELS = ("A", "B", "C", "D", "E")


def reference(p: SweepProcessor, raw: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """The pipeline as first written (see the module docstring), for a window ``raw``."""
    x = raw if p._unit_scale else raw * p._scale
    peak = np.abs(x).max()
    if not math.isfinite(peak):
        return None, "non_finite"
    if p._saturation is not None and peak >= p._saturation:
        return None, "saturation"
    y = x if p._identity else x @ p._matrix
    if p._blank is not None:
        if y is raw:
            y = raw.copy()
        n = y.shape[0]
        i0, i1 = p._blank.start, p._blank.stop
        if i0 == 0 and i1 >= n:
            y[:] = 0.0
        else:
            left = y[i0 - 1] if i0 > 0 else y[i1]
            right = y[i1] if i1 < n else left
            k = np.arange(1, i1 - i0 + 1, dtype=np.float64)[:, np.newaxis] / (i1 - i0 + 1)
            y[i0:i1] = left + (right - left) * k
    if p._ptp is not None or p._flat is not None:
        yt = y.T.copy()
        ptp = yt.max(axis=1) - yt.min(axis=1)
        if p._ptp is not None and ptp.max() > p._ptp:
            return None, "peak_to_peak"
        if p._flat is not None and ptp.min() < p._flat:
            return None, "flat"
    if p._baseline is not None:
        y = y - y[p._baseline].mean(axis=0)
    return y, None


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    channels=st.sampled_from([("B", "C", "D"), ("C",), ("A-B", "C"), ("E", "A-E")]),
    scale=st.sampled_from([1.0, (1.0, 0.5, 2.0, 1.0, 0.25)]),
    blank=st.sampled_from([None, (0.0, 1.5), (-5.0, -2.0), (-5.0, 20.0)]),
    baseline=st.sampled_from([None, (-5.0, -0.5), (-5.0, 20.0)]),
    reject=st.sampled_from(
        [RejectSpec(), RejectSpec(saturation_uv=60.0, peak_to_peak_uv=80.0, flat_uv=0.3)]
    ),
    bad=st.sampled_from(["", "nan", "inf", "flat", "big"]),
)
def test_process_of_an_engine_cut_is_the_reference(
    seed: int,
    channels: tuple[str, ...],
    scale: float | tuple[float, ...],
    blank: tuple[float, float] | None,
    baseline: tuple[float, float] | None,
    reject: RejectSpec,
    bad: str,
) -> None:
    """A window cut as the engine cuts it (``cut_order``, owned) and processed gives exactly the
    reference's result on the window as it used to be cut (column-major): the same reason, or
    the same bytes in the same memory layout. The caller's array is left alone when not owned."""
    test = TestSpec("t", "S", channels, (-5.0, 20.0), blank_ms=blank, baseline_ms=baseline,
                    reject=reject)  # fmt: skip
    p = SweepProcessor(test, StreamSpec(LABELS, FS, scale_to_uv=scale))
    rng = np.random.default_rng(seed)
    ring = SampleRing(400, len(LABELS))
    data = rng.normal(0.0, 10.0, (300, len(LABELS)))
    if bad == "nan":
        data[150, p.columns[0]] = np.nan
    elif bad == "inf":
        data[140, p.columns[-1]] = np.inf
    elif bad == "flat":
        data[:, p.columns] = 0.01 * rng.normal(size=(300, len(p.columns)))
    elif bad == "big":
        data[160, p.columns[0]] = 70.0
    ring.write(np.arange(300) / FS, data)
    start, stop = 100, 100 + p.n_times - 1
    _, old_cut = ring.cut(start, stop, p.columns)  # how windows were always cut: column-major
    expected = reference(p, old_cut.copy())
    _, cut = ring.cut(start, stop, p.cut_columns, p.cut_order)
    for got in (p.process(cut.copy(), owned=True), p.process(cut.copy())):
        assert got[1] == expected[1]
        if expected[0] is None:
            assert got[0] is None
        else:
            assert got[0] is not None
            assert got[0].strides == expected[0].strides
            assert got[0].tobytes() == expected[0].tobytes()
    before = cut.copy()
    p.process(cut)
    assert cut.tobytes() == before.tobytes()
