"""The simulator is deterministic: same scenario and seed, same bits, however it is chunked."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ionm_tui.streams.simulator import Simulator, load_scenario, read_scenario

# Every interval event early on, so short runs cross their edges (and a dropout's).
BUSY = """
[scenario]
name = "busy"
profile = "spine-deformity"
duration = 30
[[event]]
at = 1.0
kind = "cautery"
duration = 0.7
[[event]]
at = 1.5
kind = "neurotonic_train"
channels = ["TA_L"]
duration = 1.2
[[event]]
at = 2.0
kind = "dropout"
duration = 0.5031
[[event]]
at = 2.2
kind = "electrode_off"
channels = ["CPz"]
mode = "noise"
duration = 1
[[event]]
at = 3.0
kind = "emg_burst"
channels = ["AH_R"]
duration = 0.5
[[event]]
at = 3.5
kind = "dropout"
duration = 0.25
markers = false
"""


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory):
    """The busy test scenario, read from a file."""
    path = Path(tmp_path_factory.mktemp("sc")) / "busy.toml"
    path.write_text(BUSY, encoding="utf-8")
    return read_scenario(path)


def _run(sim: Simulator, pieces: list[float], block_s: float | None = None):
    ts, xs, marks = [], [], []
    for d in pieces:
        for chunk, markers in sim.generate(d, block_s=block_s):
            ts.append(chunk.timestamps)
            xs.append(chunk.samples)
            marks += [(m.timestamp, m.value) for m in markers]
    return np.concatenate(ts), np.concatenate(xs), marks


@pytest.fixture(scope="module")
def reference(busy):
    """Five seconds of the busy scenario generated in one call."""
    return _run(Simulator(busy, seed=4), [5.0])


@settings(max_examples=12)
@given(
    cuts=st.lists(st.integers(1, 4999), max_size=6, unique=True).map(sorted),
    block_ms=st.sampled_from([None, 1.0, 13.0, 50.0, 77.7, 1000.0]),
)
def test_any_chunking_gives_identical_bits(busy, reference, cuts, block_ms) -> None:
    """Splitting the same 5 s into arbitrary calls and block sizes changes no bit."""
    edges = [0, *cuts, 5000]
    pieces = [(b - a) / 1000.0 for a, b in itertools.pairwise(edges)]
    block_s = None if block_ms is None else block_ms / 1000.0
    ts, x, marks = _run(Simulator(busy, seed=4), pieces, block_s)
    np.testing.assert_array_equal(ts, reference[0])
    np.testing.assert_array_equal(x, reference[1])
    assert marks == reference[2]


def test_chunks_are_regular_and_dropouts_are_holes(busy, reference) -> None:
    """Timestamps step by 1/fs inside every chunk, and the dropouts leave exact holes."""
    sim = Simulator(busy, seed=4)
    for chunk, _ in sim.generate(5.0):
        if chunk.n_times > 1:
            np.testing.assert_allclose(np.diff(chunk.timestamps), 1 / 5000.0, rtol=1e-6)
    ts = reference[0]
    assert not np.any((ts >= 2.0) & (ts < 2.5031))
    assert not np.any((ts >= 3.5) & (ts < 3.75))
    assert ts.size == 5 * 5000 - round(0.5031 * 5000) - round(0.25 * 5000)
    marker_t = np.array([t for t, _ in reference[2]])
    assert np.any((marker_t >= 2.0) & (marker_t < 2.5))  # markers continue by default
    assert not np.any((marker_t >= 3.5) & (marker_t < 3.75))  # unless the event says so


def test_seeds_change_samples_not_the_schedule(busy, reference) -> None:
    """Another seed gives other noise but the same stimulus markers."""
    ts, x, marks = _run(Simulator(busy, seed=5), [5.0])
    np.testing.assert_array_equal(ts, reference[0])
    assert marks == reference[2]
    assert not np.array_equal(x, reference[1])


def test_scenario_seed_is_the_default() -> None:
    """Simulator(scenario) uses the scenario's seed; two runs are identical."""
    sc = load_scenario("demo")
    a = _run(Simulator(sc), [2.0])
    b = _run(Simulator(sc, seed=sc.seed), [2.0])
    np.testing.assert_array_equal(a[1], b[1])


def test_start_s_matches_a_run_from_zero(busy) -> None:
    """Starting at 3 s reproduces a run from 0 after filter settling (within 1e-3 µV)."""
    full_t, full_x, full_m = _run(Simulator(busy, seed=4, t0=100.0), [6.0])
    part_t, part_x, part_m = _run(Simulator(busy, seed=4, t0=100.0, start_s=4.2), [1.8])
    keep = full_t >= 104.2 - 1e-9
    np.testing.assert_array_equal(part_t, full_t[keep])
    np.testing.assert_allclose(part_x, full_x[keep], atol=1e-3)
    assert part_m == [m for m in full_m if m[0] >= 104.2 - 1e-9]
