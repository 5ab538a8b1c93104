"""Run a Python writer in a child process, follow its progress, and kill it with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def run_and_kill(script: str, seconds: float) -> tuple[list[tuple[int, float]], float]:
    """Run ``script`` (which prints ``<k> <monotonic time>`` per item written) for ``seconds``,
    then SIGKILL it.

    Returns:
        The (k, time) pairs it reported, and the monotonic time of the kill.
    """
    written: list[tuple[int, float]] = []
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            line = proc.stdout.readline()
            if not line:
                break
            k, t = line.split()
            written.append((int(k), float(t)))
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(timeout=10)
    return written, killed_at
