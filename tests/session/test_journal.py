"""The journal: records reach the disk within a second, survive kill -9, and a full disk is loud."""

from __future__ import annotations

import errno
import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from crash import run_and_kill

from ionm_tui.engine import AnnotationRecord, QualityEvent
from ionm_tui.errors import SessionError
from ionm_tui.session import journal as journal_mod
from ionm_tui.session.journal import Journal
from ionm_tui.session.results import header, read_results

HEADER = header(profile="test", source="unit test")


def test_records_reach_disk_within_the_interval(tmp_path: Path) -> None:
    """A record written is on disk (readable by another reader) within the sync interval."""
    path = tmp_path / "case.jsonl"
    with Journal(path, header=HEADER, sync_interval_s=0.2) as j:
        j.write([AnnotationRecord(12.5, "incision", ("incision",))])
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and j.status().pending_lines:
            time.sleep(0.02)
        lines = list(read_results(path))
        assert [r["type"] for r in lines] == ["header", "annotation"]
        assert lines[1] == {
            "type": "annotation",
            "t": 12.5,
            "text": "incision",
            "tags": ["incision"],
        }
        assert j.status().error is None


def test_never_overwrites_an_existing_case(tmp_path: Path) -> None:
    """Opening a journal on an existing file is refused with a message naming it."""
    path = tmp_path / "case.jsonl"
    path.write_text("{}\n")
    with pytest.raises(SessionError, match="already exists"):
        Journal(path, header=HEADER)


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    """A writer killed with SIGKILL leaves every record older than one second readable."""
    path = tmp_path / "crash.jsonl"
    script = textwrap.dedent(
        f"""
        import sys, time
        from ionm_tui.engine import AnnotationRecord
        from ionm_tui.session.journal import Journal
        from ionm_tui.session.results import header
        j = Journal({str(path)!r}, header=header(profile="p", source="s"), sync_interval_s=1.0)
        k = 0
        while True:
            j.write([AnnotationRecord(float(k), f"note {{k}}")])
            print(k, time.monotonic(), flush=True)
            k += 1
            time.sleep(0.01)
        """
    )
    written, killed_at = run_and_kill(script, 3.5)
    records = [r for r in read_results(path) if r["type"] == "annotation"]
    seen = {int(r["t"]) for r in records}
    # Everything written more than 1 s (+0.3 s scheduling slack) before the kill is on disk.
    old = [k for k, t in written if t < killed_at - 1.3]
    assert old, "the writer did not run long enough"
    assert set(old) <= seen
    assert sorted(seen) == list(range(len(seen)))  # in order, nothing duplicated or torn


def test_full_disk_keeps_monitoring_in_memory_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC turns into a loud status (no exception); records wait in memory and land when
    space returns, with no line torn or duplicated."""
    path = tmp_path / "full.jsonl"
    j = Journal(path, header=HEADER, sync_interval_s=3600)  # sync by hand in this test
    real_write = os.write
    budget = {"bytes": 40}

    def tight_write(fd: int, data: bytes | memoryview) -> int:
        if budget["bytes"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = min(len(data), budget["bytes"])
        budget["bytes"] -= n
        return real_write(fd, bytes(data[:n]))

    monkeypatch.setattr(journal_mod.os, "write", tight_write)
    j.write([QualityEvent("gap", 1.0, "no data for 20 s", duration_s=20.0)] * 3)
    assert j.sync() is False
    status = j.status()
    assert status.error is not None
    assert status.error.startswith("DISK FULL")
    assert status.pending_lines >= 1
    budget["bytes"] = 10**9  # space is back
    assert j.sync() is True
    j.close()
    lines = list(read_results(path))
    assert [r["type"] for r in lines] == ["header", "quality", "quality", "quality"]
    assert j.status().error is None


def test_memory_is_bounded_while_the_disk_fails(tmp_path: Path) -> None:
    """Beyond memory_limit pending lines the oldest are dropped and counted."""
    j = Journal(tmp_path / "m.jsonl", header=HEADER, sync_interval_s=3600, memory_limit=5)
    j.write([AnnotationRecord(float(i), "x") for i in range(8)])
    assert j.status().dropped_lines == 3
    j.close()


def test_results_lines_are_strict_json(tmp_path: Path) -> None:
    """NaN and infinities become null so every line is strict JSON."""
    from ionm_tui.engine import AverageRecord

    rec = AverageRecord(
        "t",
        1,
        2.0,
        np.array([0.0, 1.0]),
        ("A",),
        np.array([[np.nan], [np.inf]]),
        np.zeros((2, 1)),
        4.0,
        "block",
    )
    path = tmp_path / "a.jsonl"
    with Journal(path, header=HEADER) as j:
        j.write([rec])
    text = path.read_text()
    assert "NaN" not in text
    assert "Infinity" not in text
    last = json.loads(text.splitlines()[-1])
    assert last["values_uv"] == [[None], [None]]
