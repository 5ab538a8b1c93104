"""Causal SOS filtering in pieces: bit-identical to scipy's sosfilt on the whole signal."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal

from ionm_tui.engine import iir
from ionm_tui.engine.iir import SosFilter


@pytest.mark.parametrize("kernel", [True, False])
def test_pieces_match_sosfilt_on_the_whole(kernel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two channels filtered in uneven pieces (1 to 700 samples) after a restart at the first
    sample equal ``sosfilt(zi = sosfilt_zi × x0)`` on the whole record exactly, with SciPy's
    compiled kernel and with the public fallback."""
    if not kernel:
        monkeypatch.setattr(iir, "_kernel", None)
    elif iir._kernel is None:
        pytest.skip("this SciPy has no private _sosfilt kernel")
    sos = signal.butter(8, 100.0, fs=5000.0, output="sos")
    x = np.random.default_rng(0).normal(0.0, 10.0, (3000, 2)) + 40.0
    zi = signal.sosfilt_zi(sos)[:, :, np.newaxis] * x[0]
    want, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    f = SosFilter(sos, 2)
    f.restart(x[0])
    cuts = [0, 1, 2, 9, 700, 701, 1500, 3000]
    got = np.concatenate([f(x[a:b]) for a, b in itertools.pairwise(cuts)])
    assert np.array_equal(got, want)


def test_restart_starts_at_steady_state() -> None:
    """After a restart at x0 a constant input x0 passes a low-pass unchanged (no transient)."""
    f = SosFilter(signal.butter(4, 30.0, fs=1000.0, output="sos"), 1)
    f.restart(np.array([123.0]))
    assert np.allclose(f(np.full((50, 1), 123.0)), 123.0, rtol=0, atol=1e-9)
