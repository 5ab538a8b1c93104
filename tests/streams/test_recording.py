"""Recording while monitoring: exactly what the engine saw, readable by pyxdf, crash-safe."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyxdf
from crash import run_and_kill

from ionm_tui.engine import Chunk, Marker
from ionm_tui.streams.recording import RecordingSource

DATA = {"name": "amp", "source_id": "amp-1", "hostname": "or-3", "sfreq_hz": 1000.0,
        "channels": ["Cz", "Fz"], "units": ["microvolts", "microvolts"]}  # fmt: skip
MARKERS = {"name": "stim", "source_id": "stim-1", "hostname": "or-3"}


class ListSource:
    """Hands out prepared batches, one per drain."""

    def __init__(self, batches: list[list[Chunk | Marker]]) -> None:
        self.batches = batches

    def drain(self, timeout_s: float) -> Sequence[Chunk | Marker]:
        return self.batches.pop(0) if self.batches else []

    @property
    def finished(self) -> bool:
        return not self.batches

    def health(self) -> tuple[object, ...]:
        return ()


def _batches(n_chunks: int) -> tuple[list[list[Chunk | Marker]], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    ts = 100.0 + np.arange(n_chunks * 50) / 1000.0
    x = rng.normal(0, 10, (ts.size, 2)).astype(np.float32)
    batches: list[list[Chunk | Marker]] = []
    for k in range(n_chunks):
        sl = slice(k * 50, (k + 1) * 50)
        items: list[Chunk | Marker] = [Chunk(ts[sl], x[sl])]
        if k % 4 == 0:
            items.append(Marker(float(ts[sl][10]), f"SSEP_UL_L 25mA #{k} [red]\x1b]0;x\x07"))
        batches.append(items)
    return batches, ts, x


def test_recording_is_what_the_engine_saw_and_pyxdf_reads_it(tmp_path: Path) -> None:
    """Every chunk and marker handed on is in the file, sample-exact, with labels and results."""
    batches, ts, x = _batches(40)
    path = tmp_path / "case.xdf"
    rec = RecordingSource(ListSource(batches), path, data=DATA, markers=MARKERS)
    seen: list[Chunk | Marker] = []
    while not rec.finished:
        seen.extend(rec.drain(0.0))
    rec.write_results([(100.5, '{"type":"annotation","t":100.5,"text":"incision"}')])
    rec.close()
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    by_name = {s["info"]["name"][0]: s for s in streams}
    data = by_name["amp"]
    np.testing.assert_array_equal(data["time_series"], x)
    np.testing.assert_allclose(data["time_stamps"], ts, rtol=0, atol=1e-9)
    labels = [c["label"][0] for c in data["info"]["desc"][0]["channels"][0]["channel"]]
    assert labels == ["Cz", "Fz"]
    markers = [m for m in seen if isinstance(m, Marker)]
    assert [v[0] for v in by_name["stim"]["time_series"]] == [m.value for m in markers]
    assert by_name["ionm-tui-results"]["time_series"][0][0].endswith('"incision"}')


def test_kill_9_leaves_a_recording_readable_up_to_the_last_second(tmp_path: Path) -> None:
    """A recorder killed with SIGKILL leaves a file pyxdf loads, holding every sample written
    more than a second before the kill."""
    path = tmp_path / "crash.xdf"
    script = textwrap.dedent(
        f"""
        import sys, time
        import numpy as np
        from ionm_tui.engine import Chunk
        from ionm_tui.streams.recording import RecordingSource

        class Endless:
            k = 0
            finished = False
            def drain(self, timeout_s):
                ts = 100.0 + (self.k * 50 + np.arange(50)) / 1000.0
                x = np.full((50, 2), float(self.k), np.float32)
                self.k += 1
                return [Chunk(ts, x)]
            def health(self):
                return ()

        rec = RecordingSource(Endless(), {str(path)!r}, data={DATA!r}, markers=None)
        while True:
            rec.drain(0.0)
            print(rec.source.k - 1, time.monotonic(), flush=True)
            time.sleep(0.01)
        """
    )
    written, killed_at = run_and_kill(script, 3.5)
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    got = {int(v) for v in streams[0]["time_series"][:, 0]}
    old = {k for k, t in written if t < killed_at - 1.3}
    assert old, "the recorder did not run long enough"
    assert old <= got
